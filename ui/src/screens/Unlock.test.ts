import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { deferred, fakeIpc, rustError } from '../../tests/unit/fake-ipc';
import type { BackupView, Locked, RestoredView } from '../lib/commands';
import { formatTaken } from './settings/backups';
import Unlock from './Unlock.svelte';

const PATH = '/home/owner/.local/share/butler/vault.db';
const BACKUPS: BackupView[] = [
  { path: '/home/owner/.local/share/butler/backups/butler-20261123T091400.000Z-daily.vault', taken_at: '2026-11-23T09:14:00Z', reason: 'daily', bytes: 2_400_000 },
  { path: '/home/owner/.local/share/butler/backups/butler-20261122T180200.000Z-manual.vault', taken_at: '2026-11-22T18:02:00Z', reason: 'manual', bytes: 245_760 },
];
const RESTORED: RestoredView = {
  from: BACKUPS[1]!.path,
  values: 12,
  log_entries: 340,
  previous: { path: '/home/owner/.local/share/butler/backups/butler-20261123T100000.000Z-before-restore.vault', taken_at: '2026-11-23T10:00:00Z', reason: 'before-restore', bytes: 2_400_000 },
  closed_again: 0,
};
const DONE = `Restored the backup of ${formatTaken('2026-11-22T18:02:00Z')}: 12 values and 340 log entries checked. The vault as it was is kept as a backup. Unlock with the passphrase this backup was made under.`;
const lockedBy = (event: Partial<Locked>): Locked => ({ reason: 'restore', idle_minutes: null, restored: null, problem: null, ...event });

