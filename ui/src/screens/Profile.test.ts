import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ProfileField } from '../lib/commands';
import { fakeIpc } from '../../tests/unit/fake-ipc';
import Profile from './Profile.svelte';

const field = (name: string, kind: string, value: string | null, extra: Partial<ProfileField> = {}): ProfileField => ({
  name,
  description: `${name} description`,
  kind,
  sensitivity: 'ordinary',
  modes: ['exact'],
  value,
  editable: true,
  example: 'an example',
  ...extra,
});

const FIELDS: ProfileField[] = [
  field('birth_date', 'date', '1988-06-14', { modes: ['exact', 'coarse', 'answer'] }),
  field('home.country', 'country_code', 'GB'),
  field('home.city', 'text', null),
  field('health', 'text', null, { sensitivity: 'special', modes: ['answer'] }),
  field('interests', 'interests', null, { editable: false }),
];

/** A Rust-side refusal of a value, with the field it belongs beside. */
function refuse(fieldName: string, message: string): never {
  throw { code: 'invalid_value', message, field: fieldName };
}

function row(name: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-field="${name}"]`);
  if (!el) throw new Error(`no row for ${name}`);
  return el;
}

describe('Profile: fields', () => {
  it('groups the editable fields, each row with one input, and explains special categories', async () => {
    fakeIpc({ profile_fields: () => FIELDS });
    render(Profile, { part: 'fields' });
    expect(await screen.findByRole('heading', { name: 'About you' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Home' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Special categories' })).toBeInTheDocument();
    expect(screen.getByText(/never disclosed as values\. Butler only uses them to answer/)).toBeInTheDocument();
    expect(document.querySelector('[data-field="interests"]')).toBeNull();
    for (const name of ['birth_date', 'home.country', 'home.city', 'health']) {
      expect(row(name).querySelectorAll('input')).toHaveLength(1);
    }
    expect(screen.getByLabelText('Date of birth')).toHaveValue('1988-06-14');
    expect(screen.getByLabelText('City or town')).toHaveAttribute('placeholder', 'e.g. an example');
    // Clear only where there is a value.
    expect(within(row('home.country')).getByTestId('clear-field')).toBeInTheDocument();
    expect(within(row('home.city')).queryByTestId('clear-field')).toBeNull();
  });

  it('saves a field with set_field and says "Saved" in its row', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      profile_fields: () => FIELDS,
      set_field: ({ name, value }) => ({ ...FIELDS.find((f) => f.name === name)!, value }),
    });
    render(Profile, { part: 'fields' });
    const city = await screen.findByLabelText('City or town');
    await user.type(city, 'Bath');
    await user.click(within(row('home.city')).getByTestId('save-field'));
    expect(await within(row('home.city')).findByText('Saved')).toBeInTheDocument();
    expect(ipc.argsOf('set_field')).toEqual([{ name: 'home.city', value: 'Bath' }]);
    expect(within(row('home.city')).getByTestId('clear-field')).toBeInTheDocument();
  });

  it('saves on Enter and shows the value as the Rust side normalised it', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      profile_fields: () => FIELDS,
      set_field: ({ name, value }) => ({ ...FIELDS.find((f) => f.name === name)!, value: String(value).toUpperCase() }),
    });
    render(Profile, { part: 'fields' });
    const country = await screen.findByLabelText('Country');
    await user.clear(country);
    await user.type(country, 'fr{Enter}');
    expect(await within(row('home.country')).findByText('Saved')).toBeInTheDocument();
    expect(country).toHaveValue('FR');
    expect(ipc.argsOf('set_field')).toEqual([{ name: 'home.country', value: 'fr' }]);
  });

  it('shows an invalid_value message beside the field it names', async () => {
    const user = userEvent.setup();
    fakeIpc({
      profile_fields: () => FIELDS,
      set_field: ({ name }) => refuse(String(name), '`France` is not a two-letter ISO 3166-1 country code'),
    });
    render(Profile, { part: 'fields' });
    const country = await screen.findByLabelText('Country');
    await user.clear(country);
    await user.type(country, 'France{Enter}');
    await waitFor(() =>
      expect(country).toHaveAccessibleDescription(/“France” is not a two-letter ISO 3166-1 country code\./),
    );
    expect(country).toHaveAttribute('aria-invalid', 'true');
    expect(within(row('home.country')).getByText('“France” is not a two-letter ISO 3166-1 country code.')).toBeInTheDocument();
    expect(within(row('home.country')).queryByText('Saved')).toBeNull();
    // The other rows are untouched.
    expect(screen.getByLabelText('City or town')).not.toHaveAttribute('aria-invalid');
  });

  it('clears a field with unset_field', async () => {
    const user = userEvent.setup();
    const ipc = fakeIpc({
      profile_fields: () => FIELDS,
      unset_field: ({ name }) => ({ ...FIELDS.find((f) => f.name === name)!, value: null }),
    });
    render(Profile, { part: 'fields' });
    await screen.findByLabelText('Country');
    await user.click(within(row('home.country')).getByTestId('clear-field'));
    expect(await within(row('home.country')).findByText('Cleared')).toBeInTheDocument();
    expect(screen.getByLabelText('Country')).toHaveValue('');
    expect(ipc.argsOf('unset_field')).toEqual([{ name: 'home.country' }]);
  });

  it('offers a retry when the profile does not load', async () => {
    const user = userEvent.setup();
    let fail = true;
    fakeIpc({
      profile_fields: () => {
        if (fail) {
          fail = false;
          throw { code: 'database', message: 'database is busy' };
        }
        return FIELDS;
      },
    });
    render(Profile, { part: 'fields' });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Database is busy.');
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByLabelText('Country')).toBeInTheDocument();
  });
});
