import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeIpc } from '../../tests/unit/fake-ipc';
import type { BrandView, GrantView, KnowledgeView, ReceiptView } from '../lib/commands';
import { notices } from '../lib/notices.svelte';
import Brands from './Brands.svelte';

const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

function grant(id: string, state: string, overrides: Partial<GrantView> = {}): GrantView {
  return {
    id,
    client_id: 'cl_acme',
    brand: 'Acme Running',
    state,
    live: state === 'active',
    fields: [
      { field: 'sizes.shoe', mode: 'exact' },
      { field: 'interests', mode: 'coarse' },
    ],
    purposes: [{ name: 'recommend-products', description: "rank the brand's products", dpv: 'dpv:ProvideProductRecommendations' }],
    created_at: days(-10),
    expires_at: days(80),
    rate_per_minute: 60, allowed_origin: null,
    agreement: {
      id: 'SD-BASE-ATP',
      iri: 'https://w3id.org/dpv/standards/p7012#SD-BASE-ATP',
      description: 'The brand may use your data to deliver the service, analyse, track and profile; nothing shared.',
    },
    ...overrides,
  };
}

function sample(): BrandView[] {
  return [
    {
      brand: { client_id: 'cl_lumen', name: 'Lumen Grocer', client_uri: null, web_origin: null, verified: false },
      registered_at: days(-1),
      grants: [],
    },
    {
      brand: { client_id: 'cl_acme', name: 'Acme Running', client_uri: 'https://acme.example', web_origin: 'https://acme.example', verified: false },
      registered_at: days(-30),
      grants: [grant('gr_active', 'active'), grant('gr_paused', 'paused'), grant('gr_revoked', 'revoked'), grant('gr_expired', 'expired')],
    },
  ];
}

/** set_grant_status as the Rust side answers it: the grant in its new state. */
function statusHandler(list: BrandView[]) {
  return ({ grant_id, status }: Record<string, unknown>) => {
    const g = list.flatMap((b) => b.grants).find((x) => x.id === grant_id)!;
    return { ...g, state: status as string, live: status === 'active' };
  };
}

const grantCard = (id: string) =>
  waitFor(() => {
    const el = document.querySelector<HTMLElement>(`[data-testid="grant"][data-grant-id="${id}"]`);
    if (!el) throw new Error(`no grant ${id}`);
    return el;
  });
const brandCard = (id: string) => document.querySelector<HTMLElement>(`[data-testid="brand"][data-client-id="${id}"]`)!;

afterEach(() => notices.clear());

