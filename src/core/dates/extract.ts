import { Culture, recognizeDateTime } from '@microsoft/recognizers-text-date-time';
import {
  addDays, addMonths, compareDates, daysInMonth, fromParts, isAfter, isValidDateParts, toParts, weekday,
  type IsoDate,
} from './calendarDate';

export { assignRoles, type Question, type RoleAssignment, type RoleDecision } from './roles';

/** How a date was written: with its year, without one (year inferred), or relative to today / another date. */
export type DateForm = 'full' | 'no-year' | 'relative';

export interface FoundDate {
  date: IsoDate;
  /** The words as typed. */
  text: string;
  /** Character span in the message: text === message.slice(start, end). */
  start: number;
  end: number;
  before: string;
  after: string;
  form: DateForm;
  /** After `today`: never true of a letter, certificate or request, so worth asking about. */
  isFuture: boolean;
  /** The weekday typed with the date ("Fri 18th Dec", "18/12 (Friday)"), 0 = Sunday … 6 = Saturday. */
  weekdayNamed?: number;
  /**
   * The weekday typed does not fall on the date read ("Fri 18th Dec" when 18 December was a
   * Thursday): the date must not be used until the person says which one they mean. `alternatives`
   * are nearby dates with the same day-number on the weekday typed that are not in the future.
   */
  weekdayClash?: WeekdayClash;
}

export interface WeekdayClash {
  named: number;
  alternatives: IsoDate[];
}

const CONTEXT_CHARS = 60;

const MONTH_WORD = String.raw`(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b`;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const NUMBER_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, 'a couple of': 2, 'couple of': 2,
};

interface Candidate {
  date: IsoDate;
  start: number;
  end: number;
  form: DateForm;
}

/** Every date in `text`, in order, resolved against `today` (the conversation's date in England). */
export function extractDates(text: string, today: IsoDate): FoundDate[] {
  const own = [...numericDates(text, today), ...agoDates(text, today), ...ordinalDays(text, today)];
  const anaphoraSpans = anaphora(text);
  const claimed = [...own, ...anaphoraSpans];
  const fromRecognizer = recognizerDates(text, today).filter((r) => !claimed.some((c) => overlaps(c, r)));

  let resolved = removeOverlaps([...own, ...fromRecognizer]);
  for (const ref of anaphoraSpans) {
    const antecedent = [...resolved].filter((c) => c.end <= ref.start).sort((a, b) => a.end - b.end).pop();
    if (antecedent) resolved.push({ date: addDays(antecedent.date, ref.offset), start: ref.start, end: ref.end, form: 'relative' });
  }
  const weekdays = new Map<Candidate, number>();
  for (const c of resolved) {
    const named = weekdayBeside(text, c, resolved);
    if (named === undefined) continue;
    weekdays.set(c, named.weekday);
    // "18th Dec (Fri)": the weekday belongs to the date, it is not "last Friday".
    if (named.absorbs) resolved = resolved.filter((other) => other !== named.absorbs);
  }
  return resolved
    .sort((a, b) => a.start - b.start)
    .map((c) => {
      const found: FoundDate = {
        date: c.date,
        text: text.slice(c.start, c.end),
        start: c.start,
        end: c.end,
        before: text.slice(Math.max(0, c.start - CONTEXT_CHARS), c.start),
        after: text.slice(c.end, c.end + CONTEXT_CHARS),
        form: c.form,
        isFuture: isAfter(c.date, today),
      };
      const named = weekdays.get(c);
      if (named !== undefined) {
        found.weekdayNamed = named;
        const clash = weekdayClash(found, today);
        if (clash) found.weekdayClash = clash;
      }
      return found;
    });
}

