// A small passphrase strength estimator for the first-run screen. It is a hint for the owner,
// not a security boundary: the Rust side enforces the minimum length, and the KDF does the rest.
//
// The estimate adds up the bits a guesser would have to find, step by step: a random character
// is worth log2 of the alphabet it comes from; a letter inside a word much less; a repeat of the
// previous character or a step in a sequence (abc, 123) a fraction; a part that repeats an
// earlier one, a common password or a year a few bits in all. The score buckets the bits.

export const MIN_LENGTH = 12;

export type Score = 0 | 1 | 2 | 3 | 4;

export interface Strength {
  score: Score;
  label: string;
  advice: string;
  /** Length in characters (code points), as the owner counts them. */
  length: number;
  meetsMinimum: boolean;
}

const LABELS: Record<Score, string> = {
  0: 'Very weak',
  1: 'Weak',
  2: 'Fair',
  3: 'Strong',
  4: 'Very strong',
};

// Bits needed for each score; below the first, the score is 0.
const THRESHOLDS: [number, Score][] = [
  [75, 4],
  [55, 3],
  [40, 2],
  [28, 1],
];

// Passwords and fragments at the top of every leaked-password list, keyboard walks included.
// Lowercase; compared after undoing common letter-for-digit swaps.
const COMMON = [
  'password', 'passw0rd', 'passphrase', 'qwerty', 'qwertyuiop', 'asdfgh', 'asdfghjkl', 'zxcvbn',
  'azerty', 'qwertz', 'letmein', 'iloveyou', 'admin', 'welcome', 'monkey', 'dragon', 'football',
  'baseball', 'basketball', 'soccer', 'hockey', 'sunshine', 'princess', 'master', 'shadow',
  'superman', 'batman', 'trustno1', 'starwars', 'whatever', 'freedom', 'secret', 'computer',
  'internet', 'login', 'abc123', 'changeme', 'default', 'hello', 'hellothere', 'charlie',
  'michael', 'jennifer', 'jordan', 'hunter', 'ranger', 'buster', 'soccer', 'harley', 'thomas',
  'summer', 'winter', 'spring', 'autumn', 'flower', 'cookie', 'cheese', 'banana', 'orange',
  'purple', 'yellow', 'silver', 'golden', 'killer', 'pepper', 'ginger', 'chocolate', 'mustang',
  'access', 'butler', 'family', 'forever', 'loveme', 'lovely', 'angel', 'pokemon', 'matrix',
  'ninja', 'mother', 'father', 'daniel', 'andrew', 'joshua', 'maggie', 'jessica', 'ashley',
  'nicole', 'liverpool', 'chelsea', 'arsenal', 'qazwsx', 'zaq1zaq1', 'iloveu', 'mypassword',
  'letmein1', 'welcome1', 'administrator', 'root', 'guest', 'test', 'testing', 'private',
  'security', 'service', 'love', 'god', 'money', 'sex', 'secret123', 'aaaaaa', 'abcdef',
  'abcdefg', 'abcdefgh',
];
const COMMON_SET = new Set(COMMON);
// Longest first, so that "qwertyuiop" wins over "qwerty".
const COMMON_BY_LENGTH = [...COMMON_SET].filter((w) => w.length >= 4).sort((a, b) => b.length - a.length);

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's', '!': 'i' };

// Beyond this, more characters change nothing about the score; this keeps the work bounded.
const MAX_EXAMINED = 128;

export function estimate(passphrase: string): Strength {
  const chars = [...passphrase];
  const length = chars.length;
  const meetsMinimum = length >= MIN_LENGTH;

  if (length === 0) {
    return result(0, length, 'Use at least 12 characters. A few unrelated words make a passphrase that is long and easy to remember.');
  }

  const examined = chars.slice(0, MAX_EXAMINED);
  const lower = examined.map((c) => c.toLowerCase());
  const normalized = lower.map((c) => LEET[c] ?? c);

  if (isCommon(lower.join(''))) {
    return result(0, length, 'This is one of the most common passwords. Pick words nobody would guess for you.');
  }

  const { bits, patterned } = estimateBits(examined, normalized);
  let score: Score = 0;
  for (const [needed, s] of THRESHOLDS) {
    if (bits >= needed) {
      score = s;
      break;
    }
  }

  if (!meetsMinimum) {
    const missing = MIN_LENGTH - length;
    return result(Math.min(score, 1) as Score, length,
      `Add ${missing} more character${missing === 1 ? '' : 's'}: Butler needs at least ${MIN_LENGTH}.`);
  }
  if (patterned && score <= 2) {
    return result(score, length, 'Avoid repeats, sequences like 1234, years and common words: they are the first things guessed.');
  }
  const advice: Record<Score, string> = {
    0: 'Add a few unrelated words; length matters most.',
    1: 'Add another word or two; unrelated words work best.',
    2: 'Getting there. Another unrelated word would make it strong.',
    3: 'Good. One more word would make it very strong.',
    4: 'Excellent. Keep it somewhere safe: Butler cannot recover it.',
  };
  return result(score, length, advice[score]);
}

function result(score: Score, length: number, advice: string): Strength {
  return { score, label: LABELS[score], advice, length, meetsMinimum: length >= MIN_LENGTH };
}

/** A common password on its own, or with digits and symbols stuck to its ends (password2024!). */
function isCommon(lower: string): boolean {
  const known = (text: string) => COMMON_SET.has(text) || COMMON_SET.has(unLeet(text));
  if (known(lower)) return true;
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  return core.length > 0 && lower.length - core.length <= 6 && known(core);
}

