import type { Choice } from '../core/replies';

/** What the assistant remembers about one conversation between turns. */
export interface ConversationData {
  tenant?: string;
  welcomed?: boolean;
  /** Messages in a row that the assistant could not place. */
  unclearTurns: number;
  /** The choices last shown, so "2" or the choice's words pick one on any channel. */
  offered: Choice[];
}

export function emptyConversationData(): ConversationData {
  return { unclearTurns: 0, offered: [] };
}
