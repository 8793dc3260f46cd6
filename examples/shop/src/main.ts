// The demo shop's page. Without Butler it shows its usual order. Once the visitor connects their
// Butler (the device flow: the page shows a code, the visitor approves it in Butler), the page asks
// Butler, from the visitor's own browser, to rank the products against their interests (it never
// sees the interests), to tell it their language if they allow it, and to pass on an offer. Each
// personalization names its grant, purpose and receipt in the "why am I seeing this?" panel.
// Whenever Butler is locked, stopped or the grant is gone, the page quietly shows the usual order.

import {
  AccessDeniedError,
  Butler,
  ButlerError,
  ExpiredTokenError,
  OAuthError,
  type Candidate,
  type OfferResponse,
  type Session,
} from '@butler/brand-sdk';
import { PRODUCTS, candidate, type Product } from './products';
import './style.css';

const SHOP_NAME = 'Corner Shop';
/** What the shop asks for: interests and offer preferences as answers only, and the language. */
const SCOPE = [
  'field:interests:answer',
  'field:offer_preferences:answer',
  'field:language',
  'purpose:recommend-products',
  'purpose:personalize-content',
  'purpose:contact',
].join(' ');
const STORE_KEY = 'corner-shop.butler';

/** What the shop remembers about the visitor's Butler (in this browser only). */
interface Connection {
  clientId: string;
  token?: string;
  grantId?: string;
}

/** One personalization, for the "why am I seeing this?" panel. */
interface Why {
  what: string;
  purpose: string;
  receipt: string;
}

const GREETINGS: Record<string, string> = {
  en: 'Welcome back',
  fr: 'Bon retour parmi nous',
  de: 'Willkommen zurück',
  es: 'Bienvenido de nuevo',
  it: 'Bentornato',
  nl: 'Welkom terug',
  pt: 'Bem-vindo de volta',
};
const GENERIC_GREETING = 'Welcome to the Corner Shop';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function load(): Connection | null {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE_KEY) ?? 'null') as Connection | null;
    return saved && typeof saved.clientId === 'string' ? saved : null;
  } catch {
    return null;
  }
}

function save(connection: Connection | null) {
  if (connection) localStorage.setItem(STORE_KEY, JSON.stringify(connection));
  else localStorage.removeItem(STORE_KEY);
}

function setStatus(text: string, tone: 'note' | 'ok' | 'error' = 'note') {
  const status = $('butler-status');
  status.textContent = text;
  status.dataset.tone = tone;
  status.setAttribute('role', tone === 'error' ? 'alert' : 'status');
}

function renderProducts(products: Product[], personalized: boolean) {
  const list = $<HTMLUListElement>('products');
  list.dataset.order = personalized ? 'personalized' : 'generic';
  list.replaceChildren(
    ...products.map((p) => {
      const item = document.createElement('li');
      item.className = 'product';
      item.dataset.productId = p.id;
      const name = document.createElement('h3');
      name.textContent = p.name;
      const blurb = document.createElement('p');
      blurb.textContent = p.blurb;
      const price = document.createElement('span');
      price.className = 'price';
      price.textContent = p.price;
      item.append(name, blurb, price);
      return item;
    }),
  );
  $('order-label').textContent = personalized ? 'Picked for you by your Butler' : 'Our bestsellers';
}

function renderWhy(reasons: Why[], grantId: string | undefined) {
  const panel = $<HTMLDetailsElement>('why');
  panel.hidden = reasons.length === 0;
  const list = $<HTMLUListElement>('why-list');
  list.replaceChildren(
    ...reasons.map((r) => {
      const item = document.createElement('li');
      item.dataset.receipt = r.receipt;
      item.innerHTML = '<strong></strong>: grant <code></code>, purpose <code></code>, receipt <code></code>';
      const [what, grant, purpose, receipt] = item.querySelectorAll('strong, code');
      what!.textContent = r.what;
      grant!.textContent = grantId ?? 'unknown';
      purpose!.textContent = r.purpose;
      receipt!.textContent = r.receipt;
      return item;
    }),
  );
}

function showConnected(connected: boolean) {
  $('connect').hidden = connected;
  $('disconnect').hidden = !connected;
  $('offer-box').hidden = !connected;
}

/** Orders the products as Butler ranked them; anything Butler left out keeps its usual place after. */
function orderBy(products: Product[], ranking: { id: string }[]): Product[] {
  const position = new Map(ranking.map((r, i) => [r.id, i]));
  const rank = (p: Product) => position.get(p.id) ?? ranking.length + products.indexOf(p);
  return [...products].sort((a, b) => rank(a) - rank(b));
}

function greetingFor(language: string | undefined): string {
  const primary = language?.split('-')[0]?.toLowerCase();
  return (primary && GREETINGS[primary]) || GENERIC_GREETING;
}