const WEEKDAY_WORD = String.raw`(sun|mon|tue|wed|thu|fri|sat)(?:day|s|sday|nesday|rsday|rs|r|urday|\.)?`;
const WEEKDAY_AT_START = new RegExp(String.raw`^${WEEKDAY_WORD}\b`, 'i');
const WEEKDAY_BEFORE = new RegExp(String.raw`\b${WEEKDAY_WORD}[.,]?\s*(?:the\s+)?$`, 'i');
const WEEKDAY_AFTER = new RegExp(String.raw`^\s*[,(]?\s*(?:(?:which|that|it)\s+was\s+(?:a\s+)?|was\s+a\s+|a\s+)?${WEEKDAY_WORD}\b(?:\)|(?=\s*(?:[.,;:!?\n]|$)))`, 'i');

/** A weekday written right next to a date with a day-number: "Fri 18th Dec", "Friday the 18th", "18/12 (Friday)". */
function weekdayBeside(text: string, c: Candidate, all: Candidate[]): { weekday: number; absorbs?: Candidate } | undefined {
  if (c.form === 'relative') return undefined;
  const typed = text.slice(c.start, c.end);
  const inside = WEEKDAY_AT_START.exec(typed) ?? WEEKDAY_BEFORE.exec(text.slice(Math.max(0, c.start - 16), c.start));
  if (inside) return { weekday: WEEKDAYS.indexOf((inside[1] ?? '').toLowerCase()) };
  const after = WEEKDAY_AFTER.exec(text.slice(c.end));
  if (!after) return undefined;
  const start = c.end + after[0].search(new RegExp(WEEKDAY_WORD, 'i'));
  const absorbs = all.find((o) => o !== c && o.form === 'relative' && o.start <= start && start < o.end);
  // A weekday after a date that is another date of its own ("18 Dec, Friday 20th") is not this one's.
  if (all.some((o) => o !== c && o !== absorbs && o.start >= c.end && o.start <= start + 3)) return undefined;
  return { weekday: WEEKDAYS.indexOf((after[1] ?? '').toLowerCase()), absorbs };
}

/**
 * Whether the weekday typed with a date falls on it, and if not, the nearby dates it could mean:
 * the same day and month in the two years either side (or, for a day-number alone, the same day in
 * the last twelve months) that fall on that weekday and are not after `today` (unless `allowFuture`).
 */
export function weekdayClash(found: Pick<FoundDate, 'date' | 'text' | 'form' | 'weekdayNamed'>, today: IsoDate, allowFuture = false): WeekdayClash | undefined {
  const named = found.weekdayNamed;
  if (named === undefined || found.form === 'relative' || weekday(found.date) === named) return undefined;
  const { year, month, day } = toParts(found.date);
  const withMonth = found.form === 'full' || new RegExp(MONTH_WORD, 'i').test(found.text) || /\d\s*[/.\-]\s*\d/.test(found.text);
  const candidates: IsoDate[] = [];
  if (withMonth) {
    for (const y of [year - 1, year + 1, year - 2, year + 2]) if (isValidDateParts(y, month, day)) candidates.push(fromParts(y, month, day));
  } else {
    for (let back = -1; back <= 12; back++) {
      const { year: ty, month: tm } = toParts(today);
      const index = ty * 12 + tm - 1 - back;
      const y = Math.floor(index / 12);
      const m = (index % 12) + 1;
      if (isValidDateParts(y, m, day)) candidates.push(fromParts(y, m, day));
    }
  }
  const alternatives = [...new Set(candidates)]
    .filter((d) => d !== found.date && weekday(d) === named && (allowFuture || !isAfter(d, today)))
    .sort((a, b) => Math.abs(daysBetweenDates(a, found.date)) - Math.abs(daysBetweenDates(b, found.date)))
    .slice(0, 2);
  return { named, alternatives };
}