describe('Unlock', () => {
  it('focuses the passphrase field and shows where the vault is', () => {
    fakeIpc({});
    render(Unlock, { path: PATH, onunlocked: vi.fn() });
    expect(screen.getByLabelText('Passphrase')).toHaveFocus();
    expect(screen.getByText(PATH)).toBeInTheDocument();
  });

  it('shows a wrong passphrase under the field, linked to it', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      unlock: () => rustError('wrong_passphrase', 'wrong passphrase'),
    });
    const onunlocked = vi.fn();
    render(Unlock, { path: PATH, onunlocked });

    await user.type(screen.getByLabelText('Passphrase'), 'not my passphrase');
    await user.click(screen.getByRole('button', { name: 'Unlock' }));

    const field = screen.getByLabelText('Passphrase');
    await waitFor(() => expect(field).toHaveAccessibleDescription('That passphrase does not open this vault.'));
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveFocus();
    expect(ipc.argsOf('unlock')).toEqual([{ passphrase: 'not my passphrase' }]);
    expect(onunlocked).not.toHaveBeenCalled();
  });

  it('shows the throttling message', async () => {
    const user = userEvent.setup();
    fakeIpc({ unlock: () => rustError('throttled', 'too many wrong passphrases: the next attempt is possible in 30 s') });
    render(Unlock, { path: PATH, onunlocked: vi.fn() });

    await user.type(screen.getByLabelText('Passphrase'), 'guess{Enter}');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Too many wrong passphrases: the next attempt is possible in 30 s.');
    expect(screen.getByLabelText('Passphrase')).not.toHaveAttribute('aria-invalid');
  });

  it('shows progress while the key is derived, then reports success', async () => {
    const user = userEvent.setup();
    const pending = deferred();
    fakeIpc({ unlock: () => pending.promise });
    const onunlocked = vi.fn();
    render(Unlock, { path: PATH, onunlocked });

    await user.type(screen.getByLabelText('Passphrase'), 'correct horse battery staple{Enter}');
    expect(await screen.findByRole('status')).toHaveTextContent(/Unlocking/);
    expect(screen.getByLabelText('Passphrase')).toBeDisabled();

    pending.resolve();
    await waitFor(() => expect(onunlocked).toHaveBeenCalledOnce());
  });

  it('asks for a passphrase before calling anything', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({ unlock: () => null });
    render(Unlock, { path: PATH, onunlocked: vi.fn() });
    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    expect(screen.getByLabelText('Passphrase')).toHaveAccessibleDescription('Enter your passphrase.');
    expect(ipc.calls).toEqual([]);
  });

  it('says how long the owner was idle when the vault locked by itself', () => {
    fakeIpc({});
    render(Unlock, { path: PATH, lockedBy: { reason: 'auto', idle_minutes: 15, restored: null, problem: null }, onunlocked: vi.fn() });
    expect(screen.getByText('Locked after 15 minutes idle.')).toBeInTheDocument();
  });

  it('offers to restore a backup when the vault file is damaged', async () => {
    const user = userEvent.setup();
    fakeIpc({
      unlock: () =>
        rustError('damaged', 'the vault file is damaged (database disk image is malformed); it was left as it is. `butler backups list` shows the backups to restore with `butler backups restore FILE`; an export can be imported too'),
      backups: () => BACKUPS,
    });
    render(Unlock, { path: PATH, onunlocked: vi.fn() });
    await user.type(screen.getByLabelText('Passphrase'), 'correct horse battery staple{Enter}');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The vault file is damaged');
    expect(alert).toHaveTextContent('Butler could not open it (database disk image is malformed), and left it as it is.');
    await user.click(within(alert).getByRole('button', { name: 'Restore from a backup…' }));

    expect(screen.getByRole('heading', { level: 1, name: 'Restore from a backup' })).toHaveFocus();
    await waitFor(() => expect(screen.getAllByTestId('backup')).toHaveLength(2));
    expect(screen.queryByTestId('backup-now')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Back to unlock' }));
    expect(screen.getByLabelText('Passphrase')).toHaveFocus();
  });

  it('restores a backup from the unlock screen, then says what came back and focuses the passphrase', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({ backups: () => BACKUPS, restore_backup: () => RESTORED });
    render(Unlock, { path: PATH, onunlocked: vi.fn() });

    await user.click(screen.getByTestId('unlock-restore'));
    await waitFor(() => expect(screen.getAllByTestId('backup')).toHaveLength(2));
    await user.click(screen.getByRole('button', { name: `Restore the backup of ${formatTaken(BACKUPS[1]!.taken_at)}` }));
    const dialog = screen.getByRole('dialog', { name: 'Restore a backup' });
    expect(dialog).toHaveTextContent('Then unlock with the passphrase this backup was made under.');
    await user.type(within(dialog).getByLabelText("The backup's passphrase"), 'the old passphrase');
    await user.click(within(dialog).getByRole('button', { name: 'Check and restore' }));

    const done = await screen.findByTestId('restore-done');
    expect(done).toHaveTextContent(DONE);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('heading', { name: 'Unlock Butler' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText('Passphrase')).toHaveFocus());
    expect(ipc.argsOf('restore_backup')).toEqual([{ path: BACKUPS[1]!.path, passphrase: 'the old passphrase' }]);
  });

  it('keeps the restore dialog open with the reason when a backup is refused', async () => {
    const user = userEvent.setup();
    fakeIpc({
      backups: () => BACKUPS,
      restore_backup: () =>
        rustError('backup_refused', `the backup ${BACKUPS[0]!.path} was not restored, and the vault was left as it is: the log's chain does not verify`),
    });
    render(Unlock, { path: PATH, onunlocked: vi.fn() });
    await user.click(screen.getByTestId('unlock-restore'));
    await waitFor(() => expect(screen.getAllByTestId('backup')).toHaveLength(2));
    await user.click(screen.getAllByTestId('restore-backup')[0]!);
    const dialog = screen.getByRole('dialog', { name: 'Restore a backup' });
    await user.type(within(dialog).getByLabelText("The backup's passphrase"), 'the old passphrase{Enter}');
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      `The backup ${BACKUPS[0]!.path} was not restored, and the vault was left as it is: the log's chain does not verify.`,
    );
    expect(screen.queryByTestId('restore-done')).toBeNull();
  });

  it('says what a restore from Settings brought back', () => {
    fakeIpc({});
    render(Unlock, { path: PATH, lockedBy: lockedBy({ restored: RESTORED }), onunlocked: vi.fn() });
    expect(screen.getByTestId('restore-done')).toHaveTextContent(DONE);
    expect(screen.getByLabelText('Passphrase')).toHaveFocus();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says why a restore from Settings did not finish', () => {
    fakeIpc({});
    render(Unlock, { path: PATH, lockedBy: lockedBy({ problem: 'cannot rename the checked copy into place: permission denied' }), onunlocked: vi.fn() });
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('The restore did not finish');
    expect(alert).toHaveTextContent('Cannot rename the checked copy into place: permission denied.');
    expect(screen.queryByTestId('restore-done')).toBeNull();
  });
});
