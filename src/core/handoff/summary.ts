/**
 * The short summary an adviser sees first when a conversation is handed over: why, where from,
 * what it was about and, only when the person agreed, what they asked and the dates involved.
 * JSON-clean (no undefined fields), so it can be stored as it is.
 */
import { cleanLine, shorten } from './text';

/** Why the assistant handed over: the person asked, it was not confident, or someone may be at risk. */
export const HANDOFF_REASONS = ['asked', 'not-confident', 'safeguarding'] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

/** What the adviser sees first: enough to pick up the conversation without scrolling. */
export interface HandoffSummary {
  reason: HandoffReason;
  tenant: string;
  channel: string;
  /** The person agreed to pass on what they typed before the hand-off. */
  consent: boolean;
  /** The topic the assistant last answered or was asked about, if any. */
  topic?: { id: string; title: string };
  /** The person's own words that led here (at most 500 characters); only with consent. */
  asked?: string;
  /** Dates the person gave and deadlines the assistant worked out; only with consent. */
  dates?: Array<{ label: string; date: string }>;
  deadlines?: Array<{ label: string; date: string; rule?: string }>;
  /** Where the whole conversation is: the store's conversation id and the console's address. */
  transcript: { conversationId: string; href: string };
}

export interface HandoffSummaryInput {
  reason: HandoffReason;
  /** The tenant, or its id. */
  tenant: string | { id: string };
  channel: string;
  consent: boolean;
  conversationId: string;
  /** The adviser console's address for this conversation (e.g. "/advisers/#/handoffs/…"). */
  href: string;
  topic?: { id: string; title: string };
  /** What the person typed that led to the hand-off. */
  asked?: string;
  dates?: ReadonlyArray<{ label: string; date: string }>;
  deadlines?: ReadonlyArray<{ label: string; date: string; rule?: string }>;
}

/** The most of the person's words an adviser sees in the summary (the transcript has the rest). */
export const ASKED_MAX = 500;
/** At most this many dates and deadlines each: a summary, not a record. */
const LIST_MAX = 10;
const FIELD_MAX = 200;

function field(value: unknown, max = FIELD_MAX): string {
  return shorten(cleanLine(value), max);
}

function dateList(items: unknown): Array<{ label: string; date: string }> {
  if (!Array.isArray(items)) return [];
  return items
    .filter((item): item is { label: unknown; date: unknown } => typeof item === 'object' && item !== null)
    .map((item) => ({ label: field(item.label), date: field(item.date, 40) }))
    .filter((item) => item.date !== '')
    .slice(0, LIST_MAX);
}

function deadlineList(items: unknown): Array<{ label: string; date: string; rule?: string }> {
  if (!Array.isArray(items)) return [];
  return items
    .filter((item): item is { label: unknown; date: unknown; rule?: unknown } => typeof item === 'object' && item !== null)
    .map((item) => {
      const rule = field(item.rule, 300);
      const entry: { label: string; date: string; rule?: string } = { label: field(item.label), date: field(item.date, 40) };
      if (rule !== '') entry.rule = rule;
      return entry;
    })
    .filter((item) => item.date !== '')
    .slice(0, LIST_MAX);
}

const REASONS: readonly string[] = HANDOFF_REASONS;

/**
 * The summary for a hand-off. Without consent, what the person typed (`asked`) and the dates and
 * deadlines are left out: the adviser sees only the reason, the topic, the channel and where the
 * conversation is. `asked` is cut to 500 characters at a word boundary, with an ellipsis.
 */
export function buildHandoffSummary(input: HandoffSummaryInput): HandoffSummary {
  const tenantId = typeof input.tenant === 'string' ? input.tenant : input.tenant?.id;
  const summary: HandoffSummary = {
    // An unknown reason is treated as the person asking: never as urgent by mistake, never lost.
    reason: REASONS.includes(input.reason) ? input.reason : 'asked',
    tenant: field(tenantId, 80),
    channel: field(input.channel, 80),
    consent: input.consent === true,
    transcript: { conversationId: field(input.conversationId, 300), href: field(input.href, 1000) },
  };
  const topicId = field(input.topic?.id, 80);
  if (topicId !== '') summary.topic = { id: topicId, title: field(input.topic?.title, 80) || topicId };
  if (!summary.consent) return summary;
  const asked = shorten(cleanLine(input.asked), ASKED_MAX);
  if (asked !== '') summary.asked = asked;
  const dates = dateList(input.dates);
  if (dates.length > 0) summary.dates = dates;
  const deadlines = deadlineList(input.deadlines);
  if (deadlines.length > 0) summary.deadlines = deadlines;
  return summary;
}
