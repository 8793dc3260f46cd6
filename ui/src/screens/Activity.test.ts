import { emit } from '@tauri-apps/api/event';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { fakeIpc, type Handler } from '../../tests/unit/fake-ipc';
import type { LogEntryView } from '../bindings/LogEntryView';
import type { AlertView, BrandView, ChainStatus, DailyCountView, LogPageView } from '../lib/commands';
import { localDayStart, utcDay } from '../lib/format-activity';
import Activity from './Activity.svelte';

// uPlot draws on a real canvas, which jsdom does not have: the chart's canvas is left out here
// (the browser tests draw it).
vi.mock('./activity/Plot.svelte', () => ({ default: () => {} }));

const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

function entry(seq: number, overrides: Partial<LogEntryView> = {}): LogEntryView {
  return {
    seq,
    receipt: `log-${seq}`,
    at: ago(seq / 10),
    client_id: 'cl_acme',
    brand: 'Acme Running',
    grant_id: 'gr_1',
    endpoint: '/v1/profile',
    purpose: 'recommend-products',
    asked: ['sizes.shoe', 'home.city'],
    disclosed: [{ field: 'sizes.shoe', mode: 'exact' }],
    withheld: [{ field: 'home.city', reason: 'not_granted' }],
    outcome: 'narrowed',
    note: null,
    origin: null,
    agreement: 'SD-BASE-ATP',
    ...overrides,
  };
}

const BRANDS: BrandView[] = [
  {
    brand: { client_id: 'cl_acme', name: 'Acme Running', client_uri: null, web_origin: null, verified: false },
    registered_at: ago(30),
    grants: [
      {
        id: 'gr_1', client_id: 'cl_acme', brand: 'Acme Running', state: 'active', live: true,
        fields: [{ field: 'sizes.shoe', mode: 'exact' }, { field: 'birth_date', mode: 'coarse' }],
        purposes: [{ name: 'recommend-products', description: '', dpv: '' }],
        created_at: ago(30), expires_at: ago(-60), rate_per_minute: 60, allowed_origin: null, agreement: null,
      },
    ],
  },
  { brand: { client_id: 'cl_nw', name: 'Northwind Books', client_uri: null, web_origin: null, verified: false }, registered_at: ago(40), grants: [] },
];

const VERIFIED: ChainStatus = { verified: true, entries: 120, broken_at: null, reason: null, checked_at: ago(0) };

function backend(overrides: Record<string, Handler> = {}) {
  const page: LogPageView = { entries: [entry(120), entry(119, { outcome: 'disclosed', withheld: [], asked: ['sizes.shoe'] })], next: 119, unreadable: [] };
  const counts: DailyCountView[] = [
    { day: utcDay(new Date()), client_id: 'cl_acme', brand: 'Acme Running', outcome: 'disclosed', requests: 5 },
    { day: utcDay(new Date()), client_id: 'cl_acme', brand: 'Acme Running', outcome: 'narrowed', requests: 2 },
    { day: utcDay(new Date(Date.now() - 3 * 86_400_000)), client_id: 'cl_nw', brand: 'Northwind Books', outcome: 'refused', requests: 1 },
  ];
  return fakeIpc({
    brands: () => BRANDS,
    query_log: ({ before }) =>
      before === null ? page : { entries: [entry(118, { purpose: 'personalize-offers', asked: ['language'], disclosed: [{ field: 'language', mode: 'exact' }], withheld: [] })], next: null, unreadable: [] },
    log_counts: () => counts,
    verify_log: () => VERIFIED,
    alerts: (): AlertView[] => [],
    ...overrides,
  });
}

const entries = () => [...document.querySelectorAll<HTMLElement>('[data-testid="log-entry"]')];

