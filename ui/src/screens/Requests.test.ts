import { emit } from '@tauri-apps/api/event';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, fakeIpc, rustError } from '../../tests/unit/fake-ipc';
import type { AgreementView, GrantView, RequestView, TermsView } from '../lib/commands';
import { notices } from '../lib/notices.svelte';
import Requests from './Requests.svelte';

const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

const ALLOWS: Record<string, string> = {
  'SD-BASE': 'only to deliver the service; no analytics, tracking or profiling, nothing shared',
  'SD-BASE-A': 'to deliver the service and analyse its use; no tracking or profiling, nothing shared',
  'SD-BASE-ATP': 'to deliver the service, analyse, track and profile; nothing shared',
  'SD-BASE-ATP-S3P': 'to deliver the service, analyse, track and profile, and share fully anonymised data',
};

/** An agreement as the Rust side describes it. */
function agreement(id: string): AgreementView {
  const base = id.replace(/-DP$/, '');
  const portability = id.endsWith('-DP') ? '; and you can take your data with you' : '';
  return {
    id,
    iri: `https://w3id.org/dpv/standards/p7012#${id}`,
    description: `The brand may use your data ${ALLOWS[base] ?? base}${portability}.`,
  };
}

/** A brand that stated no terms, for profiling purposes: the owner's SD-BASE-ATP is proposed. */
const UNSTATED = (): TermsView => ({
  proposed: agreement('SD-BASE-ATP'),
  standing: 'unstated',
  brand_accepts: null,
  choices: ['SD-BASE-ATP-DP', 'SD-BASE-ATP', 'SD-BASE-ATP-S3P-DP', 'SD-BASE-ATP-S3P'].map(agreement),
});

function request(overrides: Partial<RequestView> = {}): RequestView {
  return {
    user_code: 'WDJB-MJHT',
    brand: { client_id: 'cl_lumen', name: 'Lumen Grocer', client_uri: 'https://lumen.example/shop', web_origin: 'https://lumen.example', verified: false },
    fields: [
      { field: 'household.size', description: 'people in the household, 1 to 20', mode: 'exact', allowed_modes: ['exact', 'coarse'], sensitivity: 'ordinary' },
      { field: 'birth_date', description: 'date of birth, YYYY-MM-DD', mode: 'exact', allowed_modes: ['exact', 'coarse', 'answer'], sensitivity: 'ordinary' },
      { field: 'home.postcode', description: 'postcode', mode: 'exact', allowed_modes: ['exact', 'coarse'], sensitivity: 'ordinary' },
      { field: 'health', description: 'health information (special category)', mode: 'answer', allowed_modes: ['answer'], sensitivity: 'special' },
    ],
    purposes: [
      { name: 'recommend-products', description: "rank the brand's products for the owner", dpv: 'dpv:ProvideProductRecommendations' },
      { name: 'personalize-offers', description: 'choose which offers to show', dpv: 'dpv:PersonalisedAdvertising' },
    ],
    created_at: minutes(-2),
    expires_at: minutes(13),
    terms: UNSTATED(),
    ...overrides,
  };
}

const ORDINARY_ONLY = (): RequestView => {
  const r = request({ user_code: 'QRTZ-PLMK' });
  return { ...r, fields: r.fields.filter((f) => f.sensitivity !== 'special') };
};

function grantOf(fields: { field: string; mode: string }[]): GrantView {
  return {
    id: 'gr_1', client_id: 'cl_lumen', brand: 'Lumen Grocer', state: 'active', live: true, fields, purposes: [],
    created_at: minutes(0), expires_at: minutes(60 * 24 * 30), rate_per_minute: 60, allowed_origin: null,
    agreement: agreement('SD-BASE-ATP'),
  };
}

const toggle = (card: HTMLElement, field: string) =>
  card.querySelector<HTMLInputElement>(`input[data-testid="field-toggle"][data-field="${field}"]`)!;
const modeOf = (card: HTMLElement, field: string) =>
  card.querySelector<HTMLSelectElement>(`select[data-testid="field-mode"][data-field="${field}"]`)!;

async function cardFor(code: string): Promise<HTMLElement> {
  return waitFor(() => {
    const el = document.querySelector<HTMLElement>(`[data-testid="request"][data-user-code="${code}"]`);
    if (!el) throw new Error(`no card ${code}`);
    return el;
  });
}

afterEach(() => notices.clear());

