import { TURN_OUTCOMES, type TurnOutcomeKind } from '../store/store';
import { groupUnanswered, type QuestionInput } from './group';
import { datesOf, londonDate } from './period';
import { breakdown, cell, durations, THRESHOLD, type Cell, type Durations } from './suppress';

/**
 * The figures of the insights page, from plain records: pure functions, no store, no express.
 * Every count goes through the suppression rule in ./suppress.ts before it leaves this module.
 */

/** How many topics the "topics asked" chart shows at most. */
export const TOP_TOPICS = 15;
/** The feedback subject the hand-off's "did this help?" is saved under. */
export const HANDOFF_FEEDBACK_SUBJECT = 'handoff';
/** Turn outcomes that mean a topic was asked about (and name it). */
export const TOPIC_OUTCOMES: readonly TurnOutcomeKind[] = ['answered', 'deadline'];

export const OUTCOME_LABELS: Readonly<Record<TurnOutcomeKind, string>> = {
  answered: 'Answered',
  clarified: 'Asked which topic was meant',
  'handed-off': 'Handed off to a person',
  'out-of-scope': 'Out of scope',
  'not-understood': 'Not understood',
  safeguarding: 'Safeguarding reply',
  control: 'Help, start again and similar',
  deadline: 'Deadline worked out',
  flow: 'Guided steps',
};

export const HANDOFF_FATES = ['claimed', 'abandoned', 'closed-unclaimed', 'waiting'] as const;
export type HandoffFate = (typeof HANDOFF_FATES)[number];

export const FATE_LABELS: Readonly<Record<HandoffFate, string>> = {
  claimed: 'Taken by an adviser',
  abandoned: 'Left the queue before an adviser took it',
  'closed-unclaimed': 'Closed for another reason before an adviser took it',
  waiting: 'Still waiting',
};

// ---- Input: records already limited to the period, council(s) and channel ---------------------

export interface ConversationRecord {
  createdAt: string;
}
export interface OutcomeRecord {
  outcome: string;
  topicId?: string;
}
export interface FeedbackRecord {
  topicId?: string;
  helpful: boolean;
}
export interface HandoffRecord {
  reason: string;
  status: string;
  createdAt: string;
  claimedAt?: string;
  closedAt?: string;
  closedBy?: string;
}
export interface CallbackRecord {
  status: string;
  createdAt: string;
  doneAt?: string;
}

export interface InsightRecords {
  conversations: readonly ConversationRecord[];
  outcomes: readonly OutcomeRecord[];
  feedback: readonly FeedbackRecord[];
  handoffs: readonly HandoffRecord[];
  callbacks: readonly CallbackRecord[];
  /** Unanswered questions with status `new` (texts already redacted). */
  unanswered: readonly QuestionInput[];
  /** True when there were more new unanswered questions than were read (the newest were read). */
  unansweredLimited?: boolean;
}

export interface AggregateOptions {
  /** The period, YYYY-MM-DD (Europe/London), inclusive. */
  from: string;
  to: string;
  /** The topic's title from the knowledge, or undefined for a topic no longer there. */
  topicTitle(id: string): string | undefined;
}

// ---- Output -------------------------------------------------------------------------------------

export type Labelled<T> = T & Cell;

export interface Insights {
  period: { from: string; to: string; days: number };
  /** Counts below this are not published. */
  threshold: number;
  conversations: { total: Cell; perDay: Array<Labelled<{ date: string }>> };
  /** The most asked topics (each asked at least `threshold` times), most first; `hiddenTopics` more were asked fewer times each. */
  topics: { top: Array<Labelled<{ id: string; title: string }>>; hiddenTopics: number };
  outcomes: Array<Labelled<{ outcome: TurnOutcomeKind; label: string }>>;
  /** "Did this help?": after an answer (or guided steps), and after a conversation with an adviser. */
  feedback: { answers: { yes: Cell; no: Cell }; handoffs: { yes: Cell; no: Cell } };
  handoffs: {
    total: Cell;
    fates: Array<Labelled<{ fate: HandoffFate; label: string }>>;
    safeguarding: Cell;
    /** From the request to an adviser claiming it (hand-offs that were claimed). */
    waitToClaim: Durations;
    /** From the request to the close (hand-offs an adviser claimed that have closed). */
    timeToClose: Durations;
  };
  callbacks: { total: Cell; done: Cell; open: Cell; timeToDone: Durations };
  unanswered: {
    /** Groups of at least `threshold` questions, biggest first. */
    groups: Array<Labelled<{ key: string; example: string; others: string[]; ids: string[] }>>;
    /** Groups of fewer questions, not shown. */
    hiddenGroups: number;
    limited: boolean;
  };
}

