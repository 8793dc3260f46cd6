// Backups in the owner's words: when each was taken, why, and what a restore brought back.
import type { RestoredView } from '../../lib/commands';
import { plural } from '../../lib/format-profile';

const REASONS: Record<string, string> = {
  daily: 'Daily',
  migration: 'Before an update',
  'before-restore': 'Before a restore',
  manual: 'Made by you',
};

/** `daily` -> "Daily", `migration` -> "Before an update", ... */
export function reasonText(reason: string): string {
  const known = REASONS[reason];
  if (known) return known;
  const words = reason.replace(/[-_]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Backup';
}

/** An RFC 3339 instant as a local date and time: "23 Nov 2026, 09:14" (the owner's locale). */
export function formatTaken(instant: string): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The last part of a path: the file's name. */
export function fileName(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(slash + 1);
}

/**
 * When a backup was taken, read from its file name (`butler-20261123T091400.123Z-daily.vault`),
 * as RFC 3339; null for a file named otherwise.
 */
export function takenFromName(path: string): string | null {
  const m = /^butler-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d+)?Z-[a-z-]+\.vault$/.exec(fileName(path));
  if (!m) return null;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`;
}

/** "the backup of 23 Nov 2026, 09:14", or "the backup my-copy.vault" when the name has no date. */
export function backupName(path: string): string {
  const taken = takenFromName(path);
  return taken ? `the backup of ${formatTaken(taken)}` : `the backup ${fileName(path)}`;
}

/** What the unlock screen says once a backup is in place. */
export function restoredText(restored: RestoredView): string {
  const checked = `${plural(restored.values, 'value')} and ${plural(restored.log_entries, 'log entry', 'log entries')} checked.`;
  const kept = restored.previous ? ' The vault as it was is kept as a backup.' : '';
  return `Restored ${backupName(restored.from)}: ${checked}${kept}${closedText(restored.closed_again)} Unlock with the passphrase this backup was made under.`;
}

/** What became of the grants the owner had closed since the backup (a restore never reopens them). */
function closedText(closedAgain: number | null): string {
  if (closedAgain === null) {
    return ' The vault as it was could not be read, so grants you revoked or paused since this backup are as the backup has them: check them under Brands.';
  }
  if (closedAgain === 0) return '';
  const grants = closedAgain === 1 ? '1 grant you had revoked or paused since this backup was' : `${closedAgain} grants you had revoked or paused since this backup were`;
  return ` ${grants} revoked or paused again.`;
}
