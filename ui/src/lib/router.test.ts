import { describe, expect, it } from 'vitest';
import { href, parseHash } from './router.svelte';

describe('parseHash', () => {
  it('reads the section and the rest', () => {
    expect(parseHash('#/requests')).toEqual({ section: 'requests', rest: [] });
    expect(parseHash('#/requests/ABCD-EFGH')).toEqual({ section: 'requests', rest: ['ABCD-EFGH'] });
    expect(parseHash('#/brands/a%20b/grants/')).toEqual({ section: 'brands', rest: ['a b', 'grants'] });
    expect(parseHash('#settings')).toEqual({ section: 'settings', rest: [] });
  });

  it('rejects empty and unknown hashes', () => {
    expect(parseHash('')).toBeNull();
    expect(parseHash('#/')).toBeNull();
    expect(parseHash('#/nowhere')).toBeNull();
    expect(parseHash('#main-content')).toBeNull();
  });

  it('round-trips with href', () => {
    expect(parseHash(href('activity', 'brand/1', 'x y'))).toEqual({ section: 'activity', rest: ['brand/1', 'x y'] });
  });
});
