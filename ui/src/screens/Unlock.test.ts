import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { deferred, fakeIpc, rustError } from '../../tests/unit/fake-ipc';
import Unlock from './Unlock.svelte';

const PATH = '/home/owner/.local/share/butler/vault.db';

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
    render(Unlock, { path: PATH, lockedBy: { reason: 'auto', idle_minutes: 15 }, onunlocked: vi.fn() });
    expect(screen.getByText('Locked after 15 minutes idle.')).toBeInTheDocument();
  });
});