describe('Brands', () => {
  it('lists brands newest first, each grant with its state, fields, modes and buttons', async () => {
    const list = sample();
    fakeIpc({ brands: () => [...list].reverse() });
    render(Brands);
    await grantCard('gr_active');
    expect(document.querySelector('[data-screen="brands"]')).toBeInTheDocument();
    expect([...document.querySelectorAll('[data-testid="brand"]')].map((b) => b.getAttribute('data-client-id'))).toEqual([
      'cl_lumen',
      'cl_acme',
    ]);
    const active = await grantCard('gr_active');
    expect(within(active).getByTestId('grant-state')).toHaveTextContent('active');
    expect(active).toHaveTextContent('sizes.shoe');
    expect(active).toHaveTextContent('coarse value');
    expect(active).toHaveTextContent('Recommend products');
    expect(within(active).getByTestId('pause-grant')).toBeInTheDocument();
    expect(within(active).getByTestId('revoke-grant')).toBeInTheDocument();
    expect(within(await grantCard('gr_paused')).getByTestId('resume-grant')).toBeInTheDocument();
    for (const id of ['gr_revoked', 'gr_expired']) {
      const ended = await grantCard(id);
      expect(within(ended).queryAllByRole('button')).toEqual([]);
      expect(within(ended).getByTestId('grant-state')).toHaveTextContent(id.slice(3));
    }
  });

  it("shows the terms a grant binds its brand to, and nothing for a grant without", async () => {
    const list = sample();
    list[1]!.grants[1] = grant('gr_paused', 'paused', { agreement: null });
    fakeIpc({ brands: () => list });
    render(Brands);
    const active = await grantCard('gr_active');
    const terms = within(active).getByTestId('grant-agreement');
    expect(terms).toHaveTextContent('SD-BASE-ATP');
    expect(terms).toHaveTextContent('The brand may use your data to deliver the service, analyse, track and profile; nothing shared.');
    expect(within(terms).getByText('SD-BASE-ATP')).toHaveAttribute('title', 'https://w3id.org/dpv/standards/p7012#SD-BASE-ATP');
    expect(terms.previousElementSibling).toHaveTextContent('Terms');
    expect(within(await grantCard('gr_paused')).queryByTestId('grant-agreement')).toBeNull();
  });

  it('revoke asks for confirmation, then calls set_grant_status with revoked', async () => {
    const user = userEvent.setup();
    const list = sample();
    const ipc = fakeIpc({ brands: () => list, set_grant_status: statusHandler(list) });
    render(Brands);
    const active = await grantCard('gr_active');

    await user.click(within(active).getByTestId('revoke-grant'));
    const dialog = screen.getByRole('dialog', { name: 'Revoke this grant?' });
    expect(dialog).toHaveTextContent('Revoke is final');
    expect(ipc.argsOf('set_grant_status')).toEqual([]);
    await user.click(within(dialog).getByTestId('confirm'));

    await waitFor(() => expect(active).toHaveAttribute('data-state', 'revoked'));
    expect(ipc.argsOf('set_grant_status')).toEqual([{ grant_id: 'gr_active', status: 'revoked' }]);
    expect(within(active).getByTestId('grant-state')).toHaveTextContent('revoked');
    expect(within(active).queryAllByRole('button')).toEqual([]);
    expect(notices.items.at(-1)?.text).toMatch(/^Revoked\./);
  });

  it('pauses and resumes a grant', async () => {
    const user = userEvent.setup();
    const list = sample();
    const ipc = fakeIpc({ brands: () => list, set_grant_status: statusHandler(list) });
    render(Brands);
    const active = await grantCard('gr_active');

    await user.click(within(active).getByTestId('pause-grant'));
    await waitFor(() => expect(within(active).getByTestId('grant-state')).toHaveTextContent('paused'));
    await user.click(within(active).getByTestId('resume-grant'));
    await waitFor(() => expect(within(active).getByTestId('grant-state')).toHaveTextContent('active'));
    expect(ipc.argsOf('set_grant_status')).toEqual([
      { grant_id: 'gr_active', status: 'paused' },
      { grant_id: 'gr_active', status: 'active' },
    ]);
  });

  it('a failed change is shown on the grant', async () => {
    const user = userEvent.setup();
    fakeIpc({ brands: () => sample(), set_grant_status: () => Promise.reject({ code: 'conflict', message: 'the grant gr_active is revoked' }) });
    render(Brands);
    const active = await grantCard('gr_active');
    await user.click(within(active).getByTestId('pause-grant'));
    expect(await within(active).findByRole('alert')).toHaveTextContent('The grant gr_active is revoked.');
  });

  it('"What does it know": an empty state, and the rows of what was given', async () => {
    const user = userEvent.setup();
    const known: KnowledgeView[] = [
      { field: 'sizes.shoe', mode: 'exact', purpose: 'recommend-products', grant_id: 'gr_active', grant_live: true, first: days(-9), last: days(-1), times: 12 },
    ];
    const ipc = fakeIpc({ brands: () => sample(), brand_knowledge: ({ client_id }) => (client_id === 'cl_acme' ? known : []) });
    render(Brands);
    await grantCard('gr_active');

    const lumen = brandCard('cl_lumen');
    const lumenToggle = within(lumen).getByRole('button', { name: /What does Lumen Grocer know about me\?/ });
    expect(lumenToggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(lumenToggle);
    expect(lumenToggle).toHaveAttribute('aria-expanded', 'true');
    expect(await within(lumen).findByText('Nothing has been shared with Lumen Grocer yet.')).toBeInTheDocument();

    const acme = brandCard('cl_acme');
    await user.click(within(acme).getByTestId('knowledge-toggle'));
    const row = await within(acme).findByTestId('knowledge-row');
    expect(row).toHaveTextContent('sizes.shoe');
    expect(row).toHaveTextContent('exact value');
    expect(row).toHaveTextContent('12');
    expect(row).toHaveTextContent('still live');
    expect(ipc.argsOf('brand_knowledge')).toEqual([{ client_id: 'cl_lumen' }, { client_id: 'cl_acme' }]);
  });

  it('receipts: without a clipboard, the signed JWS is shown selected to copy by hand', async () => {
    const user = userEvent.setup();
    const receipts: ReceiptView[] = [
      { id: 'rc_2', grant_id: 'gr_revoked', event: 'revoked', issued_at: days(-2), jws: 'aGVhZGVy.cGF5bG9hZA.c2ln' },
      { id: 'rc_1', grant_id: 'gr_revoked', event: 'granted', issued_at: days(-20), jws: 'aGVhZGVy.b2xkZXI.c2ln' },
    ];
    fakeIpc({ brands: () => sample(), brand_receipts: () => receipts });
    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
    render(Brands);
    await grantCard('gr_active');
    const acme = brandCard('cl_acme');
    await user.click(within(acme).getByTestId('receipts-toggle'));
    const rows = await within(acme).findAllByTestId('receipt');
    expect(rows.map((r) => r.getAttribute('data-receipt-id'))).toEqual(['rc_2', 'rc_1']);
    expect(rows[0]).toHaveTextContent('revoked');

    await user.click(within(rows[0]!).getByTestId('copy-receipt'));
    const area = await within(acme).findByTestId('receipt-jws');
    expect(area).toHaveValue('aGVhZGVy.cGF5bG9hZA.c2ln');
    expect(area).toHaveAttribute('readonly');
    expect(area).toHaveFocus();
  });

  it('receipts: with a clipboard, the JWS is written to it', async () => {
    const user = userEvent.setup();
    fakeIpc({
      brands: () => sample(),
      brand_receipts: () => [{ id: 'rc_1', grant_id: 'gr_active', event: 'granted', issued_at: days(-2), jws: 'a.b.c' }],
    });
    render(Brands);
    await grantCard('gr_active');
    const acme = brandCard('cl_acme');
    await user.click(within(acme).getByTestId('receipts-toggle'));
    await user.click(await within(acme).findByTestId('copy-receipt'));
    await waitFor(() => expect(notices.items.at(-1)?.text).toMatch(/copied/));
    expect(await navigator.clipboard.readText()).toBe('a.b.c');
  });

  it('explains the empty list', async () => {
    fakeIpc({ brands: () => [] });
    render(Brands);
    expect(await screen.findByTestId('brands-empty')).toHaveTextContent('No brand has registered yet');
  });
});
