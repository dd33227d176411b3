import Holidays from 'date-holidays';
import { addDays, isWeekend, toParts, weekday, type IsoDate } from './calendarDate';

export interface BankHoliday {
  date: IsoDate;
  name: string;
}

/** One-off bank holidays proclaimed for a single occasion, which no library predicts: add them here. */
const ONE_OFF_BANK_HOLIDAYS: Readonly<Record<IsoDate, string>> = {};

const englandAndWales = new Holidays('GB', 'ENG', { types: ['public', 'bank'] });
const holidaysByYear = new Map<number, ReadonlyMap<IsoDate, string>>();

/**
 * England and Wales bank holidays for one year. The package also lists the calendar day when it is
 * a weekend (e.g. Sat 26 Dec 2026 beside the substitute Mon 28 Dec); those are dropped because a
 * weekend is never a working day anyway and the official list shows only the substitute.
 */
function holidayMap(year: number): ReadonlyMap<IsoDate, string> {
  let map = holidaysByYear.get(year);
  if (!map) {
    map = new Map(
      englandAndWales
        .getHolidays(year)
        .map((h): [IsoDate, string] => [h.date.slice(0, 10), h.name])
        .concat(Object.entries(ONE_OFF_BANK_HOLIDAYS).filter(([date]) => date.startsWith(`${year}-`)))
        .filter(([date]) => !isWeekend(date)),
    );
    holidaysByYear.set(year, map);
  }
  return map;
}

export function bankHolidays(year: number): BankHoliday[] {
  return [...holidayMap(year)].map(([date, name]) => ({ date, name })).sort((a, b) => a.date.localeCompare(b.date));
}

/** The bank holiday's name, or undefined when the day is not a bank holiday. */
export function bankHolidayName(date: IsoDate): string | undefined {
  return holidayMap(toParts(date).year).get(date);
}

export function isBankHoliday(date: IsoDate): boolean {
  return bankHolidayName(date) !== undefined;
}

export function isWorkingDay(date: IsoDate): boolean {
  return !isWeekend(date) && !isBankHoliday(date);
}

/** Why a day is not a working day ("a Saturday", "a bank holiday (Christmas Day)"), or undefined if it is one. */
export function nonWorkingReason(date: IsoDate): string | undefined {
  if (isWeekend(date)) return weekday(date) === 6 ? 'a Saturday' : 'a Sunday';
  const name = bankHolidayName(date);
  return name === undefined ? undefined : `a bank holiday (${name})`;
}

export function nextWorkingDayOnOrAfter(date: IsoDate): IsoDate {
  let day = date;
  while (!isWorkingDay(day)) day = addDays(day, 1);
  return day;
}

export function nextWorkingDayAfter(date: IsoDate): IsoDate {
  return nextWorkingDayOnOrAfter(addDays(date, 1));
}

/** The n-th working day after `date` (n ≥ 0); `date` itself is never counted. */
export function addWorkingDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`Working days must be a whole number ≥ 0, got ${n}`);
  let day = date;
  for (let counted = 0; counted < n; ) {
    day = addDays(day, 1);
    if (isWorkingDay(day)) counted++;
  }
  return day;
}
