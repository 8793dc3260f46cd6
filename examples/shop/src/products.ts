import products from './products.json';

/** What the shop sells. Each product names its Topics (taxonomy v2) so Butler can rank it. */
export interface Product {
  id: string;
  name: string;
  price: string;
  blurb: string;
  topics: number[];
  /** Words for free-text interests. */
  text: string;
}

/** The usual order: what the shop shows everyone who has not connected a Butler. */
export const PRODUCTS: Product[] = products;

/** A product as a candidate for Butler's answers endpoint (the test sends the same). */
export const candidate = (p: Product) => ({ id: p.id, topics: p.topics, text: p.text });
