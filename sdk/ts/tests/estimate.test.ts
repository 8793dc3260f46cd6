import { describe, expect, it } from "vitest";
import {
  type MeasureResponse,
  estimateCategoryShare,
  estimateFrom,
  estimateShare,
  estimateShares,
  tally,
  truthProbability,
} from "../src/index.js";

const LN3 = Math.log(3);

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The truth probability, computed here apart from the SDK's so that the simulation checks it. */
const keep = (k: number, epsilon: number) => Math.exp(epsilon) / (Math.exp(epsilon) + k - 1);

/** Randomized response as Butler draws it: the truth with probability p, otherwise another category, uniformly. */
function randomize(truth: number, k: number, epsilon: number, random: () => number): number {
  if (random() < keep(k, epsilon)) return truth;
  const other = Math.floor(random() * (k - 1));
  return other >= truth ? other + 1 : other;
}

/** What Butler answers, for `categories[answer]`. */
function response(question: string, categories: string[], answer: number, epsilon: number): MeasureResponse {
  return {
    receipt: "log-1",
    purpose: "measure",
    question,
    answer: categories[answer] ?? "?",
    categories,
    epsilon,
    truth_probability: keep(categories.length, epsilon),
    fresh: true,
    budget: { period: "2026-11", epsilon_total: 4 * epsilon, epsilon_spent: epsilon, epsilon_left: 3 * epsilon },
  };
}

/**
 * `n` owners answering once at `epsilon`: exactly `shares[i]` of them truly in category i, or, when
 * `sampled`, each in category i with probability `shares[i]` (owners drawn from a larger population).
 */
function survey(
  question: string,
  categories: string[],
  shares: number[],
  n: number,
  epsilon: number,
  seed: number,
  sampled = false,
): MeasureResponse[] {
  const random = mulberry32(seed);
  const truths: number[] = [];
  if (sampled) {
    for (let owner = 0; owner < n; owner++) {
      let u = random();
      let truth = 0;
      while (truth < shares.length - 1 && u >= shares[truth]!) u -= shares[truth++]!;
      truths.push(truth);
    }
  } else {
    let end = 0;
    for (const [truth, share] of shares.entries()) {
      end += share;
      while (truths.length < Math.round(end * n)) truths.push(truth);
    }
  }
  return truths.map((t) => response(question, categories, randomize(t, categories.length, epsilon, random), epsilon));
}

const YES_NO = ["yes", "no"];

describe("truthProbability", () => {
  it("is e^ε / (e^ε + k − 1)", () => {
    expect(truthProbability(2, LN3)).toBeCloseTo(0.75, 15);
    expect(truthProbability(4, LN3)).toBeCloseTo(0.5, 15);
    expect(truthProbability(8, Math.log(7))).toBeCloseTo(0.5, 15);
    expect(truthProbability(2, 0)).toBe(0.5);
  });
});

