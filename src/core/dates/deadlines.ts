import {
  addDays, addMonths, formatLong, formatShort, fromParts, isAfter, isIsoDate, toParts, type IsoDate,
} from './calendarDate';
import { addWorkingDays, isWorkingDay, nextWorkingDayAfter, nextWorkingDayOnOrAfter, nonWorkingReason } from './workingDays';

export const DEADLINE_KINDS = [
  'appeal', 'assessment-decision', 'final-plan', 'draft-plan-comments', 'certificate-if-declined',
] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export const FACT_NAMES = {
  appeal: ['decision_letter_date', 'certificate_date'],
  'assessment-decision': ['request_date'],
  'final-plan': ['request_date'],
  'draft-plan-comments': ['draft_served_date'],
  'certificate-if-declined': ['declined_date'],
} as const satisfies Record<DeadlineKind, readonly string[]>;
export type FactName = (typeof FACT_NAMES)[DeadlineKind][number];

/** Facts that may be absent: no mediation certificate simply means the letter route alone. */
export const OPTIONAL_FACTS: ReadonlySet<FactName> = new Set<FactName>(['certificate_date']);

export type Facts = Partial<Record<FactName, IsoDate | null>>;

export interface DeadlineResult {
  kind: DeadlineKind;
  due: IsoDate;
  /** Every fact name of the kind, with null for one that does not exist (no certificate). */
  facts: Facts;
  /** One plain-English sentence naming the rule used. */
  rule: string;
  /** The working, one line per step, for "how did you get that?". */
  steps: string[];
  /** The rule in fewer words, whole sentences, for a text message that would be too long with {@link rule}. */
  shortRule?: string;
}

export class FactError extends Error {
  constructor(readonly fact: FactName, message: string) {
    super(message);
    this.name = 'FactError';
  }
}

export function isDeadlineKind(value: unknown): value is DeadlineKind {
  return typeof value === 'string' && (DEADLINE_KINDS as readonly string[]).includes(value);
}

export function requiredFacts(kind: DeadlineKind): FactName[] {
  return FACT_NAMES[kind].filter((name) => !OPTIONAL_FACTS.has(name));
}

function requireFact(facts: Facts, name: FactName): IsoDate {
  const value = facts[name];
  if (value === undefined || value === null) throw new FactError(name, `Missing ${name}`);
  if (!isIsoDate(value)) throw new FactError(name, `${name} is not a valid YYYY-MM-DD date: ${JSON.stringify(value)}`);
  return value;
}

function optionalFact(facts: Facts, name: FactName): IsoDate | null {
  return facts[name] === undefined || facts[name] === null ? null : requireFact(facts, name);
}

export function computeDeadline(kind: DeadlineKind, facts: Facts): DeadlineResult {
  switch (kind) {
    case 'appeal':
      return appealDeadline(facts);
    case 'assessment-decision':
      return fixedDaysDeadline(kind, requireFact(facts, 'request_date'), 42, {
        fact: 'request_date',
        period: 'Six weeks (42 days)',
        from: 'the day the council received the request',
      });
    case 'final-plan':
      return fixedDaysDeadline(kind, requireFact(facts, 'request_date'), 140, {
        fact: 'request_date',
        period: 'Twenty weeks (140 days)',
        from: 'the day the council received the request',
      });
    case 'draft-plan-comments':
      return fixedDaysDeadline(kind, requireFact(facts, 'draft_served_date'), 14, {
        fact: 'draft_served_date',
        period: '15 days counting the day itself (so 14 days later)',
        from: 'the day the draft plan was sent to you',
      });
    case 'certificate-if-declined':
      return certificateIfDeclinedDeadline(requireFact(facts, 'declined_date'));
  }
}

interface FixedPeriodWording {
  fact: FactName;
  period: string;
  from: string;
}

function fixedDaysDeadline(kind: DeadlineKind, start: IsoDate, days: number, wording: FixedPeriodWording): DeadlineResult {
  const due = addDays(start, days);
  return {
    kind,
    due,
    facts: { [wording.fact]: start },
    rule: `${wording.period} from ${wording.from} (${formatShort(start)}) is ${formatLong(due)}; this date does not move for weekends, bank holidays or August.`,
    steps: [
      `Start: ${formatLong(start)} (${wording.from}).`,
      `Add ${days} days: ${formatLong(due)}.`,
      'No moving forward for weekends, bank holidays or school holidays.',
    ],
  };
}

function certificateIfDeclinedDeadline(declined: IsoDate): DeadlineResult {
  const due = addWorkingDays(declined, 3);
  const steps = [`You told the mediation adviser you did not want mediation on ${formatLong(declined)}; that day is not counted.`];
  let counted = 0;
  for (let day = addDays(declined, 1); counted < 3; day = addDays(day, 1)) {
    if (isWorkingDay(day)) steps.push(`Working day ${++counted}: ${formatLong(day)}.`);
    else steps.push(`${formatLong(day)} is ${nonWorkingReason(day)}, so it is not counted.`);
  }
  return {
    kind: 'certificate-if-declined',
    due,
    facts: { declined_date: declined },
    rule: `The mediation adviser must issue the certificate within 3 working days of being told you do not want mediation (${formatShort(declined)}), so by ${formatLong(due)}.`,
    steps,
  };
}

