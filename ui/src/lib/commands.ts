// The commands and events of the shell foundation (vault, lock, idle, navigation counts). The
// Rust side (src-tauri/src/commands.rs) takes arguments in snake_case (`rename_all =
// "snake_case"`), so argument names here are snake_case too. The shapes come from
// src/bindings/, which the Rust side generates from its own types (ts-rs): never write them here.

import type { Locked } from '../bindings/Locked';
import type { RequestsChanged } from '../bindings/RequestsChanged';
import type { RequestView } from '../bindings/RequestView';
import type { VaultStatus } from '../bindings/VaultStatus';
import { call, listen, type UnlistenFn } from './ipc';

export type { Locked, RequestsChanged, RequestView, VaultStatus };

export const vaultStatus = () => call<VaultStatus>('vault_status');

/** Creates the vault and unlocks it; the Rust side refuses passphrases shorter than 12 characters. */
export const createVault = (passphrase: string) => call<VaultStatus>('create_vault', { passphrase });

/** Errors: `wrong_passphrase`, `throttled` (the message says when to try again). */
export const unlock = (passphrase: string) => call<VaultStatus>('unlock', { passphrase });

export const lock = () => call<void>('lock');

/** Tells the Rust side the owner is here, so the idle auto-lock starts over. */
export const activity = () => call<void>('activity');

/** The access requests waiting for the owner. */
export const pendingRequests = () => call<RequestView[]>('pending_requests');

/** `locked`: the vault locked; `reason` is `auto` (idle, with `idle_minutes`) or `owner`. */
export const onLocked = (handler: (event: Locked) => void): Promise<UnlistenFn> =>
  listen<Locked>('locked', (event) => handler(event.payload));

export const onRequestsChanged = (handler: (event: RequestsChanged) => void): Promise<UnlistenFn> =>
  listen<RequestsChanged>('requests', (event) => handler(event.payload));

/** `navigate`: the tray or a notification asks for a section (payload: its name, "requests"). */
export const onNavigate = (handler: (section: string) => void): Promise<UnlistenFn> =>
  listen<string>('navigate', (event) => handler(event.payload));

/**
 * Listens to several events and returns one function that stops them all, even if it is called
 * before the listeners are in place. Without the Tauri runtime there are no events: that is
 * not an error here (the commands report it).
 */
export function listenAll(...starts: Promise<UnlistenFn>[]): () => void {
  let stopped = false;
  const stops: UnlistenFn[] = [];
  for (const start of starts) {
    start
      .then((unlisten) => (stopped ? unlisten() : stops.push(unlisten)))
      .catch(() => {});
  }
  return () => {
    stopped = true;
    for (const unlisten of stops.splice(0)) unlisten();
  };
}
