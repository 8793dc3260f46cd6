import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { OfferView, SuggestionView } from '../lib/commands';
import { fakeIpc } from '../../tests/unit/fake-ipc';
import Inbox from './Inbox.svelte';

const offer = (id: number, decision: string, extra: Partial<OfferView> = {}): OfferView => ({
  id,
  brand: 'Acme Running',
  received_at: '2026-11-20T09:14:00Z',
  decision,
  not_before: null,
  reason: 'within your preferences',
  kind: 'discount',
  channel: 'butler-inbox',
  title: `Offer ${id}`,
  body: 'Trail shoes, 20% off.',
  url: 'https://acme-running.example/offer',
  tactics: [],
  ...extra,
});

const OFFERS = [
  offer(3, 'delivered'),
  offer(2, 'deferred', { not_before: '2026-11-21T08:00:00Z', reason: 'quiet hours (21:00-08:00)' }),
  offer(1, 'declined', { reason: 'it uses an unwelcome tactic (countdown-urgency)', tactics: ['countdown-urgency'], url: 'http://plain.example/' }),
];

const suggestion = (id: number, status: string, extra: Partial<SuggestionView> = {}): SuggestionView => ({
  id,
  brand: 'Acme Running',
  received_at: '2026-11-20T09:14:00Z',
  event: 'purchase',
  topic: 586,
  label: '/Shopping/Apparel/Footwear/Athletic Shoes',
  one_off_hint: false,
  status,
  ...extra,
});

function card(selector: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`nothing matches ${selector}`);
  return el;
}

describe('Inbox: offers', () => {
  it('shows each decision as a badge, with Butler\'s reason in words', async () => {
    fakeIpc({ inbox: () => OFFERS, suggestions: () => [] });
    render(Inbox, { part: 'offers' });
    expect(await screen.findByText('Offer 3')).toBeInTheDocument();
    expect(within(card('[data-offer="3"]')).getByTestId('decision')).toHaveTextContent('Delivered');
    expect(within(card('[data-offer="2"]')).getByTestId('decision')).toHaveTextContent(/^Deferred until /);
    expect(within(card('[data-offer="1"]')).getByTestId('decision')).toHaveTextContent('Declined');
    expect(within(card('[data-offer="3"]')).getByTestId('reason')).toHaveTextContent('Butler let it through: within your preferences.');
    expect(within(card('[data-offer="1"]')).getByTestId('reason')).toHaveTextContent(
      'Butler declined it: it uses an unwelcome tactic (countdown urgency).',
    );
    expect(within(card('[data-offer="2"]')).getByTestId('reason')).toHaveTextContent(/^Butler is holding it until .*: quiet hours \(21:00-08:00\)\.$/);
  });

  it('links only to https offers, in a new window without an opener', async () => {
    fakeIpc({ inbox: () => OFFERS, suggestions: () => [] });
    render(Inbox, { part: 'offers' });
    const link = await within(await waitFor(() => card('[data-offer="3"]'))).findByRole('link', { name: /Open the offer/ });
    expect(link).toHaveAttribute('href', 'https://acme-running.example/offer');
    expect(link).toHaveAttribute('target', '_blank');
    expect(link.getAttribute('rel')).toContain('noopener');
    expect(within(card('[data-offer="1"]')).queryByRole('link')).toBeNull();
  });

  it('filters by decision', async () => {
    const user = userEvent.setup();
    fakeIpc({ inbox: () => OFFERS, suggestions: () => [] });
    render(Inbox, { part: 'offers' });
    await screen.findByText('Offer 3');
    await user.click(screen.getByRole('button', { name: /Declined/ }));
    expect(document.querySelectorAll('[data-offer]')).toHaveLength(1);
    expect(screen.getByRole('button', { name: /Declined/ })).toHaveAttribute('aria-pressed', 'true');
  });

  it('explains an empty inbox', async () => {
    fakeIpc({ inbox: () => [], suggestions: () => [] });
    render(Inbox, { part: 'offers' });
    expect(await screen.findByText('Offers brands send appear here, if your preferences let them through.')).toBeInTheDocument();
  });
});

describe('Inbox: suggestions', () => {
  it('says what the brand reported, and accepting sends decide_suggestion with the weight', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      inbox: () => [],
      suggestions: () => [suggestion(2, 'pending'), suggestion(1, 'rejected', { event: 'wishlist' })],
      decide_suggestion: () => null,
    });
    render(Inbox, { part: 'suggestions' });
    const pending = await waitFor(() => card('[data-suggestion="2"]'));
    expect(pending).toHaveTextContent('Acme Running reported a purchase: Shopping › Apparel › Footwear › Athletic Shoes');
    expect(within(card('[data-suggestion="1"]')).getByTestId('suggestion-status')).toHaveTextContent('Rejected');
    expect(within(card('[data-suggestion="1"]')).queryByRole('button')).toBeNull();

    await user.click(within(pending).getByTestId('accept'));
    await waitFor(() => expect(within(pending).getByTestId('suggestion-status')).toHaveTextContent('Accepted'));
    expect(ipc.argsOf('decide_suggestion')).toEqual([{ id: 2, decision: 'accept', weight: 0.5 }]);
    expect(within(pending).queryByTestId('accept')).toBeNull();
  });

  it('keeps a one-off, and rejects without a weight', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      inbox: () => [],
      suggestions: () => [suggestion(5, 'pending', { one_off_hint: true, topic: 608, label: '/Shopping/Toys' }), suggestion(6, 'pending')],
      decide_suggestion: () => null,
    });
    render(Inbox, { part: 'suggestions' });
    const gift = await waitFor(() => card('[data-suggestion="5"]'));
    expect(gift).toHaveTextContent('The brand thinks it was a one-off');
    await user.click(within(gift).getByTestId('one-off'));
    await waitFor(() => expect(within(gift).getByTestId('suggestion-status')).toHaveTextContent('Kept as a one-off'));
    await user.click(within(card('[data-suggestion="6"]')).getByTestId('reject'));
    await waitFor(() => expect(ipc.argsOf('decide_suggestion')).toHaveLength(2));
    expect(ipc.argsOf('decide_suggestion')).toEqual([
      { id: 5, decision: 'one_off', weight: 0.5 },
      { id: 6, decision: 'reject', weight: null },
    ]);
  });

  it('explains that nothing changes the profile silently when there is no suggestion', async () => {
    fakeIpc({ inbox: () => [], suggestions: () => [] });
    render(Inbox, { part: 'suggestions' });
    expect(await screen.findByText(/Nothing changes your profile silently/)).toBeInTheDocument();
  });

  it('counts the pending suggestions on their tab', async () => {
    fakeIpc({ inbox: () => OFFERS, suggestions: () => [suggestion(2, 'pending'), suggestion(3, 'pending'), suggestion(1, 'accepted')] });
    render(Inbox, { part: 'offers' });
    expect(await screen.findByRole('link', { name: 'Suggestions 2 waiting' })).toBeInTheDocument();
  });
});
