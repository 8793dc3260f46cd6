import { describe, expect, it } from 'vitest';
import { sentence } from './text';

describe('sentence', () => {
  it('capitalises and closes a command-line message', () => {
    expect(sentence('wrong passphrase')).toBe('Wrong passphrase.');
    expect(sentence('too many wrong passphrases: the next attempt is possible in 30 s')).toBe(
      'Too many wrong passphrases: the next attempt is possible in 30 s.',
    );
  });

  it('leaves a finished sentence alone', () => {
    expect(sentence('Already done.')).toBe('Already done.');
    expect(sentence('  Really?  ')).toBe('Really?');
    expect(sentence('')).toBe('');
  });
});
