/**
 * Shares estimated from many owners' measurement answers, as Butler's own estimator computes them
 * (`butler_protocol::estimate`). Each answer is the truth with probability `p = e^ε / (e^ε + k − 1)`
 * among `k` categories, otherwise one of the others at random, so the share of answers naming a
 * category is `share·p + (1 − share)·(1 − p)/(k − 1)`: the estimate inverts that.
 */
import type { MeasureResponse } from "./client.js";

/** An estimated share with its 95% confidence interval (Wilson's, clamped to [0, 1]). */
export interface Estimate {
  /** The unbiased estimate of the true share (it may fall outside [0, 1] by chance). */
  share: number;
  /** The estimate's standard error (normal approximation; 0 when every answer is alike). */
  stdError: number;
  /** The interval's lower end, in [0, 1]. */
  low: number;
  /** The interval's upper end, in [0, 1]. */
  high: number;
}

/** The z value of a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** The probability that one answer among `k` categories is the truth, at `epsilon`: `e^ε / (e^ε + k − 1)`. */
export function truthProbability(k: number, epsilon: number): number {
  const e = Math.exp(epsilon);
  return e / (e + (k - 1));
}

const isCount = (v: number) => Number.isSafeInteger(v) && v >= 0;

/**
 * The share of one category among `k`, from `count` answers naming it out of `n`, each drawn at
 * `epsilon`. `undefined` without answers, with `count > n`, fewer than two categories, a
 * non-positive or NaN epsilon, or counts that are not whole numbers.
 */
export function estimateCategoryShare(count: number, n: number, k: number, epsilon: number): Estimate | undefined {
  if (!isCount(count) || !isCount(n) || !Number.isSafeInteger(k)) return undefined;
  if (n === 0 || count > n || k < 2 || Number.isNaN(epsilon) || epsilon <= 0) return undefined;
  const p = truthProbability(k, epsilon);
  const observed = count / n;
  const lie = (1 - p) / (k - 1);
  // E[observed] = share·p + (1 − share)·lie, so share = (observed − lie) / (p − lie).
  const scale = p - lie;
  const share = (observed - lie) / scale;
  const stdError = Math.sqrt((observed * (1 - observed)) / n) / scale;
  // Wilson's interval for the share of answers, mapped to the true share: unlike the normal one,
  // it stays honest with few answers or all of them alike.
  const z2 = Z95 * Z95;
  const center = (observed + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 / (1 + z2 / n)) * Math.sqrt((observed * (1 - observed)) / n + z2 / (4 * n * n));
  const toShare = (q: number) => Math.min(Math.max((q - lie) / scale, 0), 1);
  return { share, stdError, low: toShare(center - half), high: toShare(center + half) };
}

/** The share of "yes" from `yes` answers out of `n` to a yes/no question, each at `epsilon`. */
export function estimateShare(yes: number, n: number, epsilon: number): Estimate | undefined {
  return estimateCategoryShare(yes, n, 2, epsilon);
}

/**
 * The share of every category, from the count of answers naming each (in order), all at
 * `epsilon`; `undefined` if any category's is.
 */
export function estimateShares(counts: readonly number[], epsilon: number): Estimate[] | undefined {
  const n = counts.reduce((sum, c) => sum + c, 0);
  const estimates: Estimate[] = [];
  for (const count of counts) {
    const estimate = estimateCategoryShare(count, n, counts.length, epsilon);
    if (estimate === undefined) return undefined;
    estimates.push(estimate);
  }
  return estimates;
}

/** Answers to one question, counted. */
export interface Tally {
  question: string;
  categories: string[];
  epsilon: number;
  /** How many answers name each category, in `categories` order. */
  counts: number[];
  /** How many answers in all. */
  n: number;
}

/**
 * Counts answers per category, in `categories` order. Throws if there are none, if they differ in
 * question, categories or epsilon (owners may set different epsilons: tally each apart), or if one
 * names no category. Give one answer per owner: a repeat (`fresh: false`) from an owner already
 * counted would count them twice.
 */
export function tally(answers: readonly MeasureResponse[]): Tally {
  const [first] = answers;
  if (first === undefined) throw new Error("no answers to tally");
  const { question, categories, epsilon } = first;
  if (new Set(categories).size !== categories.length) {
    throw new Error(`the categories [${categories.join(", ")}] name one twice`);
  }
  const counts = categories.map(() => 0);
  for (const [i, a] of answers.entries()) {
    if (a.question !== question) {
      throw new Error(`answer ${i} is to \`${a.question}\`, not \`${question}\``);
    }
    if (a.categories.length !== categories.length || a.categories.some((c, j) => c !== categories[j])) {
      throw new Error(`answer ${i} has the categories [${a.categories.join(", ")}], not [${categories.join(", ")}]`);
    }
    if (a.epsilon !== epsilon) {
      throw new Error(`answer ${i} was drawn at epsilon ${a.epsilon}, not ${epsilon}: tally each epsilon apart`);
    }
    const at = categories.indexOf(a.answer);
    if (at < 0) throw new Error(`answer ${i} is \`${a.answer}\`, none of the categories`);
    counts[at] = (counts[at] ?? 0) + 1;
  }
  return { question, categories: [...categories], epsilon, counts, n: answers.length };
}

/**
 * Each category's estimated share, keyed by category in `categories` order, from answers to one
 * question (see `tally`, whose errors it throws). Throws if the answers cannot be estimated (fewer
 * than two categories, or a non-positive epsilon).
 */
export function estimateFrom(answers: readonly MeasureResponse[]): Record<string, Estimate> {
  const { question, categories, counts, epsilon } = tally(answers);
  const estimates = estimateShares(counts, epsilon);
  if (estimates === undefined) {
    throw new Error(`cannot estimate \`${question}\` from ${categories.length} categories at epsilon ${epsilon}`);
  }
  return Object.fromEntries(categories.map((c, i) => [c, estimates[i] as Estimate]));
}
