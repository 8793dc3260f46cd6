// The commands and events of the shell foundation (vault, lock, idle, navigation counts). The
// Rust side (src-tauri/src/commands.rs) takes arguments in snake_case (`rename_all =
// "snake_case"`), so argument names here are snake_case too. The shapes come from
// src/bindings/, which the Rust side generates from its own types (ts-rs): never write them here.

import type { AgreementView } from '../bindings/AgreementView';
import type { AlertView } from '../bindings/AlertView';
import type { ApiStatus } from '../bindings/ApiStatus';
import type { ApprovalInput } from '../bindings/ApprovalInput';
import type { BackupView } from '../bindings/BackupView';
import type { BrandView } from '../bindings/BrandView';
import type { ChainStatus } from '../bindings/ChainStatus';
import type { DailyCountView } from '../bindings/DailyCountView';
import type { ExportDone } from '../bindings/ExportDone';
import type { GrantView } from '../bindings/GrantView';
import type { ImportDone } from '../bindings/ImportDone';
import type { InterestChange } from '../bindings/InterestChange';
import type { InterestView } from '../bindings/InterestView';
import type { KnowledgeView } from '../bindings/KnowledgeView';
import type { LogEntryView } from '../bindings/LogEntryView';
import type { LogFilterInput } from '../bindings/LogFilterInput';
import type { LogPageView } from '../bindings/LogPageView';
import type { MeasureSettingsView } from '../bindings/MeasureSettingsView';
import type { NewInterestInput } from '../bindings/NewInterestInput';
import type { OfferPrefsView } from '../bindings/OfferPrefsView';
import type { OfferView } from '../bindings/OfferView';
import type { OfferVocabulary } from '../bindings/OfferVocabulary';
import type { ProfileField } from '../bindings/ProfileField';
import type { Progress } from '../bindings/Progress';
import type { ReceiptView } from '../bindings/ReceiptView';
import type { RestoredView } from '../bindings/RestoredView';
import type { SettingsView } from '../bindings/SettingsView';
import type { SuggestionView } from '../bindings/SuggestionView';
import type { TermsSettingsView } from '../bindings/TermsSettingsView';
import type { TermsView } from '../bindings/TermsView';
import type { TopicView } from '../bindings/TopicView';
import type { WithheldView } from '../bindings/WithheldView';
import type { Locked } from '../bindings/Locked';
import type { RequestsChanged } from '../bindings/RequestsChanged';
import type { RequestView } from '../bindings/RequestView';
import type { VaultStatus } from '../bindings/VaultStatus';
import { call, listen, type UnlistenFn } from './ipc';

export type {
  AgreementView,
  AlertView,
  ApiStatus,
  ApprovalInput,
  BackupView,
  BrandView,
  ChainStatus,
  DailyCountView,
  ExportDone,
  GrantView,
  ImportDone,
  InterestChange,
  InterestView,
  KnowledgeView,
  LogEntryView,
  LogFilterInput,
  LogPageView,
  Locked,
  MeasureSettingsView,
  NewInterestInput,
  OfferPrefsView,
  OfferView,
  OfferVocabulary,
  ProfileField,
  Progress,
  ReceiptView,
  RequestsChanged,
  RequestView,
  RestoredView,
  SettingsView,
  SuggestionView,
  TermsSettingsView,
  TermsView,
  TopicView,
  VaultStatus,
  WithheldView,
};

export const vaultStatus = () => call<VaultStatus>('vault_status');

/** Creates the vault and unlocks it; the Rust side refuses passphrases shorter than 12 characters. */
export const createVault = (passphrase: string) => call<VaultStatus>('create_vault', { passphrase });

/** Errors: `wrong_passphrase`, `throttled` (the message says when to try again). */
export const unlock = (passphrase: string) => call<VaultStatus>('unlock', { passphrase });

export const lock = () => call<void>('lock');

/** Tells the Rust side the owner is here, so the idle auto-lock starts over. */
export const activity = () => call<void>('activity');


