// Checks the design tokens against WCAG 2.2 AA: 4.5:1 for text, 3:1 for the borders of
// controls and for the focus ring. Each pair below is one the components actually use.
import { describe, expect, it } from 'vitest';
import tokens from './tokens.css?raw';

function readTokens(css: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const match of css.matchAll(/--(color-[\w-]+):\s*(#[0-9a-f]{6})\s*;/gi)) {
    map.set(match[1]!, match[2]!.toLowerCase());
  }
  return map;
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const colors = readTokens(tokens);
const get = (name: string) => {
  const value = colors.get(name);
  if (!value) throw new Error(`no token --${name} in tokens.css`);
  return value;
};

const TEXT_PAIRS: [string, string][] = [
  ['color-text', 'color-bg'],
  ['color-text', 'color-surface'],
  ['color-text', 'color-surface-muted'],
  ['color-text', 'color-nav'],
  ['color-text', 'color-accent-soft'],
  ['color-text', 'color-ok-soft'],
  ['color-text', 'color-warn-soft'],
  ['color-text', 'color-danger-soft'],
  ['color-text-muted', 'color-bg'],
  ['color-text-muted', 'color-surface'],
  ['color-text-muted', 'color-surface-muted'],
  ['color-text-muted', 'color-nav'],
  ['color-text-on-accent', 'color-accent'],
  ['color-text-on-accent', 'color-accent-hover'],
  ['color-text-on-accent', 'color-danger'],
  ['color-text-on-accent', 'color-danger-hover'],
  ['color-accent-text', 'color-surface'],
  ['color-accent-text', 'color-bg'],
  ['color-accent-text', 'color-nav'],
  ['color-accent-text', 'color-accent-soft'],
  ['color-accent-hover', 'color-accent-soft'],
  ['color-danger-text', 'color-surface'],
  ['color-danger-text', 'color-danger-soft'],
  ['color-ok', 'color-ok-soft'],
  ['color-warn', 'color-warn-soft'],
  ['color-neutral', 'color-neutral-soft'],
];

const NON_TEXT_PAIRS: [string, string][] = [
  ['color-border-strong', 'color-surface'],
  ['color-focus', 'color-surface'],
  ['color-focus', 'color-bg'],
  ['color-focus', 'color-nav'],
  ['color-danger', 'color-surface'],
  ['color-accent', 'color-surface'],
  ['color-accent', 'color-nav'],
];

describe('colour contrast (WCAG AA)', () => {
  it.each(TEXT_PAIRS)('text %s on %s is at least 4.5:1', (fg, bg) => {
    expect(contrast(get(fg), get(bg))).toBeGreaterThanOrEqual(4.5);
  });

  it.each(NON_TEXT_PAIRS)('%s against %s is at least 3:1', (fg, bg) => {
    expect(contrast(get(fg), get(bg))).toBeGreaterThanOrEqual(3);
  });

  it('computes known ratios', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});
