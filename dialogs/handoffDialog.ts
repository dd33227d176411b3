import { EventFactory, TurnContext, type Activity } from 'botbuilder';
import { Dialog, WaterfallDialog, type DialogContext, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { Choice } from '../src/core/replies';
import { buildHandoffSummary } from '../src/core/handoff/summary';
import { pickOffered } from '../src/core/understanding/choices';
import type { ConversationData } from '../src/bot/conversationData';
import { fitFor } from '../src/bot/renderReply';
import { say } from '../src/bot/say';
import type { HandoffPort } from '../src/handoff/service';
import { summaryOf } from '../src/handoff/service';
import { CancelAndHelpDialog, isLeaving } from './cancelAndHelpDialog';
import { CALLBACK_DIALOG, CallbackDialog, type CallbackOptions } from './callbackDialog';
import { HANDOFF_LABELS, saysLeaveQueue, saysStart } from '../src/core/handoff/messages';
import { callsUnsafe, readRefusal } from '../src/core/handoff/callback';
import { withinAfterDisclosure } from '../src/core/understanding/safeguarding';
import { audienceOf } from '../src/bot/assistantBot';
import { queueNoticeDue, queueNoticeGiven, type QueueNoticeMemory } from '../src/core/handoff/queueNotice';
import type { Handoff, HandoffReason } from '../src/store/store';
import { yesOrNo } from './deadlineAnswers';
import { noMoreFeedback, recordOutcome } from './feedback';
import { dataOf, handoffWordsOf, instantOf, messageText, saysControl, understandingOf, type DialogServices } from './services';

export const HANDOFF_DIALOG = 'handoffDialog';
const STEPS = 'handoffSteps';
const WAITING = 'handoffWaiting';

export interface HandoffOptions {
  reason: HandoffReason;
  /** The person's words that led here (kept in the adviser's summary only with consent). */
  asked?: string;
}


const NOT_NOW: Choice = { label: 'Not now', action: { kind: 'reply' } };

/**
 * Talking to a person. In the council's hours (or while an adviser is signed in) it asks whether
 * the person agrees to pass on what they typed, queues the conversation, says where they are in
 * the queue, and then stays silent: what the person writes goes to the adviser, and the adviser's
 * words come back from outside (AssistantBot.handoffEvent), until the adviser closes or the
 * conversation falls silent. Out of hours it says so and offers a call-back. After a safeguarding
 * reply it queues at once, marked urgent, and asks for consent afterwards.
 */
export class HandoffDialog extends CancelAndHelpDialog {
  constructor(services: DialogServices) {
    super(HANDOFF_DIALOG, services);
    this.addDialog(new WaterfallDialog(STEPS, [this.startStep.bind(this), this.consentStep.bind(this), this.queuedStep.bind(this)]));
    this.addDialog(new WaterfallDialog(WAITING, [this.waitStep.bind(this), this.heardStep.bind(this)]));
    this.addDialog(new CallbackDialog(services));
    this.initialDialogId = STEPS;
  }

  private get port(): HandoffPort | undefined {
    return this.services.handoff;
  }

  /** Interruptions apply while asking for consent; once queued, the person's words go to the adviser. */
  override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    if (inner.activeDialog?.id === WAITING) return inner.continueDialog();
    return super.onContinueDialog(inner);
  }

  /** "No, start afresh" sounds like "start again", and "No thanks" like "cancel": a choice offered is an answer. */
  protected override async answersPrompt(inner: DialogContext, text: string, control: string): Promise<boolean> {
    if (control === 'human') return true; // "talk to a person" while being asked about it: a yes
    const data = await dataOf(this.services, inner.context);
    if (pickOffered(text, data.offered) !== undefined) return true;
    // Already queued (urgently) while asked about consent: a bare "START" is not "start again", and
    // "start again" or "cancel" does not drop the urgent hand-off (the consent step says how to leave).
    if (data.handoff && (saysStart(text) || STAYS_QUEUED.has(control))) return true;
    // "Never mind", "no thanks" to the call-back offer: a kind close, not "I've stopped that".
    const offeredCallback = data.offered.some((choice) => choice.label === HANDOFF_LABELS.noCallback);
    return offeredCallback && (control === 'cancel' || readRefusal(text) !== undefined);
  }

  private async startStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { context } = step;
    const options = step.options as HandoffOptions;
    const data = await dataOf(this.services, context);
    const tenant = data.tenant ?? this.services.defaultTenant;
    const words = handoffWordsOf(this.services);
    if (!this.port) {
      // No adviser desk in this deployment: the council's advice service is the person to talk to.
      if (options.reason !== 'safeguarding') await say(context, this.services.replies.person(tenant, options.reason === 'asked' ? 'asked' : 'not-understood'), data);
      return step.endDialog();
    }
    const open = await this.port.openFor(conversationIdOf(context));
    if (open) {
      if (options.reason === 'safeguarding' && !open.urgent) await this.queue(step, data, tenant, options, summaryOf(open).consent);
      return step.replaceDialog(WAITING);
    }
    const availability = await this.port.availability(tenant);
    if (!availability.open && this.callsUnsafe(context, data)) {
      // They said a call is not safe: no call-back offered again. A disclosure's urgent lines were
      // just given this turn; otherwise they come with the advice service's contact.
      const lines = options.reason === 'safeguarding' ? undefined : this.urgentLinesFor(context, tenant);
      await say(context, fitFor(words.noAdviserNoCall(tenant, availability, lines, instantOf(context)), context.activity.channelId), data);
      return step.endDialog();
    }
    if (!availability.open) {
      await this.ask(step, words.outOfHours(tenant, availability, instantOf(context), options.reason));
      (step.values as StepValues).offeredCallback = true;
      return Dialog.EndOfTurn;
    }
    if (options.reason === 'safeguarding') {
      // Someone may be at risk: an adviser is asked for at once; consent only decides what they see.
      await this.queue(step, data, tenant, options, false);
      await say(context, fitFor(words.urgentQueued(), context.activity.channelId), data);
    }
    await this.askConsent(step);
    return Dialog.EndOfTurn;
  }

  private async consentStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { context } = step;
    const options = step.options as HandoffOptions;
    const values = step.values as StepValues;
    const data = await dataOf(this.services, context);
    const tenant = data.tenant ?? this.services.defaultTenant;
    const text = messageText(context);
    const choice = pickOffered(text, data.offered);
    if (values.offeredCallback) {
      const urgent = options.reason === 'safeguarding' || withinAfterDisclosure(data.safeguardingAt, instantOf(context));
      const refusal = choice === undefined ? readRefusal(text) : undefined;
      if (choice?.label === HANDOFF_LABELS.callback || (choice === undefined && !refusal && (yesOrNo(text) === 'yes' || asksForCallback(text)))) {
        return step.replaceDialog(CALLBACK_DIALOG, { tenant, urgent } satisfies CallbackOptions);
      }
      if (choice?.label === HANDOFF_LABELS.noCallback || refusal || yesOrNo(text) === 'no' || saysControl(this.services, context, text, CANCEL)) {
        // Kind, with how to get help without a call (the urgent lines after a disclosure) and how to ask again.
        const worried = refusal === 'worried';
        if (worried) this.noteCallsUnsafe(context, data);
        const lines = urgent || worried ? this.urgentLinesFor(context, tenant) : undefined;
        await say(context, fitFor(handoffWordsOf(this.services).callbackStopped(tenant, worried ? 'worried' : 'declined-offer', lines), context.activity.channelId), data);
        return step.endDialog();
      }
      return step.endDialog({ reroute: true });
    }
    if (choice?.label === NOT_NOW.label) {
      if (data.handoff) await this.port!.leave(conversationIdOf(context));
      data.handoff = undefined;
      await say(context, fitFor(handoffWordsOf(this.services).leftQueue(), context.activity.channelId), data);
      return step.endDialog();
    }
    const answer = choice
      ? choice.label === HANDOFF_LABELS.consentYes ? 'yes' : choice.label === HANDOFF_LABELS.consentNo ? 'no' : undefined
      : yesOrNo(text);
    const stops = answer === undefined && !saysStart(text) && saysControl(this.services, context, text, STAYS_QUEUED);
    if (data.handoff && (saysStart(text) || stops)) {
      // Queued urgently and asked about consent: "START" keeps them in the queue, and says so; so
      // do "start again" and "cancel", saying how to leave. The urgent hand-off is left only by
      // saying so ("leave queue"), never by words that may mean something else.
      const open = await this.port!.openFor(conversationIdOf(context));
      if (open?.status === 'queued' || (open && !stops)) {
        await this.port!.personWrote(open, context.activity);
        return step.next(await this.tellStillQueued(context, data, open, undefined, stops));
      }
      if (!open && stops) {
        // Closed elsewhere a moment ago: nothing to stay in, so the words are answered as usual.
        data.handoff = undefined;
        return step.endDialog({ reroute: true });
      }
    }
    if (answer === undefined && options.reason !== 'safeguarding') {
      // Not an answer but something new ("actually, what is mediation?"): the assistant takes it.
      return step.endDialog({ reroute: true });
    }
    const queued = await this.queue(step, data, tenant, options, answer === 'yes');
    let told: QueueNoticeMemory | undefined;
    if (queued === 'updated' || (answer === undefined && data.handoff)) {
      // Already queued urgently: the consent answer, or words that were not one, still get a reply.
      const open = await this.port!.openFor(conversationIdOf(context));
      if (open && answer === undefined) {
        await this.port!.personWrote(open, context.activity);
        told = await this.noteQueued(context, data, open, undefined);
      } else if (open) {
        told = await this.tellQueued(context, data, open);
      }
    }
    return step.next(told);
  }

  private async queuedStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.replaceDialog(WAITING, step.result as QueueNoticeMemory | undefined);
  }

  private async waitStep(_step: WaterfallStepContext): Promise<DialogTurnResult> {
    return Dialog.EndOfTurn;
  }

  /**
   * A message while queued or with an adviser: it goes to the advisers. With an adviser the bot
   * stays silent unless the person is at risk; while still queued it also says the message was
   * passed on and where they stand, now and then (src/core/handoff/queueNotice.ts), and lets them
   * leave. The waiting step's options remember when they were last told.
   */
  private async heardStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { context } = step;
    const data = await dataOf(this.services, context);
    const words = handoffWordsOf(this.services);
    const port = this.port!;
    const told = noticeMemoryOf(step.options);
    const open = await port.openFor(conversationIdOf(context));
    if (!open) {
      // Closed on another instance before its message arrived: the assistant is back.
      data.handoff = undefined;
      return step.endDialog({ reroute: true });
    }
    const text = messageText(context);
    if (!text.trim()) return step.replaceDialog(WAITING, told);
    const understanding = understandingOf(this.services, context, text);
    await port.personWrote(open, context.activity);
    if (understanding.kind === 'safeguarding') {
      noMoreFeedback(data);
      await say(context, CancelAndHelpDialog.urgentReply(this.services, context, data.tenant, text), data);
      if (!open.urgent) {
        await this.queue(step, data, open.tenant, { reason: 'safeguarding', asked: text }, summaryOf(open).consent);
      }
      return step.replaceDialog(WAITING, told);
    }
    const choice = pickOffered(text, data.offered);
    if (open.status === 'queued' && (choice?.label === HANDOFF_LABELS.callback || asksForCallback(text))) {
      // Tired of waiting: a call-back instead.
      await port.leave(open.conversationId);
      data.handoff = undefined;
      return step.replaceDialog(CALLBACK_DIALOG, { tenant: open.tenant, urgent: open.urgent } satisfies CallbackOptions);
    }
    if (open.status === 'queued' && saysStart(text)) {
      // "START" (an SMS keyword people send) is not "start again": they stay, and are told where they stand.
      return step.replaceDialog(WAITING, await this.tellStillQueued(context, data, open, told));
    }
    const saysLeave = choice?.label === HANDOFF_LABELS.leaveQueue || saysLeaveQueue(text);
    // "Cancel", "start again", "bye" while waiting: no longer wanting to wait (an urgent wait is left only by "leave queue").
    const stopping = understanding.kind === 'control' && isLeaving(understanding.control);
    if (open.status === 'queued' && open.urgent && stopping && !saysLeave) {
      // Waiting urgently: "start again", "cancel" or "bye" keeps them in the queue (an adviser is
      // still coming to someone who may be at risk), and says how to leave.
      return step.replaceDialog(WAITING, await this.tellStillQueued(context, data, open, told, true));
    }
    if (open.status === 'queued' && (saysLeave || stopping)) {
      await port.leave(open.conversationId);
      data.handoff = undefined;
      await say(context, fitFor(words.leftQueue(), context.activity.channelId), data);
      return step.endDialog();
    }
    if (open.status === 'queued' && understanding.kind === 'control' && understanding.control === 'human') {
      const place = await port.positionOf(open);
      if (!place) return step.replaceDialog(WAITING, told);
      await say(context, fitFor(words.queueUpdate(place.position, place.waitText), context.activity.channelId), data);
      return step.replaceDialog(WAITING, this.remember(data, open, place.position));
    }
    if (open.status === 'queued') return step.replaceDialog(WAITING, await this.noteQueued(context, data, open, told));
    return step.replaceDialog(WAITING, told);
  }

  /**
   * Still queued and the person wrote (it has gone to the advisers): "passed on, you're number 2",
   * when due. Returns what the person has now been told.
   */
  private async noteQueued(context: TurnContext, data: ConversationData, open: Handoff, told: QueueNoticeMemory | undefined): Promise<QueueNoticeMemory | undefined> {
    const port = this.port!;
    const place = await port.positionOf(open);
    if (!place) return told; // claimed a moment ago: the adviser is joining
    if (!queueNoticeDue(told, open.id, place.position, port.clock())) return told;
    await say(context, fitFor(handoffWordsOf(this.services).queuedNoted(place.position, { urgent: open.urgent }), context.activity.channelId), data);
    return this.remember(data, open, place.position);
  }

  /**
   * Still in the queue (after a bare "start", or "start again" or "cancel" while waiting urgently,
   * with `howToLeave`): where they stand, always said.
   */
  private async tellStillQueued(context: TurnContext, data: ConversationData, open: Handoff, told?: QueueNoticeMemory, howToLeave = false): Promise<QueueNoticeMemory | undefined> {
    const place = await this.port!.positionOf(open);
    if (!place) return told; // claimed a moment ago: the adviser is joining
    await say(context, fitFor(handoffWordsOf(this.services).stillQueued(place.position, place.waitText, { urgent: open.urgent, howToLeave }), context.activity.channelId), data);
    return this.remember(data, open, place.position);
  }

  /** Whether the person said a call is not safe in the last day: then no call-back is offered. */
  private callsUnsafe(context: TurnContext, data: ConversationData): boolean {
    if (callsUnsafe(data.callsUnsafeAt, instantOf(context))) return true;
    data.callsUnsafeAt = undefined; // a day has passed: nothing more is kept
    return false;
  }

  /** A call is not safe (someone would hear, not the house): only the time is kept. */
  private noteCallsUnsafe(context: TurnContext, data: ConversationData): void {
    data.callsUnsafeAt = instantOf(context).toISOString();
  }

  /** Where the person stands, in the words of joining the queue (after answering the consent question of an urgent hand-off). */
  private async tellQueued(context: TurnContext, data: ConversationData, open: Handoff): Promise<QueueNoticeMemory | undefined> {
    const port = this.port!;
    const place = await port.positionOf(open);
    if (!place) return undefined;
    const { advisersOnline } = await port.availability(open.tenant);
    const noCalls = this.callsUnsafe(context, data);
    await say(context, fitFor(handoffWordsOf(this.services).queued(place.position, place.waitText, advisersOnline, { noCalls }), context.activity.channelId), data);
    return this.remember(data, open, place.position);
  }

  /** The person has just been told their place: the queue's own updates need not say it again. */
  private remember(data: ConversationData, open: Handoff, position: number): QueueNoticeMemory {
    if (data.handoff?.id === open.id) data.handoff.toldPosition = position;
    return queueNoticeGiven(open.id, position, this.port!.clock());
  }

  private async askConsent(step: WaterfallStepContext): Promise<void> {
    const options = step.options as HandoffOptions;
    const reply = handoffWordsOf(this.services).consentQuestion(options.reason, { audience: audienceOf(step.context.activity.channelId) });
    const choices = options.reason === 'safeguarding' ? reply.choices : [...reply.choices, NOT_NOW];
    await this.ask(step, withChoices(reply, choices));
  }

  /**
   * Joins the queue (or updates the open hand-off) and tells the person where they stand.
   * 'updated' when consent came for an urgent hand-off already queued: nothing has been said.
   */
  private async queue(step: WaterfallStepContext, data: ConversationData, tenant: string, options: HandoffOptions, consent: boolean): Promise<'queued' | 'updated'> {
    const { context } = step;
    const port = this.port!;
    const conversationId = conversationIdOf(context);
    const topic = data.lastTopicId ? this.topicOf(data.lastTopicId) : undefined;
    const summary = buildHandoffSummary({
      reason: options.reason,
      tenant,
      channel: context.activity.channelId,
      consent,
      conversationId,
      href: '', // the hand-off service links it to the console once the hand-off has an id
      ...(topic && { topic }),
      ...(options.asked && { asked: options.asked }),
      ...(data.datesGiven && { dates: data.datesGiven }),
      ...(data.deadlinesWorkedOut && { deadlines: data.deadlinesWorkedOut }),
    });
    const already = data.handoff ? await port.openFor(conversationId) : undefined;
    if (already && already.reason === 'safeguarding' && options.reason === 'safeguarding') {
      // Consent given after an urgent hand-off: the adviser may now see what was said.
      await port.updateSummary(already, summary);
      return 'updated';
    }
    const queued = await port.initiate({
      conversationId,
      tenant,
      channel: context.activity.channelId,
      reason: options.reason,
      summary,
      reference: TurnContext.getConversationReference(context.activity),
    });
    await recordOutcome(this.services, context, data, 'handed-off', data.lastTopicId);
    data.handoff = { id: queued.handoff.id, status: queued.handoff.status === 'claimed' ? 'claimed' : 'queued', toldPosition: queued.position };
    if (sendsEvents(context.activity.channelId)) {
      // The Bot Framework hand-off protocol: the channel (and anything listening on it) hears of it.
      const event = EventFactory.createHandoffInitiation(context, { handoffId: queued.handoff.id, urgent: queued.handoff.urgent, ...queued.summary });
      await context.sendActivity(event as Partial<Activity>);
    }
    if (options.reason !== 'safeguarding' || consent) {
      const words = handoffWordsOf(this.services);
      const noCalls = this.callsUnsafe(context, data);
      await say(context, fitFor(words.queued(queued.position, queued.waitText, queued.advisersOnline, { noCalls }), context.activity.channelId), data);
    }
    return 'queued';
  }

  private topicOf(topicId: string): { id: string; title: string } | undefined {
    const topic = this.services.replies.knowledge.topics.get(topicId);
    return topic ? { id: topicId, title: topic.title } : undefined;
  }
}

