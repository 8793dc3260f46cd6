import { emit } from '@tauri-apps/api/event';
import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeIpc, rustError } from '../tests/unit/fake-ipc';
import App from './App.svelte';
import { badges } from './lib/badges.svelte';

const PATH = '/home/owner/.local/share/butler/vault.db';
const status = (exists: boolean, unlocked: boolean) => () => ({ exists, unlocked, path: PATH });

describe('App', () => {
  it('shows the first-run screen when there is no vault', async () => {
    fakeIpc({ vault_status: status(false, false) });
    render(App);
    expect(await screen.findByRole('heading', { name: 'Set up your vault' })).toBeInTheDocument();
  });

  it('shows the unlock screen when the vault is locked', async () => {
    fakeIpc({ vault_status: status(true, false) });
    render(App);
    expect(await screen.findByRole('heading', { name: 'Unlock Butler' })).toBeInTheDocument();
  });

  it('shows the shell when the vault is open', async () => {
    fakeIpc({ vault_status: status(true, true), activity: () => null });
    render(App);
    const nav = await screen.findByRole('navigation', { name: 'Sections' });
    for (const name of ['Profile', 'Requests', 'Brands', 'Activity', 'Inbox', 'Settings']) {
      expect(nav).toContainElement(screen.getByRole('link', { name }));
    }
    expect(screen.getByRole('heading', { level: 1, name: 'Profile' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Profile' })).toHaveAttribute('aria-current', 'page');
  });

  it('routes by the hash', async () => {
    const user = userEvent.setup();
    fakeIpc({ vault_status: status(true, true), activity: () => null });
    window.location.hash = '#/brands';
    render(App);
    expect(await screen.findByRole('heading', { level: 1, name: 'Brands' })).toBeInTheDocument();
    await user.click(screen.getByRole('link', { name: 'Activity' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Activity' })).toBeInTheDocument();
    expect(window.location.hash).toBe('#/activity');
  });

  it('shows the pending-request count on the Requests link, and follows the requests event', async () => {
    fakeIpc({ vault_status: status(true, true), activity: () => null, pending_requests: () => [{}, {}, {}] });
    try {
      render(App);
      expect(await screen.findByRole('link', { name: 'Requests 3 pending' })).toBeInTheDocument();
      await emit('requests', { pending: 1 });
      expect(await screen.findByRole('link', { name: 'Requests 1 pending' })).toBeInTheDocument();
      await emit('requests', { pending: 0 });
      expect(await screen.findByRole('link', { name: 'Requests' })).toBeInTheDocument();
    } finally {
      badges.pendingRequests = 0;
    }
  });

  it('goes to the section a navigate event names', async () => {
    fakeIpc({ vault_status: status(true, true), activity: () => null });
    render(App);
    await screen.findByRole('navigation', { name: 'Sections' });
    await emit('navigate', 'requests');
    expect(await screen.findByRole('heading', { level: 1, name: 'Requests' })).toBeInTheDocument();
    await emit('navigate', 'nowhere');
    expect(screen.getByRole('heading', { level: 1, name: 'Requests' })).toBeInTheDocument();
  });

  it('goes from first run to the shell once the vault is created', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({ vault_status: status(false, false), create_vault: status(true, true), activity: () => null });
    render(App);
    await user.type(await screen.findByLabelText('Passphrase'), 'lantern quietly orbit marmalade');
    await user.type(screen.getByLabelText('Confirm passphrase'), 'lantern quietly orbit marmalade');
    await user.click(screen.getByRole('button', { name: 'Create vault' }));
    expect(await screen.findByRole('navigation', { name: 'Sections' })).toBeInTheDocument();
    expect(ipc.argsOf('create_vault')).toEqual([{ passphrase: 'lantern quietly orbit marmalade' }]);
  });

  it('goes from unlock to the shell with the right passphrase', async () => {
    const user = userEvent.setup();
    fakeIpc({
      vault_status: status(true, false),
      unlock: ({ passphrase }) =>
        passphrase === 'lantern quietly orbit marmalade' ? status(true, true)() : rustError('wrong_passphrase', 'wrong passphrase'),
      activity: () => null,
    });
    render(App);
    const field = await screen.findByLabelText('Passphrase');
    await user.type(field, 'wrong{Enter}');
    await waitFor(() => expect(field).toHaveAccessibleDescription('That passphrase does not open this vault.'));
    await user.clear(field);
    await user.type(field, 'lantern quietly orbit marmalade{Enter}');
    expect(await screen.findByRole('navigation', { name: 'Sections' })).toBeInTheDocument();
  });

  it('returns to unlock when the vault locks after idle, saying why', async () => {
    fakeIpc({ vault_status: status(true, true), activity: () => null });
    render(App);
    await screen.findByRole('navigation', { name: 'Sections' });

    await emit('locked', { reason: 'auto', idle_minutes: 5 });

    expect(await screen.findByRole('heading', { name: 'Unlock Butler' })).toBeInTheDocument();
    expect(screen.getByText('Locked after 5 minutes idle.')).toBeInTheDocument();
    expect(screen.queryByRole('navigation', { name: 'Sections' })).not.toBeInTheDocument();
  });

  it('returns to unlock after a restore from Settings, saying what came back', async () => {
    fakeIpc({ vault_status: status(true, true), activity: () => null });
    render(App);
    await screen.findByRole('navigation', { name: 'Sections' });

    await emit('locked', {
      reason: 'restore',
      idle_minutes: null,
      restored: { from: '/home/owner/.local/share/butler/backups/butler-20261122T180200.000Z-manual.vault', values: 1, log_entries: 1, previous: null, closed_again: 0 },
      problem: null,
    });

    expect(await screen.findByTestId('restore-done')).toHaveTextContent(/: 1 value and 1 log entry checked\. Unlock with the passphrase this backup was made under\.$/);
    expect(screen.queryByRole('navigation', { name: 'Sections' })).not.toBeInTheDocument();
  });

  it('locks from the navigation', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({ vault_status: status(true, true), lock: () => null, activity: () => null });
    render(App);
    await user.click(await screen.findByRole('button', { name: 'Lock' }));
    expect(await screen.findByRole('heading', { name: 'Unlock Butler' })).toBeInTheDocument();
    expect(ipc.argsOf('lock')).toEqual([{}]);
    expect(screen.queryByTestId('lock-reason')).not.toBeInTheDocument();
  });

  it('reports the owner’s activity while unlocked', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({ vault_status: status(true, true), activity: () => null });
    render(App);
    await screen.findByRole('navigation', { name: 'Sections' });
    await user.keyboard('{Tab}{Tab}');
    expect(ipc.argsOf('activity')).toEqual([{}]);
  });

  it('offers a retry when vault_status fails', async () => {
    const user = userEvent.setup();
    let fail = true;
    fakeIpc({
      vault_status: () => (fail ? rustError('corrupt', 'The vault file is damaged.') : status(true, false)()),
    });
    render(App);
    expect(await screen.findByRole('alert')).toHaveTextContent('The vault file is damaged.');
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { name: 'Unlock Butler' })).toBeInTheDocument();
  });
});
