import { describe, expect, it } from 'vitest';
import { repairLanguage } from './locale';

function fakeNavigator(language: string, languages: string[]): Navigator {
  return { language, languages } as unknown as Navigator;
}

describe('repairLanguage', () => {
  it('leaves valid tags alone', () => {
    const nav = fakeNavigator('en-GB', ['en-GB', 'fr']);
    expect(repairLanguage(nav)).toBe(false);
    expect(nav.language).toBe('en-GB');
  });

  it('replaces a POSIX locale with a tag Intl accepts', () => {
    const nav = fakeNavigator('C', ['C']);
    expect(() => new Intl.DateTimeFormat(nav.language)).toThrow(RangeError);
    expect(repairLanguage(nav)).toBe(true);
    expect(() => new Intl.DateTimeFormat(nav.language)).not.toThrow();
    expect(nav.languages).toEqual([nav.language]);
  });

  it('keeps the valid tags of a mixed list', () => {
    const nav = fakeNavigator('C', ['C', 'de-DE']);
    repairLanguage(nav);
    expect(nav.language).toBe('de-DE');
    expect(nav.languages).toEqual(['de-DE']);
  });
});
