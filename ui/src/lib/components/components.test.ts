import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import ModalHarness from '../../../tests/unit/ModalHarness.svelte';
import { CommandError } from '../ipc';
import EmptyState from './EmptyState.svelte';
import ErrorNotice from './ErrorNotice.svelte';
import Loading from './Loading.svelte';

describe('Modal', () => {
  it('is a labelled dialog that takes focus, traps Tab and closes on Escape', async () => {
    const user = userEvent.setup();
    render(ModalHarness);
    const opener = screen.getByRole('button', { name: 'Open' });
    await user.click(opener);

    const dialog = screen.getByRole('dialog', { name: 'Revoke access' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    const behind = screen.getByRole('button', { name: 'Behind', hidden: true });
    expect(behind.inert).toBe(true);
    const close = screen.getByRole('button', { name: 'Close' });
    expect(close).toHaveFocus();

    // Forward past the last control comes back to the first, and backward the other way.
    await user.tab();
    expect(screen.getByRole('textbox', { name: 'Reason' })).toHaveFocus();
    await user.tab();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Revoke' })).toHaveFocus();
    await user.tab();
    expect(close).toHaveFocus();
    await user.tab({ shift: true });
    expect(screen.getByRole('button', { name: 'Revoke' })).toHaveFocus();

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
    expect(behind.inert).toBe(false);
  });
});

describe('Loading', () => {
  it('is a status with its words', () => {
    render(Loading, { label: 'Loading your profile…' });
    expect(screen.getByRole('status')).toHaveTextContent('Loading your profile…');
  });
});

describe('ErrorNotice', () => {
  it('shows the message of a CommandError and retries', async () => {
    const user = userEvent.setup();
    const onretry = vi.fn();
    render(ErrorNotice, { error: new CommandError('locked', 'The vault is locked.'), onretry });
    expect(screen.getByRole('alert')).toHaveTextContent('The vault is locked.');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onretry).toHaveBeenCalledOnce();
  });

  it('has no retry button without a handler, and shows any thrown value', () => {
    render(ErrorNotice, { error: { code: 'not_found', message: 'No such brand.' } });
    expect(screen.getByRole('alert')).toHaveTextContent('No such brand.');
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });
});

describe('EmptyState', () => {
  it('shows its title', () => {
    render(EmptyState, { title: 'No requests waiting' });
    expect(screen.getByText('No requests waiting')).toBeInTheDocument();
  });
});
