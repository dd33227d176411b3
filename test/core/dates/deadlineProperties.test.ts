import { describe, expect, it } from 'vitest';
import { addDays, addMonths, daysBetween, isAfter, isBefore, laterOf, toParts, weekday } from '../../../src/core/dates/calendarDate';
import { computeDeadline } from '../../../src/core/dates/deadlines';
import { isWorkingDay, nextWorkingDayOnOrAfter } from '../../../src/core/dates/workingDays';

function everyDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; !isAfter(d, to); d = addDays(d, 1)) days.push(d);
  return days;
}

/** A small deterministic generator, so failures can be reproduced. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const inChristmasWindow = (iso: string) => {
  const { month, day } = toParts(iso);
  return (month === 12 && day >= 25) || (month === 1 && day === 1);
};
const inAugust = (iso: string) => toParts(iso).month === 8;

const letterDates = everyDay('2025-01-01', '2028-10-31');

describe('appeal deadline properties over every letter date 2025–2028', () => {
  const random = seeded(20260306);
  const cases = letterDates.map((letter) => {
    const certificate = random() < 0.5 ? null : addDays(letter, Math.floor(random() * 90));
    return { letter, certificate };
  });

  it('is a working day, never before the end of the period, and only in August/Christmas by a weekend move', () => {
    for (const { letter, certificate } of cases) {
      const { due } = computeDeadline('appeal', { decision_letter_date: letter, certificate_date: certificate });
      const periodEnd = certificate ? laterOf(addMonths(letter, 2), addMonths(certificate, 1)) : addMonths(letter, 2);
      const context = `${letter} / ${certificate}`;
      expect(isWorkingDay(due), context).toBe(true);
      expect(isBefore(due, periodEnd), context).toBe(false);
      if (inAugust(due) || inChristmasWindow(due)) {
        expect(inAugust(periodEnd) || inChristmasWindow(periodEnd), context).toBe(false);
        expect(isWorkingDay(periodEnd), context).toBe(false);
        expect(due, context).toBe(nextWorkingDayOnOrAfter(periodEnd));
      }
      if (inAugust(periodEnd)) expect(toParts(due).month, context).toBe(9);
      if (inChristmasWindow(periodEnd)) expect(toParts(due).month === 1 && toParts(due).day > 1, context).toBe(true);
      if (!inAugust(periodEnd) && !inChristmasWindow(periodEnd)) expect(due, context).toBe(nextWorkingDayOnOrAfter(periodEnd));
    }
  });

  it('is never earlier for a later letter (no certificate)', () => {
    let previous = computeDeadline('appeal', { decision_letter_date: letterDates[0]! }).due;
    for (const letter of letterDates.slice(1)) {
      const { due } = computeDeadline('appeal', { decision_letter_date: letter });
      expect(isBefore(due, previous), letter).toBe(false);
      previous = due;
    }
  });
});

describe('fixed-period deadlines over every start date', () => {
  it.each([
    ['assessment-decision', 'request_date', 42],
    ['final-plan', 'request_date', 140],
    ['draft-plan-comments', 'draft_served_date', 14],
  ] as const)('%s is exactly %i days later, on the same weekday, whatever the day', (kind, fact, days) => {
    for (const start of letterDates) {
      const { due } = computeDeadline(kind, { [fact]: start });
      expect(daysBetween(start, due), start).toBe(days);
      expect(weekday(due), start).toBe(weekday(start));
    }
  });
});

describe('certificate-if-declined over every start date', () => {
  it('is the third working day after, counting 24/31 Dec and August like any other day', () => {
    for (const declined of letterDates) {
      const { due } = computeDeadline('certificate-if-declined', { declined_date: declined });
      expect(isWorkingDay(due), declined).toBe(true);
      const between = everyDay(addDays(declined, 1), due).filter(isWorkingDay);
      expect(between, declined).toHaveLength(3);
      expect(daysBetween(declined, due), declined).toBeLessThanOrEqual(9);
    }
  });
});
