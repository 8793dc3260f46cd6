import { emit } from '@tauri-apps/api/event';
import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AgreementView, BackupView, MeasureSettingsView, SettingsView, TermsSettingsView } from '../lib/commands';
import { formatBytes } from '../lib/format-profile';
import { deferred, fakeIpc, rustError, type Handler } from '../../tests/unit/fake-ipc';
import Settings from './Settings.svelte';
import { formatTaken } from './settings/backups';

const SETTINGS: SettingsView = { auto_lock_minutes: 10, api_port: 7373, log_retention_days: null };
const DIR = '/home/owner/Downloads';

const LEVELS: [string, string][] = [
  ['SD-BASE', 'only to deliver the service; no analytics, tracking or profiling, nothing shared'],
  ['SD-BASE-A', 'to deliver the service and analyse its use; no tracking or profiling, nothing shared'],
  ['SD-BASE-AT', 'to deliver the service, analyse and track its use; no profiling, nothing shared'],
  ['SD-BASE-ATP', 'to deliver the service, analyse, track and profile; nothing shared'],
  ['SD-BASE-ATP-S3P', 'to deliver the service, analyse, track and profile, and share fully anonymised data'],
];
/** Every agreement as the Rust side lists them: strictest first, with portability first at each level. */
const AGREEMENTS: AgreementView[] = LEVELS.flatMap(([id, allows]) =>
  [true, false].map((dp) => ({
    id: dp ? `${id}-DP` : id,
    iri: `https://w3id.org/dpv/standards/p7012#${dp ? `${id}-DP` : id}`,
    description: `The brand may use your data ${allows}${dp ? '; and you can take your data with you' : ''}.`,
  })),
);
const termsView = (id: string): TermsSettingsView => ({ default: AGREEMENTS.find((a) => a.id === id)!, agreements: AGREEMENTS });

/** measure_settings as the Rust side works it out. */
function measureView(epsilon_per_answer: number, budget_per_period: number): MeasureSettingsView {
  const answers_per_period = Math.floor(budget_per_period / epsilon_per_answer + 1e-9);
  const truth_probability = Math.exp(epsilon_per_answer) / (1 + Math.exp(epsilon_per_answer));
  return {
    epsilon_per_answer,
    budget_per_period,
    answers_per_period,
    truth_probability,
    in_words: `Brands can learn about people like you, not about you. Each brand gets at most ${answers_per_period} noisy answers a month; each yes/no answer is true only ${Math.round(100 * truth_probability)}% of the time, so no single one can be relied on.`,
  };
}
const LN3 = Math.log(3);

const BACKUP_DIR = '/home/owner/.local/share/butler/backups';
const backup = (taken_at: string, reason: string, bytes: number): BackupView => ({
  path: `${BACKUP_DIR}/butler-${taken_at.replace(/[-:]/g, '').replace('Z', '.000Z')}-${reason}.vault`,
  taken_at,
  reason,
  bytes,
});
/** As the Rust side lists them: newest first. */
const BACKUPS: BackupView[] = [
  backup('2026-11-23T09:14:00Z', 'daily', 2_400_000),
  backup('2026-11-22T18:02:00Z', 'manual', 245_760),
  backup('2026-11-20T07:30:00Z', 'before-restore', 2_300_000),
  backup('2026-11-02T11:40:00Z', 'migration', 1_900_000),
];

function setup(handlers: Record<string, Handler> = {}) {
  const ipc = fakeIpc({
    settings: () => SETTINGS,
    set_settings: ({ settings }) => settings,
    api_status: () => ({ serving: true, port: 7373, url: 'http://127.0.0.1:7373', problem: null }),
    default_export_dir: () => DIR,
    terms: () => termsView('SD-BASE'),
    set_default_terms: ({ agreement }) => termsView(agreement as string),
    measure_settings: () => measureView(LN3, 4 * LN3),
    backups: () => BACKUPS,
    set_measure_settings: ({ epsilon_per_answer, budget_per_period }) =>
      measureView(epsilon_per_answer as number, budget_per_period as number),
    ...handlers,
  });
  render(Settings);
  return { ipc, user: userEvent.setup() };
}

const section = (name: string) => document.querySelector<HTMLElement>(`[data-section="${name}"]`)!;
const setting = (name: string) => document.querySelector<HTMLElement>(`[data-setting="${name}"]`)!;
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