describe('Requests', () => {
  it('shows who asks, the code, the purposes and every field with its allowed modes', async () => {
    fakeIpc({ pending_requests: () => [request()] });
    render(Requests);
    const card = await cardFor('WDJB-MJHT');
    expect(document.querySelector('[data-screen="requests"]')).toBeInTheDocument();
    const c = within(card);
    expect(c.getByRole('heading', { name: 'Lumen Grocer' })).toBeInTheDocument();
    expect(c.getByText('unverified')).toBeInTheDocument();
    expect(c.getByTestId('user-code')).toHaveTextContent('WDJB-MJHT');
    expect(c.getByText('https://lumen.example/shop')).toBeInTheDocument();
    expect(c.getByText('Recommend products')).toBeInTheDocument();
    expect(c.getByText("Rank the brand's products for the owner.")).toBeInTheDocument();
    expect(toggle(card, 'household.size')).toBeChecked();
    expect(toggle(card, 'health')).not.toBeChecked();
    expect([...modeOf(card, 'birth_date').options].map((o) => o.value)).toEqual(['exact', 'coarse', 'answer']);
    expect(modeOf(card, 'birth_date').value).toBe('exact');
    expect(c.getByTestId('duration')).toHaveValue('90');
  });

  it('says "Approve" when nothing is narrowed, and "Approve narrowed" once something is', async () => {
    const user = userEvent.setup();
    fakeIpc({ pending_requests: () => [ORDINARY_ONLY()] });
    render(Requests);
    const card = await cardFor('QRTZ-PLMK');
    const approve = within(card).getByTestId('approve');
    expect(approve).toHaveTextContent(/^\s*Approve\s*$/);
    await user.selectOptions(within(card).getByTestId('duration'), '30');
    expect(approve).toHaveTextContent('Approve narrowed');
    await user.selectOptions(within(card).getByTestId('duration'), '90');
    expect(approve).toHaveTextContent(/^\s*Approve\s*$/);
    await user.selectOptions(modeOf(card, 'birth_date'), 'coarse');
    expect(approve).toHaveTextContent('Approve narrowed');
  });

  it('approving narrowed sends exactly the ticked fields, modes, purposes and days, then removes the card', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      pending_requests: () => [request()],
      approve_request: () => grantOf([{ field: 'household.size', mode: 'exact' }, { field: 'birth_date', mode: 'coarse' }]),
    });
    render(Requests);
    const card = await cardFor('WDJB-MJHT');

    await user.click(toggle(card, 'home.postcode'));
    await user.selectOptions(modeOf(card, 'birth_date'), 'coarse');
    await user.click(within(card).getByRole('checkbox', { name: /Personalize offers/ }));
    await user.selectOptions(within(card).getByTestId('duration'), '30');
    expect(modeOf(card, 'home.postcode')).toBeDisabled();
    await user.click(within(card).getByRole('button', { name: 'Approve narrowed' }));

    await waitFor(() => expect(card).not.toBeInTheDocument());
    expect(ipc.argsOf('approve_request')).toEqual([
      {
        approval: {
          user_code: 'WDJB-MJHT',
          fields: [
            { field: 'household.size', mode: 'exact' },
            { field: 'birth_date', mode: 'coarse' },
          ],
          purposes: ['recommend-products'],
          days: 30,
          sensitive_consent: [],
          allow_origin: false,
          agreement: null,
        },
      },
    ]);
    expect(notices.items.map((n) => n.text)).toEqual([expect.stringMatching(/^Approved\. Lumen Grocer may use 2 details for 30 days/)]);
    expect(screen.getByTestId('requests-empty')).toBeInTheDocument();
  });

  it("offers to let the brand's web origin ask, off unless ticked, and only when the brand registered one", async () => {
    const user = userEvent.setup();
    const withoutHome = ORDINARY_ONLY();
    withoutHome.brand = { ...withoutHome.brand, client_id: 'cl_plain', client_uri: null, web_origin: null };
    const ipc = fakeIpc({
      pending_requests: () => [request(), withoutHome],
      approve_request: () => grantOf([{ field: 'household.size', mode: 'exact' }]),
    });
    render(Requests);
    const card = await cardFor('WDJB-MJHT');
    expect(within(await cardFor('QRTZ-PLMK')).queryByTestId('allow-origin')).toBeNull();
    const allow = within(card).getByRole('checkbox', { name: /Let pages at https:\/\/lumen\.example ask Butler/ });
    expect(allow).not.toBeChecked();
    await user.click(allow);
    await user.click(within(card).getByRole('button', { name: /^Approve/ }));
    await waitFor(() => expect(ipc.argsOf('approve_request')).toHaveLength(1));
    expect((ipc.argsOf('approve_request')[0]!.approval as { allow_origin: boolean }).allow_origin).toBe(true);
  });

  it('refuses to approve with no field ticked, or no purpose', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({ pending_requests: () => [request()], approve_request: () => grantOf([]) });
    render(Requests);
    const card = await cardFor('WDJB-MJHT');

    for (const f of ['household.size', 'birth_date', 'home.postcode']) await user.click(toggle(card, f));
    await user.click(within(card).getByTestId('approve'));
    expect(within(card).getByRole('alert')).toHaveTextContent('Tick at least one detail to share, or deny the request.');

    await user.click(toggle(card, 'birth_date'));
    for (const p of [/Recommend products/, /Personalize offers/]) await user.click(within(card).getByRole('checkbox', { name: p }));
    await user.click(within(card).getByTestId('approve'));
    expect(within(card).getByRole('alert')).toHaveTextContent('Keep at least one purpose ticked');
    expect(ipc.argsOf('approve_request')).toEqual([]);
  });

  it('a special-category field needs its own explicit consent, and is sent in sensitive_consent', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({ pending_requests: () => [request()], approve_request: () => grantOf([]) });
    render(Requests);
    const card = await cardFor('WDJB-MJHT');
    expect(card.querySelector('[data-testid="sensitive-consent"]')).toBeNull();

    await user.click(toggle(card, 'health'));
    const consent = card.querySelector<HTMLInputElement>('input[data-testid="sensitive-consent"][data-field="health"]')!;
    expect(consent).not.toBeChecked();
    await user.click(within(card).getByTestId('approve'));
    expect(ipc.argsOf('approve_request')).toEqual([]);
    expect(consent).toHaveAttribute('aria-invalid', 'true');
    expect(consent).toHaveAccessibleDescription(/Tick the consent box/);

    await user.click(consent);
    await user.click(within(card).getByTestId('approve'));
    await waitFor(() => expect(ipc.argsOf('approve_request')).toHaveLength(1));
    const approval = ipc.argsOf('approve_request')[0]!.approval as { fields: unknown[]; sensitive_consent: string[]; days: number };
    expect(approval.fields).toContainEqual({ field: 'health', mode: 'answer' });
    expect(approval.sensitive_consent).toEqual(['health']);
    expect(approval.days).toBe(90);
  });

  it('deny asks for confirmation first', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({ pending_requests: () => [request(), ORDINARY_ONLY()], deny_request: () => null });
    render(Requests);
    const card = await cardFor('WDJB-MJHT');

    await user.click(within(card).getByTestId('deny'));
    const dialog = screen.getByRole('dialog', { name: "Deny Lumen Grocer's request?" });
    expect(ipc.argsOf('deny_request')).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(card).toBeInTheDocument();

    await user.click(within(card).getByTestId('deny'));
    await user.click(within(screen.getByRole('dialog')).getByTestId('confirm'));
    await waitFor(() => expect(card).not.toBeInTheDocument());
    expect(ipc.argsOf('deny_request')).toEqual([{ user_code: 'WDJB-MJHT' }]);
    expect(document.querySelectorAll('[data-testid="request"]')).toHaveLength(1);
    expect(notices.items.map((n) => n.text)).toEqual(['Denied. Lumen Grocer gets nothing from your profile.']);
  });

  it('shows a refused value beside its field, and other failures in the card', async () => {
    const user = userEvent.setup();
    let calls = 0;
    fakeIpc({
      pending_requests: () => [ORDINARY_ONLY()],
      approve_request: () => {
        calls += 1;
        return calls === 1
          ? Promise.reject({ code: 'invalid_value', message: '`exact` is more than was asked', field: 'birth_date' })
          : rustError('conflict', 'the request QRTZ-PLMK was already decided');
      },
    });
    render(Requests);
    const card = await cardFor('QRTZ-PLMK');
    await user.click(within(card).getByTestId('approve'));
    expect(await within(card).findByText('`exact` is more than was asked.')).toBeInTheDocument();
    await user.click(within(card).getByTestId('approve'));
    expect(await within(card).findByText('The request QRTZ-PLMK was already decided.')).toBeInTheDocument();
  });

  describe('terms', () => {
    const agreementSelect = (card: HTMLElement) => within(card).getByTestId<HTMLSelectElement>('agreement');
    const approval = (ipc: ReturnType<typeof fakeIpc>, i = 0) =>
      ipc.argsOf('approve_request')[i]!.approval as { agreement: string | null; purposes: string[] };

    it('unstated: says the brand accepts your terms by taking the token, and sends null unless another is picked', async () => {
      const user = userEvent.setup();
      const ipc = fakeIpc({
        pending_requests: () => [request(), ORDINARY_ONLY()],
        approve_request: () => grantOf([{ field: 'household.size', mode: 'exact' }]),
      });
      render(Requests);
      const card = await cardFor('WDJB-MJHT');
      const terms = within(card).getByTestId('terms');
      expect(terms).toHaveAttribute('data-standing', 'unstated');
      expect(within(card).getByRole('group', { name: 'Terms' })).toBe(terms);
      expect(terms).toHaveTextContent('Lumen Grocer has not stated its terms. By taking the token, it accepts yours: SD-BASE-ATP');
      expect(terms).toHaveTextContent('The brand may use your data to deliver the service, analyse, track and profile; nothing shared.');

      const select = agreementSelect(card);
      expect(within(card).getByRole('combobox', { name: 'Terms for this grant' })).toBe(select);
      expect(select).toHaveValue('SD-BASE-ATP');
      expect(select).not.toBeRequired();
      expect([...select.options].map((o) => o.textContent)).toEqual([
        'SD-BASE-ATP-DP',
        'SD-BASE-ATP (your terms)',
        'SD-BASE-ATP-S3P-DP',
        'SD-BASE-ATP-S3P',
      ]);

      // As proposed: null, so the Rust side works the terms out for the purposes granted.
      const other = await cardFor('QRTZ-PLMK');
      await user.click(within(other).getByTestId('approve'));
      await waitFor(() => expect(ipc.argsOf('approve_request')).toHaveLength(1));
      expect(approval(ipc).agreement).toBeNull();

      await user.selectOptions(select, 'SD-BASE-ATP-DP');
      expect(select).toHaveAccessibleDescription(/and you can take your data with you\./);
      await user.click(within(card).getByTestId('approve'));
      await waitFor(() => expect(ipc.argsOf('approve_request')).toHaveLength(2));
      expect(approval(ipc, 1).agreement).toBe('SD-BASE-ATP-DP');
    });

    it('accepted: shows your terms and that the brand accepts them; no choice when there is no other', async () => {
      const user = userEvent.setup();
      const ipc = fakeIpc({
        pending_requests: () => [
          request({
            terms: {
              proposed: agreement('SD-BASE-ATP'),
              standing: 'accepted',
              brand_accepts: [agreement('SD-BASE'), agreement('SD-BASE-ATP')],
              choices: [agreement('SD-BASE-ATP')],
            },
          }),
        ],
        approve_request: () => grantOf([{ field: 'household.size', mode: 'exact' }]),
      });
      render(Requests);
      const card = await cardFor('WDJB-MJHT');
      const terms = within(card).getByTestId('terms');
      expect(terms).toHaveAttribute('data-standing', 'accepted');
      expect(terms).toHaveTextContent('Your terms: SD-BASE-ATP');
      expect(terms).toHaveTextContent('analyse, track and profile; nothing shared.');
      expect(terms).toHaveTextContent('Lumen Grocer accepts them.');
      expect(within(card).queryByTestId('agreement')).toBeNull();
      await user.click(within(card).getByTestId('approve'));
      await waitFor(() => expect(ipc.argsOf('approve_request')).toHaveLength(1));
      expect(approval(ipc).agreement).toBeNull();
    });

    it('mismatch: warns, requires a choice among the brand\'s agreements, and sends it', async () => {
      const user = userEvent.setup();
      const ipc = fakeIpc({
        pending_requests: () => [
          request({
            terms: {
              proposed: agreement('SD-BASE-ATP'),
              standing: 'mismatch',
              brand_accepts: [agreement('SD-BASE-A'), agreement('SD-BASE-ATP-S3P')],
              choices: [agreement('SD-BASE-ATP-S3P')],
            },
          }),
        ],
        approve_request: () => grantOf([{ field: 'household.size', mode: 'exact' }]),
      });
      render(Requests);
      const card = await cardFor('WDJB-MJHT');
      const terms = within(card).getByTestId('terms');
      expect(terms).toHaveAttribute('data-standing', 'mismatch');
      expect(within(terms).getByTestId('terms-mismatch')).toHaveTextContent(
        'Lumen Grocer accepts none of your terms for this request',
      );
      expect(terms).toHaveTextContent('It accepts only SD-BASE-A, SD-BASE-ATP-S3P.');

      const select = within(card).getByRole('combobox', { name: 'Terms for this grant' });
      expect(select).toBeRequired();
      expect(select).toHaveValue('');
      expect([...agreementSelect(card).options].map((o) => o.textContent)).toEqual(['Choose…', 'SD-BASE-ATP-S3P']);

      await user.click(within(card).getByTestId('approve'));
      expect(within(card).getByRole('alert')).toHaveTextContent(
        'Lumen Grocer accepts none of your terms for this request: choose one of its own, or deny the request.',
      );
      expect(select).toHaveAttribute('aria-invalid', 'true');
      expect(select).toHaveAccessibleDescription(/Choose the terms Lumen Grocer is bound to\./);
      expect(ipc.argsOf('approve_request')).toEqual([]);

      await user.selectOptions(select, 'SD-BASE-ATP-S3P');
      expect(select).not.toHaveAttribute('aria-invalid');
      expect(select).toHaveAccessibleDescription(/share fully anonymised data\./);
      await user.click(within(card).getByTestId('approve'));
      await waitFor(() => expect(card).not.toBeInTheDocument());
      expect(approval(ipc).agreement).toBe('SD-BASE-ATP-S3P');
    });

    it('mismatch with nothing to choose: says to narrow or deny, and lets the Rust side judge a narrowed request', async () => {
      const user = userEvent.setup();
      const ipc = fakeIpc({
        pending_requests: () => [
          request({
            terms: {
              proposed: agreement('SD-BASE-ATP'),
              standing: 'mismatch',
              brand_accepts: [agreement('SD-BASE-A')],
              choices: [],
            },
          }),
        ],
        approve_request: () =>
          rustError(
            'terms',
            "owner's terms: the brand accepts only SD-BASE-A, not SD-BASE-ATP: the request cannot be approved as is; narrow the purposes, or deny",
          ),
      });
      render(Requests);
      const card = await cardFor('WDJB-MJHT');
      const terms = within(card).getByTestId('terms');
      expect(terms).toHaveTextContent('It accepts only SD-BASE-A.');
      expect(terms).toHaveTextContent('None of them permits these purposes: untick a purpose to narrow the request, or deny it.');
      expect(within(card).queryByTestId('agreement')).toBeNull();

      await user.click(within(card).getByTestId('approve'));
      expect(within(card).getByTestId('approve-error')).toHaveTextContent(
        'Lumen Grocer accepts none of your terms for these purposes: untick a purpose, or deny the request.',
      );
      expect(ipc.argsOf('approve_request')).toEqual([]);

      await user.click(within(card).getByRole('checkbox', { name: /Personalize offers/ }));
      await user.click(within(card).getByTestId('approve'));
      const notice = await within(card).findByText(/the brand accepts only SD-BASE-A, not SD-BASE-ATP/);
      expect(notice.closest('[role="alert"]')).toHaveAttribute('data-code', 'terms');
      expect(notice.closest('[role="alert"]')).toHaveTextContent('Not approved: the terms do not fit');
      expect(approval(ipc)).toMatchObject({ agreement: null, purposes: ['recommend-products'] });
      expect(card).toBeInTheDocument();
    });

    it('shows a refused agreement beside the choice', async () => {
      const user = userEvent.setup();
      fakeIpc({
        pending_requests: () => [request()],
        approve_request: () =>
          Promise.reject({ code: 'invalid_value', message: '`SD-X` is not an IEEE 7012 agreement Butler offers', field: 'agreement' }),
      });
      render(Requests);
      const card = await cardFor('WDJB-MJHT');
      const select = agreementSelect(card);
      await user.selectOptions(select, 'SD-BASE-ATP-S3P');
      await user.click(within(card).getByTestId('approve'));
      await waitFor(() => expect(select).toHaveAccessibleDescription(/“SD-X” is not an IEEE 7012 agreement Butler offers\./));
      expect(select).toHaveAttribute('aria-invalid', 'true');
    });
  });

  it('explains the empty list, and reads again when the requests event fires', async () => {
    let list: RequestView[] = [];
    fakeIpc({ pending_requests: () => list });
    render(Requests);
    const empty = await screen.findByTestId('requests-empty');
    expect(empty).toHaveTextContent('When a brand asks for access, its request appears here with a code');
    list = [request()];
    await emit('requests', { pending: 1 });
    await cardFor('WDJB-MJHT');
  });

  it('shows loading, then a failure with a retry', async () => {
    const user = userEvent.setup();
    const first = deferred<never>();
    let attempt = 0;
    fakeIpc({ pending_requests: () => (++attempt === 1 ? first.promise : [request()]) });
    render(Requests);
    expect(screen.getByRole('status')).toHaveTextContent('Reading pending requests');
    first.reject({ code: 'io', message: 'disk unavailable' });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Disk unavailable.');
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    await cardFor('WDJB-MJHT');
  });
});
