import { describe, expect, it } from "vitest";
import {
  BearerError,
  ButlerError,
  OAuthError,
  ProblemError,
  RateLimitedError,
  UnavailableError,
  UnexpectedResponseError,
  UnreachableError,
} from "../src/index.js";
import { butlerWith, json, oauth, problem } from "./fake.js";

const fail = (p: Promise<unknown>) => p.then(() => expect.unreachable("it should fail"), (e: unknown) => e);

describe("errors", () => {
  it("turns problem details into ProblemError", async () => {
    const { butler } = butlerWith(problem(400, "Bad request", "unknown purpose `x`"));
    const err = await fail(butler.session("t").readProfile("x", ["email"]));
    expect(err).toBeInstanceOf(ProblemError);
    expect(err).not.toBeInstanceOf(BearerError);
    expect(err).toMatchObject({ type: "about:blank", title: "Bad request", status: 400, detail: "unknown purpose `x`" });
  });

  it("reads the bearer challenge of a refused token", async () => {
    const challenge = 'Bearer realm="butler", error="invalid_token", error_description="the token was revoked, sorry"';
    const { butler } = butlerWith(problem(401, "Invalid token", "the token was revoked", { "WWW-Authenticate": challenge }));
    const err = await fail(butler.session("t").answers("recommend-products", [{ id: "a" }]));
    expect(err).toBeInstanceOf(BearerError);
    expect(err).toBeInstanceOf(ProblemError);
    const bearer = err as BearerError;
    expect(bearer.status).toBe(401);
    expect(bearer.code).toBe("invalid_token");
    expect(bearer.challenge.params["error_description"]).toBe("the token was revoked, sorry");
    expect(bearer.title).toBe("Invalid token");
  });

  it("reads the scope an insufficient grant lacks, among other challenges", async () => {
    const header = 'Basic realm="other", bearer error="insufficient_scope", scope="field:email purpose:contact"';
    const { butler } = butlerWith(problem(403, "Insufficient scope", "not granted", { "www-authenticate": header }));
    const err = (await fail(butler.session("t").readProfile("contact", ["email"]))) as BearerError;
    expect(err).toBeInstanceOf(BearerError);
    expect(err.code).toBe("insufficient_scope");
    expect(err.scope).toEqual(["field:email", "purpose:contact"]);
  });

  it("gives a bearer challenge without an error code when no token was sent", async () => {
    const { butler } = butlerWith(problem(401, "Unauthorized", "no token", { "WWW-Authenticate": 'Bearer realm="butler"' }));
    const err = (await fail(butler.session("").receipts())) as BearerError;
    expect(err).toBeInstanceOf(BearerError);
    expect(err.code).toBeUndefined();
  });

  it("turns OAuth error bodies into OAuthError with the code", async () => {
    const { butler } = butlerWith(oauth("invalid_scope", "unknown field `shoe_size`"));
    const err = await fail(butler.requestAccess("c1", "field:shoe_size"));
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ error: "invalid_scope", description: "unknown field `shoe_size`", status: 400 });
  });

  it("keeps an unknown client an OAuthError despite its Basic challenge", async () => {
    const res = json(401, { error: "invalid_client", error_description: "unknown client" }, {
      "WWW-Authenticate": 'Basic realm="butler"',
    });
    const { butler } = butlerWith(res);
    const err = await fail(butler.pollOnce("nobody", "dc"));
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ error: "invalid_client", status: 401 });
  });

  it("tells a registration's OAuth error from its problem details", async () => {
    const { butler } = butlerWith(
      oauth("invalid_client_metadata", "client_uri must be http or https"),
      problem(415, "Unsupported media type", "the body is not JSON"),
    );
    expect(await fail(butler.register("Shoes", "ftp://x"))).toMatchObject({ error: "invalid_client_metadata" });
    const err = await fail(butler.register("Shoes"));
    expect(err).toBeInstanceOf(ProblemError);
    expect(err).toMatchObject({ status: 415 });
  });

  it("reads Retry-After on 429, in seconds or as a date", async () => {
    const soon = new Date(Date.now() + 30_000).toUTCString();
    const { butler } = butlerWith(
      problem(429, "Too many requests", "slow down", { "Retry-After": "17" }),
      problem(429, "Too many requests", "slow down", { "Retry-After": soon }),
    );
    const session = butler.session("t");
    const first = await fail(session.signal({ purpose: "recommend-products", event: "purchase", topic: 1 }));
    expect(first).toBeInstanceOf(RateLimitedError);
    expect(first).toMatchObject({ retryAfter: 17, status: 429, detail: "slow down" });
    const second = (await fail(session.receipts())) as RateLimitedError;
    expect(second.retryAfter).toBeGreaterThanOrEqual(28);
    expect(second.retryAfter).toBeLessThanOrEqual(30);
  });

  it("turns 503 into UnavailableError", async () => {
    const { butler } = butlerWith(
      problem(503, "Service unavailable", "Butler cannot answer now; nothing was disclosed.", { "Retry-After": "5" }),
    );
    const err = await fail(butler.session("t").readProfile("recommend-products", ["birth_date"]));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ status: 503, retryAfter: 5 });
  });

  it("turns a fetch TypeError (Butler down, or CORS refused) into UnreachableError", async () => {
    const cause = new TypeError("Failed to fetch");
    const { butler } = butlerWith(cause);
    const err = await fail(butler.register("Shoes"));
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toBeInstanceOf(ButlerError);
    expect((err as UnreachableError).cause).toBe(cause);
    expect((err as UnreachableError).status).toBeUndefined();
  });

  it("lets an abort through as it is", async () => {
    const abort = new DOMException("aborted", "AbortError");
    const { butler } = butlerWith(abort);
    expect(await fail(butler.pollOnce("c1", "dc"))).toBe(abort);
  });

  it("names an answer the API does not describe", async () => {
    const { butler } = butlerWith(new Response("upstream hiccup", { status: 502 }));
    const err = await fail(butler.catalog());
    expect(err).toBeInstanceOf(UnexpectedResponseError);
    expect(err).toMatchObject({ status: 502, body: "upstream hiccup" });
  });
});
