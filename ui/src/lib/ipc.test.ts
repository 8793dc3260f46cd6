import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { call, CommandError } from './ipc';

afterEach(() => clearMocks());

describe('call', () => {
  it('passes the command and its arguments and returns the result', async () => {
    const seen: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return { exists: true, unlocked: false, path: '/tmp/vault.db' };
    });
    await expect(call('vault_status')).resolves.toEqual({ exists: true, unlocked: false, path: '/tmp/vault.db' });
    await call('unlock', { passphrase: 'correct horse battery staple' });
    expect(seen).toEqual([
      ['vault_status', {}],
      ['unlock', { passphrase: 'correct horse battery staple' }],
    ]);
  });

  it('turns a Rust error object into a CommandError with its code and message', async () => {
    mockIPC(() => {
      throw { code: 'wrong_passphrase', message: 'That passphrase does not open this vault.' };
    });
    const error = await call('unlock', { passphrase: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ code: 'wrong_passphrase', message: 'That passphrase does not open this vault.' });
  });

  it('keeps the field a validation message belongs to', async () => {
    mockIPC(() => {
      throw { code: 'invalid_value', message: 'not a date (YYYY-MM-DD)', field: 'birth_date' };
    });
    await expect(call('set_field')).rejects.toMatchObject({ code: 'invalid_value', field: 'birth_date' });
    mockIPC(() => {
      throw { code: 'locked', message: 'the vault is locked: unlock it first', field: null };
    });
    await expect(call('profile_fields')).rejects.toMatchObject({ code: 'locked', field: null });
  });

  it('maps a rejected promise the same way', async () => {
    mockIPC(() => Promise.reject({ code: 'throttled', message: 'Wait 30 seconds.' }));
    await expect(call('unlock')).rejects.toMatchObject({ code: 'throttled', message: 'Wait 30 seconds.' });
  });

  it.each([
    ['a string', 'command vault_stats not found', 'command vault_stats not found'],
    ['an Error', new TypeError('boom'), 'boom'],
    ['null', null, 'Something went wrong inside Butler.'],
    ['a number', 42, 'Something went wrong inside Butler.'],
    ['an object without code', { message: 'half a shape' }, 'Something went wrong inside Butler.'],
    ['an object with a non-string code', { code: 7, message: 'x' }, 'Something went wrong inside Butler.'],
  ])('maps %s to code "internal"', async (_what, thrown, message) => {
    mockIPC(() => {
      throw thrown;
    });
    const error = await call('anything').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ code: 'internal', message });
  });

  it('reports a missing Tauri runtime as internal', async () => {
    // No mockIPC: window.__TAURI_INTERNALS__ has no invoke.
    await expect(call('vault_status')).rejects.toMatchObject({ code: 'internal' });
  });
});

describe('CommandError.from', () => {
  it('returns a CommandError unchanged', () => {
    const e = new CommandError('locked', 'The vault is locked.');
    expect(CommandError.from(e)).toBe(e);
  });
});
