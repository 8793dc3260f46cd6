import createClient, { type Client } from "openapi-fetch";
import { ExpiredTokenError, OAuthError, UnreachableError, errorOf } from "./errors.js";
import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];
export type RegisterResponse = Schemas["RegisterResponse"];
export type DeviceAuthorizationResponse = Schemas["DeviceAuthorizationResponse"];
export type TokenResponse = Schemas["TokenResponse"];
export type CatalogResponse = Schemas["CatalogResponse"];
export type ProfileResponse = Schemas["ProfileResponse"];
export type Candidate = Schemas["Candidate"];
export type AnswersResponse = Schemas["AnswersResponse"];
export type OfferRequest = Schemas["OfferRequest"];
export type OfferResponse = Schemas["OfferResponse"];
export type SignalRequest = Schemas["SignalRequest"];
export type SignalResponse = Schemas["SignalResponse"];
export type MeasureRequest = Schemas["MeasureRequest"];
export type MeasureResponse = Schemas["MeasureResponse"];
export type MeasureBudget = Schemas["MeasureBudget"];
export type ReceiptsResponse = Schemas["ReceiptsResponse"];
export type IntrospectionResponse = Schemas["IntrospectionResponse"];

/** The device flow's grant type (RFC 8628). */
export const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** The Butler a brand reaches when it is told nothing else. */
export const DEFAULT_BASE_URL = "http://127.0.0.1:7373";

/** A `fetch` function; `globalThis.fetch` is one. */
export type FetchLike = (input: Request, init?: RequestInit) => Promise<Response>;

export interface ButlerOptions {
  /** Where Butler listens; `http://127.0.0.1:7373` by default. */
  baseUrl?: string;
  /** The `fetch` to use; `globalThis.fetch` by default. */
  fetch?: FetchLike;
}

/** A data response and the owner's access-log entry that recorded it (`Butler-Receipt`). */
export interface Receipted<T> {
  data: T;
  receipt: string;
}

/** One poll of the token endpoint. */
export type PollResult =
  | { status: "pending" }
  | { status: "slow_down" }
  | { status: "token"; token: TokenResponse };

export interface WaitOptions {
  /** Stops the wait; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each poll. */
  onPoll?: (result: PollResult) => void;
  /** Waits `ms` milliseconds; a timer by default. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock, in milliseconds; `Date.now` by default. */
  now?: () => number;
}

/** Every request Butler receives from a page opts in to loopback access and carries no cookies. */
const LOOPBACK_INIT = { credentials: "omit", targetAddressSpace: "loopback" } as RequestInit;

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

function form(body: Record<string, string | null | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) if (v != null) params.set(k, v);
  return params;
}

function sleeper(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", abort, { once: true });
  });
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a successful answer, or the typed error of a failed one. */
async function settle<T>(call: Promise<Answer<T>>): Promise<{ data: T; response: Response }> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch (e) {
    if (e instanceof TypeError) throw new UnreachableError(e);
    throw e;
  }
  if (!answer.response.ok) throw errorOf(answer.response, answer.error);
  return { data: answer.data as T, response: answer.response };
}

async function receipted<T extends { receipt: string }>(call: Promise<Answer<T>>): Promise<Receipted<T>> {
  const { data, response } = await settle(call);
  return { data, receipt: response.headers.get("Butler-Receipt") ?? data.receipt };
}

/** A brand's connection to one Butler: onboarding by the device flow, then sessions with a token. */
export class Butler {
  readonly baseUrl: string;
  private readonly api: Client<paths>;

