import { describe, expect, it } from 'vitest';
import {
  fieldTitle,
  humanize,
  lastDays,
  localDayStart,
  modeLabel,
  reasonLabel,
  relative,
  toDate,
} from './format-activity';

describe('format-activity', () => {
  it('reads a YYYY-MM-DD day as that local day, and an instant as itself', () => {
    const day = toDate('2026-03-12')!;
    expect([day.getFullYear(), day.getMonth(), day.getDate(), day.getHours()]).toEqual([2026, 2, 12, 0]);
    expect(toDate('2026-03-12T10:00:00Z')!.toISOString()).toBe('2026-03-12T10:00:00.000Z');
    expect(toDate('not a date')).toBeNull();
  });

  it('turns a date input into the start of that local day, or of a later one', () => {
    expect(localDayStart('2026-03-12')).toBe(new Date(2026, 2, 12).toISOString());
    expect(localDayStart('2026-03-31', 1)).toBe(new Date(2026, 3, 1).toISOString());
    expect(localDayStart('12/03/2026')).toBeNull();
  });

  it('says how far a time is', () => {
    const now = Date.parse('2026-03-12T10:00:00Z');
    expect(relative('2026-03-12T10:13:00Z', now)).toBe('in 13 minutes');
    expect(relative('2026-03-09T10:00:00Z', now)).toBe('3 days ago');
    expect(relative('2026-03-12T10:00:20Z', now)).toBe('in less than a minute');
  });

  it('lists the last n UTC days, oldest first', () => {
    const now = Date.parse('2026-03-12T10:00:00Z');
    expect(lastDays(3, now)).toEqual(['2026-03-10', '2026-03-11', '2026-03-12']);
  });

  it('words names, modes and reasons for the owner', () => {
    expect(humanize('recommend-products')).toBe('Recommend products');
    expect(modeLabel('coarse')).toBe('coarse value');
    expect(reasonLabel('not_granted')).toBe('not granted');
    expect(fieldTitle('date of birth, YYYY-MM-DD', 'birth_date')).toBe('Date of birth');
    expect(fieldTitle('shoe size: EU 16-52', 'sizes.shoe')).toBe('Shoe size');
    expect(fieldTitle('health information (special category)', 'health')).toBe('Health information');
    expect(fieldTitle('e-mail address', 'contact.email')).toBe('E-mail address');
    expect(fieldTitle('', 'language')).toBe('language');
  });
});
