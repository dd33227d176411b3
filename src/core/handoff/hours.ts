/**
 * When a council's advisers answer chats, in Europe/London time (GMT in winter, BST in summer),
 * from the tenant's `adviserHours`. England's bank holidays are closed days when the tenant says
 * so (the default). Uses Intl for the time zone, so the host's own zone never matters.
 */
import type { Tenant } from '../knowledge/schema';
import { addDays, daysBetween, fromParts, MONTH_NAMES, toParts, weekday, WEEKDAY_NAMES, type IsoDate } from '../dates/calendarDate';
import { isBankHoliday } from '../dates/workingDays';

export interface AdviserAvailability {
  /** An adviser may be signed in now (within the tenant's hours). */
  open: boolean;
  /** When closed: when the advisers' hours next begin. */
  nextOpening?: Date;
  /** When open: when today's hours end. */
  closesAt?: Date;
  /** The hours in words ("Monday to Friday, 9:30am to 3:30pm (closed on bank holidays)"). */
  hoursText?: string;
}

type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
/** In the order people say them: Monday first. */
const WEEK: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** Index by Date#getUTCDay (0 = Sunday). */
const BY_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_NAME: Readonly<Record<Weekday, string>> = {
  mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday',
};
/**
 * Days closed whatever the date falls on: when Christmas Day, Boxing Day or New Year's Day is a
 * weekend the official bank holiday moves to a weekday, but a service open at weekends is still
 * not staffed on the day itself.
 */
const ALWAYS_CLOSED_DAYS = new Set(['12-25', '12-26', '01-01']);

// ---------------------------------------------------------------------------------------------
// Europe/London wall time

const londonFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hourCycle: 'h23',
});

interface WallTime {
  date: IsoDate;
  /** Minutes since midnight, 0–1439. */
  minutes: number;
}

function londonFields(instant: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const part of londonFormat.formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? NaN,
    month: parts.month ?? NaN,
    day: parts.day ?? NaN,
    // Some ICU versions say 24 for midnight even with h23.
    hour: (parts.hour ?? NaN) % 24,
    minute: parts.minute ?? NaN,
    second: parts.second ?? NaN,
  };
}

/** The date and time on a clock in England at this instant. */
function londonWallTime(instant: Date): WallTime {
  const f = londonFields(instant.getTime());
  return { date: fromParts(f.year, f.month, f.day), minutes: f.hour * 60 + f.minute };
}

/** How far London's clocks are ahead of UTC at this instant, in milliseconds (0 or 3 600 000). */
function londonOffset(instant: number): number {
  const f = londonFields(instant);
  const wholeSecond = Math.floor(instant / 1000) * 1000;
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - wholeSecond;
}

/**
 * The instant when London's clocks show `minutes` past midnight on `date`. A time that does not
 * exist (in the hour skipped in March) comes out an hour later; one that happens twice (in the
 * hour repeated in October) is the later of the two.
 */
export function londonInstant(date: IsoDate, minutes: number): Date {
  const { year, month, day } = toParts(date);
  const asIfUtc = Date.UTC(year, month - 1, day, Math.floor(minutes / 60), minutes % 60);
  const first = londonOffset(asIfUtc);
  let instant = asIfUtc - first;
  const second = londonOffset(instant);
  if (second !== first) instant = asIfUtc - second;
  return new Date(instant);
}

function isValidInstant(date: unknown): date is Date {
  if (!(date instanceof Date)) return false;
  const time = date.getTime();
  // Years 1–9999 only: the calendar helpers work in that range.
  return Number.isFinite(time) && time > -62_135_596_800_000 && time < 253_402_300_800_000;
}

// ---------------------------------------------------------------------------------------------
// The tenant's hours

interface Hours {
  days: ReadonlySet<Weekday>;
  opens: number;
  closes: number;
  closedOnBankHolidays: boolean;
}

function clockMinutes(clock: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(clock);
  if (!m) return undefined;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  return hours < 24 && minutes < 60 ? hours * 60 + minutes : undefined;
}

/** The tenant's hours, or undefined when it has none or they cannot be used (closing before opening). */
function hoursOf(tenant: Tenant): Hours | undefined {
  const set = tenant.adviserHours;
  if (!set) return undefined;
  const opens = clockMinutes(set.opens);
  const closes = clockMinutes(set.closes);
  const days = new Set(set.days.filter((d): d is Weekday => (WEEK as readonly string[]).includes(d)));
  if (opens === undefined || closes === undefined || closes <= opens || days.size === 0) return undefined;
  return { days, opens, closes, closedOnBankHolidays: set.closedOnBankHolidays !== false };
}