describe("estimateShare", () => {
  it("undoes the noise: 300 yes of 1000 at ε = ln 3 is a share of 0.1", () => {
    const e = estimateShare(300, 1000, LN3);
    expect(e).toBeDefined();
    expect(Math.abs((e?.share ?? NaN) - 0.1)).toBeLessThan(1e-12);
    // sqrt(0.3 · 0.7 / 1000) / 0.5, and Wilson's interval for 0.3 mapped by (q − 0.25) / 0.5.
    expect(e?.stdError).toBeCloseTo(0.028982753492378863, 12);
    expect(e?.low).toBeCloseTo(0.044813684954009815, 12);
    expect(e?.high).toBeCloseTo(0.1582477218344345, 12);
    expect(e!.low < 0.1 && e!.high > 0.1 && e!.high - e!.low < 0.2).toBe(true);
  });

  it("lets the share leave [0, 1] by chance but clamps the interval", () => {
    const all = estimateShare(10, 10, LN3);
    expect(Math.abs((all?.share ?? NaN) - 1.5)).toBeLessThan(1e-12);
    expect(all?.stdError).toBe(0);
    expect(all?.high).toBe(1);
    expect(all?.low).toBeCloseTo(0.9449344002742213, 12);
    const none = estimateShare(0, 10, LN3);
    expect(none?.share).toBeCloseTo(-0.5, 12);
    expect(none?.low).toBe(0);
  });

  it("knows nothing from one answer: the interval is [0, 1]", () => {
    expect(estimateShare(1, 1, LN3)).toMatchObject({ low: 0, high: 1 });
    expect(estimateShare(0, 1, LN3)).toMatchObject({ low: 0, high: 1 });
  });

  it("is undefined without answers, with more answers than asked, or a non-positive epsilon", () => {
    expect(estimateShare(1, 0, 1)).toBeUndefined();
    expect(estimateShare(0, 0, 1)).toBeUndefined();
    expect(estimateShare(2, 1, 1)).toBeUndefined();
    expect(estimateShare(1, 2, 0)).toBeUndefined();
    expect(estimateShare(1, 2, -1)).toBeUndefined();
    expect(estimateShare(1, 2, NaN)).toBeUndefined();
    expect(estimateShare(-1, 2, 1)).toBeUndefined();
    expect(estimateShare(0.5, 2, 1)).toBeUndefined();
    expect(estimateCategoryShare(1, 2, 1, 1)).toBeUndefined();
    expect(estimateCategoryShare(1, 2, 0, 1)).toBeUndefined();
  });

  it("depends on the truth probability: the same answers read at another epsilon mislead", () => {
    // At ε = ln 3 the 0.1 above; read at half that epsilon, or as four categories, it is far off.
    expect(Math.abs(estimateShare(300, 1000, LN3 / 2)!.share - 0.1)).toBeGreaterThan(0.05);
    expect(Math.abs(estimateShare(300, 1000, 2 * LN3)!.share - 0.1)).toBeGreaterThan(0.05);
    expect(Math.abs(estimateCategoryShare(300, 1000, 4, LN3)!.share - 0.1)).toBeGreaterThan(0.05);
  });
});

describe("estimateShares", () => {
  it("estimates every category: four at ε = ln 3 (the truth half the time, each lie one time in six)", () => {
    const s = estimateShares([500, 166, 167, 167], LN3);
    expect(s).toHaveLength(4);
    expect(Math.abs(s![0]!.share - 1)).toBeLessThan(0.01);
    expect(Math.abs(s!.reduce((sum, e) => sum + e.share, 0) - 1)).toBeLessThan(1e-9);
    for (const e of s!) expect(e.low <= e.high && e.low >= 0 && e.high <= 1).toBe(true);
    // Each is the category's own estimate among four.
    expect(s![1]).toEqual(estimateCategoryShare(166, 1000, 4, LN3));
  });

  it("is undefined if any category's is", () => {
    expect(estimateShares([0, 0], LN3)).toBeUndefined();
    expect(estimateShares([3], LN3)).toBeUndefined();
    expect(estimateShares([3, 2], 0)).toBeUndefined();
    expect(estimateShares([3, -1], LN3)).toBeUndefined();
  });
});

describe("tally", () => {
  it("counts answers per category, in the categories' order", () => {
    const bands = ["1", "2", "3-4", "5+", "unknown"];
    const answers = [4, 0, 4, 2, 4].map((a) => response("household_size", bands, a, LN3));
    expect(tally(answers)).toEqual({
      question: "household_size",
      categories: bands,
      epsilon: LN3,
      counts: [1, 0, 1, 0, 3],
      n: 5,
    });
  });

  it("refuses answers that cannot be counted together", () => {
    const yes = response("interest:1", YES_NO, 0, LN3);
    expect(() => tally([])).toThrow(/no answers/);
    expect(() => tally([yes, response("interest:2", YES_NO, 0, LN3)])).toThrow(/interest:2/);
    expect(() => tally([yes, response("interest:1", ["no", "yes"], 0, LN3)])).toThrow(/categories/);
    expect(() => tally([yes, response("interest:1", ["yes", "no", "maybe"], 0, LN3)])).toThrow(/categories/);
    expect(() => tally([yes, response("interest:1", YES_NO, 0, 1)])).toThrow(/epsilon/);
    expect(() => tally([yes, { ...yes, answer: "maybe" }])).toThrow(/maybe/);
    expect(() => tally([response("interest:1", ["yes", "yes"], 0, LN3)])).toThrow(/twice/);
  });
});

