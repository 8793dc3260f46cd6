// Wording and formatting for the Profile, Inbox and Settings screens: the catalog's names and the
// offer vocabularies in the owner's words, dates and sizes, and file names for exports.

import { sentence } from './text';

/** The catalog's field names as the owner reads them. */
const FIELD_LABELS: Record<string, string> = {
  birth_date: 'Date of birth',
  gender: 'Gender',
  language: 'Language',
  'home.country': 'Country',
  'home.region': 'Region',
  'home.city': 'City or town',
  'home.postcode': 'Postcode',
  'household.size': 'People in your household',
  'household.children_ages': "Children's ages",
  'sizes.clothing': 'Clothing size',
  'sizes.shoe': 'Shoe size',
  'contact.email': 'E-mail address',
  'shopping.decision_style': 'How you decide',
  health: 'Health',
  religion: 'Religion or belief',
  politics: 'Political opinion',
  interests: 'Interests',
  offer_preferences: 'Offer preferences',
};

/** "home.postcode" -> "Postcode"; unknown names are made readable from their last part. */
export function fieldLabel(name: string): string {
  return FIELD_LABELS[name] ?? humanize(name.split('.').pop() ?? name);
}

/** "back-in-stock" or "children_ages" -> "Back in stock", "Children ages". */
export function humanize(name: string): string {
  const words = name.replace(/[-_.]+/g, ' ').trim();
  return words.charAt(0).toLocaleUpperCase() + words.slice(1);
}

/** What to type, and what a brand may get instead of the value, in the owner's words. */
const FIELD_HINTS: Record<string, string> = {
  birth_date: 'As YYYY-MM-DD. A brand can be given just an age band, or a yes/no such as “over 18”.',
  gender: 'In your own words. A brand can be given a yes/no answer instead.',
  language: 'A language tag such as en-GB, fr or pt-BR.',
  'home.country': 'The two-letter code, such as GB or FR.',
  'home.region': 'Region, state or province.',
  'home.city': 'A brand can be given just your region instead.',
  'home.postcode': 'A brand can be given just its first part instead.',
  'household.size': 'People living with you, yourself included: 1 to 20.',
  'household.children_ages': 'Ages in years, separated by commas. A brand can be given age bands instead.',
  'sizes.clothing': 'XXS to 5XL, or EU 28 to 70.',
  'sizes.shoe': 'EU 16 to 52, UK 0 to 17 or US 1 to 18, halves allowed; EU unless you say.',
  'contact.email': 'Where brands may write to you, if you allow it.',
  'shopping.decision_style': 'compare (take your time), quick, loyal (brands you know) or deals.',
  health: 'A free-text note. Used only for yes/no answers you consent to.',
  religion: 'Used only for yes/no answers you consent to.',
  politics: 'Used only for yes/no answers you consent to.',
};

/** The hint under a field: the owner-facing one, else the catalog's description and modes. */
export function fieldHint(field: { name: string; description: string; modes: string[]; sensitivity: string }): string {
  const known = FIELD_HINTS[field.name];
  if (known) return known;
  const base = sentence(field.description);
  if (field.sensitivity === 'special') return `${base} Used only for answers you consent to.`;
  return field.modes.length > 1 ? `${base} Brands may ask for ${modesText(field.modes)}.` : base;
}

export interface FieldGroup {
  id: string;
  title: string;
  /** One line under the group's title. */
  intro?: string;
  fields: string[];
}

/** How the profile screen groups the catalog's simple fields. */
export const FIELD_GROUPS: FieldGroup[] = [
  { id: 'about', title: 'About you', fields: ['birth_date', 'gender', 'language'] },
  { id: 'home', title: 'Home', fields: ['home.country', 'home.region', 'home.city', 'home.postcode'] },
  { id: 'household', title: 'Household', fields: ['household.size', 'household.children_ages'] },
  { id: 'sizes', title: 'Sizes', fields: ['sizes.clothing', 'sizes.shoe'] },
  { id: 'contact', title: 'Contact', fields: ['contact.email'] },
  { id: 'shopping', title: 'Shopping', fields: ['shopping.decision_style'] },
  {
    id: 'special',
    title: 'Special categories',
    intro:
      'Health, religion and politics are never disclosed as values. Butler only uses them to answer a ' +
      "brand's question, and only for a brand you gave explicit consent for this field.",
    fields: ['health', 'religion', 'politics'],
  },
];