describe('Activity', () => {
  it('shows each entry with its brand, disclosed fields and modes, withheld fields and reasons, and receipt', async () => {
    backend();
    render(Activity);
    await waitFor(() => expect(entries()).toHaveLength(2));
    expect(document.querySelector('[data-screen="activity"]')).toBeInTheDocument();
    const first = entries()[0]!;
    expect(first).toHaveAttribute('data-seq', '120');
    expect(first).toHaveTextContent('Acme Running');
    expect(first).toHaveTextContent('/v1/profile');
    expect(first).toHaveTextContent('for recommend products');
    expect(within(first).getByTestId('outcome')).toHaveTextContent('narrowed');
    const disclosed = within(first).getAllByTestId('disclosed-field');
    expect(disclosed.map((d) => d.textContent)).toEqual([expect.stringContaining('sizes.shoe')]);
    expect(disclosed[0]).toHaveTextContent('exact value');
    expect(within(first).getByTestId('withheld-field')).toHaveTextContent(/home\.city\s*not granted/);
    expect(first).toHaveTextContent('log-120');
    expect(within(first).getByTestId('entry-agreement')).toHaveTextContent('SD-BASE-ATP');
    // Only the fields asked for are named.
    expect(entries()[1]).not.toHaveTextContent('home.city');
    expect(first).not.toHaveTextContent('birth_date');
  });

  it('sends the filters to query_log, with dates as local day boundaries', async () => {
    const user = userEvent.setup();
    const ipc = backend();
    render(Activity);
    await waitFor(() => expect(entries()).toHaveLength(2));

    // The field choices are the union of the grants' fields and the entries' fields.
    const fieldSelect = screen.getByLabelText('Field') as HTMLSelectElement;
    expect([...fieldSelect.options].map((o) => o.value)).toEqual(['', 'birth_date', 'home.city', 'sizes.shoe']);
    const brandSelect = screen.getByLabelText('Brand') as HTMLSelectElement;
    expect([...brandSelect.options].map((o) => o.textContent)).toEqual(['Any brand', 'Acme Running', 'Northwind Books']);

    await user.selectOptions(brandSelect, 'cl_acme');
    await user.selectOptions(fieldSelect, 'sizes.shoe');
    await user.selectOptions(screen.getByLabelText('Purpose'), 'recommend-products');
    await user.selectOptions(screen.getByLabelText('Outcome'), 'narrowed');
    await user.type(screen.getByLabelText('From'), '2026-03-01');
    await user.type(screen.getByLabelText('To'), '2026-03-31');
    await user.type(screen.getByLabelText('Search'), '  shoe ');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));

    await waitFor(() => expect(ipc.argsOf('query_log')).toHaveLength(2));
    expect(ipc.argsOf('query_log')[0]).toEqual({
      filter: { brand: null, field: null, purpose: null, outcome: null, since: null, until: null, text: null },
      before: null,
      limit: 50,
    });
    expect(ipc.argsOf('query_log')[1]).toEqual({
      filter: {
        brand: 'cl_acme',
        field: 'sizes.shoe',
        purpose: 'recommend-products',
        outcome: 'narrowed',
        since: localDayStart('2026-03-01'),
        until: localDayStart('2026-04-01'),
        text: 'shoe',
      },
      before: null,
      limit: 50,
    });
    // The chart follows the brand filter.
    expect(await screen.findByRole('heading', { name: 'Requests per day from Acme Running' })).toBeInTheDocument();
    expect(screen.getByTestId('chart-summary')).toHaveTextContent('7 requests in the last 30 days: 5 disclosed, 2 narrowed.');
  });

  it('refuses an end day before the start day without asking', async () => {
    const user = userEvent.setup();
    const ipc = backend();
    render(Activity);
    await waitFor(() => expect(entries()).toHaveLength(2));
    await user.type(screen.getByLabelText('From'), '2026-03-10');
    await user.type(screen.getByLabelText('To'), '2026-03-01');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(screen.getByLabelText('To')).toHaveAccessibleDescription('Choose a day on or after the start.');
    expect(ipc.argsOf('query_log')).toHaveLength(1);
  });

  it('"Load older" passes `next` as `before` and appends the page', async () => {
    const user = userEvent.setup();
    const ipc = backend();
    render(Activity);
    await user.click(await screen.findByTestId('load-older'));
    await waitFor(() => expect(entries()).toHaveLength(3));
    expect(ipc.argsOf('query_log')[1]).toEqual({ filter: expect.any(Object), before: 119, limit: 50 });
    expect(entries()[2]).toHaveTextContent('language');
    expect(screen.queryByTestId('load-older')).not.toBeInTheDocument();
    expect(screen.getByText('The start of the log.')).toBeInTheDocument();
  });

  it('shows a verified chain calmly', async () => {
    backend();
    render(Activity);
    const card = screen.getByTestId('chain-status');
    await waitFor(() => expect(card).toHaveAttribute('data-state', 'verified'));
    expect(card).toHaveTextContent('The log verifies end to end: 120 entries');
  });

  it('shows a broken chain with where and why', async () => {
    backend({
      verify_log: (): ChainStatus => ({ verified: false, entries: 0, broken_at: 57, reason: "entry 57's hash does not follow entry 56", checked_at: ago(0) }),
    });
    render(Activity);
    const card = screen.getByTestId('chain-status');
    await waitFor(() => expect(card).toHaveAttribute('data-state', 'broken'));
    expect(within(card).getByRole('alert')).toHaveTextContent('The log does not verify at entry 57');
    expect(card).toHaveTextContent("Entry 57's hash does not follow entry 56.");
  });

  it('explains an empty log, and says there is no unusual use', async () => {
    backend({ query_log: () => ({ entries: [], next: null, unreadable: [] }), log_counts: () => [] });
    render(Activity);
    expect(await screen.findByTestId('activity-empty')).toHaveTextContent('Every use of your data by a brand will appear here');
    expect(await screen.findByTestId('alerts-empty')).toHaveTextContent('No unusual use');
    expect(screen.queryByTestId('log-filters')).not.toBeInTheDocument();
  });

  it('warns about unreadable entries', async () => {
    backend({ query_log: () => ({ entries: [entry(12)], next: null, unreadable: [10, 11] }) });
    render(Activity);
    expect(await screen.findByTestId('unreadable')).toHaveTextContent('2 entries could not be read');
    expect(screen.getByTestId('unreadable')).toHaveTextContent('log-10, log-11');
  });

  it('lists alerts, adds live ones, and reads the log again on the alert event', async () => {
    const alert: AlertView = { id: 3, at: ago(0), kind: 'rate_spike', brand: 'Acme Running', message: 'Acme Running made 42 requests in an hour', seq: 120 };
    const ipc = backend({ alerts: () => [] });
    render(Activity);
    await screen.findByTestId('alerts-empty');
    await emit('alert', alert);
    const shown = await screen.findByTestId('alert');
    expect(shown).toHaveTextContent('Unusual number of requests');
    expect(shown).toHaveTextContent('Acme Running made 42 requests in an hour.');
    await waitFor(() => expect(ipc.argsOf('query_log').length).toBeGreaterThanOrEqual(2));
  });

  it('shows a failure to read the log with a retry', async () => {
    const user = userEvent.setup();
    let attempt = 0;
    backend({
      query_log: () => (++attempt === 1 ? Promise.reject({ code: 'access_log', message: 'the log index is damaged' }) : { entries: [entry(5)], next: null, unreadable: [] }),
    });
    render(Activity);
    const alert = await screen.findByText('The log index is damaged.');
    await user.click(within(alert.closest('[role="alert"]') as HTMLElement).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(entries()).toHaveLength(1));
  });
});
