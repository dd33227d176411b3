import { afterEach, describe, expect, it } from 'vitest';
import {
  addDays, addMonths, compareDates, daysBetween, formatLong, isIsoDate, laterOf, todayInLondon, toParts, weekday,
} from '../../../src/core/dates/calendarDate';

describe('addMonths keeps the day-number and clamps to the month end', () => {
  it.each([
    ['2025-12-31', 2, '2026-02-28'],
    ['2027-12-31', 2, '2028-02-29'],
    ['2026-09-30', 2, '2026-11-30'],
    ['2026-02-28', 2, '2026-04-28'],
    ['2025-01-31', 1, '2025-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2026-03-31', 1, '2026-04-30'],
    ['2026-07-31', 1, '2026-08-31'],
    ['2026-08-31', 1, '2026-09-30'],
    ['2026-10-31', 2, '2026-12-31'],
    ['2026-11-30', 2, '2027-01-30'],
    ['2028-02-29', 12, '2029-02-28'],
    ['2028-02-29', 2, '2028-04-29'],
    ['2026-03-31', -1, '2026-02-28'],
    ['2026-01-15', -1, '2025-12-15'],
    ['2026-05-13', 0, '2026-05-13'],
  ])('%s + %i months = %s', (start, months, expected) => {
    expect(addMonths(start, months)).toBe(expected);
  });
});

describe('addDays', () => {
  it.each([
    ['2025-12-31', 1, '2026-01-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2027-02-28', 1, '2027-03-01'],
    ['2026-03-28', 2, '2026-03-30'], // across the spring clock change
    ['2026-10-24', 2, '2026-10-26'], // across the autumn clock change
    ['2025-01-06', 140, '2025-05-26'],
    ['2026-01-01', -1, '2025-12-31'],
  ])('%s + %i days = %s', (start, days, expected) => {
    expect(addDays(start, days)).toBe(expected);
  });

  it('daysBetween is the inverse of addDays', () => {
    expect(daysBetween('2027-12-13', '2028-05-01')).toBe(140);
    expect(daysBetween('2026-03-02', '2026-02-28')).toBe(-2);
  });
});

describe('weekday, comparison and formatting', () => {
  it.each([
    ['2026-01-02', 5, 'Friday 2 January 2026'],
    ['2026-02-28', 6, 'Saturday 28 February 2026'],
    ['2026-03-02', 1, 'Monday 2 March 2026'],
    ['2028-02-29', 2, 'Tuesday 29 February 2028'],
    ['2027-07-31', 6, 'Saturday 31 July 2027'],
  ])('%s is weekday %i: %s', (iso, wd, text) => {
    expect(weekday(iso)).toBe(wd);
    expect(formatLong(iso)).toBe(text);
  });

  it('compares and picks the later date', () => {
    expect(compareDates('2026-03-02', '2026-03-10')).toBe(-1);
    expect(compareDates('2026-03-10', '2026-03-02')).toBe(1);
    expect(compareDates('2026-03-10', '2026-03-10')).toBe(0);
    expect(laterOf('2026-03-02', '2026-03-10')).toBe('2026-03-10');
    expect(laterOf('2027-01-01', '2026-12-31')).toBe('2027-01-01');
  });

  it.each(['2026-02-29', '2026-13-01', '2026-04-31', '26-01-01', '2026-1-1', '', null, 20260101])(
    'rejects %s as an ISO date',
    (value) => {
      expect(isIsoDate(value)).toBe(false);
    },
  );

  it('throws on a date that does not exist rather than rolling over', () => {
    expect(() => toParts('2026-02-30')).toThrow(RangeError);
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });
});

describe('todayInLondon', () => {
  it('turns over at midnight in England from one second to the next', () => {
    expect(todayInLondon(new Date('2026-06-30T22:59:59.999Z'))).toBe('2026-06-30');
    expect(todayInLondon(new Date('2026-06-30T23:00:00Z'))).toBe('2026-07-01');
    expect(todayInLondon(new Date('2026-06-30T22:59:30Z'))).toBe('2026-06-30');
  });

  it.each([
    ['00:30 BST on 1 July is 1 July although UTC says 30 June', '2026-06-30T23:30:00Z', '2026-07-01'],
    ['23:30 GMT in winter is still the same day', '2026-01-31T23:30:00Z', '2026-01-31'],
    ['just after midnight GMT on New Year', '2026-01-01T00:05:00Z', '2026-01-01'],
    ['the night the clocks go forward', '2026-03-29T00:30:00Z', '2026-03-29'],
    ['the evening before the clocks go back (still BST)', '2026-10-24T23:30:00Z', '2026-10-25'],
    ['the evening after the clocks go back (GMT)', '2026-10-25T23:30:00Z', '2026-10-25'],
  ])('%s', (_label, instant, expected) => {
    expect(todayInLondon(new Date(instant))).toBe(expected);
  });
});

describe('date arithmetic does not depend on the host timezone', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = originalTz;
  });

  it.each(['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'America/New_York', 'Europe/London'])('in %s', (tz) => {
    process.env.TZ = tz;
    expect(addMonths('2025-12-31', 2)).toBe('2026-02-28');
    expect(addDays('2026-03-28', 1)).toBe('2026-03-29');
    expect(weekday('2026-03-29')).toBe(0);
    expect(todayInLondon(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
  });
});
