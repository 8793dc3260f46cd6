// Some systems hand the window a POSIX locale ("C", "POSIX") as the browser's language: that is
// not a BCP 47 tag, and any library that passes it to Intl throws (uPlot does, when it loads).
// Where the language is not a valid tag, the page reports the engine's own default instead.

function valid(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length > 0;
  } catch {
    return false;
  }
}

/** Makes `navigator.language(s)` valid BCP 47 tags; returns whether it had to. */
export function repairLanguage(nav: Navigator = navigator): boolean {
  const languages = nav.languages?.length ? [...nav.languages] : [nav.language];
  if (languages.every(valid)) return false;
  const fallback = new Intl.DateTimeFormat().resolvedOptions().locale;
  const kept = languages.filter(valid);
  const list = kept.length ? kept : [fallback];
  Object.defineProperty(nav, 'language', { get: () => list[0], configurable: true });
  Object.defineProperty(nav, 'languages', { get: () => Object.freeze([...list]), configurable: true });
  return true;
}
