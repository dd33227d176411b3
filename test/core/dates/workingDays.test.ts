import { describe, expect, it } from 'vitest';
import {
  addWorkingDays, bankHolidayName, bankHolidays, isWorkingDay, nextWorkingDayOnOrAfter,
} from '../../../src/core/dates/workingDays';

// The table in shared/eval/DEADLINES.md.
const ENGLAND_AND_WALES: Record<number, string[]> = {
  2025: ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26'],
  2026: ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28'],
  2027: ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28'],
  2028: ['2028-01-03', '2028-04-14', '2028-04-17', '2028-05-01', '2028-05-29', '2028-08-28', '2028-12-25', '2028-12-26'],
};

describe('bank holidays in England and Wales', () => {
  it.each(Object.entries(ENGLAND_AND_WALES))('%s matches DEADLINES.md exactly', (year, dates) => {
    expect(bankHolidays(Number(year)).map((h) => h.date)).toEqual(dates);
  });

  it.each([
    ['2026-12-26', 'Boxing Day on a Saturday'],
    ['2027-12-25', 'Christmas Day on a Saturday'],
    ['2027-12-26', 'Boxing Day on a Sunday'],
    ['2028-01-01', "New Year's Day on a Saturday"],
  ])('drops the weekend-dated entry %s (%s)', (date) => {
    expect(bankHolidayName(date)).toBeUndefined();
    expect(isWorkingDay(date)).toBe(false);
  });

  it.each([
    ['2028-01-03', /New Year/, 'New Year substitute'],
    ['2026-04-03', /Good Friday/, 'Good Friday'],
    ['2027-03-29', /Easter Monday/, 'Easter Monday'],
    ['2027-05-03', /Early May/, 'early May'],
    ['2026-05-25', /Spring/, 'spring'],
    ['2025-08-25', /Summer/, 'summer'],
    ['2025-12-25', /Christmas/, 'Christmas Day'],
    ['2025-12-26', /Boxing/, 'Boxing Day'],
    ['2026-12-28', /Boxing Day \(substitute/, 'Boxing Day substitute'],
    ['2027-12-27', /Christmas Day \(substitute/, 'Christmas Day substitute'],
    ['2027-12-28', /Boxing Day \(substitute/, 'Boxing Day substitute (2027)'],
  ])('%s is a bank holiday (%s)', (date, name, _kind) => {
    expect(bankHolidayName(date)).toMatch(name);
    expect(isWorkingDay(date)).toBe(false);
  });

  it('keeps working for years beyond the table (a maintained library, not a typed list)', () => {
    expect(bankHolidays(2030).length).toBeGreaterThanOrEqual(8);
    expect(bankHolidayName('2030-12-25')).toMatch(/Christmas/);
  });
});

describe('working days', () => {
  it.each([
    ['2026-03-02', true, 'an ordinary Monday'],
    ['2026-02-28', false, 'a Saturday'],
    ['2026-03-01', false, 'a Sunday'],
    ['2025-12-24', true, 'Christmas Eve is a working day'],
    ['2025-12-31', true, "New Year's Eve is a working day"],
    ['2026-08-03', true, 'an August weekday is a working day'],
  ])('%s working? %s (%s)', (date, expected) => {
    expect(isWorkingDay(date)).toBe(expected);
  });

  it.each([
    ['2026-03-02', '2026-03-02'],
    ['2026-02-28', '2026-03-02'],
    ['2026-04-03', '2026-04-07'], // Good Friday, weekend, Easter Monday
    ['2027-12-25', '2027-12-29'], // Christmas and Boxing Day substitutes
    ['2028-01-01', '2028-01-04'], // New Year's Day on a Saturday, substitute Monday 3 January
  ])('next working day on or after %s is %s', (date, expected) => {
    expect(nextWorkingDayOnOrAfter(date)).toBe(expected);
  });

  it.each([
    ['2025-12-24', 3, '2025-12-31'],
    ['2027-05-28', 3, '2027-06-03'],
    ['2026-04-02', 3, '2026-04-09'],
    ['2026-12-23', 3, '2026-12-30'],
    ['2026-03-02', 0, '2026-03-02'],
    ['2026-03-06', 1, '2026-03-09'],
  ])('%s + %i working days = %s', (date, n, expected) => {
    expect(addWorkingDays(date, n)).toBe(expected);
  });

  it('refuses a negative or fractional count', () => {
    expect(() => addWorkingDays('2026-03-02', -1)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-03-02', 1.5)).toThrow(RangeError);
  });
});
