import { type Challenge, parseWwwAuthenticate } from "./challenge.js";
import type { components } from "./schema.js";

type Problem = components["schemas"]["Problem"];
type OAuthErrorBody = components["schemas"]["OAuthError"];

/** Everything that can go wrong talking to Butler. `status` is the HTTP status, if one came. */
export class ButlerError extends Error {
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
  }
}

/** Butler could not be reached: it is not running, or the browser refused the request (CORS, local network access). */
export class UnreachableError extends ButlerError {
  constructor(cause: unknown) {
    super(`cannot reach Butler: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, { cause });
  }
}

/** An RFC 9457 problem details response. */
export class ProblemError extends ButlerError {
  declare readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;

  constructor(problem: Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`, problem.status);
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
  }
}

/** A refused bearer token (401 `invalid_token`) or a grant too narrow for the call (403 `insufficient_scope`). */
export class BearerError extends ProblemError {
  /** The RFC 6750 challenge of `WWW-Authenticate`. */
  readonly challenge: Challenge;

  constructor(problem: Problem, challenge: Challenge) {
    super(problem);
    this.challenge = challenge;
  }

  /** The challenge's error code (`invalid_token`, `insufficient_scope`), absent when no token was sent. */
  get code(): string | undefined {
    return this.challenge.params["error"];
  }

  /** The scope the call needs, if the challenge names one. */
  get scope(): string[] | undefined {
    return this.challenge.params["scope"]?.split(" ").filter(Boolean);
  }
}

/** The grant's rate is exceeded (429): try again after `retryAfter` seconds. */
export class RateLimitedError extends ProblemError {
  readonly retryAfter: number | undefined;

  constructor(problem: Problem, retryAfter: number | undefined) {
    super(problem);
    this.retryAfter = retryAfter;
  }
}

/** Butler is locked or cannot write its access log (503): nothing was disclosed. */
export class UnavailableError extends ProblemError {
  readonly retryAfter: number | undefined;

  constructor(problem: Problem, retryAfter: number | undefined) {
    super(problem);
    this.retryAfter = retryAfter;
  }
}

/** An OAuth endpoint's error; `error` is the code to switch on (`invalid_scope`, `invalid_client`, ...). */
export class OAuthError extends ButlerError {
  readonly error: string;
  readonly description: string;

  constructor(error: string, description: string, status?: number) {
    super(description ? `${error}: ${description}` : error, status);
    this.error = error;
    this.description = description;
  }
}

/** The owner denied the access request. */
export class AccessDeniedError extends OAuthError {}

/** The access request expired before the owner decided. */
export class ExpiredTokenError extends OAuthError {}

/** An answer Butler's API does not describe. */
export class UnexpectedResponseError extends ButlerError {
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    super(`unexpected answer ${status}`, status);
    this.body = body;
  }
}

/** Seconds from a `Retry-After` header: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

export function oauthError(error: string, description: string, status?: number): OAuthError {
  switch (error) {
    case "access_denied":
      return new AccessDeniedError(error, description, status);
    case "expired_token":
      return new ExpiredTokenError(error, description, status);
    default:
      return new OAuthError(error, description, status);
  }
}

const text = (v: unknown): v is string => typeof v === "string";

function asProblem(body: unknown, response: Response): Problem {
  const b = (typeof body === "object" && body !== null ? body : {}) as Partial<Record<keyof Problem, unknown>>;
  return {
    type: text(b.type) ? b.type : "about:blank",
    title: text(b.title) ? b.title : response.statusText,
    status: typeof b.status === "number" ? b.status : response.status,
    detail: text(b.detail) ? b.detail : "",
  };
}

/** The typed error of a failed response, from its status, headers and parsed body. */
export function errorOf(response: Response, body: unknown): ButlerError {
  const { status, headers } = response;
  const isProblem = headers.get("content-type")?.toLowerCase().startsWith("application/problem+json") ?? false;
  const retryAfter = parseRetryAfter(headers.get("retry-after"));
  if (status === 429) return new RateLimitedError(asProblem(body, response), retryAfter);
  if (status === 503) return new UnavailableError(asProblem(body, response), retryAfter);
  if (status === 401 || status === 403) {
    const challenge = parseWwwAuthenticate(headers.get("www-authenticate") ?? "").find(
      (c) => c.scheme === "bearer",
    );
    if (challenge) return new BearerError(asProblem(body, response), challenge);
  }
  if (isProblem) return new ProblemError(asProblem(body, response));
  const oauth = body as Partial<Record<keyof OAuthErrorBody, unknown>> | null;
  if (typeof oauth === "object" && oauth !== null && text(oauth.error)) {
    return oauthError(oauth.error, text(oauth.error_description) ? oauth.error_description : "", status);
  }
  return new UnexpectedResponseError(status, body);
}
