import { afterEach, describe, expect, it } from 'vitest';
import {
  extractDates, mostRecentDayOfMonth, mostRecentMonthDay, mostRecentWeekdayBefore, weekdayThisWeek,
} from '../../../src/core/dates/extract';

// Wednesday 13 May 2026.
const TODAY = '2026-05-13';
const only = (text: string, today = TODAY) => {
  const found = extractDates(text, today);
  expect(found, text).toHaveLength(1);
  return found[0]!;
};

describe('numeric dates are day first', () => {
  it.each([
    ['02/04/2026', '2026-04-02'],
    ['2/4/26', '2026-04-02'],
    ['10.2.26', '2026-02-10'],
    ['05.03.2026', '2026-03-05'],
    ['5-3-2026', '2026-03-05'],
    ['13/02/2026', '2026-02-13'],
    ['31/12/25', '2025-12-31'],
    ['2026-04-20', '2026-04-20'],
  ])('%s → %s', (typed, expected) => {
    const found = only(`the letter was dated ${typed} I think`);
    expect(found.date).toBe(expected);
    expect(found.text).toBe(typed);
    expect(found.form).toBe('full');
  });

  it('reads a day/month without a year as its latest past occurrence', () => {
    expect(only('birthday 12/09').date).toBe('2025-09-12');
    expect(only('on 13/05').date).toBe('2026-05-13');
    expect(only('on 14/05').date).toBe('2025-05-14');
  });

  it.each(['it took 1.5 hours', 'aged 3-4', 'costs £10.50', 'call 0800 1111', '31/04/2026', 'not the day the letter arrived', 'on the day'])('finds no date in "%s"', (text) => {
    expect(extractDates(text, TODAY)).toEqual([]);
  });
});

describe('dates with month names', () => {
  it.each([
    ['3 March 2026', '2026-03-03', 'full'],
    ['2nd Jan', '2026-01-02', 'no-year'],
    ['January 2nd', '2026-01-02', 'no-year'],
    ['12th December', '2025-12-12', 'no-year'],
    ['the 5th of March', '2026-03-05', 'no-year'],
    ['March the 2nd', '2026-03-02', 'no-year'],
    ['Monday 3rd November', '2025-11-03', 'no-year'],
    ['20 May', '2025-05-20', 'no-year'],
    ['29th Feb', '2024-02-29', 'no-year'],
    ["2 March '26", '2026-03-02', 'full'],
    ['2 Mar 26', '2026-03-02', 'full'],
  ])('%s → %s (%s)', (typed, expected, form) => {
    const found = only(`dated ${typed}.`);
    expect(found.date).toBe(expected);
    expect(found.form).toBe(form);
    expect(found.text).toBe(typed);
  });
});

describe('a day-number alone is its latest occurrence on or before today', () => {
  it.each([
    ['on the 14th', '2026-04-14'],
    ['on the 13th', '2026-05-13'],
    ['on the 1st', '2026-05-01'],
    ['the 31st', '2026-03-31'],
    ['dated 2nd', '2026-05-02'],
    ['the 5th of this month', '2026-05-05'],
    ['the 30th of last month', '2026-04-30'],
  ])('%s → %s', (typed, expected) => {
    expect(only(typed).date).toBe(expected);
  });

  it('ignores ordinals of other things', () => {
    expect(extractDates("my son's 7th birthday party", TODAY)).toEqual([]);
    expect(extractDates('this is the 3rd time I have asked', TODAY)).toEqual([]);
  });
});

describe('relative dates resolve against today', () => {
  it.each([
    ['yesterday', '2026-05-12'],
    ['today', '2026-05-13'],
    ['3 weeks ago today', '2026-04-22'],
    ['3 weeks ago', '2026-04-22'],
    ['3 wks ago', '2026-04-22'],
    ['a fortnight ago', '2026-04-29'],
    ['a fortnight ago today', '2026-04-29'],
    ['two fortnights ago', '2026-04-15'],
    ['2 days ago', '2026-05-11'],
    ['a couple of days ago', '2026-05-11'],
    ['a month ago', '2026-04-13'],
    ['the day before yesterday', '2026-05-11'],
    ['Monday this week', '2026-05-11'],
    ['last Tuesday', '2026-05-12'],
    ['last Wednesday', '2026-05-06'],
    ['on Friday', '2026-05-08'],
    ['on Wednesday', '2026-05-06'],
    ['Tuesday last week', '2026-05-05'],
    ['yesterday at 3pm', '2026-05-12'],
  ])('%s → %s', (typed, expected) => {
    const found = only(`it was ${typed}.`);
    expect(found.date).toBe(expected);
    expect(found.form).toBe('relative');
  });

  it('keeps "today" inside "3 weeks ago today" as one date', () => {
    const text = 'Letter was dated 3 weeks ago today.';
    const found = only(text);
    expect(found.text).toBe('3 weeks ago today');
    expect(text.slice(found.start, found.end)).toBe('3 weeks ago today');
  });

  it('marks a date after today as future', () => {
    expect(only('Sunday this week').isFuture).toBe(true);
    expect(only('letter dated 20/05/2026').isFuture).toBe(true);
    expect(only('letter dated 12/05/2026').isFuture).toBe(false);
  });
});

describe('dates named only by a time of day, a span or a named day still reach the recognizer', () => {
  // The recognizer is only asked when a message has a word that can name a date: these must pass that check.
  it.each([
    ['last night', '2026-05-12'],
    ['an hour ago', '2026-05-13'],
    ['two hours ago', '2026-05-13'],
    ['this morning', '2026-05-13'],
    ['this afternoon', '2026-05-13'],
    ['tonite', '2026-05-13'],
    ['christmas day', '2025-12-25'],
    ['new years eve', '2025-12-31'],
    ['on the twentieth', '2026-04-20'],
  ])('%s → %s', (typed, expected) => {
    expect(only(`it was ${typed}.`).date).toBe(expected);
  });

  it.each(['what is sendiass', 'how do I complain about the school', 'mediation', 'thanks that helps'])('finds no date in "%s"', (text) => {
    expect(extractDates(text, TODAY)).toEqual([]);
  });
});