function isOpenDay(hours: Hours, date: IsoDate): boolean {
  if (!hours.days.has(BY_UTC_DAY[weekday(date)]!)) return false;
  if (!hours.closedOnBankHolidays) return true;
  return !isBankHoliday(date) && !ALWAYS_CLOSED_DAYS.has(date.slice(5));
}

/** Enough days to pass any run of closed days (a weekly day plus Christmas and New Year). */
const SEARCH_DAYS = 400;

/**
 * Whether advisers are available at `now`, and when they next are (or when they stop). Open from
 * the opening minute (inclusive) to the closing minute (exclusive). A tenant without adviser hours
 * is never open, and has no next opening.
 */
export function adviserAvailability(tenant: Tenant, now: Date): AdviserAvailability {
  const hours = hoursOf(tenant);
  const hoursText = describeAdviserHours(tenant);
  const base: AdviserAvailability = hoursText === undefined ? { open: false } : { open: false, hoursText };
  if (!hours || !isValidInstant(now)) return base;
  try {
    const at = now.getTime();
    const today = londonWallTime(now).date;
    for (let i = 0; i < SEARCH_DAYS; i++) {
      const day = addDays(today, i);
      if (!isOpenDay(hours, day)) continue;
      const opensAt = londonInstant(day, hours.opens);
      const closesAt = londonInstant(day, hours.closes);
      if (at < opensAt.getTime()) return { ...base, nextOpening: opensAt };
      if (at < closesAt.getTime()) return { ...base, open: true, closesAt };
    }
  } catch {
    // Only a date at the very edge of the calendar gets here: say closed, with no promise.
  }
  return base;
}

// ---------------------------------------------------------------------------------------------
// In words

/** "9am", "9:30am", "3:30pm", "midday", "midnight". */
export function describeClock(minutes: number): string {
  const m = ((Math.floor(minutes) % 1440) + 1440) % 1440;
  if (m === 0) return 'midnight';
  if (m === 720) return 'midday';
  const hour24 = Math.floor(m / 60);
  const minute = m % 60;
  const hour12 = hour24 % 12 === 0 ? 12 : hour24 % 12;
  const suffix = hour24 < 12 ? 'am' : 'pm';
  return minute === 0 ? `${hour12}${suffix}` : `${hour12}:${String(minute).padStart(2, '0')}${suffix}`;
}

function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** "Monday to Friday", "Monday, Wednesday and Friday", "every day". */
function describeDays(days: ReadonlySet<Weekday>): string {
  if (days.size === 7) return 'every day';
  const runs: Weekday[][] = [];
  for (const day of WEEK) {
    if (!days.has(day)) continue;
    const last = runs[runs.length - 1];
    const previous = last?.[last.length - 1];
    if (last && previous && WEEK.indexOf(previous) === WEEK.indexOf(day) - 1) last.push(day);
    else runs.push([day]);
  }
  const items = runs.flatMap((run) =>
    run.length >= 3 ? [`${DAY_NAME[run[0]!]} to ${DAY_NAME[run[run.length - 1]!]}`] : run.map((d) => DAY_NAME[d]),
  );
  return joinAnd(items);
}

/**
 * The tenant's adviser hours in plain words: "Monday to Friday, 9:30am to 3:30pm (closed on bank
 * holidays)". Undefined when the tenant has no usable hours.
 */
export function describeAdviserHours(tenant: Tenant): string | undefined {
  const hours = hoursOf(tenant);
  if (!hours) return undefined;
  const text = `${describeDays(hours.days)}, ${describeClock(hours.opens)} to ${describeClock(hours.closes)}`;
  return hours.closedOnBankHolidays ? `${text} (closed on bank holidays)` : text;
}

/**
 * When `date` is, said from `now` (both read on London clocks): "today at 9:30am", "tomorrow at
 * 9:30am", "on Monday 28 December at 9:30am" (with the year when it is months away). Never throws:
 * an unusable date gives "later".
 */
export function describeNextOpening(date: Date, now: Date): string {
  if (!isValidInstant(date) || !isValidInstant(now)) return 'later';
  try {
    const then = londonWallTime(date);
    const today = londonWallTime(now).date;
    const time = describeClock(then.minutes);
    const days = daysBetween(today, then.date);
    if (days === 0) return `today at ${time}`;
    if (days === 1) return `tomorrow at ${time}`;
    const { year, month, day } = toParts(then.date);
    const dayText = `${WEEKDAY_NAMES[weekday(then.date)]} ${day} ${MONTH_NAMES[month - 1]}`;
    const withYear = days < 0 || days > 180 ? `${dayText} ${year}` : dayText;
    return `on ${withYear} at ${time}`;
  } catch {
    return 'later';
  }
}