describe("estimateFrom", () => {
  it("estimates each category of the answers", () => {
    const answers = [...Array<number>(300).fill(0), ...Array<number>(700).fill(1)].map((a) =>
      response("interest:1", YES_NO, a, LN3),
    );
    const estimates = estimateFrom(answers);
    expect(Object.keys(estimates)).toEqual(["yes", "no"]);
    expect(estimates["yes"]).toEqual(estimateShare(300, 1000, LN3));
    expect(estimates["no"]?.share).toBeCloseTo(0.9, 12);
  });

  it("throws when the answers cannot be estimated", () => {
    expect(() => estimateFrom([])).toThrow(/no answers/);
    expect(() => estimateFrom([response("interest:1", YES_NO, 0, 0)])).toThrow(/cannot estimate/);
  });
});

describe("a simulated survey", () => {
  const truth = 0.3;
  const answers = survey("interest:1", YES_NO, [truth, 1 - truth], 20000, LN3, 42);

  it("of 20000 owners recovers the true share of 0.3 within 0.03, inside its interval", () => {
    const yes = estimateFrom(answers)["yes"]!;
    expect(Math.abs(yes.share - truth)).toBeLessThan(0.03);
    expect(yes.low).toBeLessThan(truth);
    expect(yes.high).toBeGreaterThan(truth);
    // The answers are noisy: far more than 30% say yes (0.3 · 0.75 + 0.7 · 0.25 = 0.4).
    const { counts, n } = tally(answers);
    expect(Math.abs(counts[0]! / n - 0.4)).toBeLessThan(0.02);
  });

  it("misleads when read with the wrong truth probability", () => {
    const { counts, n } = tally(answers);
    expect(Math.abs(estimateShare(counts[0]!, n, LN3 / 2)!.share - truth)).toBeGreaterThan(0.05);
    expect(Math.abs(estimateCategoryShare(counts[0]!, n, 3, LN3)!.share - truth)).toBeGreaterThan(0.05);
  });

  it("recovers the shares of several categories", () => {
    const bands = ["1", "2", "3-4", "5+", "unknown"];
    const shares = [0.3, 0.35, 0.2, 0.1, 0.05];
    const estimates = estimateFrom(survey("household_size", bands, shares, 20000, LN3, 7));
    for (const [i, band] of bands.entries()) {
      const e = estimates[band]!;
      expect(Math.abs(e.share - shares[i]!), band).toBeLessThan(0.05);
    }
  });

  it("gives intervals that hold the truth about 95% of the time, and an honest standard error", () => {
    // 1000 surveys of 500 owners drawn from a population where 30% are interested.
    const runs = 1000;
    let covered = 0;
    const shares: number[] = [];
    const errors: number[] = [];
    for (let seed = 1; seed <= runs; seed++) {
      const e = estimateFrom(survey("interest:1", YES_NO, [truth, 1 - truth], 500, LN3, seed, true))["yes"]!;
      if (e.low <= truth && truth <= e.high) covered++;
      shares.push(e.share);
      errors.push(e.stdError);
    }
    expect(covered / runs).toBeGreaterThan(0.93);
    expect(covered / runs).toBeLessThan(0.97);
    const mean = shares.reduce((a, b) => a + b, 0) / runs;
    const spread = Math.sqrt(shares.reduce((a, s) => a + (s - mean) ** 2, 0) / (runs - 1));
    const stdError = errors.reduce((a, b) => a + b, 0) / runs;
    expect(Math.abs(mean - truth)).toBeLessThan(0.01);
    expect(Math.abs(spread / stdError - 1)).toBeLessThan(0.15);
  });
});
