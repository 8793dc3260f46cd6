// The one door from the UI to the Rust side: every Tauri command goes through `call`,
// and every failure comes out as a `CommandError` with a stable code.

import { invoke } from '@tauri-apps/api/core';
import type { CommandError as CommandErrorShape } from '../bindings/CommandError';

export { listen, type Event, type UnlistenFn } from '@tauri-apps/api/event';

/**
 * A failed command. The Rust side serialises its errors as `{ code, message, field? }`, where
 * `code` is stable (the UI branches on it), `message` is written for the owner and `field`, when
 * present, names the input the message belongs beside. Anything else that is thrown (a bug, a
 * missing Tauri runtime, an unknown command) becomes code `"internal"`. It has the fields of the
 * generated `CommandError` binding, so the two cannot drift apart.
 */
export class CommandError extends Error implements CommandErrorShape {
  readonly code: string;
  readonly field: string | null;

  constructor(code: string, message: string, field: string | null = null) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
    this.field = field;
  }

  /** Turns any thrown value into a `CommandError`, keeping code and message when they are there. */
  static from(value: unknown): CommandError {
    if (value instanceof CommandError) return value;
    if (isErrorShape(value)) {
      const { field } = value as { field?: unknown };
      return new CommandError(value.code, value.message, typeof field === 'string' ? field : null);
    }
    if (value instanceof Error) return new CommandError('internal', value.message || INTERNAL_MESSAGE);
    if (typeof value === 'string' && value.trim() !== '') return new CommandError('internal', value);
    return new CommandError('internal', INTERNAL_MESSAGE);
  }
}

const INTERNAL_MESSAGE = 'Something went wrong inside Butler.';

function isErrorShape(value: unknown): value is { code: string; message: string } {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === 'string' && code !== '' && typeof message === 'string';
}

/** Calls a Tauri command; rejects with a `CommandError` only. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (thrown) {
    throw CommandError.from(thrown);
  }
}