/** HESC rule 12(3)(a): a period ending 25 Dec–1 Jan or in August runs on to the first working day after 1 Jan / 31 Aug. */
function christmasOrAugustRelief(periodEnd: IsoDate): { due: IsoDate; window: string } | undefined {
  const { year, month, day } = toParts(periodEnd);
  if (month === 12 && day >= 25) {
    return { due: nextWorkingDayAfter(fromParts(year + 1, 1, 1)), window: 'between 25 December and 1 January' };
  }
  if (month === 1 && day === 1) return { due: nextWorkingDayAfter(periodEnd), window: 'between 25 December and 1 January' };
  if (month === 8) return { due: nextWorkingDayAfter(fromParts(year, 8, 31)), window: 'in August' };
  return undefined;
}

function appealDeadline(facts: Facts): DeadlineResult {
  const letter = requireFact(facts, 'decision_letter_date');
  const certificate = optionalFact(facts, 'certificate_date');
  const letterRouteEnd = addMonths(letter, 2);
  const certificateRouteEnd = certificate === null ? null : addMonths(certificate, 1);
  const useCertificate = certificateRouteEnd !== null && isAfter(certificateRouteEnd, letterRouteEnd);
  const periodEnd = useCertificate && certificateRouteEnd !== null ? certificateRouteEnd : letterRouteEnd;

  const steps = [`Decision letter dated ${formatLong(letter)}; 2 calendar months later is ${formatLong(letterRouteEnd)}.`];
  if (certificate !== null && certificateRouteEnd !== null) {
    steps.push(`Mediation certificate issued ${formatLong(certificate)}; 1 calendar month later is ${formatLong(certificateRouteEnd)}.`);
    steps.push(`The later of the two is ${formatLong(periodEnd)} (the ${useCertificate ? 'certificate' : 'letter'} route).`);
  } else {
    steps.push('No mediation certificate, so only the letter route applies.');
  }
  const basis = useCertificate && certificate !== null
    ? `One month from the mediation certificate (${formatShort(certificate)}), later than two months from the decision letter,`
    : `Two months from the decision letter (${formatShort(letter)})`;

  const shortBasis = useCertificate && certificate !== null
    ? `1 month from the certificate (${formatShort(certificate)})`
    : `2 months from the letter (${formatShort(letter)})`;
  const relief = christmasOrAugustRelief(periodEnd);
  let due: IsoDate;
  let outcome: string;
  let shortOutcome: string;
  if (relief) {
    due = relief.due;
    const after = relief.window === 'in August' ? '31 August' : '1 January';
    steps.push(`${formatLong(periodEnd)} is ${relief.window}, so under Tribunal rule 12(3)(a) the appeal is in time on the first working day after ${after}: ${formatLong(due)}.`);
    outcome = `falls ${relief.window}, so under Tribunal rule 12(3)(a) the deadline is the first working day after ${after}`;
    shortOutcome = `ends ${relief.window}, so it moves to the first working day after ${after} (Tribunal rule 12(3)(a)).`;
  } else if (!isWorkingDay(periodEnd)) {
    due = nextWorkingDayOnOrAfter(periodEnd);
    const reason = nonWorkingReason(periodEnd);
    steps.push(`${formatLong(periodEnd)} is ${reason}, so under Tribunal rule 12(2) the deadline moves to the next working day: ${formatLong(due)}.`);
    // The date already names its weekday: "Saturday 28 February, which is a weekend day", not "a Saturday".
    const plainReason = /^a (Saturday|Sunday)$/.test(reason ?? '') ? 'a weekend day' : reason;
    outcome = `is ${plainReason}, so under Tribunal rule 12(2) the deadline is the next working day`;
    shortOutcome = `ends on ${plainReason}, so it moves to the next working day (Tribunal rule 12(2)).`;
  } else {
    due = periodEnd;
    steps.push(`${formatLong(periodEnd)} is a working day outside August and Christmas, so it does not move.`);
    outcome = 'is a working day, so it does not move';
    shortOutcome = 'ends on a working day, so it does not move.';
  }
  steps.push('The Tribunal must receive the appeal by 5pm on that day (rule 12(1)).');

  return {
    kind: 'appeal',
    due,
    facts: { decision_letter_date: letter, certificate_date: certificate },
    rule: `${basis} ends on ${formatLong(periodEnd)}, which ${outcome}: ${formatLong(due)}.`,
    steps,
    shortRule: `${shortBasis.charAt(0).toUpperCase()}${shortBasis.slice(1)} ${shortOutcome}`,
  };
}