describe('Settings', () => {
  it('saves the auto-lock minutes with the other settings as they were', async () => {
    const { ipc, user } = setup();
    const minutes = await screen.findByLabelText('Lock automatically after');
    expect(minutes).toHaveValue('10');
    await user.clear(minutes);
    await user.type(minutes, '25');
    await user.click(within(setting('auto_lock_minutes')).getByRole('button', { name: 'Save' }));
    expect(await within(setting('auto_lock_minutes')).findByText('Saved')).toBeInTheDocument();
    expect(ipc.argsOf('set_settings')).toEqual([{ settings: { auto_lock_minutes: 25, api_port: 7373, log_retention_days: null } }]);
  });

  it('refuses an auto-lock out of range, and shows the Rust side\'s refusal beside the field', async () => {
    const { ipc, user } = setup({
      set_settings: () => {
        throw { code: 'invalid_value', message: 'lock after 1 to 1440 minutes', field: 'auto_lock_minutes' };
      },
    });
    const minutes = await screen.findByLabelText('Lock automatically after');
    await user.clear(minutes);
    await user.type(minutes, '2000');
    await user.click(within(setting('auto_lock_minutes')).getByRole('button', { name: 'Save' }));
    expect(minutes).toHaveAccessibleDescription(/Enter a whole number from 1 to 1440\./);
    expect(ipc.argsOf('set_settings')).toEqual([]);

    await user.clear(minutes);
    await user.type(minutes, '30');
    await user.click(within(setting('auto_lock_minutes')).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(minutes).toHaveAccessibleDescription(/Lock after 1 to 1440 minutes\./));
    expect(minutes).toHaveAttribute('aria-invalid', 'true');
  });

  it('keeps log entries for a number of days', async () => {
    const { ipc, user } = setup();
    const days = await screen.findByLabelText('Days to keep log entries');
    expect(screen.getByRole('radio', { name: 'Forever' })).toBeChecked();
    await user.clear(days);
    await user.type(days, '90');
    await user.click(within(setting('log_retention_days')).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(ipc.argsOf('set_settings')).toHaveLength(1));
    expect(ipc.argsOf('set_settings')[0]).toEqual({ settings: { auto_lock_minutes: 10, api_port: 7373, log_retention_days: 90 } });
  });

  it('shows your default terms among every agreement, with their words, and saves another', async () => {
    const { ipc, user } = setup();
    const select = await screen.findByRole('combobox', { name: 'Default terms' });
    const card = section('terms');
    expect(within(card).getByRole('heading', { name: 'Your terms' })).toBeInTheDocument();
    expect(card).toHaveTextContent(/Each grant binds its brand to your default if that permits what the grant's purposes do, and otherwise\s+to the strictest agreement that does\./);
    expect(select).toHaveValue('SD-BASE');
    const options = [...(select as HTMLSelectElement).options];
    expect(options.map((o) => o.value)).toEqual(AGREEMENTS.map((a) => a.id));
    expect(options[1]).toHaveTextContent('SD-BASE: The brand may use your data only to deliver the service; no analytics, tracking or profiling, nothing shared.');
    const save = within(card).getByTestId('save-terms');
    expect(save).toBeDisabled();

    await user.selectOptions(select, 'SD-BASE-A-DP');
    // The words may not fit in the select: they are shown under it, for the eye and the screen reader.
    expect(within(card).getByTestId('default-terms-words')).toHaveTextContent(
      'SD-BASE-A-DP: The brand may use your data to deliver the service and analyse its use; no tracking or profiling, nothing shared; and you can take your data with you.',
    );
    expect(select).toHaveAccessibleDescription(/analyse its use; no tracking or profiling, nothing shared; and you can take your data with you\./);
    await user.click(save);
    expect(await within(card).findByText('Saved')).toBeInTheDocument();
    expect(ipc.argsOf('set_default_terms')).toEqual([{ agreement: 'SD-BASE-A-DP' }]);
    expect(select).toHaveValue('SD-BASE-A-DP');
    expect(save).toBeDisabled();
  });

  it("shows the Rust side's refusal of the terms beside the choice, and a retry when they cannot be read", async () => {
    let reads = 0;
    const { user } = setup({
      terms: () => (++reads === 1 ? Promise.reject({ code: 'database', message: 'database is busy' }) : termsView('SD-BASE-ATP')),
      set_default_terms: () =>
        Promise.reject({ code: 'invalid_value', message: '`SD-BASE-A` is not an IEEE 7012 agreement Butler offers', field: 'agreement' }),
    });
    const alert = await waitFor(() => within(section('terms')).getByRole('alert'));
    expect(alert).toHaveTextContent('Butler could not read your terms');
    expect(alert).toHaveTextContent('Database is busy.');
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    const select = await screen.findByRole('combobox', { name: 'Default terms' });
    expect(select).toHaveValue('SD-BASE-ATP');
    await user.selectOptions(select, 'SD-BASE-A');
    await user.click(within(section('terms')).getByTestId('save-terms'));
    await waitFor(() => expect(select).toHaveAccessibleDescription(/“SD-BASE-A” is not an IEEE 7012 agreement Butler offers\./));
    expect(select).toHaveAttribute('aria-invalid', 'true');
  });

  it('says what brands may measure in words, and saves the epsilon and the budget', async () => {
    const { ipc, user } = setup();
    const words = await screen.findByTestId('measure-in-words');
    expect(words).toHaveTextContent('Brands can learn about people like you, not about you. Each brand gets at most 4 noisy answers a month; each yes/no answer is true only 75% of the time');
    const epsilon = within(section('measure')).getByLabelText('Epsilon per answer');
    const budget = within(section('measure')).getByLabelText('Budget per month');
    expect(epsilon).toHaveValue('1.1');
    expect(budget).toHaveValue('4.39');
    const save = within(section('measure')).getByTestId('save-measure');
    expect(save).toBeDisabled();

    // Only the budget changes: the epsilon goes back exactly as it was (ln 3), not as shown.
    await user.clear(budget);
    await user.type(budget, '11');
    await user.click(save);
    await waitFor(() => expect(words).toHaveTextContent('at most 10 noisy answers a month'));
    expect(ipc.argsOf('set_measure_settings')).toEqual([{ epsilon_per_answer: LN3, budget_per_period: 11 }]);
    expect(within(section('measure')).getByText('Saved')).toBeInTheDocument();

    await user.clear(epsilon);
    await user.type(epsilon, '0,5');
    await user.clear(budget);
    await user.type(budget, '2');
    await user.click(save);
    await waitFor(() => expect(words).toHaveTextContent('at most 4 noisy answers a month; each yes/no answer is true only 62%'));
    expect(ipc.argsOf('set_measure_settings')[1]).toEqual({ epsilon_per_answer: 0.5, budget_per_period: 2 });
    expect(epsilon).toHaveValue('0.5');
  });

  it('refuses measurement numbers out of range beside their field, and shows the Rust side\'s refusal there too', async () => {
    const { ipc, user } = setup({
      set_measure_settings: () =>
        Promise.reject({ code: 'invalid_value', message: "from one answer's epsilon (2.00) to 50", field: 'budget_per_period' }),
    });
    const epsilon = await screen.findByLabelText('Epsilon per answer');
    const budget = within(section('measure')).getByLabelText('Budget per month');
    const save = within(section('measure')).getByTestId('save-measure');

    await user.clear(epsilon);
    await user.type(epsilon, '9');
    await user.click(save);
    expect(epsilon).toHaveAccessibleDescription(/^Enter a number from 0\.01 to 5\./);
    expect(epsilon).toHaveAttribute('aria-invalid', 'true');
    await user.clear(epsilon);
    await user.type(epsilon, '2');
    await user.clear(budget);
    await user.type(budget, '1');
    await user.click(save);
    expect(budget).toHaveAccessibleDescription(/^Enter a number from one answer's epsilon \(2\.00\) to 50\./);
    expect(ipc.argsOf('set_measure_settings')).toEqual([]);

    await user.clear(budget);
    await user.type(budget, '3');
    await user.click(save);
    await waitFor(() => expect(budget).toHaveAccessibleDescription(/^From one answer's epsilon \(2\.00\) to 50\./));
    expect(budget).toHaveAttribute('aria-invalid', 'true');
    expect(epsilon).not.toHaveAttribute('aria-invalid');
    expect(ipc.argsOf('set_measure_settings')).toEqual([{ epsilon_per_answer: 2, budget_per_period: 3 }]);
  });

  it('shows where the brand API serves', async () => {
    setup();
    expect(await screen.findByText('http://127.0.0.1:7373')).toBeInTheDocument();
    expect(screen.getByTestId('api-status')).toHaveTextContent('Serving');
  });

  it('shows why the brand API is not serving', async () => {
    setup({ api_status: () => ({ serving: false, port: 7373, url: null, problem: 'port 7373 is taken by another program' }) });
    expect(await screen.findByText('Port 7373 is taken by another program.')).toBeInTheDocument();
    expect(screen.getByTestId('api-status')).toHaveTextContent('Not serving');
  });

  it('refuses a passphrase change whose confirmation differs, without calling the Rust side', async () => {
    const { ipc, user } = setup({ change_passphrase: () => null });
    await user.type(await screen.findByLabelText('Current passphrase'), 'lantern quietly orbit marmalade');
    await user.type(screen.getByLabelText('New passphrase'), 'copper window seventeen lakes');
    await user.type(screen.getByLabelText('Confirm new passphrase'), 'copper window seventeen lake');
    await user.click(screen.getByRole('button', { name: 'Change passphrase' }));
    expect(screen.getByLabelText('Confirm new passphrase')).toHaveAccessibleDescription('The two new passphrases are not the same.');
    expect(ipc.argsOf('change_passphrase')).toEqual([]);

    // Too short is refused too, with the strength estimator's minimum.
    await user.clear(screen.getByLabelText('New passphrase'));
    await user.type(screen.getByLabelText('New passphrase'), 'short one');
    await user.click(screen.getByRole('button', { name: 'Change passphrase' }));
    expect(screen.getByLabelText('New passphrase')).toHaveAccessibleDescription(/Use at least 12 characters; this one has 9\./);
    expect(ipc.argsOf('change_passphrase')).toEqual([]);
  });

  it('changes the passphrase, and says so; a wrong current one is shown beside it', async () => {
    let attempts = 0;
    const { ipc, user } = setup({
      change_passphrase: () => {
        attempts += 1;
        if (attempts === 1) throw { code: 'wrong_passphrase', message: 'wrong passphrase' };
        return null;
      },
    });
    const current = await screen.findByLabelText('Current passphrase');
    await user.type(current, 'not it at all');
    await user.type(screen.getByLabelText('New passphrase'), 'copper window seventeen lakes');
    await user.type(screen.getByLabelText('Confirm new passphrase'), 'copper window seventeen lakes');
    await user.click(screen.getByRole('button', { name: 'Change passphrase' }));
    await waitFor(() => expect(current).toHaveAccessibleDescription('That is not your current passphrase.'));
    await user.clear(current);
    await user.type(current, 'lantern quietly orbit marmalade');
    await user.click(screen.getByRole('button', { name: 'Change passphrase' }));
    expect(await screen.findByText(/Passphrase changed\./)).toBeInTheDocument();
    expect(ipc.argsOf('change_passphrase')[1]).toEqual({ current: 'lantern quietly orbit marmalade', new: 'copper window seventeen lakes' });
  });

  it('calls lock for Lock now', async () => {
    const { ipc, user } = setup({ lock: () => null });
    await user.click(await screen.findByTestId('lock-now'));
    await waitFor(() => expect(ipc.argsOf('lock')).toEqual([{}]));
  });

  it('exports the profile: progress events fill the bar, then the done notice names the file', async () => {
    const running = deferred<unknown>();
    const { ipc, user } = setup({ export_profile: () => running.promise });
    const form = await waitFor(() => section('export-profile'));
    const path = within(form).getByLabelText('Save as');
    await waitFor(() => expect(path).toHaveValue(`${DIR}/butler-profile-${today()}.butler`));
    await user.type(within(form).getByLabelText('File passphrase'), 'a file passphrase of mine');
    await user.type(within(form).getByLabelText('Confirm file passphrase'), 'a file passphrase of mine');
    await user.click(within(form).getByRole('button', { name: 'Export profile' }));

    const bar = await within(form).findByRole('progressbar', { name: 'Exporting your profile' });
    expect(within(form).getByRole('button', { name: 'Exporting…' })).toBeDisabled();
    await emit('progress', { task: 'export_profile', step: 'Reading the profile', done: 0, total: 3 });
    await emit('progress', { task: 'export_log', step: 'Writing entries', done: 1000, total: null });
    await emit('progress', { task: 'export_profile', step: 'Sealing the file (deriving its key)', done: 1, total: 3 });
    await waitFor(() => expect(within(form).getByTestId('progress-count')).toHaveTextContent('1/3'));
    expect(bar).toHaveAttribute('aria-valuenow', '1');
    expect(bar).toHaveAttribute('aria-valuemax', '3');
    expect(within(form).getByText('Sealing the file (deriving its key)')).toBeInTheDocument();

    running.resolve({ path: `${DIR}/butler-profile-${today()}.butler`, bytes: 6214, entries: null });
    const done = await within(form).findByTestId('export-profile-done');
    expect(done).toHaveTextContent(`Profile exported to ${DIR}/butler-profile-${today()}.butler (6.2 kB).`);
    expect(within(form).queryByRole('progressbar')).toBeNull();
    expect(ipc.argsOf('export_profile')).toEqual([
      { path: `${DIR}/butler-profile-${today()}.butler`, passphrase: 'a file passphrase of mine' },
    ]);
  });

  it('exports readable JSON only with a warning, and without a passphrase', async () => {
    const { ipc, user } = setup({ export_profile: ({ path }) => ({ path, bytes: 900, entries: null }) });
    const form = await waitFor(() => section('export-profile'));
    await user.click(within(form).getByRole('radio', { name: /Readable JSON/ }));
    expect(within(form).getByTestId('plain-warning')).toHaveTextContent('Anyone who gets this file can read your whole profile.');
    await waitFor(() => expect(within(form).getByLabelText('Save as')).toHaveValue(`${DIR}/butler-profile-${today()}.json`));
    await user.click(within(form).getByRole('button', { name: 'Export profile' }));
    await within(form).findByTestId('export-profile-done');
    expect(ipc.argsOf('export_profile')[0]).toEqual({ path: `${DIR}/butler-profile-${today()}.json`, passphrase: null });
  });

  it('exports the log with an indeterminate bar while the total is unknown', async () => {
    const running = deferred<unknown>();
    const { ipc, user } = setup({ export_log: () => running.promise });
    const form = await waitFor(() => section('export-log'));
    await user.click(within(form).getByRole('radio', { name: /CSV/ }));
    await user.click(within(form).getByRole('button', { name: 'Export the log' }));
    const bar = await within(form).findByRole('progressbar');
    await emit('progress', { task: 'export_log', step: 'Writing entries', done: 2000, total: null });
    await waitFor(() => expect(within(form).getByTestId('progress-count')).toHaveTextContent('2,000 so far'));
    expect(bar).not.toHaveAttribute('aria-valuenow');
    running.resolve({ path: `${DIR}/butler-log-${today()}.csv`, bytes: 52000, entries: 2345 });
    expect(await within(form).findByTestId('export-log-done')).toHaveTextContent(/Exported 2,345 entries to .*butler-log-.*\.csv \(52\.0 kB\)\./);
    expect(ipc.argsOf('export_log')).toEqual([{ path: `${DIR}/butler-log-${today()}.csv`, format: 'csv' }]);
  });

  it('imports a profile, and asks for the replace tick when the profile is not empty', async () => {
    let calls = 0;
    const { ipc, user } = setup({
      import_profile: () => {
        calls += 1;
        if (calls === 1) throw { code: 'profile_not_empty', message: 'the vault already holds a profile' };
        return { fields: 9, interests: 4, offer_preferences: true };
      },
    });
    const form = await waitFor(() => section('import-profile'));
    await user.click(within(form).getByRole('button', { name: 'Import profile' }));
    const replace = within(form).getByRole('checkbox', { name: /Replace my current profile/ });
    await waitFor(() => expect(replace).toHaveAccessibleDescription(/Tick "Replace my current profile"/));
    await user.click(replace);
    expect(within(form).getByText(/cannot be undone/)).toBeInTheDocument();
    await user.click(within(form).getByRole('button', { name: 'Replace and import' }));
    expect(await within(form).findByTestId('import-profile-done')).toHaveTextContent(
      `Imported 9 fields, 4 interests and your offer preferences from ${DIR}/butler-profile-${today()}.butler.`,
    );
    expect(ipc.argsOf('import_profile')[1]).toEqual({ path: `${DIR}/butler-profile-${today()}.butler`, passphrase: null, replace: true });
  });
});

describe('Settings: backups', () => {
  const card = () => section('backups');
  const rows = () => within(card()).getAllByTestId('backup');
  const dialog = () => screen.getByRole('dialog', { name: 'Restore a backup' });

  it('says what Butler keeps, and lists the backups newest first with the reason in words', async () => {
    setup();
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(within(card()).getByRole('heading', { name: 'Backups' })).toBeInTheDocument();
    expect(card()).toHaveTextContent(/once a day while it runs/);
    expect(card()).toHaveTextContent(/7 daily copies, 3 from before an update, 3 from before a restore\s+and 10 made by you/);
    expect(rows().map((r) => r.dataset.reason)).toEqual(['daily', 'manual', 'before-restore', 'migration']);
    const words = ['Daily', 'Made by you', 'Before a restore', 'Before an update'];
    rows().forEach((row, i) => {
      const b = BACKUPS[i]!;
      expect(row).toHaveTextContent(words[i]!);
      expect(row).toHaveTextContent(formatTaken(b.taken_at));
      expect(row).toHaveTextContent(formatBytes(b.bytes));
      expect(within(row).getByRole('button', { name: `Restore the backup of ${formatTaken(b.taken_at)}` })).toBeInTheDocument();
    });
    expect(formatBytes(245_760)).toBe('245.8 kB');
    expect(rows()[0]).toHaveTextContent('2.4 MB');
  });

  it('backs up now, and shows the new one in the list', async () => {
    const made = backup('2026-11-23T10:00:00Z', 'manual', 2_410_000);
    let list = BACKUPS;
    const { ipc, user } = setup({
      backups: () => list,
      create_backup: () => {
        list = [made, ...BACKUPS];
        return made;
      },
    });
    await waitFor(() => expect(rows()).toHaveLength(4));
    await user.click(within(card()).getByTestId('backup-now'));
    expect(await within(card()).findByTestId('backup-made')).toHaveTextContent(`Backed up: ${formatTaken(made.taken_at)}, 2.4 MB.`);
    await waitFor(() => expect(rows()).toHaveLength(5));
    expect(rows()[0]).toHaveAttribute('data-new', 'true');
    expect(rows()[0]).toHaveTextContent('Made by you');
    expect(ipc.argsOf('create_backup')).toEqual([{}]);
  });

  it('shows why a backup could not be made', async () => {
    const { user } = setup({ create_backup: () => rustError('io', 'no space left on device') });
    await waitFor(() => expect(rows()).toHaveLength(4));
    await user.click(within(card()).getByTestId('backup-now'));
    const alert = await within(card()).findByRole('alert');
    expect(alert).toHaveTextContent('Butler could not make a backup');
    expect(alert).toHaveTextContent('No space left on device.');
    expect(rows()).toHaveLength(4);
  });

  it('says when there is no backup yet, and offers a retry when the list cannot be read', async () => {
    let fail = true;
    const { user } = setup({ backups: () => (fail ? rustError('io', 'permission denied') : []) });
    const alert = await within(await waitFor(() => card())).findByRole('alert');
    expect(alert).toHaveTextContent('Butler could not list the backups');
    fail = false;
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await within(card()).findByText('No backups yet')).toBeInTheDocument();
    expect(card()).toHaveTextContent('Butler makes the first one today while it runs.');
    expect(within(card()).getByTestId('restore-other')).toBeInTheDocument();
  });

  it('restores a backup after saying what will happen: restore_backup gets its path and the passphrase', async () => {
    const running = deferred<unknown>();
    const { ipc, user } = setup({ restore_backup: () => running.promise });
    await waitFor(() => expect(rows()).toHaveLength(4));
    await user.click(within(rows()[1]!).getByTestId('restore-backup'));

    const box = dialog();
    expect(within(box).getByTestId('restore-subject')).toHaveTextContent(
      `Restore the backup of ${formatTaken(BACKUPS[1]!.taken_at)} (made by you, 245.8 kB).`,
    );
    expect(box).toHaveTextContent('The vault as it is now is kept as a backup first');
    expect(box).toHaveTextContent(/Then Butler locks .* and you unlock with the\s+passphrase this backup was made under\./);
    const passphrase = within(box).getByLabelText("The backup's passphrase");
    await waitFor(() => expect(passphrase).toHaveFocus());
    await user.type(passphrase, 'the old passphrase');
    await user.click(within(box).getByRole('button', { name: 'Check and restore' }));

    const bar = await within(box).findByRole('progressbar', { name: 'Restoring a backup' });
    await emit('progress', { task: 'restore', step: 'Checking the backup: its integrity, every value, the log\'s chain', done: 0, total: 3 });
    await waitFor(() => expect(within(box).getByTestId('progress-count')).toHaveTextContent('0/3'));
    expect(bar).toHaveAttribute('aria-valuemax', '3');
    expect(within(box).getByTestId('restore-confirm')).toBeDisabled();

    running.resolve({ from: BACKUPS[1]!.path, values: 12, log_entries: 340, previous: BACKUPS[0]!, closed_again: 0 });
    expect(await within(box).findByRole('status')).toHaveTextContent('Restored. Butler is locking');
    expect(ipc.argsOf('restore_backup')).toEqual([{ path: BACKUPS[1]!.path, passphrase: 'the old passphrase' }]);
  });

  it('keeps the dialog with the reason when the backup is refused; nothing else changes', async () => {
    const { ipc, user } = setup({
      restore_backup: () =>
        rustError('backup_refused', `the backup ${BACKUPS[0]!.path} was not restored, and the vault was left as it is: wrong passphrase`),
    });
    await waitFor(() => expect(rows()).toHaveLength(4));
    await user.click(within(rows()[0]!).getByTestId('restore-backup'));
    await user.type(within(dialog()).getByLabelText("The backup's passphrase"), 'not that one{Enter}');
    const alert = await within(dialog()).findByRole('alert');
    expect(alert).toHaveTextContent('Butler refused this backup');
    expect(alert).toHaveTextContent(`The backup ${BACKUPS[0]!.path} was not restored, and the vault was left as it is: wrong passphrase.`);
    expect(within(dialog()).getByTestId('restore-confirm')).toBeEnabled();
    expect(ipc.argsOf('restore_backup')).toHaveLength(1);
    expect(rows()).toHaveLength(4);

    await user.click(within(dialog()).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('refuses an empty passphrase without calling the Rust side', async () => {
    const { ipc, user } = setup({ restore_backup: () => null });
    await waitFor(() => expect(rows()).toHaveLength(4));
    await user.click(within(rows()[0]!).getByTestId('restore-backup'));
    await user.click(within(dialog()).getByTestId('restore-confirm'));
    const passphrase = within(dialog()).getByLabelText("The backup's passphrase");
    expect(passphrase).toHaveAccessibleDescription(/Enter the backup's passphrase\./);
    expect(passphrase).toHaveAttribute('aria-invalid', 'true');
    expect(ipc.argsOf('restore_backup')).toEqual([]);
  });

  it('restores from another file: the path is needed, then sent', async () => {
    const { ipc, user } = setup({
      restore_backup: ({ path }) => ({ from: path, values: 3, log_entries: 0, previous: null, closed_again: 0 }),
    });
    await waitFor(() => expect(rows()).toHaveLength(4));
    await user.click(within(card()).getByRole('button', { name: 'Restore from another file…' }));
    const path = within(dialog()).getByLabelText('Backup file');
    await waitFor(() => expect(path).toHaveFocus());
    await user.type(within(dialog()).getByLabelText("The backup's passphrase"), 'the old passphrase');
    await user.click(within(dialog()).getByTestId('restore-confirm'));
    expect(path).toHaveAccessibleDescription(/Enter the path of the backup file, or choose it\./);
    expect(ipc.argsOf('restore_backup')).toEqual([]);

    await user.type(path, '  /media/usb/butler-copy.vault ');
    await user.click(within(dialog()).getByTestId('restore-confirm'));
    await within(dialog()).findByRole('status');
    expect(ipc.argsOf('restore_backup')).toEqual([{ path: '/media/usb/butler-copy.vault', passphrase: 'the old passphrase' }]);
  });
});