/**
 * `locked`: the vault locked; `reason` is `auto` (idle, with `idle_minutes`), `owner`, or
 * `restore` (a backup was put in place while the vault was open: `restored` says what came back,
 * or `problem` why the restore did not finish after its check).
 */
export const onLocked = (handler: (event: Locked) => void): Promise<UnlistenFn> =>
  listen<Locked>('locked', (event) => handler(event.payload));

export const onRequestsChanged = (handler: (event: RequestsChanged) => void): Promise<UnlistenFn> =>
  listen<RequestsChanged>('requests', (event) => handler(event.payload));

/** `navigate`: the tray or a notification asks for a section (payload: its name, "requests"). */
export const onNavigate = (handler: (section: string) => void): Promise<UnlistenFn> =>
  listen<string>('navigate', (event) => handler(event.payload));

/**
 * Listens to several events and returns one function that stops them all, even if it is called
 * before the listeners are in place. Without the Tauri runtime there are no events: that is
 * not an error here (the commands report it).
 */
export function listenAll(...starts: Promise<UnlistenFn>[]): () => void {
  let stopped = false;
  const stops: UnlistenFn[] = [];
  for (const start of starts) {
    start
      .then((unlisten) => (stopped ? unlisten() : stops.push(unlisten)))
      .catch(() => {});
  }
  return () => {
    stopped = true;
    for (const unlisten of stops.splice(0)) unlisten();
  };
}

// ---- The owner's actions, one function per command of src-tauri/src/commands.rs. ----
// Failures reject with a CommandError: `locked` (back to Unlock), `invalid_value` (with `field`:
// show the message beside that input), `not_found`, `conflict`, `expired`, `io`, ...

export const apiStatus = () => call<ApiStatus | null>('api_status');

// Profile
export const profileFields = () => call<ProfileField[]>('profile_fields');
/** Sets a field from what the owner typed; `invalid_value` names why it is refused. */
export const setField = (name: string, value: string) => call<ProfileField>('set_field', { name, value });
export const unsetField = (name: string) => call<ProfileField>('unset_field', { name });

// Interests
export const interests = () => call<InterestView[]>('interests');
export const addInterest = (interest: NewInterestInput) => call<InterestView>('add_interest', { interest });
export const changeInterest = (id: number, change: InterestChange) =>
  call<InterestView>('change_interest', { id, change });
export const removeInterest = (id: number) => call<void>('remove_interest', { id });
/** Topics whose path holds every word of the query, at most 50. */
export const searchTopics = (query: string) => call<TopicView[]>('search_topics', { query });

// Offer preferences
export const offerPrefs = () => call<OfferPrefsView>('offer_prefs');
export const setOfferPrefs = (prefs: OfferPrefsView) => call<OfferPrefsView>('set_offer_prefs', { prefs });
export const offerVocabulary = () => call<OfferVocabulary>('offer_vocabulary');

// Requests
export const pendingRequests = () => call<RequestView[]>('pending_requests');
/**
 * Approves as asked or narrowed: only the fields listed (each at most as precise as asked).
 * `agreement` null takes the owner's terms for the purposes granted; an agreement the brand does
 * not accept, or one that does not permit the purposes, fails with `terms` (an unknown one with
 * `invalid_value`, field `agreement`).
 */
export const approveRequest = (approval: ApprovalInput) => call<GrantView>('approve_request', { approval });
export const denyRequest = (user_code: string) => call<void>('deny_request', { user_code });

// Brands and grants
export const brands = () => call<BrandView[]>('brands');
export const setGrantStatus = (grant_id: string, status: 'active' | 'paused' | 'revoked') =>
  call<GrantView>('set_grant_status', { grant_id, status });
export const brandKnowledge = (client_id: string) => call<KnowledgeView[]>('brand_knowledge', { client_id });
export const brandReceipts = (client_id: string) => call<ReceiptView[]>('brand_receipts', { client_id });

// Activity
/** A page of the log, newest first; pass `next` as `before` for the following page. */
export const queryLog = (filter: LogFilterInput, before: number | null, limit: number) =>
  call<LogPageView>('query_log', { filter, before, limit });