function daysBetweenDates(a: IsoDate, b: IsoDate): number {
  return (Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / 86_400_000;
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

function removeOverlaps(candidates: Candidate[]): Candidate[] {
  const kept: Candidate[] = [];
  for (const c of [...candidates].sort((a, b) => b.end - b.start - (a.end - a.start))) {
    if (!kept.some((k) => overlaps(k, c))) kept.push(c);
  }
  return kept;
}

/** The latest date on or before `today` with this month and day (29 Feb goes back to a leap year). */
export function mostRecentMonthDay(month: number, day: number, today: IsoDate): IsoDate | undefined {
  const { year } = toParts(today);
  for (let y = year; y >= year - 8; y--) {
    if (isValidDateParts(y, month, day)) {
      const candidate = fromParts(y, month, day);
      if (compareDates(candidate, today) <= 0) return candidate;
    }
  }
  return undefined;
}

/** The latest date on or before `today` with this day-number ("the 31st" skips months without one). */
export function mostRecentDayOfMonth(day: number, today: IsoDate): IsoDate | undefined {
  const { year, month } = toParts(today);
  for (let back = 0; back < 12; back++) {
    const monthIndex = year * 12 + month - 1 - back;
    const y = Math.floor(monthIndex / 12);
    const m = (monthIndex % 12) + 1;
    if (day <= daysInMonth(y, m)) {
      const candidate = fromParts(y, m, day);
      if (compareDates(candidate, today) <= 0) return candidate;
    }
  }
  return undefined;
}

/** The latest such weekday strictly before today ("on Friday", "last Wednesday"). */
export function mostRecentWeekdayBefore(targetWeekday: number, today: IsoDate): IsoDate {
  const back = ((weekday(today) - targetWeekday + 6) % 7) + 1;
  return addDays(today, -back);
}

/** The day in the Monday-to-Sunday week containing today ("Monday this week"). */
export function weekdayThisWeek(targetWeekday: number, today: IsoDate): IsoDate {
  const fromMonday = (wd: number) => (wd + 6) % 7;
  return addDays(today, fromMonday(targetWeekday) - fromMonday(weekday(today)));
}

function expandYear(digits: string): number {
  return digits.length === 2 ? 2000 + Number(digits) : Number(digits);
}

/** 02/04/2026, 10.2.26, 12/09, 2026-04-02: always day first. The recognizer reads "/" and "-" month first. */
function numericDates(text: string, today: IsoDate): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(/(?<![\d/.\-])(\d{4})-(\d{2})-(\d{2})(?![\d])/g)) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (isValidDateParts(y, mo, d)) found.push({ date: fromParts(y, mo, d), start: m.index, end: m.index + m[0].length, form: 'full' });
  }
  const dayFirst = /(?<![\d/.\-£$])(\d{1,2})([/.\-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d%]|[/.\-]\d)/g;
  for (const m of text.matchAll(dayFirst)) {
    const [day, month, separator, yearDigits] = [Number(m[1]), Number(m[3]), m[2], m[4]];
    // Without a year only "12/09" is read as a date: "1.5" and "3-4" are numbers and ranges.
    if (yearDigits === undefined && separator !== '/') continue;
    const start = m.index;
    const end = start + m[0].length;
    if (yearDigits !== undefined) {
      const year = expandYear(yearDigits);
      if (isValidDateParts(year, month, day)) found.push({ date: fromParts(year, month, day), start, end, form: 'full' });
    } else if (month >= 1 && month <= 12) {
      const date = mostRecentMonthDay(month, day, today);
      if (date) found.push({ date, start, end, form: 'no-year' });
    }
  }
  return found;
}

/** "3 weeks ago (today)", "a fortnight ago", "2 days ago", "a month ago": the recognizer misses fortnights and "wks". */
function agoDates(text: string, today: IsoDate): Candidate[] {
  const amount = String.raw`(\d{1,3}|a couple of|couple of|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)`;
  const pattern = new RegExp(String.raw`\b${amount}\s+(days?|weeks?|wks?|fortnights?|months?|years?|yrs?)\s+ago(?:\s+today)?\b`, 'gi');
  const found: Candidate[] = [];
  for (const m of text.matchAll(pattern)) {
    const word = (m[1] ?? '').toLowerCase();
    const n = /^\d+$/.test(word) ? Number(word) : NUMBER_WORDS[word];
    const unit = (m[2] ?? '').toLowerCase();
    if (n === undefined) continue;
    let date: IsoDate;
    if (unit.startsWith('d')) date = addDays(today, -n);
    else if (unit.startsWith('w')) date = addDays(today, -7 * n);
    else if (unit.startsWith('f')) date = addDays(today, -14 * n);
    else if (unit.startsWith('m')) date = addMonths(today, -n);
    else date = addMonths(today, -12 * n);
    found.push({ date, start: m.index, end: m.index + m[0].length, form: 'relative' });
  }
  return found;
}