describe('dates relative to the date just mentioned', () => {
  it.each([
    ['The plan came yesterday with a letter dated the same day.', ['2026-05-12', '2026-05-12']],
    ['I got it on 3 May and replied the next day', ['2026-05-03', '2026-05-04']],
    ['It arrived on the 8th but was dated the day before', ['2026-05-08', '2026-05-07']],
  ])('%s', (text, expected) => {
    expect(extractDates(text, TODAY).map((d) => d.date)).toEqual(expected);
  });

  it('drops "the same day" when nothing came before it', () => {
    expect(extractDates('it was the same day', TODAY)).toEqual([]);
  });
});

describe('recognizer false positives are removed', () => {
  it.each([
    "When's the last day for the appeal?",
    'I sat down with the SENCO',
    'we may appeal in May',
    'Do I have until tomorrow?',
    'My son is 7 and in year 3',
  ])('"%s" has no dates', (text) => {
    expect(extractDates(text, TODAY)).toEqual([]);
  });
});

describe('spans and context', () => {
  it('gives each date its span and the words around it, in order', () => {
    const text = 'Decision letter dated 02/01/2026 – they won’t issue. My son was born on 12th March.';
    const found = extractDates(text, '2026-01-12');
    expect(found.map((d) => [d.text, d.date])).toEqual([
      ['02/01/2026', '2026-01-02'],
      ['12th March', '2025-03-12'],
    ]);
    for (const d of found) expect(text.slice(d.start, d.end)).toBe(d.text);
    expect(found[0]!.before).toBe('Decision letter dated ');
    expect(found[1]!.before.endsWith('born on ')).toBe(true);
  });
});

describe('helpers', () => {
  it('mostRecentMonthDay', () => {
    expect(mostRecentMonthDay(12, 17, '2027-01-08')).toBe('2026-12-17');
    expect(mostRecentMonthDay(1, 8, '2027-01-08')).toBe('2027-01-08');
    expect(mostRecentMonthDay(2, 29, '2027-01-08')).toBe('2024-02-29');
  });
  it('mostRecentDayOfMonth skips months without the day', () => {
    expect(mostRecentDayOfMonth(31, '2026-05-13')).toBe('2026-03-31');
    expect(mostRecentDayOfMonth(30, '2026-03-01')).toBe('2026-01-30');
  });
  it('mostRecentWeekdayBefore never returns today', () => {
    expect(mostRecentWeekdayBefore(3, '2026-05-13')).toBe('2026-05-06');
    expect(mostRecentWeekdayBefore(2, '2026-05-13')).toBe('2026-05-12');
  });
  it('weekdayThisWeek uses Monday-to-Sunday weeks', () => {
    expect(weekdayThisWeek(1, '2026-05-17')).toBe('2026-05-11');
    expect(weekdayThisWeek(0, '2026-05-11')).toBe('2026-05-17');
  });
});

describe('extraction does not depend on the host timezone', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = originalTz;
  });

  it.each(['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Europe/London'])('in %s', (tz) => {
    process.env.TZ = tz;
    const text = 'Emailed yesterday; letter dated 3 weeks ago, certificate 02/04/2026, meeting Monday this week, on the 1st';
    expect(extractDates(text, '2026-05-13').map((d) => d.date)).toEqual([
      '2026-05-12', '2026-04-22', '2026-04-02', '2026-05-11', '2026-05-01',
    ]);
  });
});

describe('a weekday written with a date', () => {
  // Monday 7 December 2026: Friday 18 December 2026 is still to come.
  const MONDAY = '2026-12-07';
  it.each([
    ['I told them on Fri 18th dec', '2025-12-18', 5, []],
    ['Friday 18 December', '2025-12-18', 5, []],
    ['fri 18/12', '2025-12-18', 5, []],
    ['dated 18th dec (fri)', '2025-12-18', 5, []],
    ['18/12/2025 which was a friday', '2025-12-18', 5, []],
    ['dated mon 1st dec', '2026-12-01', 1, ['2025-12-01']],
    ['on Friday the 18th', '2026-11-18', 5, ['2026-09-18']],
  ] as const)('%j: %s is not a %s, and the dates it could mean are offered', (text, date, named, alternatives) => {
    const found = only(text, MONDAY);
    expect(found.date).toBe(date);
    expect(found.weekdayNamed).toBe(named);
    expect(found.weekdayClash).toEqual({ named, alternatives: [...alternatives] });
  });

  it.each(['Thursday 18 December', 'on Thu 18/12', 'letter of 18th dec (thursday)'])('%j: the weekday fits, nothing to ask', (text) => {
    const found = only(text, MONDAY);
    expect(found.weekdayNamed).toBe(4);
    expect(found.weekdayClash).toBeUndefined();
  });

  it.each([
    ['letter dated 18 dec, friday i rang them', 2],
    ['18 dec, friday 20th', 2],
  ])('%j: a weekday that starts something else is not the date\'s', (text, count) => {
    const found = extractDates(text, MONDAY);
    expect(found).toHaveLength(count);
    expect(found[0]!.weekdayNamed).toBeUndefined();
  });

  it('a relative date has no weekday to clash with', () => {
    expect(only('last friday', MONDAY).weekdayClash).toBeUndefined();
  });
});
