// Words and dates for the Requests, Brands and Activity screens. The Rust side sends times as
// RFC 3339 instants and days as `YYYY-MM-DD` (UTC); the owner reads them in local time.

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const SHORT_DAY = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const SHORT_DATE_TIME = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: '2-digit',
  hour: 'numeric',
  minute: '2-digit',
});
const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

const DAY_MS = 24 * 60 * 60 * 1000;

/** An instant, or a `YYYY-MM-DD` day (read as that local day), as a Date; null if unreadable. */
export function toDate(value: string): Date | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const date = day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "12 Mar 2026, 14:05" in the owner's locale and time zone. */
export function dateTime(value: string): string {
  const date = toDate(value);
  return date ? DATE_TIME.format(date) : value;
}

/** "12 Mar 26, 14:05": for tables. */
export function shortDateTime(value: string): string {
  const date = toDate(value);
  return date ? SHORT_DATE_TIME.format(date) : value;
}

/** "12 Mar 2026". */
export function dateOnly(value: string): string {
  const date = toDate(value);
  return date ? DATE.format(date) : value;
}

/** "14:05". */
export function timeOnly(value: string): string {
  const date = toDate(value);
  return date ? TIME.format(date) : value;
}

/** "12 Mar", for chart axes. */
export function shortDay(date: Date): string {
  return SHORT_DAY.format(date);
}

/** "in 9 minutes", "3 days ago", "now", measured from `now` (ms). */
export function relative(value: string, now: number = Date.now()): string {
  const date = toDate(value);
  if (!date) return value;
  const diff = date.getTime() - now;
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 365 * DAY_MS],
    ['month', 30 * DAY_MS],
    ['week', 7 * DAY_MS],
    ['day', DAY_MS],
    ['hour', 60 * 60 * 1000],
    ['minute', 60 * 1000],
  ];
  for (const [unit, size] of units) {
    if (abs >= size) return RELATIVE.format(Math.round(diff / size), unit);
  }
  return diff >= 0 ? 'in less than a minute' : 'just now';
}

/** Whether an instant is already past. */
export function isPast(value: string, now: number = Date.now()): boolean {
  const date = toDate(value);
  return date ? date.getTime() <= now : false;
}

/** `recommend-products` → "Recommend products"; `rate_spike` → "Rate spike". */
export function humanize(name: string): string {
  const words = name.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toLocaleUpperCase() + words.slice(1);
}

/** A disclosure mode in words. */
export function modeLabel(mode: string): string {
  switch (mode) {
    case 'exact':
      return 'exact value';
    case 'coarse':
      return 'coarse value';
    case 'answer':
      return 'computed answer';
    default:
      return humanize(mode).toLocaleLowerCase();
  }
}

/** What a mode reveals, for the mode choice of a field (catalog wording; generic when unknown). */
export function modeHint(field: string, mode: string): string {
  if (mode === 'exact') return 'the value itself';
  if (mode === 'answer') return 'only a yes/no, a score or a ranking computed inside Butler';
  const coarse: Record<string, string> = {
    birth_date: 'an age band such as 25-34',
    'home.city': 'the region only',
    'home.postcode': 'the leading part only',
    'household.size': 'a band',
    'household.children_ages': 'age bands',
    interests: 'top-level topics only',
  };
  return coarse[field] ?? 'a rougher version of the value';
}

/** A withheld field's reason in words: `not_granted` → "not granted". */
export function reasonLabel(reason: string): string {
  switch (reason) {
    case 'empty':
      return 'not set in your profile';
    case 'answer_only':
      return 'answer only';
    case 'unknown_field':
      return 'not a known field';
    default:
      return reason.replace(/[-_]+/g, ' ');
  }
}

export type BadgeTone = 'ok' | 'warn' | 'danger' | 'neutral';

/** The badge colour of a log entry's outcome. */
export function outcomeTone(outcome: string): BadgeTone {
  switch (outcome) {
    case 'disclosed':
      return 'ok';
    case 'narrowed':
      return 'warn';
    case 'refused':
      return 'danger';
    default:
      return 'neutral';
  }
}

/** The badge colour of a grant's state. */
export function grantTone(state: string): BadgeTone {
  switch (state) {
    case 'active':
      return 'ok';
    case 'paused':
      return 'warn';
    case 'revoked':
      return 'danger';
    default:
      return 'neutral';
  }
}

/** "1 request", "3 requests". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A Date's UTC day as `YYYY-MM-DD` (how `log_counts` names days). */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The `n` UTC days ending today, oldest first, as `YYYY-MM-DD`. */
export function lastDays(n: number, now: number = Date.now()): string[] {
  const days: string[] = [];
  for (let i = n - 1; i >= 0; i--) days.push(utcDay(new Date(now - i * DAY_MS)));
  return days;
}

/**
 * A date input's `YYYY-MM-DD` as the start of that local day (RFC 3339), moved by `plusDays`:
 * "until 12 March" includes the whole of 12 March, so it is sent as the start of 13 March.
 */
export function localDayStart(day: string, plusDays = 0): string | null {
  const date = toDate(day);
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(day.trim())) return null;
  date.setDate(date.getDate() + plusDays);
  return date.toISOString();
}

/** The host of a home page, for a short mention; the whole text if it is not a URL. */
export function hostOf(uri: string): string {
  try {
    return new URL(uri).host || uri;
  } catch {
    return uri;
  }
}

/**
 * A catalog field's description as a short title: "date of birth, YYYY-MM-DD" → "Date of birth",
 * "shoe size: EU 16-52 ..." → "Shoe size", "health information (special category)" → "Health
 * information". Falls back to the field's name.
 */
export function fieldTitle(description: string, name: string): string {
  const short = description.split(/:|, |\s\(/)[0]?.trim() ?? '';
  return short === '' ? name : short.charAt(0).toLocaleUpperCase() + short.slice(1);
}