interface StepValues {
  offeredCallback?: boolean;
}

/** Controls that, asked about consent while urgently queued, keep the person in the queue and say how to leave. */
const STAYS_QUEUED = new Set(['cancel', 'restart']);
/** "Cancel", "never mind", "forget it": the understanding's cancel. */
const CANCEL = new Set(['cancel']);

/** What the waiting step was given: when the person was last told they are still queued. */
function noticeMemoryOf(options: unknown): QueueNoticeMemory | undefined {
  const memory = options as Partial<QueueNoticeMemory> | undefined;
  return memory && typeof memory.handoffId === 'string' && typeof memory.at === 'number' ? (memory as QueueNoticeMemory) : undefined;
}

function withChoices<T extends { choices: Choice[] }>(reply: T, choices: Choice[]): T {
  return { ...reply, choices };
}

function asksForCallback(text: string): boolean {
  return /\bcall\s*-?\s*(me\s+)?back\b|\bring\s+me\b|\bphone\s+me\b/i.test(text);
}

function conversationIdOf(context: TurnContext): string {
  return context.activity.conversation?.id ?? 'unknown';
}

/** SMS has no events, and Teams refuses activity types it does not know. */
function sendsEvents(channelId: string): boolean {
  return channelId !== 'sms' && channelId !== 'msteams';
}
