import { describe, expect, it } from "vitest";
import { BearerError, Butler, type MeasureResponse, type OfferRequest, ProblemError } from "../src/index.js";
import { type Call, authorization, butlerWith, fakeFetch, json, problem, token } from "./fake.js";

const profile = { receipt: "log-41", purpose: "recommend-products", fields: {}, withheld: [] };
const offer: OfferRequest = { purpose: "contact", kind: "discount", channel: "butler-inbox", title: "10% off" };

/** Every call the SDK can make, each against an answer that suits it. */
async function everyCall(butler: Butler, calls: Call[]) {
  const session = butler.session("btk_secret");
  await butler.catalog();
  await butler.register("Trail Shoes", "https://shoes.example");
  await butler.requestAccess("c1", "purpose:recommend-products");
  await butler.pollOnce("c1", "dc");
  await session.readProfile("recommend-products", ["birth_date"]);
  await session.answers("recommend-products", [{ id: "a" }]);
  await session.offer(offer);
  await session.signal({ purpose: "recommend-products", event: "purchase", one_off: true });
  await session.measure("age_band");
  await session.receipts();
  await session.introspect("c1");
  await session.revoke("c1");
  return calls;
}

function answerAll() {
  return fakeFetch(({ url }) => {
    switch (url.pathname) {
      case "/oauth/device_authorization":
        return json(200, authorization);
      case "/oauth/token":
        return json(200, token);
      case "/oauth/revoke":
        return new Response(null, { status: 200 });
      default:
        return json(200, { receipt: "log-1", receipts: [], active: true }, { "Butler-Receipt": "log-1" });
    }
  });
}