/**
 * "the 14th", "on the 1st", "the 5th of this month", "dated 3rd". Ordinals with a month ("the 5th of March",
 * "March the 2nd") are left to the recognizer; ordinals of other things ("7th birthday") are skipped.
 */
function ordinalDays(text: string, today: IsoDate): Candidate[] {
  const pattern = /\b(?:(the)\s+)?(\d{1,2})(?:st|nd|rd|th)\b(?:\s+of\s+(this|last|the\s+previous|the\s+last)\s+month\b)?/gi;
  const monthAfter = new RegExp(String.raw`^\s*,?\s*(?:of\s+)?(?:the\s+)?${MONTH_WORD}`, 'i');
  const monthBefore = new RegExp(String.raw`${MONTH_WORD}\s*(?:the\s*)?$`, 'i');
  const notADate = /^\s+(?:birthday|anniversary|time|year|grade|week|day|month|place|floor|attempt|one|child|son|daughter)/i;
  const datePreposition = /\b(?:on|dated|issued|sent|emailed|received|posted|since|from|of|before|after|by)\s*$/i;
  const found: Candidate[] = [];
  for (const m of text.matchAll(pattern)) {
    const start = m.index;
    const end = start + m[0].length;
    const beforeText = text.slice(Math.max(0, start - 20), start);
    const afterText = text.slice(end);
    if (!m[3] && monthAfter.test(afterText)) continue;
    if (monthBefore.test(beforeText) || notADate.test(afterText)) continue;
    if (!m[1] && !datePreposition.test(beforeText)) continue;
    const day = Number(m[2]);
    const which = m[3]?.toLowerCase();
    let date: IsoDate | undefined;
    if (which === undefined) {
      date = mostRecentDayOfMonth(day, today);
    } else {
      const base = which === 'this' ? today : addMonths(today, -1);
      const { year, month } = toParts(base);
      date = isValidDateParts(year, month, day) ? fromParts(year, month, day) : undefined;
    }
    if (date) found.push({ date, start, end, form: which === undefined ? 'no-year' : 'relative' });
  }
  return found;
}

interface AnaphoraSpan {
  start: number;
  end: number;
  offset: number;
}

/** "the same day", "that day", "the day before", "the next day": relative to the date mentioned just before. */
function anaphora(text: string): AnaphoraSpan[] {
  const pattern = /\b(?:on\s+)?(?:(the\s+same\s+(?:day|date)|that\s+same\s+day|that\s+(?:very\s+)?day)|(the\s+day\s+before(?!\s+(?:yesterday|that))|the\s+previous\s+day|the\s+day\s+prior)|(the\s+day\s+after(?!\s+tomorrow)|the\s+(?:next|following)\s+day))\b/gi;
  return [...text.matchAll(pattern)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    offset: m[1] ? 0 : m[2] ? -1 : 1,
  }));
}

interface RecognizerValue {
  timex?: string;
}

/** Words the recognizer reads as dates that are not dates in these messages. */
const RECOGNIZER_FALSE_POSITIVES = /^(?:the\s+)?(?:(?:last|first|final|next|same)\s+)?day$|^(?:now|right now)$/i;
const AMBIGUOUS_ABBREVIATIONS = /^(?:sat|sun|wed|mar|may|jan|june?|july?|aug|sept?|oct|nov|dec)$/i;
const YEAR_WRITTEN = new RegExp(String.raw`\b\d{4}\b|${MONTH_WORD}\.?,?\s+'?\d{2}$`, 'i');
const WEEKDAY_ONLY = /^(?:(last|on|this\s+past|past|this)\s+)?(sun|mon|tue|wed|thu|fri|sat)[a-z]*$/i;

