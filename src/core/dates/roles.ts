import { formatLong, isAfter, type IsoDate } from './calendarDate';
import { FACT_NAMES, requiredFacts, type DeadlineKind, type FactName, type Facts } from './deadlines';
import type { FoundDate } from './extract';
import { readCorrection } from './corrections';
import {
  CLAUSE_BOUNDARY, DATE_LABEL_BEFORE, ENTITY_CUES, EVENT_CUES, LETTER_TEXT, REPORTER_AFTER, SENTENCE_BOUNDARY, findCues,
  type CueHit, type Entity, type EventCue,
} from './roleCues';

export interface RoleDecision {
  date: FoundDate;
  /** The fact this date gives, or null when it is some other date (a birthday, a meeting, the day a letter came). */
  role: FactName | null;
  /** Short reason, e.g. "letter + dated", "other (birthday)", "future". */
  why: string;
  /** How sure: 3 = direct ("dated", "received"), 2 = usual reading, 1 = weak (posted, assumed). */
  strength: number;
}

export type QuestionReason = 'future-date' | 'missing' | 'conflict' | 'assumed' | 'posted-request' | 'arrival-only' | 'check';

export interface Question {
  reason: QuestionReason;
  fact?: FactName;
  dates?: IsoDate[];
  /** Plain English, ready to ask. */
  text: string;
}

export interface RoleAssignment {
  facts: Facts;
  decisions: RoleDecision[];
  questions: Question[];
}

const FACT_LABEL: Record<FactName, string> = {
  decision_letter_date: 'the date printed on the decision letter',
  certificate_date: 'the date the mediation certificate was issued',
  request_date: 'the day the council received the request',
  draft_served_date: 'the day the draft plan was sent to you',
  declined_date: 'the day you told the mediation adviser you did not want mediation',
};

const DEFAULT_ENTITY: Record<DeadlineKind, Entity> = {
  appeal: 'letter',
  'assessment-decision': 'request',
  'final-plan': 'request',
  'draft-plan-comments': 'draft',
  'certificate-if-declined': 'mediation',
};

const DOCUMENT_EVENTS: readonly EventCue[] = ['dated', 'created', 'sent', 'posted', 'received'];

interface Span {
  start: number;
  end: number;
}

interface Clause extends Span {
  sentence: number;
}

interface Reading {
  role: FactName | null;
  why: string;
  strength: number;
  hasCue: boolean;
}

/**
 * Decides what each date in a message is: the decision letter's date, the certificate's, the request's,
 * the draft plan's, the day mediation was declined, or none of these. With a `kind`, only that deadline's
 * facts are returned (an appeal gets `certificate_date: null` when there is no certificate).
 */
