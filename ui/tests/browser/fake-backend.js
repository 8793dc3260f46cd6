// A fake of Butler's Rust side, injected into the page before the app loads (page.addInitScript)
// so that the built UI runs in plain Chromium as it would in the Tauri window.
//
// It does what @tauri-apps/api/mocks' mockIPC does: it defines window.__TAURI_INTERNALS__
// (invoke, transformCallback, ...) and window.__TAURI_EVENT_PLUGIN_INTERNALS__, and answers the
// event plugin's listen/unlisten/emit so the app's `listen` works. Commands are answered from
// the HANDLERS table below, over an in-memory state: add a command by adding a handler.
//
// The test sets the starting state with an earlier init script that assigns
// window.__FAKE_BUTLER_INIT__, and drives the fake through window.__FAKE_BUTLER__
// ({ state, calls, emit, handlers }).
(() => {
  'use strict';

  const state = {
    exists: false,
    unlocked: false,
    passphrase: null,
    path: '/home/owner/.local/share/butler/vault.db',
    // Stands in for the key derivation, so the progress message can be seen.
    kdfDelayMs: 400,
    wrongAttempts: 0,
    throttleAfter: 5,
    // Pending access requests, as `pending_requests` lists them (only their number is read yet).
    requests: [],
    ...(window.__FAKE_BUTLER_INIT__ ?? {}),
  };

  /** Every command the app sent, in order: { cmd, args }. Event-plugin calls are left out. */
  const calls = [];

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Rejects the way a Butler command does: with { code, message }. */
  function fail(code, message) {
    throw { code, message };
  }

  function requireUnlocked() {
    if (!state.unlocked) fail('locked', 'the vault is locked: unlock it first');
  }

  const status = () => ({ exists: state.exists, unlocked: state.unlocked, path: state.path, api: null });

  const HANDLERS = {
    vault_status: () => status(),

    create_vault: async ({ passphrase }) => {
      if (state.exists) fail('already_exists', `a vault already exists at ${state.path}; it was left untouched`);
      if (typeof passphrase !== 'string' || [...passphrase].length < 12) {
        fail('weak_passphrase', 'the passphrase is too short: use at least 12 characters');
      }
      await sleep(state.kdfDelayMs);
      Object.assign(state, { exists: true, unlocked: true, passphrase });
      return status();
    },

    unlock: async ({ passphrase }) => {
      if (!state.exists) fail('no_vault', `no vault at ${state.path}`);
      if (state.wrongAttempts >= state.throttleAfter) {
        fail('throttled', 'too many wrong passphrases: the next attempt is possible in 30 s');
      }
      await sleep(state.kdfDelayMs);
      if (passphrase !== state.passphrase) {
        state.wrongAttempts += 1;
        fail('wrong_passphrase', 'wrong passphrase');
      }
      // A vault file that fails the integrity check at unlock (see fake/backups.js).
      if (state.damaged) {
        fail(
          'damaged',
          'the vault file is damaged (database disk image is malformed); it was left as it is. `butler backups list` ' +
            'shows the backups to restore with `butler backups restore FILE`; an export can be imported too',
        );
      }
      state.wrongAttempts = 0;
      state.unlocked = true;
      return status();
    },

    lock: () => {
      state.unlocked = false;
      emit('locked', { reason: 'owner' });
      return null;
    },

    activity: () => {
      requireUnlocked();
      state.lastActivity = Date.now();
      return null;
    },

    pending_requests: () => {
      requireUnlocked();
      return state.requests;
    },
  };

  // More handlers, one file per group of screens in tests/browser/fake/: each file pushes a
  // function onto window.__FAKE_BUTLER_PLUGINS__ that gets { state, fail, requireUnlocked, emit,
  // sleep } and returns handlers (and may add to `state`; __FAKE_BUTLER_INIT__ still wins).
  for (const plugin of window.__FAKE_BUTLER_PLUGINS__ ?? []) {
    Object.assign(HANDLERS, plugin({ state, fail, requireUnlocked, emit: (...a) => emit(...a), sleep }));
  }
  Object.assign(state, window.__FAKE_BUTLER_INIT__ ?? {});

  /** A brand asks for access, as the Rust side reports it: the list grows and `requests` fires. */
  function addRequest(request) {
    state.requests.push(request);
    emit('requests', { pending: state.requests.length });
  }

  // ---- Tauri internals: callbacks and events, as mockIPC sets them up ----

  const callbacks = new Map();
  let nextCallbackId = 1;

  function transformCallback(callback, once = false) {
    const id = nextCallbackId++;
    callbacks.set(id, (data) => {
      if (once) callbacks.delete(id);
      return callback && callback(data);
    });
    return id;
  }

  function unregisterCallback(id) {
    callbacks.delete(id);
  }

  function runCallback(id, data) {
    const callback = callbacks.get(id);
    if (callback) callback(data);
  }

  /** event name -> callback ids of its listeners */
  const listeners = new Map();

  /** Sends an event to the app, as the Rust side's `emit` would. */
  function emit(event, payload) {
    for (const id of [...(listeners.get(event) ?? [])]) runCallback(id, { event, id, payload });
  }

  const EVENT_PLUGIN = {
    'plugin:event|listen': ({ event, handler }) => {
      if (!listeners.has(event)) listeners.set(event, []);
      listeners.get(event).push(handler);
      return handler;
    },
    'plugin:event|unlisten': ({ event, eventId }) => {
      const ids = listeners.get(event) ?? [];
      const at = ids.indexOf(eventId);
      if (at !== -1) ids.splice(at, 1);
      return null;
    },
    'plugin:event|emit': ({ event, payload }) => {
      emit(event, payload);
      return null;
    },
  };

  async function invoke(cmd, args = {}) {
    const plugin = EVENT_PLUGIN[cmd];
    if (plugin) return plugin(args);
    calls.push({ cmd, args: JSON.parse(JSON.stringify(args ?? {})) });
    const handler = HANDLERS[cmd];
    // Tauri rejects an unknown command with a plain string.
    if (!handler) throw `command ${cmd} not found`;
    return handler(args ?? {});
  }

  window.__TAURI_INTERNALS__ = {
    invoke,
    transformCallback,
    unregisterCallback,
    runCallback,
    callbacks,
    metadata: {
      currentWindow: { label: 'main' },
      currentWebview: { windowLabel: 'main', label: 'main' },
    },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = {
    unregisterListener: (_event, id) => unregisterCallback(id),
  };
  window.__FAKE_BUTLER__ = { state, calls, emit, addRequest, handlers: HANDLERS };

  // CSP violations fail the tests: the Tauri window enforces the same policy.
  window.__CSP_VIOLATIONS__ = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__CSP_VIOLATIONS__.push(`${e.violatedDirective}: ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
  });
})();