/**
 * Words without which the recognizer finds no date (a digit, a month, a weekday, a word for a day,
 * a time of day or a span of time, "ago", a named day). It takes milliseconds per message, and most messages have none.
 */
const MAY_NAME_A_DATE = new RegExp(
  String.raw`\d|${MONTH_WORD}|\b(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?\b|` +
    String.raw`days?\b|\b(?:today|tonight|yesterday|tomorrow|tmrw?|tomoz|2moro|yday|tonite|2nite|2day|fortnight|weeks?|weekend|months?|years?|night|morning|afternoon|evening|noon|midnight|hours?|hrs?|minutes?|mins?|ago|christmas|xmas|easter|halloween|eve|patricks?|valentines?|mothering|boxing)\b|` +
    String.raw`\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|twenty|thirty)`,
  'i',
);

function recognizerDates(text: string, today: IsoDate): Candidate[] {
  if (!MAY_NAME_A_DATE.test(text)) return [];
  const { year, month, day } = toParts(today);
  // Local noon on `today`: the recognizer reads local fields, and noon is the same date in every zone offset.
  const reference = new Date(year, month - 1, day, 12, 0, 0);
  const found: Candidate[] = [];
  for (const r of recognizeDateTime(text, Culture.English, undefined, reference)) {
    if (!/^datetimeV2\.(?:date|datetime|datetimerange)$/.test(r.typeName)) continue;
    const start = r.start;
    const end = r.end + 1; // the recognizer's end is inclusive
    const typed = text.slice(start, end);
    if (RECOGNIZER_FALSE_POSITIVES.test(typed)) continue;
    if (AMBIGUOUS_ABBREVIATIONS.test(typed) && !/\b(?:on|last|dated|since)\s+$/i.test(text.slice(0, start))) continue;
    const values = (r.resolution?.values ?? []) as RecognizerValue[];
    const date = resolveRecognized(typed, values[0]?.timex, today);
    if (!date) continue;
    const shortYear = date.form === 'no-year' ? /^,?\s*'(\d{2})\b/.exec(text.slice(end)) : null;
    if (shortYear) {
      // "2 March '26": the recognizer stops before the year.
      const { month: m, day: d } = toParts(date.date);
      const y = expandYear(shortYear[1] ?? '');
      if (isValidDateParts(y, m, d)) found.push({ date: fromParts(y, m, d), start, end: end + shortYear[0].length, form: 'full' });
      continue;
    }
    found.push({ date: date.date, start, end, form: YEAR_WRITTEN.test(typed) ? 'full' : date.form });
  }
  return found;
}

function resolveRecognized(typed: string, timex: string | undefined, today: IsoDate): { date: IsoDate; form: DateForm } | undefined {
  const weekdayOnly = WEEKDAY_ONLY.exec(typed.trim());
  if (weekdayOnly) {
    const target = WEEKDAYS.indexOf((weekdayOnly[2] ?? '').toLowerCase());
    const date = weekdayOnly[1]?.toLowerCase() === 'this' ? weekdayThisWeek(target, today) : mostRecentWeekdayBefore(target, today);
    return { date, form: 'relative' };
  }
  if (!timex) return undefined;
  let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(timex);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return isValidDateParts(y, mo, d) ? { date: fromParts(y, mo, d), form: 'relative' } : undefined;
  }
  m = /^XXXX-(\d{2})-(\d{2})/.exec(timex);
  if (m) {
    const date = mostRecentMonthDay(Number(m[1]), Number(m[2]), today);
    return date ? { date, form: 'no-year' } : undefined;
  }
  m = /^XXXX-XX-(\d{2})/.exec(timex);
  if (m) {
    const date = mostRecentDayOfMonth(Number(m[1]), today);
    return date ? { date, form: 'no-year' } : undefined;
  }
  m = /^XXXX-WXX-(\d)/.exec(timex);
  if (m) return { date: mostRecentWeekdayBefore(Number(m[1]) % 7, today), form: 'relative' };
  return undefined;
}