export function assignRoles(text: string, dates: FoundDate[], kind?: DeadlineKind): RoleAssignment {
  const normalised = text.replace(/[‘’]/g, "'").toLowerCase();
  const entities = findCues(normalised, ENTITY_CUES).filter((h) => !REPORTER_AFTER.test(normalised.slice(h.end)));
  const events = findCues(normalised, EVENT_CUES);
  const clauses = splitClauses(normalised, dates);
  const wanted: readonly FactName[] = kind ? FACT_NAMES[kind] : (Object.keys(FACT_LABEL) as FactName[]);

  const uncued = new Set<FoundDate>();
  // "I meant the 12th, not the 21st": a date taken back is no fact and is never offered.
  const { retracted } = readCorrection(text, dates);
  const letter = LETTER_TEXT.test(normalised);
  const decisions: RoleDecision[] = dates.map((date) => {
    if (retracted.includes(date)) return { date, role: null, why: 'taken back', strength: 0 };
    const reading = readDate(date, dates, clauses, entities, events, kind, normalised, letter);
    if (!reading.hasCue) uncued.add(date);
    const needed = reading.role === null || wanted.includes(reading.role);
    return { date, role: needed ? reading.role : null, why: needed ? reading.why : `${reading.why} (not needed for ${kind})`, strength: reading.strength };
  });

  const questions = setAsideFutureDates(decisions);
  const facts: Facts = {};
  for (const fact of wanted) {
    const candidates = decisions.filter((d) => d.role === fact);
    if (candidates.length === 0) continue;
    const best = Math.max(...candidates.map((c) => c.strength));
    const strongest = candidates.filter((c) => c.strength === best);
    // Two equally good readings (e.g. two letters): keep the later, the newer decision, and ask.
    const chosen = strongest.reduce((a, b) => (isAfter(b.date.date, a.date.date) ? b : a));
    facts[fact] = chosen.date.date;
    let distinct = [...new Set(strongest.map((c) => c.date.date))];
    if (fact === 'decision_letter_date' && letter && best < 3) {
      // A pasted letter with no date labelled as its own: any date without words of its own could be the letter's too.
      const loose = decisions.filter((d) => d.role === null && uncued.has(d.date) && !d.date.isFuture).map((d) => d.date.date);
      distinct = [...new Set([...distinct, ...loose])];
    }
    if (distinct.length > 1) {
      questions.push({
        reason: 'conflict',
        fact,
        dates: distinct,
        text: `I found more than one date for ${FACT_LABEL[fact]}: ${distinct.map(formatLong).join(' and ')}. Which one is it?`,
      });
    }
    const doubt = doubtAbout(fact, chosen);
    if (doubt) questions.push(doubt);
  }

  if (kind) {
    for (const fact of requiredFacts(kind)) {
      if (facts[fact] === undefined) questions.push(fillOrAsk(fact, facts, decisions, uncued));
    }
    if (kind === 'appeal' && facts.certificate_date === undefined) facts.certificate_date = null;
  }
  return { facts, decisions, questions };
}

/** Letters, certificates and requests are never dated in the future: such a date is asked about, not used. */
function setAsideFutureDates(decisions: RoleDecision[]): Question[] {
  const questions: Question[] = [];
  for (const d of decisions) {
    if (d.role === null || !d.date.isFuture) continue;
    questions.push({
      reason: 'future-date',
      fact: d.role,
      dates: [d.date.date],
      text: `You mentioned ${formatLong(d.date.date)} for ${FACT_LABEL[d.role]}, but that is in the future. What is the date?`,
    });
    d.why = `${d.why}, future`;
    d.role = null;
  }
  return questions;
}

function doubtAbout(fact: FactName, chosen: RoleDecision): Question | undefined {
  const day = formatLong(chosen.date.date);
  const dates = [chosen.date.date];
  if (fact === 'request_date' && chosen.why.includes('posted')) {
    return { reason: 'posted-request', fact, dates, text: `You posted the request on ${day}. Has the council told you the date they received it?` };
  }
  if (chosen.strength > 1) return undefined;
  if (fact === 'certificate_date') return { reason: 'check', fact, dates, text: `You got the certificate on ${day}. Is that the date it was issued?` };
  if (fact === 'declined_date') return { reason: 'check', fact, dates, text: `Was ${day} ${FACT_LABEL[fact]}?` };
  return undefined;
}

/** A required fact with no cued date: use the one date that has no cues at all (and ask), or ask for it. */
function fillOrAsk(fact: FactName, facts: Facts, decisions: RoleDecision[], uncued: Set<FoundDate>): Question {
  const loose = decisions.filter((d) => uncued.has(d.date) && d.role === null && !d.date.isFuture);
  const only = loose.length === 1 ? loose[0] : undefined;
  if (only) {
    Object.assign(only, { role: fact, why: 'assumed: the only date given', strength: 1 });
    facts[fact] = only.date.date;
    return { reason: 'assumed', fact, dates: [only.date.date], text: `Is ${formatLong(only.date.date)} ${FACT_LABEL[fact]}?` };
  }
  const arrival = decisions.find((d) => d.why.startsWith('letter + received'));
  if (arrival && fact === 'decision_letter_date') {
    return { reason: 'arrival-only', fact, dates: [arrival.date.date], text: `The letter came on ${formatLong(arrival.date.date)}. What date is printed on it?` };
  }
  return { reason: 'missing', fact, text: `What is ${FACT_LABEL[fact]}?` };
}

