import type { Choice } from '../core/replies';
import type { FeedbackMemory } from '../core/flows/feedback';

/** What the assistant remembers about one conversation between turns. */
export interface ConversationData {
  tenant?: string;
  welcomed?: boolean;
  /**
   * When someone last disclosed a risk here (ISO time), or last sounded frightened after one: for a
   * day after it (AFTER_DISCLOSURE_HOURS), a message that is not a SEND question gets the urgent line
   * and a person, never a menu. No words are kept, only the time.
   */
  safeguardingAt?: string;
  /**
   * When the person last said a call is not safe ("don't ring the house", "they'll hear"): for a
   * day after it (CALLS_UNSAFE_HOURS, src/core/handoff/callback.ts) no call-back is offered, only
   * the queue, writing here and the council's advice service. No words are kept, only the time.
   */
  callsUnsafeAt?: string;
  /** Messages in a row that the assistant could not place. */
  unclearTurns: number;
  /** The choices last shown, so "2" or the choice's words pick one on any channel. */
  offered: Choice[];
  /** When "Did this help?" was asked, and whether it is waiting for an answer (src/core/flows/feedback.ts). */
  feedback?: FeedbackMemory;
  /** The open hand-off to an adviser, while there is one (the store holds the truth). */
  handoff?: { id: string; status: 'queued' | 'claimed'; toldPosition?: number };
  /** What an adviser's summary would start from: the topic last answered, dates given, deadlines worked out. */
  lastTopicId?: string;
  datesGiven?: Array<{ label: string; date: string }>;
  /**
   * Dates given during a guided flow before a deadline was asked about ("letter come 2 nov"), each
   * with the few words around it: the next deadline conversation starts from them (and reads them
   * back). Only those words are kept, and only until then.
   */
  datesToCheck?: string;
  /**
   * Another question asked in the same message as something that had to come first (a disclosure,
   * or a deadline): its topic only, offered once that is done, so the person need not ask again.
   */
  alsoAsked?: string;
  deadlinesWorkedOut?: Array<{ label: string; date: string; rule?: string }>;
}

export function emptyConversationData(): ConversationData {
  return { unclearTurns: 0, offered: [] };
}

/**
 * Where the bot puts the conversation's council in a turn's state before anything reads the message,
 * so the understanding can tell another council's name from this one's.
 */
export const TENANT_THIS_TURN = Symbol('tenantThisTurn');
