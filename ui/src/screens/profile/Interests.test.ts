import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { InterestView, NewInterestInput } from '../../lib/commands';
import { fakeIpc } from '../../../tests/unit/fake-ipc';
import Interests from './Interests.svelte';

const interest = (id: number, label: string, extra: Partial<InterestView> = {}): InterestView => ({
  id,
  topic: label.startsWith('/') ? id : null,
  label,
  weight: 0.5,
  source: 'stated',
  status: 'active',
  status_text: 'active',
  snoozed_until: null,
  expires: null,
  one_off: false,
  added: '2026-03-02',
  ...extra,
});

const LIST = [
  interest(1, '/Sports/Running & Walking', { weight: 0.8 }),
  interest(2, 'Sourdough baking'),
];

const TOPICS = [
  { id: 472, name: 'Hiking & Camping', path: '/Hobbies & Leisure/Outdoors/Hiking & Camping' },
  { id: 201, name: 'Outdoors', path: '/Hobbies & Leisure/Outdoors' },
];

const item = (id: number) => document.querySelector<HTMLElement>(`[data-interest="${id}"]`)!;

describe('Interests', () => {
  it('lists the interests with their status and source', async () => {
    fakeIpc({
      interests: () => [
        ...LIST,
        interest(3, '/Arts & Entertainment/Music & Audio/Jazz', { status: 'snoozed', status_text: 'snoozed until 2026-12-05', snoozed_until: '2026-12-05' }),
        interest(4, '/Books & Literature/Literary Classics', { status: 'off', status_text: 'off', source: 'Northwind Books' }),
      ],
    });
    render(Interests);
    await waitFor(() => expect(item(1)).toBeInTheDocument());
    expect(within(item(1)).getByTestId('interest-status')).toHaveTextContent('Active');
    expect(within(item(3)).getByTestId('interest-status')).toHaveTextContent(/^Snoozed until/);
    expect(within(item(4)).getByTestId('interest-status')).toHaveTextContent('Off');
    expect(item(4)).toHaveTextContent('suggested by Northwind Books');
    expect(within(item(4)).getByRole('button', { name: 'Switch on' })).toBeInTheDocument();
    expect(within(item(1)).getByRole('slider', { name: 'Weight of Running & Walking' })).toHaveValue('0.8');
  });

  it('adds an interest picked from the topic search', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      interests: () => LIST,
      search_topics: () => TOPICS,
      add_interest: ({ interest: input }) => {
        const i = input as NewInterestInput;
        return interest(9, TOPICS.find((t) => t.id === i.topic)!.path, { topic: i.topic, weight: i.weight });
      },
    });
    render(Interests);
    const search = await screen.findByRole('combobox', { name: 'Topic or your own words' });
    await user.type(search, 'hiking');
    const option = await screen.findByRole('option', { name: /Hiking & Camping/ });
    // Debounced: one search for the whole word, not one per key.
    await waitFor(() => expect(ipc.argsOf('search_topics')).toEqual([{ query: 'hiking' }]));
    await user.click(option);
    expect(search).toHaveValue('Hobbies & Leisure › Outdoors › Hiking & Camping');
    expect(screen.getByText(/Adds the topic/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Add interest' }));

    await waitFor(() => expect(item(9)).toBeInTheDocument());
    expect(ipc.argsOf('add_interest')).toEqual([
      { interest: { topic: 472, text: null, weight: 0.5, expires: null, one_off: false } },
    ]);
    expect(search).toHaveValue('');
  });

  it('picks a topic with the keyboard, or keeps the owner\'s own words', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      interests: () => LIST,
      search_topics: () => TOPICS,
      add_interest: ({ interest: input }) => interest(10, (input as NewInterestInput).text ?? 'x'),
    });
    render(Interests);
    const search = await screen.findByRole('combobox', { name: 'Topic or your own words' });
    await user.type(search, 'outdoors');
    await screen.findByRole('option', { name: /Hiking & Camping/ });
    // Down three times: past the two topics to "use your own words".
    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}');
    expect(search).toHaveAttribute('aria-activedescendant', expect.stringMatching(/option-2$/));
    await user.keyboard('{Enter}');
    expect(screen.queryByRole('option')).toBeNull();
    await user.click(screen.getByRole('checkbox', { name: /It is a one-off/ }));
    await user.click(screen.getByRole('button', { name: 'Add interest' }));
    await waitFor(() => expect(ipc.argsOf('add_interest')).toHaveLength(1));
    expect(ipc.argsOf('add_interest')[0]).toEqual({
      interest: { topic: null, text: 'outdoors', weight: 0.5, expires: null, one_off: true },
    });
  });

  it('asks for words before adding nothing', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({ interests: () => LIST, add_interest: () => null });
    render(Interests);
    await user.click(await screen.findByRole('button', { name: 'Add interest' }));
    expect(screen.getByRole('combobox')).toHaveAccessibleDescription(/Type a few words/);
    expect(ipc.argsOf('add_interest')).toEqual([]);
  });

  it('switches an interest off with change_interest', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      interests: () => LIST,
      change_interest: ({ id }) => ({ ...LIST.find((i) => i.id === id)!, status: 'off', status_text: 'off' }),
    });
    render(Interests);
    await waitFor(() => expect(item(1)).toBeInTheDocument());
    await user.click(within(item(1)).getByRole('button', { name: 'Switch off' }));
    await waitFor(() => expect(within(item(1)).getByTestId('interest-status')).toHaveTextContent('Off'));
    expect(ipc.argsOf('change_interest')).toEqual([{ id: 1, change: { change: 'switch_off' } }]);
    expect(within(item(1)).getByRole('button', { name: 'Switch on' })).toBeInTheDocument();
  });

  it('snoozes an interest until the chosen day (a week from today by default)', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      interests: () => LIST,
      change_interest: ({ id, change }) => {
        const until = (change as { until: string }).until;
        return { ...LIST.find((i) => i.id === id)!, status: 'snoozed', status_text: `snoozed until ${until}`, snoozed_until: until };
      },
    });
    render(Interests);
    await waitFor(() => expect(item(2)).toBeInTheDocument());
    await user.click(within(item(2)).getByRole('button', { name: 'Snooze…' }));
    const dialog = screen.getByRole('dialog', { name: 'Snooze an interest' });
    const until = within(dialog).getByLabelText('Snooze until') as HTMLInputElement;
    const week = new Date();
    week.setDate(week.getDate() + 7);
    const expected = `${week.getFullYear()}-${String(week.getMonth() + 1).padStart(2, '0')}-${String(week.getDate()).padStart(2, '0')}`;
    expect(until.value).toBe(expected);
    await user.click(within(dialog).getByTestId('confirm'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(ipc.argsOf('change_interest')).toEqual([{ id: 2, change: { change: 'snooze', until: expected } }]);
    expect(within(item(2)).getByTestId('interest-status')).toHaveTextContent(/^Snoozed until/);
  });

  it('shows a refused snooze in the dialog', async () => {
    const user = userEvent.setup();
    fakeIpc({
      interests: () => LIST,
      change_interest: () => {
        throw { code: 'invalid_value', message: 'snooze until a day after today', field: 'until' };
      },
    });
    render(Interests);
    await waitFor(() => expect(item(2)).toBeInTheDocument());
    await user.click(within(item(2)).getByRole('button', { name: 'Snooze…' }));
    const dialog = screen.getByRole('dialog');
    await user.click(within(dialog).getByTestId('confirm'));
    expect(await within(dialog).findByText('Snooze until a day after today.')).toBeInTheDocument();
  });

  it('removes an interest only after confirming', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({ interests: () => LIST, remove_interest: () => null });
    render(Interests);
    await waitFor(() => expect(item(2)).toBeInTheDocument());
    await user.click(within(item(2)).getByRole('button', { name: 'Remove Sourdough baking' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove this interest?' });
    expect(ipc.argsOf('remove_interest')).toEqual([]);
    await user.click(within(dialog).getByTestId('confirm'));
    await waitFor(() => expect(item(2)).toBeNull());
    expect(ipc.argsOf('remove_interest')).toEqual([{ id: 2 }]);
  });

  it('marks an interest as a one-off', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      interests: () => LIST,
      change_interest: ({ id }) => ({ ...LIST.find((i) => i.id === id)!, one_off: true, status: 'one_off', status_text: 'one-off' }),
    });
    render(Interests);
    await waitFor(() => expect(item(1)).toBeInTheDocument());
    await user.click(within(item(1)).getByRole('checkbox', { name: 'One-off (a gift)' }));
    await waitFor(() => expect(within(item(1)).getByTestId('interest-status')).toHaveTextContent('One-off'));
    expect(ipc.argsOf('change_interest')).toEqual([{ id: 1, change: { change: 'one_off', one_off: true } }]);
  });
});
