/**
 * Date-only values as ISO 'YYYY-MM-DD' strings. All arithmetic is done on UTC midnights, so the
 * host's timezone and daylight saving never shift a day.
 */
export type IsoDate = string;

const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

export interface DateParts {
  year: number;
  month: number; // 1–12
  day: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isValidDateParts(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) && Number.isInteger(month) && Number.isInteger(day) &&
    year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
  );
}

export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string') return false;
  const m = ISO_PATTERN.exec(value);
  return m !== null && isValidDateParts(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function toParts(iso: IsoDate): DateParts {
  const m = ISO_PATTERN.exec(iso);
  if (!m || !isValidDateParts(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new RangeError(`Not a valid ISO date: ${JSON.stringify(iso)}`);
  }
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

export function fromParts(year: number, month: number, day: number): IsoDate {
  if (!isValidDateParts(year, month, day)) throw new RangeError(`No such date: ${year}-${month}-${day}`);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function toEpochDay(iso: IsoDate): number {
  const { year, month, day } = toParts(iso);
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

function fromEpochDay(epochDay: number): IsoDate {
  const d = new Date(epochDay * MS_PER_DAY);
  return fromParts(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

export function addDays(iso: IsoDate, days: number): IsoDate {
  return fromEpochDay(toEpochDay(iso) + days);
}

/** Calendar months, keeping the day-number and clamping to the month's last day (31 Dec + 2 = 28/29 Feb). */
export function addMonths(iso: IsoDate, months: number): IsoDate {
  const { year, month, day } = toParts(iso);
  const monthIndex = year * 12 + (month - 1) + months;
  const newYear = Math.floor(monthIndex / 12);
  const newMonth = monthIndex - newYear * 12 + 1;
  return fromParts(newYear, newMonth, Math.min(day, daysInMonth(newYear, newMonth)));
}

export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

/** 0 = Sunday … 6 = Saturday, as in Date#getUTCDay. */
export function weekday(iso: IsoDate): number {
  const { year, month, day } = toParts(iso);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

export function isWeekend(iso: IsoDate): boolean {
  const wd = weekday(iso);
  return wd === 0 || wd === 6;
}

export function compareDates(a: IsoDate, b: IsoDate): number {
  const diff = toEpochDay(a) - toEpochDay(b);
  return diff < 0 ? -1 : diff > 0 ? 1 : 0;
}

export const isBefore = (a: IsoDate, b: IsoDate): boolean => compareDates(a, b) < 0;
export const isAfter = (a: IsoDate, b: IsoDate): boolean => compareDates(a, b) > 0;
export const laterOf = (a: IsoDate, b: IsoDate): IsoDate => (isAfter(b, a) ? b : a);

/** "Friday 2 January 2026" (en-GB, no comma), built by hand so ICU versions cannot change it. */
export function formatLong(iso: IsoDate): string {
  const { year, month, day } = toParts(iso);
  return `${WEEKDAY_NAMES[weekday(iso)]} ${day} ${MONTH_NAMES[month - 1]} ${year}`;
}

/** "2 January 2026". */
export function formatShort(iso: IsoDate): string {
  const { year, month, day } = toParts(iso);
  return `${day} ${MONTH_NAMES[month - 1]} ${year}`;
}

const londonDateFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The last date worked out by {@link todayInLondon}, and the minute it is for. */
let lastLondonDay: { minute: number; date: IsoDate } = { minute: Number.NaN, date: '' as IsoDate };

/** The calendar date in England at the instant `now` (00:30 BST on 1 July is 1 July, though UTC says 30 June). */
export function todayInLondon(now: Date): IsoDate {
  // England's date changes only on a whole minute (its offsets are whole hours), and every turn asks.
  const minute = Math.floor(now.getTime() / 60_000);
  if (minute === lastLondonDay.minute) return lastLondonDay.date;
  const parts = Object.fromEntries(londonDateFormat.formatToParts(now).map((p) => [p.type, p.value]));
  const date = fromParts(Number(parts.year), Number(parts.month), Number(parts.day));
  lastLondonDay = { minute, date };
  return date;
}
