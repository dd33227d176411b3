import { ActivityTypes, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import type { ReplyComposer } from '../src/core/replies';
import type { Understander, Understanding } from '../src/core/understanding/understand';
import { FlowEngine } from '../src/core/flows/engine';
import { HandoffMessages } from '../src/core/handoff/messages';
import type { HandoffPort } from '../src/handoff/service';
import type { TurnOutcomeKind } from '../src/store/store';
import { emptyConversationData, TENANT_THIS_TURN, type ConversationData } from '../src/bot/conversationData';

/**
 * Where "Did this help?" answers and unanswered questions go. The project's Store
 * (src/store/store.ts) has exactly these methods, so the store itself can be passed; tests use
 * {@link MemoryFeedbackSink}. `text` and `comment` arrive already redacted (src/core/redact.ts).
 */
export interface FeedbackSink {
  addFeedback(input: { conversationId: string; topicId?: string; helpful: boolean; comment?: string }): Promise<unknown>;
  addUnanswered(input: { tenant: string; channel: string; text: string }): Promise<unknown>;
  /** What kind of answer a turn got (for the service's insights); never any text. */
  addTurnOutcome?(input: { conversationId: string; tenant: string; channel: string; outcome: TurnOutcomeKind; topicId?: string }): Promise<unknown>;
}

/** Keeps feedback and unanswered questions in memory (tests, or running without a store). */
export class MemoryFeedbackSink implements FeedbackSink {
  readonly feedback: Array<{ conversationId: string; topicId?: string; helpful: boolean; comment?: string }> = [];
  readonly unanswered: Array<{ tenant: string; channel: string; text: string }> = [];

  async addFeedback(input: { conversationId: string; topicId?: string; helpful: boolean; comment?: string }): Promise<void> {
    this.feedback.push({ ...input });
  }

  async addUnanswered(input: { tenant: string; channel: string; text: string }): Promise<void> {
    this.unanswered.push({ ...input });
  }
}

/** What every dialog needs: the understanding layer, the replies, and the conversation's memory. */
export interface DialogServices {
  understander: Understander;
  replies: ReplyComposer;
  conversationData: StatePropertyAccessor<ConversationData>;
  defaultTenant: string;
  /** Where feedback and unanswered questions are kept; without one they are not kept. */
  feedback?: FeedbackSink;
  /** The guided-flow engine; made from `replies` when not given. */
  flows?: FlowEngine;
  /** The adviser desk; without one, "talk to a person" gives the council's advice service contacts. */
  handoff?: HandoffPort;
  /** How long call-back details are kept (RETENTION_DAYS), to tell the person. */
  retentionDays?: number;
}

const UNDERSTOOD = Symbol('understoodThisTurn');

/**
 * What the understanding layer makes of `text`, read once per turn: the interruption check, the
 * waiting step and the main dialog all look at the same message.
 */
export function understandingOf(services: DialogServices, context: TurnContext, text: string): Understanding {
  let seen = context.turnState.get(UNDERSTOOD) as Map<string, Understanding> | undefined;
  if (!seen) {
    seen = new Map();
    context.turnState.set(UNDERSTOOD, seen);
  }
  let understanding = seen.get(text);
  if (!understanding) {
    const tenant = context.turnState.get(TENANT_THIS_TURN) as string | undefined;
    understanding = services.understander.understand(text, tenant ? { tenant } : {});
    seen.set(text, understanding);
  }
  return understanding;
}

export async function dataOf(services: DialogServices, context: TurnContext): Promise<ConversationData> {
  return services.conversationData.get(context, emptyConversationData());
}

const engines = new WeakMap<ReplyComposer, FlowEngine>();

/** The flow engine for these services (one per knowledge base). */
export function flowsOf(services: DialogServices): FlowEngine {
  if (services.flows) return services.flows;
  let engine = engines.get(services.replies);
  if (!engine) {
    engine = new FlowEngine(services.replies);
    engines.set(services.replies, engine);
  }
  return engine;
}

const handoffWords = new WeakMap<ReplyComposer, HandoffMessages>();

/** What the assistant says around a hand-off, for this knowledge base. */
export function handoffWordsOf(services: DialogServices): HandoffMessages {
  let words = handoffWords.get(services.replies);
  if (!words) {
    words = new HandoffMessages(services.replies.knowledge);
    handoffWords.set(services.replies, words);
  }
  return words;
}

/** When this message was sent: the channel's timestamp (so tests and replays have a fixed "today"), or now. */
export function instantOf(context: TurnContext): Date {
  const stamp = context.activity.timestamp as Date | string | undefined;
  const instant = stamp === undefined ? new Date() : new Date(stamp);
  return Number.isNaN(instant.getTime()) ? new Date() : instant;
}

/** Whether the text reads as one of these controls ("cancel", "start again"…) to the understanding. */
export function saysControl(services: DialogServices, context: TurnContext, text: string, controls: ReadonlySet<string>): boolean {
  if (!text.trim()) return false;
  const understanding = understandingOf(services, context, text);
  return understanding.kind === 'control' && controls.has(understanding.control);
}

/** The text of a message activity, or '' for any other activity. */
export function messageText(context: TurnContext): string {
  return context.activity.type === ActivityTypes.Message ? (context.activity.text ?? '') : '';
}
