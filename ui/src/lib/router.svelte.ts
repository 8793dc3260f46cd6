// Hash-based routing for the shell: `#/profile`, `#/requests`, `#/requests/ABCD-EFGH`, ...
// The first segment picks the section; the rest is left to the section's screen.

export const SECTIONS = ['profile', 'requests', 'brands', 'activity', 'inbox', 'settings'] as const;
export type Section = (typeof SECTIONS)[number];

export const DEFAULT_SECTION: Section = 'profile';

export interface Route {
  section: Section;
  /** Path segments after the section, decoded. */
  rest: string[];
}

export function parseHash(hash: string): Route | null {
  const path = hash.replace(/^#\/?/, '');
  const [first = '', ...rest] = path.split('/').filter((s) => s !== '');
  if (!(SECTIONS as readonly string[]).includes(first)) return null;
  return { section: first as Section, rest: rest.map(safeDecode) };
}

export function href(section: Section, ...rest: string[]): string {
  return `#/${[section, ...rest.map(encodeURIComponent)].join('/')}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

class Router {
  route = $state<Route>({ section: DEFAULT_SECTION, rest: [] });

  /** Follows `location.hash` from now on; returns the function that stops following it. */
  start(): () => void {
    const sync = () => this.sync();
    sync();
    window.addEventListener('hashchange', sync);
    return () => window.removeEventListener('hashchange', sync);
  }

  go(section: Section, ...rest: string[]): void {
    const target = href(section, ...rest);
    if (window.location.hash !== target) window.location.hash = target;
  }

  private sync(): void {
    const parsed = parseHash(window.location.hash);
    if (parsed) {
      this.route = parsed;
    } else {
      // An empty or unknown hash lands on the default section without a history entry.
      this.route = { section: DEFAULT_SECTION, rest: [] };
      history.replaceState(history.state, '', href(DEFAULT_SECTION));
    }
  }
}

export const router = new Router();