function ms(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

export function fateOf(handoff: HandoffRecord): HandoffFate {
  if (handoff.claimedAt) return 'claimed';
  if (handoff.status === 'closed') return handoff.closedBy === 'person' ? 'abandoned' : 'closed-unclaimed';
  return 'waiting';
}

export function aggregate(records: InsightRecords, options: AggregateOptions): Insights {
  const days = datesOf(options.from, options.to);

  // Conversations per day (Europe/London), against the total.
  const perDayCounts = new Map(days.map((d) => [d, 0]));
  let conversationCount = 0;
  for (const c of records.conversations) {
    const day = londonDate(c.createdAt);
    const n = perDayCounts.get(day);
    if (n === undefined) continue;
    perDayCounts.set(day, n + 1);
    conversationCount++;
  }
  const dayCells = breakdown(days.map((d) => perDayCounts.get(d)!), true);

  // Turn outcomes, and the topics asked about.
  const outcomeCounts = new Map<string, number>();
  const topicCounts = new Map<string, number>();
  for (const o of records.outcomes) {
    outcomeCounts.set(o.outcome, (outcomeCounts.get(o.outcome) ?? 0) + 1);
    if (o.topicId && TOPIC_OUTCOMES.includes(o.outcome as TurnOutcomeKind)) topicCounts.set(o.topicId, (topicCounts.get(o.topicId) ?? 0) + 1);
  }
  const topics = [...topicCounts].map(([id, count]) => ({ id, title: options.topicTitle(id) ?? id, count }));
  const shownTopics = topics
    .filter((t) => t.count >= THRESHOLD)
    .sort((a, b) => b.count - a.count || (a.title < b.title ? -1 : a.title > b.title ? 1 : a.id < b.id ? -1 : 1))
    .slice(0, TOP_TOPICS);

  // "Did this help?"
  const feedback = { answers: { yes: 0, no: 0 }, handoffs: { yes: 0, no: 0 } };
  for (const f of records.feedback) {
    const side = f.topicId === HANDOFF_FEEDBACK_SUBJECT ? feedback.handoffs : feedback.answers;
    if (f.helpful) side.yes++;
    else side.no++;
  }

  // Hand-offs.
  const fateCounts = new Map<HandoffFate, number>(HANDOFF_FATES.map((f) => [f, 0]));
  const waits: number[] = [];
  const closes: number[] = [];
  let safeguarding = 0;
  for (const h of records.handoffs) {
    const fate = fateOf(h);
    fateCounts.set(fate, fateCounts.get(fate)! + 1);
    if (h.reason === 'safeguarding') safeguarding++;
    const created = ms(h.createdAt);
    const claimed = ms(h.claimedAt);
    const closed = ms(h.closedAt);
    if (created !== undefined && claimed !== undefined) {
      waits.push(Math.max(0, claimed - created));
      if (closed !== undefined) closes.push(Math.max(0, closed - created));
    }
  }
  const fateCells = breakdown(HANDOFF_FATES.map((f) => fateCounts.get(f)!), true);

  // Call-backs.
  let done = 0;
  const doneTimes: number[] = [];
  for (const c of records.callbacks) {
    if (c.status !== 'done') continue;
    done++;
    const created = ms(c.createdAt);
    const finished = ms(c.doneAt);
    if (created !== undefined && finished !== undefined) doneTimes.push(Math.max(0, finished - created));
  }
  const [doneCell, openCell] = breakdown([done, records.callbacks.length - done], true);

  // Unanswered questions: only groups big enough to name no one.
  const groups = groupUnanswered(records.unanswered);
  const shownGroups = groups.filter((g) => g.count >= THRESHOLD);

  return {
    period: { from: options.from, to: options.to, days: days.length },
    threshold: THRESHOLD,
    conversations: {
      total: cell(conversationCount),
      perDay: days.map((date, i) => ({ date, ...dayCells[i]! })),
    },
    topics: {
      top: shownTopics.map((t) => ({ id: t.id, title: t.title, ...cell(t.count) })),
      hiddenTopics: topics.filter((t) => t.count < THRESHOLD).length,
    },
    outcomes: TURN_OUTCOMES.map((outcome) => ({ outcome, label: OUTCOME_LABELS[outcome], ...cell(outcomeCounts.get(outcome) ?? 0) })),
    feedback: {
      answers: { yes: cell(feedback.answers.yes), no: cell(feedback.answers.no) },
      handoffs: { yes: cell(feedback.handoffs.yes), no: cell(feedback.handoffs.no) },
    },
    handoffs: {
      total: cell(records.handoffs.length),
      fates: HANDOFF_FATES.map((fate, i) => ({ fate, label: FATE_LABELS[fate], ...fateCells[i]! })),
      safeguarding: cell(safeguarding),
      waitToClaim: durations(waits),
      timeToClose: durations(closes),
    },
    callbacks: { total: cell(records.callbacks.length), done: doneCell!, open: openCell!, timeToDone: durations(doneTimes) },
    unanswered: {
      groups: shownGroups.map((g) => ({ key: g.key, example: g.example, others: g.others, ids: g.ids, ...cell(g.count) })),
      hiddenGroups: groups.length - shownGroups.length,
      limited: records.unansweredLimited ?? false,
    },
  };
}
