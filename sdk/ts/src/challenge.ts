/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface Challenge {
  /** The auth scheme, lower-cased (`bearer`, `basic`). */
  scheme: string;
  /** The auth parameters by lower-cased name, values unquoted. */
  params: Record<string, string>;
  /** The token68 form, for schemes that use it instead of parameters. */
  token68?: string;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;
const OWS = /[ \t]*/y;
const SEPARATORS = /[ \t,]*/y;
const PARAM_START = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=[ \t]*(?=["!#$%&'*+\-.^_`|~0-9A-Za-z])/y;

/**
 * Parses a `WWW-Authenticate` header into its challenges: several challenges, several parameters
 * each, quoted strings with escapes, case-insensitive schemes and names. Malformed input ends the
 * list at the last challenge read whole; it never throws.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  let pos = 0;
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    const m = re.exec(header);
    if (!m) return undefined;
    pos = re.lastIndex;
    return m[0];
  };
  const at = (re: RegExp): boolean => {
    re.lastIndex = pos;
    return re.test(header);
  };
  const quoted = (): string | undefined => {
    let value = "";
    for (let i = pos + 1; i < header.length; i++) {
      const c = header[i];
      if (c === "\\" && i + 1 < header.length) value += header[++i];
      else if (c === '"') {
        pos = i + 1;
        return value;
      } else value += c;
    }
    return undefined;
  };
  const param = (): [string, string] | undefined => {
    const name = match(TOKEN);
    if (name === undefined) return undefined;
    match(OWS);
    if (header[pos] !== "=") return undefined;
    pos++;
    match(OWS);
    const value = header[pos] === '"' ? quoted() : match(TOKEN);
    return value === undefined ? undefined : [name.toLowerCase(), value];
  };

  const challenges: Challenge[] = [];
  for (;;) {
    match(SEPARATORS);
    const scheme = match(TOKEN);
    if (scheme === undefined) return challenges;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    match(OWS);
    if (!at(PARAM_START)) {
      const start = pos;
      const token68 = match(TOKEN68);
      match(OWS);
      if (token68 !== undefined && (pos === header.length || header[pos] === ",")) {
        challenge.token68 = token68;
      } else {
        pos = start;
      }
      challenges.push(challenge);
      continue;
    }
    for (;;) {
      const p = param();
      if (!p) return challenges;
      challenge.params[p[0]] ??= p[1];
      match(OWS);
      if (header[pos] !== ",") break;
      const next = pos;
      match(SEPARATORS);
      if (!at(PARAM_START)) {
        pos = next;
        break;
      }
    }
    challenges.push(challenge);
    if (pos < header.length && header[pos] !== ",") return challenges;
  }
}
