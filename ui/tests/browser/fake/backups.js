// The fake Rust side of the vault's backups: the `backups`, `create_backup` and `restore_backup`
// commands, as src-tauri/src/commands.rs and crates/core/src/backup.rs behave. Loaded by run.mjs
// before fake-backend.js, which calls the function pushed here with its helpers.
//
// State it adds (a test's __FAKE_BUTLER_INIT__ may replace any of it):
//   backups: the backups beside the vault, newest first, each { path, taken_at, reason, bytes }
//     and, for the fake only, the passphrase it was made under (`passphrase`, default: the
//     vault's passphrase at the time of the restore)
//   damaged: the vault file will not open (unlock fails with `damaged`) until a restore
//   restoreDelayMs: the pause after each `progress` step of a restore
//
// A restore is refused (`backup_refused`, nothing changes) for a file whose name holds
// "damaged", for a file that is neither listed nor named like a backup, and for a passphrase
// other than the backup's. Otherwise the vault locks: `locked` (reason `restore`) when it was
// open, the vault as it was is kept as a `before-restore` backup, and the backup's passphrase
// unlocks it from then on.
'use strict';

(window.__FAKE_BUTLER_PLUGINS__ ??= []).push(({ state, fail, requireUnlocked, emit, sleep }) => {
  const DIR = '/home/owner/.local/share/butler/backups';
  const pad = (n, width = 2) => String(n).padStart(width, '0');

  /** A backup's file name, as crates/core/src/backup.rs names it. */
  function fileName(takenAt, reason) {
    const d = new Date(takenAt);
    const stamp =
      `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T` +
      `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`;
    return `butler-${stamp}-${reason}.vault`;
  }

  function make(takenAt, reason, bytes, extra = {}) {
    const taken_at = new Date(takenAt).toISOString();
    return { path: `${DIR}/${fileName(taken_at, reason)}`, taken_at, reason, bytes, ...extra };
  }

  const hoursAgo = (h) => Date.now() - h * 3600_000;
  const view = ({ path, taken_at, reason, bytes }) => ({ path, taken_at, reason, bytes });
  const invalid = (field, message) => {
    throw { code: 'invalid_value', message, field };
  };

  Object.assign(state, {
    backups: [
      make(hoursAgo(2), 'daily', 2_457_600),
      make(hoursAgo(26), 'daily', 2_441_216),
      make(hoursAgo(50), 'manual', 2_408_448),
      make(hoursAgo(24 * 12), 'migration', 1_949_696),
    ],
    damaged: false,
    restoreDelayMs: 250,
  });

  function refused(file, why) {
    fail('backup_refused', `the backup ${file} was not restored, and the vault was left as it is: ${why}`);
  }

  return {
    // Also while locked: a damaged vault cannot be opened, but its backups can be listed.
    backups: () => state.backups.map(view),

    create_backup: async () => {
      requireUnlocked();
      await sleep(150);
      const taken = make(Date.now(), 'manual', 2_461_696);
      state.backups = [taken, ...state.backups];
      return view(taken);
    },

    restore_backup: async ({ path, passphrase }) => {
      const file = String(path ?? '').trim();
      if (file === '') invalid('path', 'choose the backup to restore');
      const step = async (done, text) => {
        emit('progress', { task: 'restore', step: text, done, total: 3 });
        await sleep(state.restoreDelayMs);
      };
      await step(0, "Checking the backup: its integrity, every value, the log's chain");
      const name = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
      const listed = state.backups.find((b) => b.path === file);
      if (name.includes('damaged')) refused(file, 'the vault file is damaged (database disk image is malformed)');
      if (!listed && !name.endsWith('.vault')) refused(file, `${file} is not a Butler vault`);
      const expected = listed?.passphrase ?? state.passphrase;
      if (passphrase !== expected) refused(file, 'wrong passphrase');

      await step(1, 'Locking, and keeping the vault as it is now as a backup');
      const wasUnlocked = state.unlocked;
      state.unlocked = false;
      const previous = make(Date.now(), 'before-restore', 2_461_696, { passphrase: state.passphrase });
      state.backups = [previous, ...state.backups];
      state.passphrase = expected;
      state.damaged = false;
      emit('progress', { task: 'restore', step: 'Done', done: 3, total: 3 });
      const restored = { from: file, values: 14, log_entries: 2345, previous: view(previous), closed_again: 0 };
      if (wasUnlocked) emit('locked', { reason: 'restore', idle_minutes: null, restored, problem: null });
      return restored;
    },
  };
});
