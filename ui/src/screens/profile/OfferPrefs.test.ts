import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { OfferPrefsView } from '../../lib/commands';
import { fakeIpc } from '../../../tests/unit/fake-ipc';
import OfferPrefs from './OfferPrefs.svelte';

const VOCABULARY = {
  kinds: ['discount', 'new-product', 'back-in-stock', 'price-drop', 'event', 'loyalty-reward', 'newsletter'],
  channels: ['butler-inbox', 'email', 'sms', 'push', 'post', 'phone'],
  tactics: ['countdown-urgency', 'scarcity-claims', 'recently-viewed', 'family-mentions', 'social-proof', 'preselected-extras'],
};

const PREFS: OfferPrefsView = {
  kinds_wanted: ['discount', 'new-product'],
  kinds_unwanted: ['newsletter'],
  channels: ['butler-inbox'],
  per_brand_per_day: 1,
  per_brand_per_week: 3,
  overall_per_day: 5,
  overall_per_week: null,
  quiet_start: '21:00',
  quiet_end: '08:00',
  time_zone: 'Europe/London',
  unwelcome_tactics: ['countdown-urgency'],
};

const group = (name: string) => document.querySelector<HTMLElement>(`[data-group="${name}"]`)!;

function setup(handlers: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  const ipc = fakeIpc({
    offer_prefs: () => PREFS,
    offer_vocabulary: () => VOCABULARY,
    set_offer_prefs: ({ prefs }) => prefs,
    ...handlers,
  });
  render(OfferPrefs);
  return { ipc, user: userEvent.setup() };
}

describe('OfferPrefs', () => {
  it('shows the saved preferences in the form', async () => {
    setup();
    expect(await screen.findByRole('heading', { name: 'What you want to hear about' })).toBeInTheDocument();
    expect(within(group('kinds_wanted')).getByLabelText('Discounts')).toBeChecked();
    expect(within(group('kinds_unwanted')).getByLabelText('Newsletters')).toBeChecked();
    expect(within(group('channels')).getByLabelText("Butler's inbox")).toBeChecked();
    expect(within(group('unwelcome_tactics')).getByLabelText('Countdown urgency')).toBeChecked();
    expect(screen.getByLabelText('From')).toHaveValue('21:00');
    expect(screen.getByLabelText('Time zone')).toHaveValue('Europe/London');
  });

  it('saves the edited view with set_offer_prefs', async () => {
    const { ipc, user } = setup();
    await screen.findByRole('heading', { name: 'What you want to hear about' });
    // Refusing a welcome kind takes it off the welcome list.
    await user.click(within(group('kinds_unwanted')).getByLabelText('Discounts'));
    expect(within(group('kinds_wanted')).getByLabelText('Discounts')).not.toBeChecked();
    await user.click(within(group('channels')).getByLabelText('E-mail'));
    await user.click(within(group('unwelcome_tactics')).getByLabelText('Social proof'));
    const weekly = document.querySelector<HTMLInputElement>('[data-cap="overall_per_week"]')!;
    await user.type(weekly, '12');
    const daily = document.querySelector<HTMLInputElement>('[data-cap="per_brand_per_day"]')!;
    await user.clear(daily);
    await user.click(screen.getByRole('button', { name: 'Save preferences' }));

    expect(await screen.findByText('Preferences saved.')).toBeInTheDocument();
    expect(ipc.argsOf('set_offer_prefs')).toEqual([
      {
        prefs: {
          kinds_wanted: ['new-product'],
          kinds_unwanted: ['newsletter', 'discount'],
          channels: ['butler-inbox', 'email'],
          per_brand_per_day: null,
          per_brand_per_week: 3,
          overall_per_day: 5,
          overall_per_week: 12,
          quiet_start: '21:00',
          quiet_end: '08:00',
          time_zone: 'Europe/London',
          unwelcome_tactics: ['countdown-urgency', 'social-proof'],
        },
      },
    ]);
  });

  it('refuses one end of the quiet hours without the other, beside it', async () => {
    const { ipc, user } = setup();
    const until = await screen.findByLabelText('Until');
    await fireEvent.input(until, { target: { value: '' } });
    await user.click(screen.getByRole('button', { name: 'Save preferences' }));
    await waitFor(() =>
      expect(until).toHaveAccessibleDescription('Give both the start and the end of the quiet hours, or leave both empty.'),
    );
    expect(until).toHaveAttribute('aria-invalid', 'true');
    expect(ipc.argsOf('set_offer_prefs')).toEqual([]);

    // Both empty: no quiet hours.
    await fireEvent.input(screen.getByLabelText('From'), { target: { value: '' } });
    await user.click(screen.getByRole('button', { name: 'Save preferences' }));
    await waitFor(() => expect(ipc.argsOf('set_offer_prefs')).toHaveLength(1));
    const sent = ipc.argsOf('set_offer_prefs')[0]!.prefs as OfferPrefsView;
    expect([sent.quiet_start, sent.quiet_end]).toEqual([null, null]);
  });

  it('checks caps before sending', async () => {
    const { ipc, user } = setup();
    await screen.findByRole('heading', { name: 'How often' });
    const daily = document.querySelector<HTMLInputElement>('[data-cap="per_brand_per_day"]')!;
    await user.clear(daily);
    await user.type(daily, 'two');
    await user.click(screen.getByRole('button', { name: 'Save preferences' }));
    await waitFor(() => expect(daily).toHaveAccessibleDescription(/Enter a whole number from 0 to 1000/));
    await user.clear(daily);
    await user.type(daily, '9');
    await user.click(screen.getByRole('button', { name: 'Save preferences' }));
    await waitFor(() => expect(daily).toHaveAccessibleDescription(/One brand cannot get more per day \(9\) than all brands together \(5\)/));
    expect(ipc.argsOf('set_offer_prefs')).toEqual([]);
  });

  it('shows a refusal of the Rust side beside the control it is about', async () => {
    const { user } = setup({
      set_offer_prefs: () => {
        throw { code: 'invalid_value', message: '`Mars/Olympus` is not an IANA time zone such as Europe/Paris', field: 'offer_preferences' };
      },
    });
    const zone = await screen.findByLabelText('Time zone');
    await user.clear(zone);
    await user.type(zone, 'Mars/Olympus');
    await user.click(screen.getByRole('button', { name: 'Save preferences' }));
    await waitFor(() => expect(zone).toHaveAccessibleDescription(/“Mars\/Olympus” is not an IANA time zone/));
    expect(zone).toHaveAttribute('aria-invalid', 'true');
  });

  it('uses the system time zone when none is set', async () => {
    setup({ offer_prefs: () => ({ ...PREFS, time_zone: '' }) });
    const zone = await screen.findByLabelText('Time zone');
    expect(zone).toHaveValue(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});