function splitClauses(text: string, dates: FoundDate[]): Clause[] {
  // Dates are masked so the dots and slashes inside "12.1.26" or "3/4" never end a clause.
  let masked = text;
  for (const d of dates) masked = masked.slice(0, d.start) + 'x'.repeat(d.end - d.start) + masked.slice(d.end);
  const sentenceEnds = [...masked.matchAll(SENTENCE_BOUNDARY)].map((m) => m.index);
  const clauses: Clause[] = [];
  let start = 0;
  const close = (end: number, next: number) => {
    if (end > start) clauses.push({ start, end, sentence: sentenceEnds.filter((e) => e < start).length });
    start = next;
  };
  for (const m of masked.matchAll(CLAUSE_BOUNDARY)) close(m.index, m.index + m[0].length);
  close(masked.length, masked.length);
  return clauses;
}

function within<T>(hits: CueHit<T>[], span: Span): CueHit<T>[] {
  return hits.filter((h) => h.start >= span.start && h.end <= span.end);
}

/** Characters between cue and date; cues after the date count double, as English puts "dated"/"sent on" before it. */
function distance(hit: Span, date: Span): number {
  return hit.end <= date.start ? date.start - hit.end : (hit.start - date.end) * 2 + 8;
}

function nearest<T>(hits: CueHit<T>[], date: Span): CueHit<T> | undefined {
  return hits.reduce<CueHit<T> | undefined>((best, h) => (!best || distance(h, date) < distance(best, date) ? h : best), undefined);
}

function readDate(
  date: FoundDate,
  all: FoundDate[],
  clauses: Clause[],
  entities: CueHit<Entity>[],
  events: CueHit<EventCue>[],
  kind: DeadlineKind | undefined,
  text: string,
  letter: boolean,
): Reading {
  if (letter) {
    // In a pasted letter, "Date: 18 November 2026", or a date alone on a line above "Dear…", is the letter's own date.
    const line = text.slice(text.lastIndexOf('\n', date.start - 1) + 1, date.start);
    const lineEnd = text.indexOf('\n', date.end);
    const restOfLine = text.slice(date.end, lineEnd === -1 ? text.length : lineEnd);
    const alone = /^\s*$/.test(line) && /^\s*[.,]?\s*$/.test(restOfLine) && /\bdear\b/.test(text.slice(date.end));
    if (DATE_LABEL_BEFORE.test(text.slice(Math.max(0, date.start - 40), date.start)) || alone) {
      const sentence = text.slice(Math.max(0, text.lastIndexOf('.', date.start - 1)), date.start);
      if (/\bcert(?:ificate)?\b/.test(sentence)) return { role: 'certificate_date', why: 'certificate + labelled date', strength: 3, hasCue: true };
      return { role: 'decision_letter_date', why: 'letter + labelled date', strength: 3, hasCue: true };
    }
  }
  const clauseIndex = Math.max(0, clauses.findIndex((c) => c.start <= date.start && date.start < c.end));
  const clause = clauses[clauseIndex] ?? { start: 0, end: date.end, sentence: 0 };
  const neighbours = all.filter((d) => d !== date && d.start >= clause.start && d.start < clause.end);
  const windowStart = Math.max(clause.start, ...neighbours.filter((d) => d.end <= date.start).map((d) => d.end));
  const windowEnd = Math.min(clause.end, ...neighbours.filter((d) => d.start >= date.end).map((d) => d.start));
  let window: Span = { start: windowStart, end: windowEnd };

  let windowEntities = within(entities, window);
  let windowEvents = within(events, window);
  if (windowEntities.length === 0 && windowEvents.length === 0) {
    // A bare date phrase ("On 3 March, I emailed…"): borrow the cues of the next, then the previous, clause of the sentence.
    for (const other of [clauses[clauseIndex + 1], clauses[clauseIndex - 1]]) {
      if (!other || other.sentence !== clause.sentence || all.some((d) => d.start >= other.start && d.start < other.end)) continue;
      const borrowed = { start: Math.min(other.start, window.start), end: Math.max(other.end, window.end) };
      if (within(entities, borrowed).length + within(events, borrowed).length > 0) {
        window = borrowed;
        windowEntities = within(entities, window);
        windowEvents = within(events, window);
        break;
      }
    }
  }
  const hasCue = windowEntities.length + windowEvents.length > 0;

  const named = nearest(windowEntities, date) ?? nearest(within(entities, clause), date);
  let entity = named?.cue;
  if (entity === undefined && windowEvents.length > 0) {
    // "It was dated 3 March": the thing was named earlier in the message.
    const earlier = entities.filter((h) => h.end <= clause.start && h.cue !== 'other').pop();
    entity = earlier?.cue ?? (kind ? DEFAULT_ENTITY[kind] : undefined);
  }
  if (entity === undefined) return { role: null, why: 'no cue', strength: 0, hasCue };
  // "The certificate will be issued on…" and "they will issue the certificate on…" are pending;
  // "I will appeal the letter dated…" is not.
  const namedAt = named && named.end <= date.start ? named.end : window.start;
  const pending = windowEvents.some((p) => p.cue === 'pending' && p.end <= date.start && (
    p.start >= namedAt ||
    windowEvents.some((e) => DOCUMENT_EVENTS.includes(e.cue) && e.start >= p.end && e.start - p.end <= 12 && e.end <= date.start)
  ));
  if (entity === 'mediation' && !windowEvents.some((e) => e.cue === 'declined')) {
    // "I rang the mediation adviser yesterday and declined": the refusal may sit in a later clause with no date of its own.
    const sameSentence = clauses.filter((c) => c.sentence === clause.sentence && !all.some((d) => d.start >= c.start && d.start < c.end));
    windowEvents = [...windowEvents, ...sameSentence.flatMap((c) => within(events, c).filter((e) => e.cue === 'declined'))];
  }
  return { ...interpret(entity, date, windowEvents, pending), hasCue: true };
}