describe("requests", () => {
  it("opt in to loopback access and never send credentials", async () => {
    const { fetch, calls } = answerAll();
    await everyCall(new Butler({ fetch }), calls);
    expect(calls).toHaveLength(12);
    for (const { init, request, url } of calls) {
      expect(init, url.pathname).toMatchObject({ targetAddressSpace: "loopback", credentials: "omit" });
      expect(request.credentials, url.pathname).toBe("omit");
    }
  });

  it("go to Butler's default address, or the one given", async () => {
    const first = answerAll();
    await new Butler({ fetch: first.fetch }).catalog();
    expect(first.calls[0]?.request.url).toBe("http://127.0.0.1:7373/v1/catalog");
    const second = answerAll();
    await new Butler({ baseUrl: "http://localhost:9000/", fetch: second.fetch }).catalog();
    expect(second.calls[0]?.request.url).toBe("http://localhost:9000/v1/catalog");
  });

  it("carry the access token as a bearer token on data calls only", async () => {
    const { fetch, calls } = answerAll();
    await everyCall(new Butler({ fetch }), calls);
    const bearer = calls.filter((c) => c.url.pathname.startsWith("/v1/") && c.url.pathname !== "/v1/catalog");
    expect(bearer.map((c) => c.url.pathname)).toEqual([
      "/v1/profile",
      "/v1/answers",
      "/v1/offers",
      "/v1/signals",
      "/v1/measure",
      "/v1/receipts",
    ]);
    for (const c of bearer) expect(c.request.headers.get("authorization")).toBe("Bearer btk_secret");
    for (const c of calls.filter((c) => !bearer.includes(c))) expect(c.request.headers.has("authorization")).toBe(false);
  });

  it("send the OAuth endpoints' parameters as forms", async () => {
    const { fetch, calls } = answerAll();
    await everyCall(new Butler({ fetch }), calls);
    const forms = Object.fromEntries(
      calls
        .filter((c) => c.url.pathname.startsWith("/oauth/") && c.url.pathname !== "/oauth/register")
        .map((c) => {
          expect(c.request.method).toBe("POST");
          expect(c.request.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
          return [c.url.pathname, Object.fromEntries(new URLSearchParams(c.body))];
        }),
    );
    expect(forms).toEqual({
      "/oauth/device_authorization": { client_id: "c1", scope: "purpose:recommend-products" },
      "/oauth/token": { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: "dc", client_id: "c1" },
      "/oauth/introspect": { token: "btk_secret", client_id: "c1" },
      "/oauth/revoke": { token: "btk_secret", client_id: "c1" },
    });
  });

  it("send JSON bodies to registration and the data endpoints", async () => {
    const { fetch, calls } = answerAll();
    await everyCall(new Butler({ fetch }), calls);
    const bodies = Object.fromEntries(
      calls
        .filter((c) => c.request.method === "POST" && !c.request.headers.get("content-type")?.includes("form"))
        .map((c) => {
          expect(c.request.headers.get("content-type")).toBe("application/json");
          return [c.url.pathname, JSON.parse(c.body) as unknown];
        }),
    );
    expect(bodies).toEqual({
      "/oauth/register": { client_name: "Trail Shoes", client_uri: "https://shoes.example" },
      "/v1/answers": { purpose: "recommend-products", candidates: [{ id: "a" }] },
      "/v1/offers": offer,
      "/v1/signals": { purpose: "recommend-products", event: "purchase", one_off: true },
      "/v1/measure": { purpose: "measure", question: "age_band" },
    });
  });

  it("ask for profile fields by purpose and a comma-separated list", async () => {
    const { butler, calls } = butlerWith(json(200, profile, { "Butler-Receipt": "log-41" }));
    await butler.session("t").readProfile("recommend-products", ["birth_date", "email"]);
    const url = calls[0]?.url;
    expect(calls[0]?.request.method).toBe("GET");
    expect(url?.pathname).toBe("/v1/profile");
    expect(Object.fromEntries(url?.searchParams ?? [])).toEqual({
      purpose: "recommend-products",
      fields: "birth_date,email",
    });
  });
});

describe("receipts of data responses", () => {
  it("come from the Butler-Receipt header", async () => {
    const { butler } = butlerWith(
      json(200, { ...profile, receipt: "body" }, { "Butler-Receipt": "log-42" }),
      json(200, { receipt: "body", purpose: "p", ranking: [{ id: "a", score: 0.5 }] }, { "Butler-Receipt": "log-43" }),
      json(200, { receipt: "body", decision: "deferred" }, { "Butler-Receipt": "log-44" }),
      json(202, { receipt: "body", status: "pending_owner_review" }, { "Butler-Receipt": "log-45" }),
    );
    const session = butler.session("t");
    const read = await session.readProfile("recommend-products", ["birth_date"]);
    expect(read).toEqual({ data: { ...profile, receipt: "body" }, receipt: "log-42" });
    expect((await session.answers("p", [{ id: "a" }])).receipt).toBe("log-43");
    expect(await session.offer(offer)).toEqual({ data: { receipt: "body", decision: "deferred" }, receipt: "log-44" });
    expect((await session.signal({ purpose: "p", event: "view" })).receipt).toBe("log-45");
  });

  it("fall back to the body when a browser hides the header", async () => {
    const { butler } = butlerWith(json(200, profile));
    expect((await butler.session("t").readProfile("recommend-products", [])).receipt).toBe("log-41");
  });
});

describe("onboarding", () => {
  it("returns what Butler answers", async () => {
    const registered = {
      client_id: "c1",
      client_id_issued_at: 1,
      client_name: "Trail Shoes",
      client_uri: null,
      scope: "",
      grant_types: ["urn:ietf:params:oauth:grant-type:device_code"],
      token_endpoint_auth_method: "none",
    };
    const { butler, calls } = butlerWith(json(201, registered), json(200, authorization));
    expect(await butler.register("Trail Shoes")).toEqual(registered);
    expect(JSON.parse(calls[0]?.body ?? "")).toEqual({ client_name: "Trail Shoes", client_uri: null });
    expect(await butler.requestAccess("c1", "field:birth_date:coarse purpose:recommend-products")).toEqual(authorization);
  });

  it("declares the IEEE 7012 agreements the brand accepts, and nothing when it names none", async () => {
    const registered = {
      client_id: "c2",
      client_id_issued_at: 1,
      client_name: "Panel",
      client_uri: null,
      scope: "",
      grant_types: ["urn:ietf:params:oauth:grant-type:device_code"],
      token_endpoint_auth_method: "none",
      accepted_agreements: ["https://w3id.org/dpv/standards/p7012#SD-BASE-A"],
    };
    const { butler, calls } = butlerWith(json(201, registered), json(201, registered));
    expect(await butler.register("Panel", undefined, { acceptedAgreements: ["SD-BASE-A"] })).toEqual(registered);
    expect(JSON.parse(calls[0]?.body ?? "")).toEqual({
      client_name: "Panel",
      client_uri: null,
      accepted_agreements: ["SD-BASE-A"],
    });
    await butler.register("Panel", undefined, { acceptedAgreements: [] });
    expect(JSON.parse(calls[1]?.body ?? "")).not.toHaveProperty("accepted_agreements");
  });
});

describe("measure", () => {
  const measured: MeasureResponse = {
    receipt: "body",
    purpose: "measure",
    question: "country:DE,FR",
    answer: "FR",
    categories: ["DE", "FR", "other"],
    epsilon: Math.log(3),
    truth_probability: 0.6,
    fresh: true,
    budget: { period: "2026-11", epsilon_total: 4 * Math.log(3), epsilon_spent: Math.log(3), epsilon_left: 3 * Math.log(3) },
  };

  it("posts the question for the purpose `measure`, with categories when given, and returns the receipt", async () => {
    const { butler, calls } = butlerWith(json(200, measured, { "Butler-Receipt": "log-46" }));
    const answer = await butler.session("t").measure("country", ["FR", "DE"]);
    expect(answer).toEqual({ data: measured, receipt: "log-46" });
    const call = calls[0];
    expect(call?.request.method).toBe("POST");
    expect(call?.url.pathname).toBe("/v1/measure");
    expect(call?.request.headers.get("authorization")).toBe("Bearer t");
    expect(call?.request.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(call?.body ?? "")).toEqual({ purpose: "measure", question: "country", categories: ["FR", "DE"] });
  });

  it("sends no categories when none are given", async () => {
    const yes = { ...measured, question: "interest:1", answer: "yes", categories: ["yes", "no"], fresh: false };
    const { butler, calls } = butlerWith(json(200, yes));
    expect(await butler.session("t").measure("interest:1")).toEqual({ data: yes, receipt: "body" });
    expect(JSON.parse(calls[0]?.body ?? "")).toEqual({ purpose: "measure", question: "interest:1" });
  });

  it("turns a spent privacy budget (403) into a ProblemError", async () => {
    const detail = "the privacy budget for this period is spent (epsilon 4.39 of 4.39); measurement answers resume on 2026-12-01";
    const { butler } = butlerWith(problem(403, "Forbidden", detail));
    const err = await butler.session("t").measure("age_band").then(
      () => expect.unreachable("it should fail"),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProblemError);
    expect(err).not.toBeInstanceOf(BearerError);
    expect(err).toMatchObject({ status: 403, title: "Forbidden", detail });
  });
});
