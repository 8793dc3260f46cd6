import type { SettingsView } from '../../lib/commands';
import type { CommandError } from '../../lib/ipc';

/** Saves the settings with one part changed; resolves to the error, or null when saved. */
export type SaveSettings = (patch: Partial<SettingsView>) => Promise<CommandError | null>;
