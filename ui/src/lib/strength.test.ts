import { describe, expect, it } from 'vitest';
import { estimate, MIN_LENGTH } from './strength';

describe('estimate', () => {
  it('asks for a passphrase when empty', () => {
    const s = estimate('');
    expect(s.score).toBe(0);
    expect(s.meetsMinimum).toBe(false);
    expect(s.advice).toMatch(/at least 12/);
  });

  it('enforces the minimum length and says how far off it is', () => {
    const s = estimate('kT9#vq2!Lm4');
    expect(s.length).toBe(11);
    expect(s.meetsMinimum).toBe(false);
    expect(s.score).toBeLessThanOrEqual(1);
    expect(s.advice).toBe('Add 1 more character: Butler needs at least 12.');
    expect(estimate('abc').advice).toBe('Add 9 more characters: Butler needs at least 12.');
  });

  it('counts characters, not UTF-16 units', () => {
    const s = estimate('ü'.repeat(6) + '🙂'.repeat(6));
    expect(s.length).toBe(12);
    expect(s.meetsMinimum).toBe(true);
    expect(MIN_LENGTH).toBe(12);
  });

  it.each(['password1234', 'p@ssw0rd2024', 'Summer2024!!', 'qwertyuiop12', 'Jennifer1985!', 'letmein12345'])(
    'calls %s a common password',
    (p) => {
      const s = estimate(p);
      expect(s.score).toBe(0);
      expect(s.advice).toMatch(/most common passwords/);
    },
  );

  it.each(['aaaaaaaaaaaa', 'abcabcabcabc', '123456789012', 'abcdefghijkl', 'xyzxyzxyzxyzxyz'])(
    'penalises repetition and sequences in %s',
    (p) => {
      const s = estimate(p);
      expect(s.score).toBe(0);
      expect(s.advice).toMatch(/repeats, sequences/);
    },
  );

  it('rates a few unrelated words by how many there are', () => {
    expect(estimate('horse staple').score).toBe(1);
    expect(estimate('river lamp orbit').score).toBe(2);
    expect(estimate('correct horse battery staple').score).toBe(4);
  });

  it('rates random characters from all classes highly', () => {
    expect(estimate('kT9#vq2!Lm4z').score).toBe(4);
  });

  it('never rates a passphrase lower for one more word', () => {
    const words = ['lantern', 'quietly', 'orbit', 'marmalade', 'fjord', 'tulip'];
    for (let n = 2; n < words.length; n++) {
      const shorter = estimate(words.slice(0, n).join(' ')).score;
      const longer = estimate(words.slice(0, n + 1).join(' ')).score;
      expect(longer).toBeGreaterThanOrEqual(shorter);
    }
  });

  it('gives a label and advice for every score', () => {
    const labels = new Set<string>();
    for (const p of ['', 'horse staple', 'river lamp orbit', 'Butler is great 2024', 'correct horse battery staple']) {
      const s = estimate(p);
      expect(s.label).not.toBe('');
      expect(s.advice).not.toBe('');
      labels.add(s.label);
    }
    expect(labels).toEqual(new Set(['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong']));
  });

  it('stays fast on very long input', () => {
    const start = performance.now();
    estimate('x'.repeat(10_000));
    expect(performance.now() - start).toBeLessThan(200);
  });
});
