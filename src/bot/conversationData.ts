import type { Choice } from '../core/replies';
import type { FeedbackMemory } from '../core/flows/feedback';

/** What the assistant remembers about one conversation between turns. */
export interface ConversationData {
  tenant?: string;
  welcomed?: boolean;
  /** Messages in a row that the assistant could not place. */
  unclearTurns: number;
  /** The choices last shown, so "2" or the choice's words pick one on any channel. */
  offered: Choice[];
  /** When "Did this help?" was asked, and whether it is waiting for an answer (src/core/flows/feedback.ts). */
  feedback?: FeedbackMemory;
}

export function emptyConversationData(): ConversationData {
  return { unclearTurns: 0, offered: [] };
}
