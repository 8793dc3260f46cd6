import { describe, expect, it } from "vitest";
import { parseWwwAuthenticate } from "../src/index.js";

describe("parseWwwAuthenticate", () => {
  it("reads Butler's bearer challenge", () => {
    expect(
      parseWwwAuthenticate('Bearer realm="butler", error="invalid_token", error_description="the token expired"'),
    ).toEqual([
      { scheme: "bearer", params: { realm: "butler", error: "invalid_token", error_description: "the token expired" } },
    ]);
  });

  it("keeps commas inside quoted strings and unescapes quoted pairs", () => {
    const [c] = parseWwwAuthenticate(String.raw`Bearer error="invalid_token", error_description="a \"revoked\" token, sorry \\ again"`);
    expect(c?.params).toEqual({ error: "invalid_token", error_description: 'a "revoked" token, sorry \\ again' });
  });

  it("separates several challenges, whatever the parameters", () => {
    expect(
      parseWwwAuthenticate(
        'Basic realm="butler", Bearer realm="butler", error="insufficient_scope", scope="field:email purpose:contact",Newauth',
      ),
    ).toEqual([
      { scheme: "basic", params: { realm: "butler" } },
      {
        scheme: "bearer",
        params: { realm: "butler", error: "insufficient_scope", scope: "field:email purpose:contact" },
      },
      { scheme: "newauth", params: {} },
    ]);
  });

  it("reads schemes and parameter names without regard to case, and token values", () => {
    expect(parseWwwAuthenticate("BEARER Error = invalid_token ,  Realm=butler")).toEqual([
      { scheme: "bearer", params: { error: "invalid_token", realm: "butler" } },
    ]);
  });

  it("reads token68 challenges and bare schemes", () => {
    expect(parseWwwAuthenticate('Negotiate a87421+/x==, Bearer, Basic realm="x"')).toEqual([
      { scheme: "negotiate", params: {}, token68: "a87421+/x==" },
      { scheme: "bearer", params: {} },
      { scheme: "basic", params: { realm: "x" } },
    ]);
  });

  it("keeps the first of a repeated parameter", () => {
    expect(parseWwwAuthenticate('Bearer error="a", error="b"')[0]?.params).toEqual({ error: "a" });
  });

  it("stops at malformed input without throwing", () => {
    expect(parseWwwAuthenticate("")).toEqual([]);
    expect(parseWwwAuthenticate('Basic realm="x", Bearer error="unterminated')).toEqual([
      { scheme: "basic", params: { realm: "x" } },
    ]);
    expect(parseWwwAuthenticate('Bearer realm="x" junk')).toEqual([{ scheme: "bearer", params: { realm: "x" } }]);
  });
});
