// A programmable stand-in for the Rust side in component tests, on top of mockIPC.
import { mockIPC } from '@tauri-apps/api/mocks';

export type Handler = (args: Record<string, unknown>) => unknown;

export interface FakeIpc {
  calls: { cmd: string; args: Record<string, unknown> }[];
  /** The calls of one command, in order. */
  argsOf(cmd: string): Record<string, unknown>[];
}

/** Answers each command with its handler; an unknown command rejects like Tauri does. */
export function fakeIpc(handlers: Record<string, Handler>): FakeIpc {
  const calls: FakeIpc['calls'] = [];
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const handler = handlers[cmd];
      if (!handler) return Promise.reject(`command ${cmd} not found`);
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  return { calls, argsOf: (cmd) => calls.filter((c) => c.cmd === cmd).map((c) => c.args) };
}

/** A Rust-side error as the commands send it. */
export function rustError(code: string, message: string): never {
  throw { code, message };
}

/** A promise that settles when the test says so. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