export const logCounts = (days: number) => call<DailyCountView[]>('log_counts', { days });
/** Checks the whole chain; sends `progress` events (task `verify_log`) on long logs. */
export const verifyLog = () => call<ChainStatus>('verify_log');
export const alerts = (limit: number) => call<AlertView[]>('alerts', { limit });

// Inbox and suggestions
export const inbox = (limit: number) => call<OfferView[]>('inbox', { limit });
export const suggestions = () => call<SuggestionView[]>('suggestions');
export const decideSuggestion = (id: number, decision: 'accept' | 'one_off' | 'reject', weight: number | null) =>
  call<void>('decide_suggestion', { id, decision, weight });

// Settings
export const settings = () => call<SettingsView>('settings');
/** A new port restarts the brand API on it (see `apiStatus`). */
export const setSettings = (next: SettingsView) => call<SettingsView>('set_settings', { settings: next });
export const changePassphrase = (current: string, next: string) =>
  call<void>('change_passphrase', { current, new: next });
/** The owner's default terms (IEEE 7012) and every agreement, strictest first. */
export const terms = () => call<TermsSettingsView>('terms');
/** Errors: `invalid_value` (field `agreement`) for an unknown agreement id. */
export const setDefaultTerms = (agreement: string) => call<TermsSettingsView>('set_default_terms', { agreement });
/** What brands may learn from measurement answers, in numbers and in the owner's words. */
export const measureSettings = () => call<MeasureSettingsView>('measure_settings');
/**
 * Errors: `invalid_value` with field `epsilon_per_answer` (0.01 to 5) or `budget_per_period`
 * (from one answer's epsilon to 50).
 */
export const setMeasureSettings = (epsilon_per_answer: number, budget_per_period: number) =>
  call<MeasureSettingsView>('set_measure_settings', { epsilon_per_answer, budget_per_period });
/** Sealed with `passphrase`, or readable JSON when it is null. Sends `progress` (task `export_profile`). */
export const exportProfile = (path: string, passphrase: string | null) =>
  call<ExportDone>('export_profile', { path, passphrase });
/** All or nothing; `replace` overwrites a profile already there. Sends `progress` (task `import_profile`). */
export const importProfile = (path: string, passphrase: string | null, replace: boolean) =>
  call<ImportDone>('import_profile', { path, passphrase, replace });
/** `jsonl` or `csv`, hash-chained and signed. Sends `progress` (task `export_log`). */
export const exportLog = (path: string, format: 'jsonl' | 'csv') => call<ExportDone>('export_log', { path, format });
export const defaultExportDir = () => call<string>('default_export_dir');

// Backups
/** The vault's backups, newest first. Works while the vault is locked too (a damaged one included). */
export const backups = () => call<BackupView[]>('backups');
/** Takes a backup now (reason `manual`). Errors: `locked`, `io`. */
export const createBackup = () => call<BackupView>('create_backup');
/**
 * Checks the backup at `path` with `passphrase` (the one it was made under) and, if it is sound,
 * puts it in the vault's place: the vault locks (with the `locked` event, reason `restore`, when
 * it was open) and the vault as it was is kept as a backup. Errors: `backup_refused` (the message
 * says why; nothing changed), `invalid_value` with field `path` (none chosen). Sends `progress`
 * (task `restore`).
 */
export const restoreBackup = (path: string, passphrase: string) =>
  call<RestoredView>('restore_backup', { path, passphrase });

/** `progress`: long work (export, import, verification, restore) moving on. */
export const onProgress = (handler: (progress: Progress) => void): Promise<UnlistenFn> =>
  listen<Progress>('progress', (event) => handler(event.payload));

/** `alert`: unusual use of the data was flagged (also sent as a desktop notification). */
export const onAlert = (handler: (alert: AlertView) => void): Promise<UnlistenFn> =>
  listen<AlertView>('alert', (event) => handler(event.payload));