/** The disclosure modes in words, for "Brands can ask for: …". */
const MODE_LABELS: Record<string, string> = {
  exact: 'the exact value',
  coarse: 'a coarse value',
  answer: 'yes/no answers',
};

export function modesText(modes: string[]): string {
  const words = modes.map((m) => MODE_LABELS[m] ?? m);
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

// ---- Offer vocabularies ----

const KIND_LABELS: Record<string, string> = {
  discount: 'Discounts',
  'new-product': 'New products',
  'back-in-stock': 'Back in stock',
  'price-drop': 'Price drops',
  event: 'Events',
  'loyalty-reward': 'Loyalty rewards',
  newsletter: 'Newsletters',
};

const CHANNEL_LABELS: Record<string, string> = {
  'butler-inbox': "Butler's inbox",
  email: 'E-mail',
  sms: 'Text message (SMS)',
  push: 'Push notification',
  post: 'Post',
  phone: 'Phone call',
};

const TACTIC_LABELS: Record<string, string> = {
  'countdown-urgency': 'Countdown urgency',
  'scarcity-claims': 'Scarcity claims',
  'recently-viewed': 'Reminders of what you looked at',
  'family-mentions': 'Mentions of your family',
  'social-proof': 'Social proof',
  'preselected-extras': 'Pre-selected extras',
};

const TACTIC_HINTS: Record<string, string> = {
  'countdown-urgency': '“Only 2 hours left!”',
  'scarcity-claims': '“Only 3 left in stock”',
  'recently-viewed': '“You looked at this 10 minutes ago”',
  'family-mentions': '“Your daughter would love this”',
  'social-proof': '“500 people bought this today”',
  'preselected-extras': 'Add-ons ticked for you in advance',
};

export const kindLabel = (kind: string) => KIND_LABELS[kind] ?? humanize(kind);
export const channelLabel = (channel: string) => CHANNEL_LABELS[channel] ?? humanize(channel);
export const tacticLabel = (tactic: string) => TACTIC_LABELS[tactic] ?? humanize(tactic);
export const tacticHint = (tactic: string) => TACTIC_HINTS[tactic] ?? '';

/** One offer kind as a noun: "discount" -> "a discount", "event" -> "an event". */
export function kindNoun(kind: string): string {
  return withArticle(kind.replace(/-/g, ' '));
}

/** "purchase" -> "a purchase", "interest" -> "an interest". */
export function withArticle(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

// ---- Topics ----

/** "/Sports/Running & Walking" -> "Sports › Running & Walking"; free text stays as it is. */
export function topicLabel(path: string): string {
  if (!path.startsWith('/')) return path;
  return path.split('/').filter(Boolean).join(' › ');
}

/** The last part of a topic path, its own name. */
export function topicName(path: string): string {
  if (!path.startsWith('/')) return path;
  return path.split('/').filter(Boolean).pop() ?? path;
}

/** The parent parts of a topic path ("Sports" for "/Sports/Running & Walking"), or "". */
export function topicParent(path: string): string {
  if (!path.startsWith('/')) return '';
  return path.split('/').filter(Boolean).slice(0, -1).join(' › ');
}

// ---- Dates, times, numbers ----

const pad = (n: number) => String(n).padStart(2, '0');

/** A local calendar day as `YYYY-MM-DD`. */
export function isoDay(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Today plus `days`, as `YYYY-MM-DD` (local). */
export function dayFromToday(days: number, now = new Date()): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
  return isoDay(d);
}

/** `2026-12-01` -> "1 Dec 2026" (the owner's locale); anything unparsable is shown as it came. */
export function formatDay(day: string | null | undefined): string {
  if (!day) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** An RFC 3339 instant in the owner's time: "Today 09:14", "Yesterday 18:02", "3 Nov 2026, 11:40". */
export function formatWhen(instant: string | null | undefined, now = new Date()): string {
  if (!instant) return '';
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant;
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const today = isoDay(now);
  const day = isoDay(d);
  if (day === today) return `today ${time}`;
  if (day === dayFromToday(-1, now)) return `yesterday ${time}`;
  if (day === dayFromToday(1, now)) return `tomorrow ${time}`;
  const sameYear = d.getFullYear() === now.getFullYear();
  const date = d.toLocaleDateString(undefined, sameYear
    ? { day: 'numeric', month: 'short' }
    : { day: 'numeric', month: 'short', year: 'numeric' });
  return `${date}, ${time}`;
}

/** The full instant for a tooltip or `<time datetime>`. */
export function formatFull(instant: string): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant;
  return d.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });
}

