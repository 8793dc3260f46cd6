import { Butler } from "../src/index.js";

export interface Call {
  request: Request;
  init: RequestInit | undefined;
  url: URL;
  body: string;
}

export type Answer = Response | Error | ((call: Call) => Response);

/** A `fetch` that answers from a script and records every call. */
export function fakeFetch(...answers: Answer[]) {
  const calls: Call[] = [];
  const fetch = async (request: Request, init?: RequestInit): Promise<Response> => {
    const call = { request, init, url: new URL(request.url), body: await request.clone().text() };
    calls.push(call);
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer === undefined) throw new Error("no answer scripted");
    if (answer instanceof Error) throw answer;
    return typeof answer === "function" ? answer(call) : answer.clone();
  };
  return { fetch, calls };
}

export function butlerWith(...answers: Answer[]) {
  const { fetch, calls } = fakeFetch(...answers);
  return { butler: new Butler({ fetch }), calls };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function problem(status: number, title: string, detail: string, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ type: "about:blank", title, status, detail }), {
    status,
    headers: { "Content-Type": "application/problem+json", ...headers },
  });
}

export function oauth(error: string, description = "", status = 400): Response {
  return json(status, { error, error_description: description });
}

export const token = {
  access_token: "btk_0123",
  token_type: "Bearer",
  expires_in: 3600,
  scope: "field:birth_date:coarse purpose:recommend-products",
  authorization_details: [],
  butler_grant_id: "g1",
};

export const authorization = {
  device_code: "dc",
  user_code: "WDJB-MJHT",
  verification_uri: "http://127.0.0.1:7373/activate",
  verification_uri_complete: "http://127.0.0.1:7373/activate?user_code=WDJB-MJHT",
  expires_in: 600,
  interval: 5,
};