function unLeet(text: string): string {
  return [...text].map((c) => LEET[c] ?? c).join('');
}

function alphabetSize(chars: string[]): number {
  let size = 0;
  if (chars.some((c) => /[a-z]/.test(c))) size += 26;
  if (chars.some((c) => /[A-Z]/.test(c))) size += 26;
  if (chars.some((c) => /[0-9]/.test(c))) size += 10;
  if (chars.some((c) => /[\x20-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(c))) size += 33;
  if (chars.some((c) => c.codePointAt(0)! > 0x7e)) size += 100;
  return Math.max(size, 2);
}

// What a guesser pays for each kind of step, in bits. Letters inside a word are far more
// predictable than random characters (a diceware word of about 5 letters is worth about 13
// bits); a separator between words, a repeat of an earlier part, a common word or a year
// are among the first things tried.
const BITS_PER_WORD_LETTER = 3.2;
const BITS_SEPARATOR = 1;
const BITS_REPEATED_PART = 4;
const BITS_COMMON_WORD = 8;
const BITS_YEAR = 7;

/**
 * Walks the text left to right and adds up what each step costs a guesser: a part seen
 * before, a common word or a year costs a few bits; a repeat of the previous character or a
 * step in a sequence costs a fraction of a character; a letter inside a word costs less than
 * a random character.
 */
function estimateBits(chars: string[], normalized: string[]): { bits: number; patterned: boolean } {
  const perChar = Math.log2(alphabetSize(chars));
  const inWord = wordLetters(chars);
  const text = normalized.join('');
  let bits = 0;
  let patterned = false;
  let i = 0;
  while (i < chars.length) {
    const repeat = longestEarlierMatch(normalized, i);
    if (repeat >= 3) {
      bits += BITS_REPEATED_PART;
      patterned = true;
      i += repeat;
      continue;
    }
    const word = COMMON_BY_LENGTH.find((w) => text.startsWith(w, i));
    if (word) {
      bits += BITS_COMMON_WORD;
      patterned = true;
      i += word.length;
      continue;
    }
    if (/^(19|20)\d\d$/.test(chars.slice(i, i + 4).join(''))) {
      bits += BITS_YEAR;
      patterned = true;
      i += 4;
      continue;
    }
    const current = chars[i]!;
    const previous = i > 0 ? chars[i - 1]! : undefined;
    const unit = inWord[i] ? BITS_PER_WORD_LETTER : perChar;
    if (previous !== undefined && sameLetter(previous, current) && !(inWord[i] && !tripled(chars, i))) {
      // A doubled letter inside a word is ordinary spelling; elsewhere, or tripled, a repeat.
      bits += 0.2 * unit;
      if (tripled(chars, i)) patterned = true;
    } else if (inSequence(chars, i)) {
      bits += 0.3 * unit;
      patterned = true;
    } else if (isSeparator(current) && i > 0 && inWord[i - 1] && inWord[i + 1]) {
      bits += BITS_SEPARATOR;
    } else {
      bits += unit;
    }
    i += 1;
  }
  return { bits, patterned };
}

/** Marks the letters that belong to a run of three or more letters (a word, most likely). */
function wordLetters(chars: string[]): boolean[] {
  const marks = chars.map(() => false);
  let runStart = 0;
  for (let i = 0; i <= chars.length; i++) {
    if (i < chars.length && /\p{L}/u.test(chars[i]!)) continue;
    if (i - runStart >= 3) marks.fill(true, runStart, i);
    runStart = i + 1;
  }
  return marks;
}

function isSeparator(c: string): boolean {
  return c === ' ' || c === '-' || c === '_' || c === '.';
}

function longestEarlierMatch(chars: string[], at: number): number {
  let best = 0;
  for (let start = 0; start < at; start++) {
    let n = 0;
    // The earlier copy may overlap the current position (as in "abababab").
    while (at + n < chars.length && chars[start + n] === chars[at + n]) n++;
    if (n > best) best = n;
  }
  return best;
}

function sameLetter(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function tripled(chars: string[], i: number): boolean {
  return i > 1 && sameLetter(chars[i - 2]!, chars[i]!) && sameLetter(chars[i - 1]!, chars[i]!);
}

/** Character i continues a run of at least three sequential characters (abc, 321, xyz). */
function inSequence(chars: string[], i: number): boolean {
  if (i === 0 || !isSequenceStep(chars[i - 1]!, chars[i]!)) return false;
  return (i > 1 && isSequenceStep(chars[i - 2]!, chars[i - 1]!)) ||
    (i + 1 < chars.length && isSequenceStep(chars[i]!, chars[i + 1]!));
}

function isSequenceStep(a: string, b: string): boolean {
  const alnum = /^[a-z0-9]$/i;
  if (!alnum.test(a) || !alnum.test(b)) return false;
  return Math.abs(a.toLowerCase().charCodeAt(0) - b.toLowerCase().charCodeAt(0)) === 1;
}

/** Why a new passphrase is refused for its length, or null when it is long enough. */
export function lengthProblem(strength: Strength, noun = 'a passphrase'): string | null {
  if (strength.meetsMinimum) return null;
  return strength.length === 0
    ? `Choose ${noun} of at least ${MIN_LENGTH} characters.`
    : `Use at least ${MIN_LENGTH} characters; this one has ${strength.length}.`;
}