/** Asks Butler for everything the page personalizes. Throws if Butler does not answer. */
async function personalize(session: Session, connection: Connection) {
  const reasons: Why[] = [];
  const candidates: Candidate[] = PRODUCTS.map(candidate);
  const ranked = await session.answers('recommend-products', candidates);
  renderProducts(orderBy(PRODUCTS, ranked.data.ranking), true);
  reasons.push({ what: 'Product order', purpose: ranked.data.purpose, receipt: ranked.receipt });

  // The language is optional: a grant narrowed without it, or a refusal, leaves the usual greeting.
  let greeting = GENERIC_GREETING;
  try {
    const profile = await session.readProfile('personalize-content', ['language']);
    const language = profile.data.fields['language']?.value;
    if (typeof language === 'string') {
      greeting = greetingFor(language);
      reasons.push({ what: `Greeting in ${language}`, purpose: profile.data.purpose, receipt: profile.receipt });
    }
  } catch (error) {
    if (!(error instanceof ButlerError)) throw error;
  }
  $('greeting').textContent = greeting;
  renderWhy(reasons, connection.grantId);
  showConnected(true);
  setStatus('Your Butler personalized this page. It never showed us your interests.', 'ok');
  return reasons;
}

function showGeneric(note: string) {
  renderProducts(PRODUCTS, false);
  renderWhy([], undefined);
  $('greeting').textContent = GENERIC_GREETING;
  showConnected(false);
  setStatus(note);
}

async function main() {
  const config = (await fetch('/config.json').then((r) => r.json())) as { butler: string };
  const butler = new Butler({ baseUrl: config.butler });
  let reasons: Why[] = [];
  let waiting: AbortController | null = null;

  const start = async () => {
    const saved = load();
    if (!saved?.token) {
      showGeneric('Connect your Butler to see this shop arranged for you.');
      return;
    }
    try {
      reasons = await personalize(butler.session(saved.token), saved);
    } catch {
      // Locked, stopped, or the grant is gone: Butler tells a page nothing more, and neither do we.
      showGeneric('Showing our usual order. Connect your Butler to see it arranged for you.');
    }
  };

  const register = async (): Promise<Connection> => {
    const registered = await butler.register(SHOP_NAME, `${location.origin}/`);
    const connection = { clientId: registered.client_id };
    save(connection);
    return connection;
  };

  $('connect').addEventListener('click', async () => {
    waiting?.abort();
    waiting = new AbortController();
    const signal = waiting.signal;
    const panel = $('pairing');
    $('connect').setAttribute('disabled', '');
    setStatus('Asking your Butler…');
    try {
      let connection = load() ?? (await register());
      let request;
      try {
        request = await butler.requestAccess(connection.clientId, SCOPE);
      } catch (error) {
        // A client id from another Butler (or a forgotten one): register again, once.
        if (!(error instanceof OAuthError && error.error === 'invalid_client')) throw error;
        connection = await register();
        request = await butler.requestAccess(connection.clientId, SCOPE);
      }
      $('user-code').textContent = request.user_code;
      panel.hidden = false;
      setStatus('Waiting for you to approve the request in Butler…');
      const token = await butler.waitForToken(connection.clientId, request, { signal });
      connection = { ...connection, token: token.access_token, grantId: token.butler_grant_id };
      save(connection);
      panel.hidden = true;
      reasons = await personalize(butler.session(token.access_token), connection);
    } catch (error) {
      panel.hidden = true;
      if (signal.aborted) {
        setStatus('Connection cancelled.');
      } else if (error instanceof AccessDeniedError) {
        setStatus('You declined the request in Butler. The shop stays as it is.');
      } else if (error instanceof ExpiredTokenError) {
        setStatus('The code expired before it was approved. Connect again for a new one.');
      } else {
        setStatus(`Your Butler could not be reached: ${error instanceof Error ? error.message : String(error)}`, 'error');
      }
    } finally {
      $('connect').removeAttribute('disabled');
    }
  });

  $('cancel').addEventListener('click', () => waiting?.abort());

  $('disconnect').addEventListener('click', async () => {
    const saved = load();
    if (saved?.token) {
      await butler.session(saved.token).revoke(saved.clientId).catch(() => undefined);
    }
    save(saved ? { clientId: saved.clientId } : null);
    showGeneric('Disconnected. Your Butler no longer answers this shop.');
  });

  $('send-offer').addEventListener('click', async () => {
    const saved = load();
    const result = $('offer-result');
    if (!saved?.token) return;
    try {
      const sent = await butler.session(saved.token).offer({
        purpose: 'contact',
        kind: 'discount',
        channel: 'butler-inbox',
        tactics: [],
        title: '15% off running gear this week',
        body: 'Show this at the till or use the code SPRING15 online.',
      });
      result.textContent = offerWords(sent.data.decision);
      result.dataset.decision = sent.data.decision;
      reasons = [...reasons, { what: 'Offer', purpose: 'contact', receipt: sent.receipt }];
      renderWhy(reasons, saved.grantId);
    } catch {
      result.textContent = 'Your Butler is not answering now; no offer was sent.';
      delete result.dataset.decision;
    }
  });

  await start();
}

function offerWords(decision: OfferResponse['decision']): string {
  switch (decision) {
    case 'delivered':
      return 'Delivered: your Butler put it in your inbox.';
    case 'deferred':
      return 'Deferred: your Butler will pass it on at a better time.';
    case 'declined':
      return 'Declined: your Butler turned it down for you, by your preferences.';
  }
}

void main();
