/**
 * The period insights cover: whole calendar days in Europe/London (where the councils are), from
 * and to inclusive. Plain functions, no framework.
 */

export const TIME_ZONE = 'Europe/London';
/** The default period: the last 30 days, today included. */
export const DEFAULT_DAYS = 30;
/** The longest period one request may cover. */
export const MAX_DAYS = 366;

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

const dateParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function partsOf(instant: Date): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of dateParts.formatToParts(instant)) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return out;
}

/** The calendar day (YYYY-MM-DD) in Europe/London at this instant. */
export function londonDate(instant: Date | string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  const p = partsOf(date);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isCalendarDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The date `days` after (or before, when negative) a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new Error('addDays: not a YYYY-MM-DD date');
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (0 when they are the same day). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * The instant a London calendar day starts. Clocks in the UK change at 01:00 UTC, so midnight
 * always exists and the offset at midnight UTC of that date is the offset at local midnight.
 */
export function startOfLondonDay(date: string): Date {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  const p = partsOf(new Date(utcMidnight));
  const asIfUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return new Date(utcMidnight - (asIfUtc - utcMidnight));
}

/** Every date from `from` to `to`, inclusive. */
export function datesOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

export interface Period {
  /** First day, YYYY-MM-DD (Europe/London), inclusive. */
  from: string;
  /** Last day, inclusive. */
  to: string;
  /** The instants to query: [start, end). */
  start: Date;
  end: Date;
  days: number;
}

export class PeriodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeriodError';
  }
}

/**
 * The period asked for: `from` and `to` as YYYY-MM-DD, either or both omitted. Defaults: `to` is
 * today (London), `from` is 29 days before `to` (30 days in all). Throws {@link PeriodError} with a message a person
 * can act on.
 */
export function periodOf(from: string | undefined, to: string | undefined, now: Date): Period {
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (value !== undefined && !isCalendarDate(value)) throw new PeriodError(`"${name}" must be a date written YYYY-MM-DD, such as 2026-01-31.`);
  }
  const last = to ?? londonDate(now);
  const first = from ?? addDays(last, -(DEFAULT_DAYS - 1));
  if (first > last) throw new PeriodError('"from" must be on or before "to".');
  const days = daysBetween(first, last) + 1;
  if (days > MAX_DAYS) throw new PeriodError(`A period can be at most ${MAX_DAYS} days long; this one is ${days}.`);
  return { from: first, to: last, start: startOfLondonDay(first), end: startOfLondonDay(addDays(last, 1)), days };
}