  constructor(options: ButlerOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    const base = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      credentials: "omit",
      fetch: (request) => base(request, LOOPBACK_INIT),
    });
  }

  /** The field catalog and the purposes a brand may ask for. */
  async catalog(): Promise<CatalogResponse> {
    return (await settle(this.api.GET("/v1/catalog"))).data;
  }

  /**
   * Registers the brand (RFC 7591); keep the `client_id`. `acceptedAgreements` declares the IEEE
   * 7012 agreements the brand accepts (DPV `p7012` identifiers such as `SD-BASE-ATP`); a brand
   * that declares none is bound to the owner's agreement by taking a token.
   */
  async register(
    clientName: string,
    clientUri?: string,
    options: { acceptedAgreements?: readonly string[] } = {},
  ): Promise<RegisterResponse> {
    const body = {
      client_name: clientName,
      client_uri: clientUri ?? null,
      ...(options.acceptedAgreements?.length ? { accepted_agreements: [...options.acceptedAgreements] } : {}),
    };
    return (await settle(this.api.POST("/oauth/register", { body }))).data;
  }

  /** Asks for access (RFC 8628): show the answer's `user_code` to the owner, then wait for the token. */
  async requestAccess(clientId: string, scope: string): Promise<DeviceAuthorizationResponse> {
    const call = this.api.POST("/oauth/device_authorization", {
      body: { client_id: clientId, scope },
      bodySerializer: form,
      headers: FORM,
    });
    return (await settle(call)).data;
  }

  /** Polls the token endpoint once: still pending, asked to slow down, or the token. */
  async pollOnce(clientId: string, deviceCode: string, options: { signal?: AbortSignal } = {}): Promise<PollResult> {
    const call = this.api.POST("/oauth/token", {
      body: { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId },
      bodySerializer: form,
      headers: FORM,
      signal: options.signal ?? null,
    });
    try {
      return { status: "token", token: (await settle(call)).data };
    } catch (e) {
      if (e instanceof OAuthError) {
        if (e.error === "authorization_pending") return { status: "pending" };
        if (e.error === "slow_down") return { status: "slow_down" };
      }
      throw e;
    }
  }

  /**
   * Polls until the owner decides: first after `interval` seconds, then at that interval, five
   * seconds slower after each `slow_down`. Rejects with `AccessDeniedError` or `ExpiredTokenError`
   * (also when `expires_in` passes), or with the signal's reason when aborted.
   */
  async waitForToken(
    clientId: string,
    authorization: DeviceAuthorizationResponse,
    options: WaitOptions = {},
  ): Promise<TokenResponse> {
    const { signal, onPoll, sleep = sleeper, now = Date.now } = options;
    let interval = Math.max(authorization.interval, 1) * 1000;
    const deadline = now() + authorization.expires_in * 1000;
    for (;;) {
      const left = deadline - now();
      if (left < interval) {
        if (left > 0) await sleep(left, signal);
        signal?.throwIfAborted();
        throw new ExpiredTokenError("expired_token", "the request expired before the owner decided");
      }
      await sleep(interval, signal);
      signal?.throwIfAborted();
      const result = await this.pollOnce(clientId, authorization.device_code, { signal });
      onPoll?.(result);
      if (result.status === "token") return result.token;
      if (result.status === "slow_down") interval += 5000;
    }
  }

  /** Calls the data endpoints with an access token. */
  session(accessToken: string): Session {
    return new Session(this.api, accessToken);
  }
}

/** Calls made with one access token. */
export class Session {
  private readonly headers: { Authorization: string };

  /** @internal */
  constructor(
    private readonly api: Client<paths>,
    private readonly token: string,
  ) {
    this.headers = { Authorization: `Bearer ${token}` };
  }

  /** Reads fields for a purpose: each in its granted mode, the others listed as withheld with the reason. */
  readProfile(purpose: string, fields: readonly string[]): Promise<Receipted<ProfileResponse>> {
    const query = { purpose, fields: fields.join(",") };
    return receipted(this.api.GET("/v1/profile", { params: { query }, headers: this.headers }));
  }

  /** Ranks candidates against the owner's interests, which never leave Butler. */
  answers(purpose: string, candidates: Candidate[]): Promise<Receipted<AnswersResponse>> {
    return receipted(this.api.POST("/v1/answers", { body: { purpose, candidates }, headers: this.headers }));
  }

  /** Submits an offer; the owner's preferences decide: delivered, deferred or declined. */
  offer(body: OfferRequest): Promise<Receipted<OfferResponse>> {
    return receipted(this.api.POST("/v1/offers", { body, headers: this.headers }));
  }

  /** Reports an event (a purchase, a view); it waits for the owner's review. */
  signal(body: SignalRequest): Promise<Receipted<SignalResponse>> {
    return receipted(this.api.POST("/v1/signals", { body, headers: this.headers }));
  }

  /**
   * Asks a measurement question (purpose `measure`): `interest:<topic id>` (yes/no), `age_band`,
   * `household_size`, or `country` with the countries to tell apart in `categories`. The answer is
   * randomized (the truth with probability `truth_probability`) and the same all period; each fresh
   * one spends `epsilon` of the brand's budget, and a spent budget is a 403 `ProblemError`.
   * Estimate shares from many owners' answers with `estimateFrom`.
   */
  measure(question: string, categories?: readonly string[]): Promise<Receipted<MeasureResponse>> {
    const body: MeasureRequest = { purpose: "measure", question };
    if (categories !== undefined) body.categories = [...categories];
    return receipted(this.api.POST("/v1/measure", { body, headers: this.headers }));
  }

  /** The brand's signed consent receipts, for all its grants, newest first; a revoked token works too. */
  async receipts(): Promise<ReceiptsResponse> {
    return (await settle(this.api.GET("/v1/receipts", { headers: this.headers }))).data;
  }

  /** What the token grants (RFC 7662). */
  async introspect(clientId: string): Promise<IntrospectionResponse> {
    const call = this.api.POST("/oauth/introspect", {
      body: { token: this.token, client_id: clientId },
      bodySerializer: form,
      headers: FORM,
    });
    return (await settle(call)).data;
  }

  /** Gives the token up (RFC 7009). */
  async revoke(clientId: string): Promise<void> {
    const call = this.api.POST("/oauth/revoke", {
      body: { token: this.token, client_id: clientId },
      bodySerializer: form,
      headers: FORM,
    });
    await settle(call);
  }
}
