export { parseWwwAuthenticate, type Challenge } from "./challenge.js";
export {
  AccessDeniedError,
  BearerError,
  ButlerError,
  ExpiredTokenError,
  OAuthError,
  ProblemError,
  RateLimitedError,
  UnavailableError,
  UnexpectedResponseError,
  UnreachableError,
} from "./errors.js";
export * from "./client.js";
export {
  type Estimate,
  type Tally,
  estimateCategoryShare,
  estimateFrom,
  estimateShare,
  estimateShares,
  tally,
  truthProbability,
} from "./estimate.js";
export type { components, paths } from "./schema.js";