/** A weight 0..1 as a percentage: 0.5 -> "50%". */
export function percent(weight: number): string {
  return `${Math.round(weight * 100)}%`;
}

/** Bytes as "812 B", "12.4 kB", "3.1 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** "1 entry", "1,234 entries". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

// ---- Files ----

/** Joins a folder and a file name with the folder's own separator. */
export function joinPath(dir: string, file: string): string {
  if (dir === '') return file;
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? `${dir}${file}` : `${dir}${sep}${file}`;
}

/** `butler-profile-2026-11-23.butler`, `butler-log-2026-11-23.csv`, ... */
export function exportFileName(what: 'profile' | 'log', extension: string, now = new Date()): string {
  return `butler-${what}-${isoDay(now)}.${extension}`;
}

/** Swaps the extension of a path's file name (`.butler` -> `.json`), leaving the folder. */
export function withExtension(path: string, extension: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  const base = dot > slash + 1 ? path.slice(0, dot) : path;
  return `${base}.${extension}`;
}

/** The most common IANA time zones, for the time-zone input's suggestions. */
export const COMMON_TIME_ZONES = [
  'UTC',
  'Europe/London', 'Europe/Dublin', 'Europe/Lisbon', 'Europe/Paris', 'Europe/Brussels',
  'Europe/Amsterdam', 'Europe/Berlin', 'Europe/Zurich', 'Europe/Vienna', 'Europe/Madrid',
  'Europe/Rome', 'Europe/Stockholm', 'Europe/Oslo', 'Europe/Copenhagen', 'Europe/Helsinki',
  'Europe/Warsaw', 'Europe/Prague', 'Europe/Athens', 'Europe/Istanbul', 'Europe/Kyiv',
  'America/New_York', 'America/Toronto', 'America/Chicago', 'America/Denver', 'America/Phoenix',
  'America/Los_Angeles', 'America/Vancouver', 'America/Anchorage', 'America/Mexico_City',
  'America/Bogota', 'America/Lima', 'America/Santiago', 'America/Sao_Paulo',
  'America/Argentina/Buenos_Aires', 'Pacific/Honolulu',
  'Africa/Casablanca', 'Africa/Lagos', 'Africa/Cairo', 'Africa/Nairobi', 'Africa/Johannesburg',
  'Asia/Dubai', 'Asia/Karachi', 'Asia/Kolkata', 'Asia/Dhaka', 'Asia/Bangkok', 'Asia/Jakarta',
  'Asia/Singapore', 'Asia/Hong_Kong', 'Asia/Shanghai', 'Asia/Taipei', 'Asia/Seoul', 'Asia/Tokyo',
  'Asia/Manila', 'Australia/Perth', 'Australia/Adelaide', 'Australia/Brisbane', 'Australia/Sydney',
  'Pacific/Auckland',
];

/** The system's time zone, as the browser knows it ("UTC" when it does not). */
export function systemTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** A URL that may be opened from an offer: https only. */
export function safeLink(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The host of a URL, to show where a link goes. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * A message of the Rust side as the owner reads it: the command line's `code quotes` become
 * typographic quotes, and it reads as a sentence.
 */
export function ownerText(message: string): string {
  return sentence(message.replace(/`([^`]*)`/g, '“$1”'));
}
