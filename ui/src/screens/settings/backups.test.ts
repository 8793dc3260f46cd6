import { describe, expect, it } from 'vitest';
import { backupName, fileName, formatTaken, reasonText, restoredText, takenFromName } from './backups';

describe('backups in words', () => {
  it('names each reason', () => {
    expect(['daily', 'migration', 'before-restore', 'manual', 'after-import'].map(reasonText)).toEqual([
      'Daily',
      'Before an update',
      'Before a restore',
      'Made by you',
      'After import',
    ]);
  });

  it('reads when a backup was taken from its file name', () => {
    expect(takenFromName('/v/backups/butler-20261123T091400.123Z-daily.vault')).toBe('2026-11-23T09:14:00.123Z');
    expect(takenFromName('C:\\Users\\sam\\backups\\butler-20261123T091400Z-manual.vault')).toBe('2026-11-23T09:14:00Z');
    expect(takenFromName('/media/usb/my copy.vault')).toBeNull();
    expect(fileName('C:\\Users\\sam\\my copy.vault')).toBe('my copy.vault');
    expect(backupName('/media/usb/my copy.vault')).toBe('the backup my copy.vault');
    expect(backupName('/v/backups/butler-20261123T091400.123Z-daily.vault')).toBe(
      `the backup of ${formatTaken('2026-11-23T09:14:00.123Z')}`,
    );
  });

  it('says what a restore checked, and whether the vault as it was is kept', () => {
    const from = '/media/usb/my copy.vault';
    expect(restoredText({ from, values: 1, log_entries: 0, previous: null, closed_again: 0 })).toBe(
      'Restored the backup my copy.vault: 1 value and 0 log entries checked. Unlock with the passphrase this backup was made under.',
    );
    expect(restoredText({ from, values: 1, log_entries: 0, previous: null, closed_again: 2 })).toContain(
      ': 1 value and 0 log entries checked. 2 grants you had revoked or paused since this backup were revoked or paused again. Unlock',
    );
    expect(restoredText({ from, values: 1, log_entries: 0, previous: null, closed_again: null })).toContain(
      'could not be read, so grants you revoked or paused since this backup are as the backup has them',
    );
    expect(formatTaken('not a date')).toBe('not a date');
  });
});
