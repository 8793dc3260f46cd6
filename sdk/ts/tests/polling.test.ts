import { describe, expect, it } from "vitest";
import { AccessDeniedError, Butler, ExpiredTokenError, OAuthError, type PollResult } from "../src/index.js";
import { type Answer, authorization, fakeFetch, json, oauth, token } from "./fake.js";

/** A fake clock whose sleeps pass at once, and a log of sleeps and polls in order; a runaway wait fails. */
function setup(...answers: Answer[]) {
  let t = 0;
  const log: string[] = [];
  const { fetch, calls } = fakeFetch(
    ...answers.map((a) => () => {
      if (log.length > 100) throw new Error("runaway wait");
      log.push(`poll at ${t}`);
      return a instanceof Response ? a.clone() : (a as () => Response)();
    }),
  );
  const butler = new Butler({ fetch });
  const options = {
    now: () => t,
    sleep: async (ms: number) => {
      if (log.length > 100) throw new Error("runaway wait");
      log.push(`sleep ${ms}`);
      t += ms;
    },
  };
  return { butler, calls, log, options };
}

const pending = () => oauth("authorization_pending", "the owner has not decided yet");

describe("waitForToken", () => {
  it("waits the interval before the first poll and resolves on a token", async () => {
    const { butler, log, options } = setup(json(200, token));
    await expect(butler.waitForToken("c1", authorization, options)).resolves.toEqual(token);
    expect(log).toEqual(["sleep 5000", "poll at 5000"]);
  });

  it("keeps polling at the interval while the owner has not decided", async () => {
    const { butler, log, options } = setup(pending(), pending(), json(200, token));
    const seen: PollResult["status"][] = [];
    await butler.waitForToken("c1", authorization, { ...options, onPoll: (r) => seen.push(r.status) });
    expect(log).toEqual(["sleep 5000", "poll at 5000", "sleep 5000", "poll at 10000", "sleep 5000", "poll at 15000"]);
    expect(seen).toEqual(["pending", "pending", "token"]);
  });

  it("polls five seconds slower after each slow_down, for good", async () => {
    const { butler, log, options } = setup(
      oauth("slow_down"),
      pending(),
      oauth("slow_down"),
      pending(),
      json(200, token),
    );
    await butler.waitForToken("c1", authorization, options);
    expect(log.filter((l) => l.startsWith("sleep"))).toEqual([
      "sleep 5000",
      "sleep 10000",
      "sleep 10000",
      "sleep 15000",
      "sleep 15000",
    ]);
  });

  it("treats an interval below one second as one second", async () => {
    const { butler, log, options } = setup(json(200, token));
    await butler.waitForToken("c1", { ...authorization, interval: 0 }, options);
    expect(log[0]).toBe("sleep 1000");
  });

  it("rejects with AccessDeniedError when the owner denies", async () => {
    const { butler, calls, options } = setup(pending(), oauth("access_denied", "the owner denied the request"));
    const err = await butler.waitForToken("c1", authorization, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ error: "access_denied", description: "the owner denied the request", status: 400 });
    expect(calls).toHaveLength(2);
  });

  it("rejects with ExpiredTokenError when Butler says the request expired", async () => {
    const { butler, calls, options } = setup(oauth("expired_token", "the device code expired"));
    const err = await butler.waitForToken("c1", authorization, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExpiredTokenError);
    expect(err).toMatchObject({ error: "expired_token", status: 400 });
    expect(calls).toHaveLength(1);
  });

  it("stops at the request's deadline", async () => {
    const { butler, log, options } = setup(pending());
    const err = await butler
      .waitForToken("c1", { ...authorization, expires_in: 12 }, options)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExpiredTokenError);
    expect(err).toMatchObject({ error: "expired_token", status: undefined });
    expect(log).toEqual(["sleep 5000", "poll at 5000", "sleep 5000", "poll at 10000", "sleep 2000"]);
  });

  it("polls at the deadline itself when the interval lands on it", async () => {
    const { butler, log, options } = setup(pending(), json(200, token));
    await expect(butler.waitForToken("c1", { ...authorization, expires_in: 10 }, options)).resolves.toEqual(token);
    expect(log).toEqual(["sleep 5000", "poll at 5000", "sleep 5000", "poll at 10000"]);
  });

  it("stops polling when aborted between polls", async () => {
    const controller = new AbortController();
    const { butler, calls, options } = setup(pending());
    const reason = new Error("the brand gave up");
    const err = await butler
      .waitForToken("c1", authorization, {
        ...options,
        signal: controller.signal,
        onPoll: () => controller.abort(reason),
      })
      .catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(calls).toHaveLength(1);
  });

  it("does not poll after an abort during a sleep", async () => {
    const controller = new AbortController();
    const { butler, calls, options } = setup(pending());
    const reason = new Error("closed");
    const sleep = async (ms: number) => {
      await options.sleep(ms);
      if (calls.length === 1) controller.abort(reason);
    };
    await expect(butler.waitForToken("c1", authorization, { ...options, sleep, signal: controller.signal })).rejects.toBe(
      reason,
    );
    expect(calls).toHaveLength(1);
  });

  it("interrupts its own sleep when aborted", async () => {
    const { fetch, calls } = fakeFetch(json(200, token));
    const controller = new AbortController();
    const wait = new Butler({ fetch }).waitForToken("c1", { ...authorization, interval: 3600 }, {
      signal: controller.signal,
    });
    const reason = new Error("closed");
    controller.abort(reason);
    await expect(wait).rejects.toBe(reason);
    expect(calls).toHaveLength(0);
  });

  it("does not start when the signal is already aborted", async () => {
    const { butler, calls, options } = setup(json(200, token));
    await expect(
      butler.waitForToken("c1", authorization, { ...options, signal: AbortSignal.abort(new Error("no")) }),
    ).rejects.toThrow("no");
    expect(calls).toHaveLength(0);
  });
});

describe("pollOnce", () => {
  it("posts the device-code grant as a form", async () => {
    const { butler, calls } = setup(pending());
    await expect(butler.pollOnce("c1", "dc&=")).resolves.toEqual({ status: "pending" });
    const [call] = calls;
    expect(call?.request.method).toBe("POST");
    expect(call?.url.pathname).toBe("/oauth/token");
    expect(call?.request.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(call?.body))).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: "dc&=",
      client_id: "c1",
    });
  });

  it("passes the signal on to the request", async () => {
    const { butler, calls } = setup(pending());
    const controller = new AbortController();
    await butler.pollOnce("c1", "dc", { signal: controller.signal });
    expect(calls[0]?.request.signal.aborted).toBe(false);
    controller.abort();
    expect(calls[0]?.request.signal.aborted).toBe(true);
  });

  it("tells pending, slow_down and a token apart, and throws other errors", async () => {
    const { butler } = setup(oauth("slow_down"), json(200, token), oauth("invalid_grant", "unknown code"));
    await expect(butler.pollOnce("c1", "dc")).resolves.toEqual({ status: "slow_down" });
    await expect(butler.pollOnce("c1", "dc")).resolves.toEqual({ status: "token", token });
    await expect(butler.pollOnce("c1", "dc")).rejects.toMatchObject({ error: "invalid_grant", description: "unknown code" });
  });
});
