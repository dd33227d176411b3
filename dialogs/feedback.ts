import type { TurnContext } from 'botbuilder';
import type { ConversationData } from '../src/bot/conversationData';
import { fitFor, type RenderableReply } from '../src/bot/renderReply';
import {
  emptyFeedbackMemory, markFeedbackAsked, shouldAskFeedback, stopFeedback, type FeedbackMemory,
} from '../src/core/flows/feedback';
import { isSendFlavoured } from '../src/core/flows/unanswered';
import { createRedactor, type Redactor } from '../src/core/redact';
import type { ReplyComposer } from '../src/core/replies';
import { errorFields, log } from '../src/log';
import type { DialogServices } from './services';
import type { TurnOutcomeKind } from '../src/store/store';

/**
 * "Did this help?" and unanswered questions, for the dialogs: when to ask (the policy is in
 * src/core/flows/feedback.ts), and keeping what people say, redacted, through the FeedbackSink.
 */

export function feedbackMemory(data: ConversationData): FeedbackMemory {
  data.feedback ??= emptyFeedbackMemory();
  return data.feedback;
}

/**
 * The reply to say after an answer or a flow's ending: with "Did this help?" when the policy
 * allows and it fits (on SMS, within three segments), otherwise as it is (cut to fit on SMS).
 */
export function withFeedback<T extends RenderableReply>(
  services: DialogServices, reply: T, subject: string, data: ConversationData, channelId: string,
): T {
  const memory = feedbackMemory(data);
  if (!shouldAskFeedback(memory, subject)) return fitFor(reply, channelId);
  const asked = fitFor({ ...reply, choices: [...reply.choices, ...services.replies.feedbackChoices()] }, channelId);
  if (!asked.choices.some((c) => c.action.kind === 'feedback')) return fitFor(reply, channelId);
  markFeedbackAsked(memory, subject);
  return asked;
}

/** After a safeguarding reply: no "Did this help?" for the rest of the conversation. */
export function noMoreFeedback(data: ConversationData): void {
  stopFeedback(feedbackMemory(data));
}

const redactors = new WeakMap<ReplyComposer, Redactor>();

/** Redaction that knows this knowledge base's own names (councils, services), so they are kept. */
export function redactorOf(services: DialogServices): Redactor {
  let redactor = redactors.get(services.replies);
  if (!redactor) {
    const terms: string[] = [];
    for (const tenant of services.replies.knowledge.tenants.values()) {
      terms.push(tenant.councilName, tenant.areaName, tenant.sendiass.name, tenant.mediation.name,
        tenant.disagreementResolution.name, tenant.localOffer.name, tenant.complaints.name);
      if (tenant.senTeam) terms.push(tenant.senTeam.name);
      if (tenant.sendServices) terms.push(tenant.sendServices.name);
    }
    for (const doc of services.replies.knowledge.documents.values()) terms.push(doc.publisher);
    redactor = createRedactor({ knownTerms: terms });
    redactors.set(services.replies, redactor);
  }
  return redactor;
}

/** Keeps an answer to "Did this help?" (the comment redacted). Never fails the turn. */
export async function saveFeedback(
  services: DialogServices, context: TurnContext, subject: string, helpful: boolean, comment?: string,
): Promise<void> {
  if (!services.feedback) return;
  const redacted = comment ? redactorOf(services)(comment).slice(0, 500) : undefined;
  try {
    await services.feedback.addFeedback({
      conversationId: context.activity.conversation?.id ?? 'unknown',
      topicId: subject,
      helpful,
      ...(redacted ? { comment: redacted } : {}),
    });
  } catch (error) {
    log.warn('feedback.not_saved', errorFields(error));
  }
}

export type UnansweredReason = 'not-understood' | 'unclear-after-clarify' | 'out-of-scope';

/**
 * Keeps a question the assistant could not answer, redacted, so the knowledge base can grow.
 * Out-of-scope messages are kept only when they are about SEND (not bins or parking).
 */
export async function saveUnanswered(
  services: DialogServices, context: TurnContext, data: ConversationData, text: string, reason: UnansweredReason,
): Promise<void> {
  if (!services.feedback || !text.trim()) return;
  if (reason === 'out-of-scope' && !isSendFlavoured(text)) return;
  try {
    await services.feedback.addUnanswered({
      tenant: data.tenant ?? services.defaultTenant,
      channel: context.activity.channelId,
      text: redactorOf(services)(text.trim()).slice(0, 1000),
    });
  } catch (error) {
    log.warn('unanswered.not_saved', errorFields(error));
  }
}

/** Counts what kind of answer this turn got, for the service's insights (no text). Never fails the turn. */
export async function recordOutcome(
  services: DialogServices, context: TurnContext, data: ConversationData, outcome: TurnOutcomeKind, topicId?: string,
): Promise<void> {
  if (!services.feedback?.addTurnOutcome) return;
  try {
    await services.feedback.addTurnOutcome({
      conversationId: context.activity.conversation?.id ?? 'unknown',
      tenant: data.tenant ?? services.defaultTenant,
      channel: context.activity.channelId,
      outcome,
      ...(topicId && { topicId }),
    });
  } catch (error) {
    log.warn('outcome.not_saved', errorFields(error));
  }
}
