import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { deferred, fakeIpc, rustError } from '../../tests/unit/fake-ipc';
import FirstRun from './FirstRun.svelte';

const PATH = '/home/owner/.local/share/butler/vault.db';
const GOOD = 'lantern quietly orbit marmalade';

function setup() {
  const user = userEvent.setup();
  const oncreated = vi.fn();
  render(FirstRun, { path: PATH, oncreated });
  return {
    user,
    oncreated,
    passphrase: () => screen.getByLabelText('Passphrase'),
    confirmation: () => screen.getByLabelText('Confirm passphrase'),
    submit: () => user.click(screen.getByRole('button', { name: 'Create vault' })),
  };
}

describe('FirstRun', () => {
  it('says what Butler is', () => {
    fakeIpc({});
    setup();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Set up your vault');
    expect(screen.getByText(/keeps your personal profile encrypted on this computer/)).toBeInTheDocument();
  });

  it('refuses a passphrase shorter than 12 characters', async () => {
    const ipc = fakeIpc({ create_vault: () => null });
    const t = setup();
    await t.user.type(t.passphrase(), 'short pass');
    await t.user.type(t.confirmation(), 'short pass');
    await t.submit();
    expect(t.passphrase()).toHaveAccessibleDescription(/Use at least 12 characters; this one has 10\./);
    expect(t.passphrase()).toHaveAttribute('aria-invalid', 'true');
    expect(t.passphrase()).toHaveFocus();
    expect(ipc.calls).toEqual([]);
  });

  it('refuses a confirmation that differs', async () => {
    const ipc = fakeIpc({ create_vault: () => null });
    const t = setup();
    await t.user.type(t.passphrase(), GOOD);
    await t.user.type(t.confirmation(), GOOD + 's');
    await t.submit();
    expect(t.confirmation()).toHaveAccessibleDescription('The two passphrases are not the same.');
    expect(t.confirmation()).toHaveFocus();
    expect(ipc.calls).toEqual([]);
  });

  it('shows the strength of the passphrase as it is typed', async () => {
    fakeIpc({});
    const t = setup();
    await t.user.type(t.passphrase(), 'password1234');
    expect(t.passphrase()).toHaveAccessibleDescription(/Very weak\. This is one of the most common passwords/);
    await t.user.clear(t.passphrase());
    await t.user.type(t.passphrase(), 'correct horse battery staple');
    expect(t.passphrase()).toHaveAccessibleDescription(/Very strong\./);
  });

  it('creates the vault with the passphrase, showing progress meanwhile', async () => {
    const pending = deferred();
    const ipc = fakeIpc({ create_vault: () => pending.promise });
    const t = setup();
    await t.user.type(t.passphrase(), GOOD);
    await t.user.type(t.confirmation(), GOOD);
    await t.submit();

    expect(await screen.findByRole('status')).toHaveTextContent('Deriving your key… this takes a few seconds.');
    expect(ipc.argsOf('create_vault')).toEqual([{ passphrase: GOOD }]);
    expect(t.oncreated).not.toHaveBeenCalled();

    pending.resolve();
    await waitFor(() => expect(t.oncreated).toHaveBeenCalledOnce());
  });

  it('shows an error from the Rust side beside the passphrase field', async () => {
    fakeIpc({ create_vault: () => rustError('weak_passphrase', 'the passphrase is too short: use at least 12 characters') });
    const t = setup();
    await t.user.type(t.passphrase(), GOOD);
    await t.user.type(t.confirmation(), GOOD);
    await t.submit();
    await waitFor(() =>
      expect(t.passphrase()).toHaveAccessibleDescription(/The passphrase is too short: use at least 12 characters\./),
    );
    expect(t.passphrase()).toBeEnabled();
    expect(t.oncreated).not.toHaveBeenCalled();
  });
});