function interpret(entity: Entity, date: Span, events: CueHit<EventCue>[], pending: boolean): Omit<Reading, 'hasCue'> {
  const has = (cue: EventCue) => events.some((e) => e.cue === cue);
  const closest = (cues: readonly EventCue[]) => nearest(events.filter((e) => cues.includes(e.cue)), date)?.cue;

  switch (entity) {
    case 'other':
      return { role: null, why: 'other (birthday, meeting, holiday…)', strength: 0 };
    case 'letter': {
      if (pending) return { role: null, why: 'letter + pending', strength: 0 };
      const event = closest(DOCUMENT_EVENTS);
      if (event === 'received') return { role: null, why: 'letter + received (the day it came)', strength: 0 };
      return { role: 'decision_letter_date', why: `letter + ${event ?? 'no event'}`, strength: event === 'dated' ? 3 : 2 };
    }
    case 'certificate': {
      if (pending) return { role: null, why: 'certificate + pending', strength: 0 };
      const event = closest(DOCUMENT_EVENTS);
      return { role: 'certificate_date', why: `certificate + ${event ?? 'no event'}`, strength: event === 'received' ? 1 : event ? 3 : 2 };
    }
    case 'request': {
      if (pending) return { role: null, why: 'request + pending', strength: 0 };
      if (has('received')) return { role: 'request_date', why: 'request + received', strength: 3 };
      const event = closest(DOCUMENT_EVENTS);
      if (event === 'posted') return { role: 'request_date', why: 'request + posted', strength: 1 };
      return { role: 'request_date', why: `request + ${event ?? 'no event'}`, strength: 2 };
    }
    case 'draft': {
      if (pending) return { role: null, why: 'draft + pending', strength: 0 };
      if (closest([...DOCUMENT_EVENTS, 'occasion']) === 'occasion') return { role: null, why: 'draft + meeting', strength: 0 };
      const event = closest(DOCUMENT_EVENTS);
      return { role: 'draft_served_date', why: `draft + ${event ?? 'no event'}`, strength: event === 'dated' ? 1 : event ? 3 : 2 };
    }
    case 'mediation': {
      if (has('declined')) return { role: 'declined_date', why: 'mediation + declined', strength: 3 };
      const event = closest(['occasion', 'pending', 'contact', 'sent']);
      if (event === 'contact' || event === 'sent') return { role: 'declined_date', why: 'mediation + told the adviser', strength: 1 };
      return { role: null, why: `mediation + ${event ?? 'no event'} (not declining)`, strength: 0 };
    }
  }
}
