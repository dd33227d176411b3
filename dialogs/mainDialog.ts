import type { TurnContext, StatePropertyAccessor } from 'botbuilder';
import {
  ComponentDialog, DialogSet, DialogTurnStatus, WaterfallDialog,
  type DialogContext, type DialogState, type DialogStateManagerConfiguration, type DialogTurnResult, type WaterfallStepContext,
} from 'botbuilder-dialogs';
import type { Choice, Reply } from '../src/core/replies';
import { readFeedback } from '../src/core/flows/feedback';
import { saysCallsUnsafe } from '../src/core/handoff/callback';
import { extractDates } from '../src/core/dates';
import type { FlowEngine } from '../src/core/flows/engine';
import type { ControlId, Understanding } from '../src/core/understanding/understand';
import { normaliseWords } from '../src/core/understanding/normalise';
import { soundsDistressed, withinAfterDisclosure } from '../src/core/understanding/safeguarding';
import { isChoiceNumber, pickOffered } from '../src/core/understanding/choices';
import { say } from '../src/bot/say';
import { audienceOf, WELCOME_HELD_THIS_TURN, WELCOMED_THIS_TURN } from '../src/bot/assistantBot';
import type { ConversationData } from '../src/bot/conversationData';
import { fitFor } from '../src/bot/renderReply';
import { CancelAndHelpDialog, isLeaving, type HandoffResult } from './cancelAndHelpDialog';
import { HANDOFF_DIALOG, HandoffDialog, type HandoffOptions } from './handoffDialog';
import { ClarifyDialog, CLARIFY_DIALOG, type ClarifyOptions, type ClarifyResult } from './clarifyDialog';
import { feedbackMemory, noMoreFeedback, recordOutcome, saveFeedback, saveUnanswered, withFeedback } from './feedback';
import { flowDialogId, type FlowOptions, type FlowResult } from './flowDialog';
import { flowDialogs } from './flowDialogs';
import { dataOf, instantOf, messageText, understandingOf, flowsOf, type DialogServices } from './services';
// Deadline hook: see dialogs/deadlineDialog.ts.
import { DEADLINE_DIALOG, DeadlineDialog, deadlineFollowUp, todayOf, wantsDeadline, withDeadlineChoice, type DeadlineOptions } from './deadlineDialog';

export const MAIN_DIALOG = 'mainDialog';
/** Where botbuilder-dialogs' DialogStateManager keeps its configuration in a turn's state. */
const MEMORY_SCOPES_KEY = 'DialogStateManagerConfiguration';
let memoryScopes: DialogStateManagerConfiguration | undefined;
const STEPS = 'mainSteps';
/** Starts a child dialog chosen after another one ended (a flow after a flow, the deadline after a flow). */
const CHILD = 'mainChild';
/** After this many messages in a row it cannot place, the assistant offers a person. */
export const UNCLEAR_TURNS_BEFORE_PERSON = 2;

/**
 * Controls that, after a disclosure, are not read as themselves: "help", "hello?", "ok", "...", a crying
 * face may be a cry for help, a person is wanted urgently, and an out-of-scope reply would point elsewhere.
 * Thanks, goodbye, start again and cancel are answered as usual (the last three with the urgent lines).
 */
const URGENT_AFTER_DISCLOSURE: ReadonlySet<ControlId> = new Set<ControlId>(['human', 'help', 'greeting', 'out-of-scope', 'upset', 'prompt', 'acknowledgement']);
/** Topics a deadline conversation itself covers: not offered again after it. */
const DEADLINE_FAMILY = /^(appeal-|mediation)/;

/** What the CHILD waterfall starts. */
interface ChildOptions {
  dialogId: string;
  options?: object;
}

/** What a child dialog may end with: a clarify, deadline or flow result. */
type ChildResult = ClarifyResult | FlowResult | HandoffResult | { reroute: true } | undefined;

/**
 * Routes each message: risk first, then an answer to "Did this help?", a choice from the last
 * message, the deadline conversation, a guided flow, a control, an answer, a question back, or a
 * person. Questions it could not answer are kept, redacted, for `npm run report:unanswered`.
 */
export class MainDialog extends ComponentDialog {
  private readonly flows: FlowEngine;

  constructor(private readonly services: DialogServices) {
    super(MAIN_DIALOG);
    this.flows = flowsOf(services);
    this.addDialog(new ClarifyDialog(services));
    this.addDialog(new DeadlineDialog(services)); // Deadline hook
    this.addDialog(new HandoffDialog(services));
    for (const dialog of flowDialogs(services)) this.addDialog(dialog);
    this.addDialog(new WaterfallDialog(STEPS, [this.routeStep.bind(this), this.afterChildStep.bind(this)]));
    this.addDialog(new WaterfallDialog(CHILD, [this.beginChildStep.bind(this), this.afterChildStep.bind(this)]));
    this.initialDialogId = STEPS;
  }

  /** Runs the dialog stack for one turn, starting this dialog if nothing is waiting. */
  async run(context: TurnContext, dialogState: StatePropertyAccessor<DialogState>): Promise<void> {
    const dc = await this.contextFor(context, dialogState);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  /**
   * Whether this message discloses a risk; if so the time is kept, so that for a while afterwards
   * (AFTER_DISCLOSURE_HOURS) a message that is not a SEND question still gets urgent help. Called by
   * the bot before anything is said, so nothing (not even the welcome) goes before the urgent help.
   * A disclosure, or a message in the day after one, that says a call could be overheard also
   * stops call-backs being offered for a day.
   */
  async noteDisclosure(context: TurnContext): Promise<boolean> {
    const text = messageText(context);
    if (!text.trim()) return false;
    const disclosed = understandingOf(this.services, context, text).kind === 'safeguarding';
    const data = await dataOf(this.services, context);
    const now = instantOf(context);
    // "He checks my phone", "don't ring the house": no call-back is offered for a day.
    if ((disclosed || withinAfterDisclosure(data.safeguardingAt, now)) && saysCallsUnsafe(text)) data.callsUnsafeAt = now.toISOString();
    if (disclosed) data.safeguardingAt = now.toISOString();
    return disclosed;
  }

  /** Ends whatever the conversation was in (the adviser closed it: the assistant starts afresh). */
  async cancelAll(context: TurnContext, dialogState: StatePropertyAccessor<DialogState>): Promise<void> {
    (await dataOf(this.services, context)).alsoAsked = undefined; // the adviser had it
    await (await this.contextFor(context, dialogState)).cancelAllDialogs();
  }

  /**
   * botbuilder-dialogs works out its memory scopes afresh on every turn (a service collection and
   * a configuration check each time) and keeps them in the turn's state under this key; they do
   * not change between turns, so the first turn's are handed to every later one.
   */
  private async contextFor(context: TurnContext, dialogState: StatePropertyAccessor<DialogState>): Promise<DialogContext> {
    if (memoryScopes) context.turnState.set(MEMORY_SCOPES_KEY, memoryScopes);
    const dialogs = new DialogSet(dialogState);
    dialogs.add(this);
    const dc = await dialogs.createContext(context);
    memoryScopes ??= dc.state.configuration;
    return dc;
  }

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { context } = step;
    const data = await dataOf(this.services, context);
    const { replies } = this.services;
    const text = messageText(context);
    if (!text.trim()) return step.endDialog();
    // "Did this help?" waits for one message only.
    const memory = feedbackMemory(data);
    const feedbackFor = memory.pending;
    memory.pending = undefined;

    // A risk outranks even a choice from the last message.
    const understanding = understandingOf(this.services, context, text);
    if (understanding.kind === 'safeguarding') {
      noMoreFeedback(data);
      data.safeguardingAt = instantOf(context).toISOString();
      const introduce = context.turnState.get(WELCOME_HELD_THIS_TURN) === true;
      await say(context, CancelAndHelpDialog.urgentReply(this.services, context, data.tenant, text, { introduce }), data);
      await recordOutcome(this.services, context, data, 'safeguarding');
      data.alsoAsked = this.questionBesideRisk(context, data, text);
      // An adviser is asked for at once (urgently, in hours); the numbers above come first whatever the hour.
      return this.handOff(step, { reason: 'safeguarding', asked: text });
    }

    // A harm told as long past and over ("used to self-harm years ago, fine now"): no urgent block
    // or hand-off, but where to turn if things change, before the question is taken up.
    if (understanding.pastRisk) {
      await say(context, fitFor(replies.safeguardingIfThingsChange(data.tenant, audienceOf(context.activity.channelId)), context.activity.channelId), data);
    }

    // After a disclosure, a message that is not a SEND question gets the urgent line and a person.
    if (this.afterDisclosure(context, data)) {
      const distressed = soundsDistressed(normaliseWords(text));
      if (distressed) data.safeguardingAt = instantOf(context).toISOString(); // still frightened: the day starts again
      if (this.needsUrgentHelp(context, data, understanding, text, distressed)) return this.urgentFollowUp(step, text);
      // A SEND question asked in fear: the urgent line first, then the answer.
      if (distressed) await say(context, fitFor(replies.safeguardingFollowUp(data.tenant, audienceOf(context.activity.channelId)), context.activity.channelId), data);
    }

    const offered = pickOffered(text, data.offered);
    if (offered) return this.act(step, offered, feedbackFor, text);
    // "9" when there were five choices is a slip, not a question: the choices again, nothing else.
    if (data.offered.length > 1 && isChoiceNumber(text)) {
      await say(context, fitFor(replies.pickANumber(data.offered), context.activity.channelId), data);
      return step.endDialog();
    }

    if (feedbackFor) {
      const answer = readFeedback(text);
      if (answer) {
        await saveFeedback(this.services, context, feedbackFor, answer.helpful, answer.comment);
        // "No, I wanted to know how long I have to appeal": the words after the no are a question too.
        const rest = answer.comment ? understandingOf(this.services, context, answer.comment) : undefined;
        if (!rest || (rest.kind !== 'answer' && rest.kind !== 'clarify')) {
          await say(context, fitFor(replies.feedbackThanks(answer.helpful, data.tenant), context.activity.channelId), data);
          return step.endDialog();
        }
      }
    }

    // Deadline hook: "what if the certificate comes on 20 Jan?" just after a deadline works it out again.
    const whatIf = deadlineFollowUp(text, data, todayOf(context));
    if (whatIf) {
      data.unclearTurns = 0;
      await recordOutcome(this.services, context, data, 'deadline');
      return step.beginDialog(DEADLINE_DIALOG, whatIf);
    }
    // Deadline hook: a date, or a request to work out a deadline, starts the deadline dialog.
    if (wantsDeadline(understanding, text, todayOf(context))) {
      data.unclearTurns = 0;
      const topicId = understanding.kind === 'answer' ? understanding.topicId : undefined;
      await recordOutcome(this.services, context, data, 'deadline', topicId);
      // "Excluded last week, and the council refused to assess (letter dated …), what deadlines?":
      // the deadline first, the other topic offered after it.
      if (topicId && !DEADLINE_FAMILY.test(topicId)) data.alsoAsked = topicId;
      // A date given earlier in a guided flow counts, unless this message gives its own.
      const held = takeDatesToCheck(data);
      const withHeld = held && extractDates(text, todayOf(context)).length === 0 ? `${held}\n${text}` : text;
      return step.beginDialog(DEADLINE_DIALOG, { text: withHeld, topicId } satisfies DeadlineOptions);
    }

    // "What are my options?", "I disagree with the council's decision": a guided flow.
    const flowId = this.flowToStart(understanding, text);
    if (flowId) {
      data.unclearTurns = 0;
      await recordOutcome(this.services, context, data, 'flow');
      return step.beginDialog(flowDialogId(flowId), { text } satisfies FlowOptions);
    }

    switch (understanding.kind) {
      case 'answer':
        data.unclearTurns = 0;
        await this.answer(context, understanding.topicId);
        return step.endDialog();
      case 'control':
        data.unclearTurns = 0;
        if (understanding.control === 'human') return this.handOff(step, { reason: 'asked', asked: text });
        if (understanding.control === 'out-of-scope') await saveUnanswered(this.services, context, data, text, 'out-of-scope');
        await recordOutcome(this.services, context, data, understanding.control === 'out-of-scope' ? 'out-of-scope' : 'control');
        // Out of scope may come with a reply saying why more precisely (another council, outside England).
        await this.control(context, understanding.reply ?? understanding.control);
        return step.endDialog();
      case 'clarify': {
        // "How do I contact them?" just after the SENDIASS answer is about SENDIASS, not a puzzle.
        if (await this.answeredAsFollowUp(context, data, text)) return step.endDialog();
        (step.values as { asked?: string }).asked = text;
        await recordOutcome(this.services, context, data, 'clarified');
        return step.beginDialog(CLARIFY_DIALOG, {
          candidateIds: understanding.candidates.map((c) => c.id),
        } satisfies ClarifyOptions);
      }
      case 'not-understood': {
        if (await this.answeredAsFollowUp(context, data, text)) return step.endDialog();
        await saveUnanswered(this.services, context, data, text, 'not-understood');
        await recordOutcome(this.services, context, data, 'not-understood');
        return this.unclear(step, text);
      }
    }
  }

  /**
   * The flow a message asks for, if any: its patterns must match, and a question a topic answers
   * with more evidence is answered instead (the answer then offers the flow). Controls (a person,
   * help, start again, thanks…) are never a flow.
   */
  private flowToStart(understanding: Understanding, text: string): string | undefined {
    if (understanding.kind === 'control') return undefined;
    const match = this.flows.matchStart(text);
    if (!match) return undefined;
    if (understanding.kind === 'answer' && (understanding.candidates[0]?.score ?? 0) > match.score) return undefined;
    return match.flowId;
  }

  private async beginChildStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { dialogId, options } = step.options as ChildOptions;
    return step.beginDialog(dialogId, options);
  }

  private async afterChildStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result = step.result as ChildResult;
    if (!result || 'ended' in result) {
      await this.offerAlsoAsked(step.context);
      return step.endDialog();
    }
    // Left for something else (a person, another question, a choice): the other question is dropped.
    (await dataOf(this.services, step.context)).alsoAsked = undefined;
    if ('handoff' in result) return this.handOff(step, { reason: result.handoff, ...(result.asked && { asked: result.asked }) });
    if ('chosen' in result) return this.act(step, result.chosen, undefined, messageText(step.context));
    if ('reroute' in result) return step.replaceDialog(STEPS);
    const asked = (step.values as { asked?: string }).asked;
    const data = await dataOf(this.services, step.context);
    if (asked) await saveUnanswered(this.services, step.context, data, asked, 'unclear-after-clarify');
    return this.unclear(step, asked);
  }

  /** Acts on a choice the person picked (from any message, a clarifying question or a flow). */
  private async act(step: WaterfallStepContext, choice: Choice, feedbackFor?: string, typed?: string): Promise<DialogTurnResult> {
    const data = await dataOf(this.services, step.context);
    const { replies } = this.services;
    data.unclearTurns = 0;
    switch (choice.action.kind) {
      case 'topic':
        await this.answer(step.context, choice.action.topicId);
        break;
      case 'deadline': { // Deadline hook: "Work out my deadline", with the decision when a flow knows it
        // Dates kept earlier, and any in the words that picked this ("when is my deadline? the letter is dated 1 Dec").
        const withDates = typed && extractDates(typed, todayOf(step.context)).length > 0 ? typed : undefined;
        const held = [takeDatesToCheck(data), withDates].filter(Boolean).join('\n');
        const options: DeadlineOptions = { ...(choice.action.decision && { decision: choice.action.decision }), ...(held && { text: held }) };
        return step.replaceDialog(CHILD, { dialogId: DEADLINE_DIALOG, options } satisfies ChildOptions);
      }
      case 'flow':
        if (this.flows.has(choice.action.flowId)) {
          return step.replaceDialog(CHILD, { dialogId: flowDialogId(choice.action.flowId), options: {} } satisfies ChildOptions);
        }
        await say(step.context, replies.control('help', data.tenant), data);
        break;
      case 'feedback':
        if (feedbackFor) await saveFeedback(this.services, step.context, feedbackFor, choice.action.helpful);
        await say(step.context, fitFor(replies.feedbackThanks(choice.action.helpful, data.tenant), step.context.activity.channelId), data);
        break;
      case 'person':
        return this.handOff(step, { reason: 'asked' });
      case 'something-else':
      case 'reply':
        await say(step.context, replies.control('help', data.tenant), data);
        break;
    }
    return step.endDialog();
  }

  /** A topic's answer, with "Work out my deadline" or the related flow offered, and sometimes "Did this help?". */
  private async answer(context: TurnContext, topicId: string): Promise<void> {
    const data = await dataOf(this.services, context);
    data.lastTopicId = topicId;
    await recordOutcome(this.services, context, data, 'answered', topicId);
    let reply: Reply = withDeadlineChoice(this.services.replies.answer(topicId, data.tenant), topicId);
    const offer = this.flows.offerFor(topicId);
    if (offer) reply = { ...reply, choices: [...reply.choices, offer] };
    await say(context, withFeedback(this.services, reply, topicId, data, context.activity.channelId), data);
  }

  /** Starts talking to a person (the hand-off dialog decides: queue, call-back, or the service's contacts). */
  private handOff(step: WaterfallStepContext, options: HandoffOptions): Promise<DialogTurnResult> {
    return step.replaceDialog(CHILD, { dialogId: HANDOFF_DIALOG, options } satisfies ChildOptions);
  }

  /**
   * A message that could not be placed on its own, read with the topic just answered
   * (`Understander.followUp`): answered if that places it. Whether it was.
   */
  private async answeredAsFollowUp(context: TurnContext, data: ConversationData, text: string): Promise<boolean> {
    const followUp = data.lastTopicId ? this.services.understander.followUp(text, data.lastTopicId) : undefined;
    if (followUp?.kind !== 'answer') return false;
    data.unclearTurns = 0;
    await this.answer(context, followUp.topicId);
    return true;
  }

  /**
   * The topic a disclosure's message also asks about ("…self-harming since they cut her support. How
   * do I ask for an EHC needs assessment?"), when it is clear enough to answer without asking.
   */
  private questionBesideRisk(context: TurnContext, data: ConversationData, text: string): string | undefined {
    const besides = this.services.understander.understand(text, { besidesRisk: true, ...(data.tenant && { tenant: data.tenant }) });
    return besides.kind === 'answer' ? besides.topicId : undefined;
  }

  /**
   * After the urgent help and the hand-off or call-back (or the advice service's contact), or after
   * the deadline, the other question asked in that message is offered, once; not while an adviser
   * is waited for or talking.
   */
  private async offerAlsoAsked(context: TurnContext): Promise<void> {
    const data = await dataOf(this.services, context);
    const topicId = data.alsoAsked;
    data.alsoAsked = undefined;
    // With an adviser (or waiting for one), the adviser takes it up: the summary has the message.
    if (!topicId || data.handoff) return;
    await say(context, fitFor(this.services.replies.alsoAsked(topicId), context.activity.channelId), data);
  }

  /** Whether the conversation is within a day of a disclosure (see AFTER_DISCLOSURE_HOURS). */
  private afterDisclosure(context: TurnContext, data: ConversationData): boolean {
    return withinAfterDisclosure(data.safeguardingAt, instantOf(context));
  }

  /**
   * After a disclosure: whether this message needs urgent help rather than its usual reply. A SEND
   * question (a topic answered, a deadline, a guided flow, a choice that was offered) is answered as
   * usual; anything else, and anything short and frightened, is not left to a menu.
   */
  private needsUrgentHelp(context: TurnContext, data: ConversationData, understanding: Understanding, text: string, distressed: boolean): boolean {
    if (understanding.kind === 'answer') return false;
    if (distressed) return true;
    if (pickOffered(text, data.offered)) return false;
    if (understanding.kind === 'control') return URGENT_AFTER_DISCLOSURE.has(understanding.control);
    return !wantsDeadline(understanding, text, todayOf(context)) && !this.flowToStart(understanding, text);
  }

  /**
   * The short urgent line (999 and the crisis line, not the whole block again), then a person: an
   * urgent hand-off where there is an adviser desk (a place in the queue in hours, a call-back out
   * of hours), or the council's advice service where there is none.
   */
  private async urgentFollowUp(step: WaterfallStepContext, asked: string | undefined): Promise<DialogTurnResult> {
    const { context } = step;
    const data = await dataOf(this.services, context);
    const channel = context.activity.channelId;
    const tenant = data.tenant ?? this.services.defaultTenant;
    data.unclearTurns = 0;
    const port = this.services.handoff;
    // In the advisers' hours the urgent hand-off's own message gives 999 and the crisis lines:
    // not said twice in one turn.
    const queuesNow = port ? await port.availability(tenant).then((a) => a.open, () => false) : false;
    if (!queuesNow) await say(context, fitFor(this.services.replies.safeguardingFollowUp(tenant, audienceOf(channel)), channel), data);
    await recordOutcome(this.services, context, data, 'safeguarding');
    return this.handOff(step, { reason: port ? 'safeguarding' : 'asked', ...(asked && { asked }) });
  }

  private async unclear(step: WaterfallStepContext, asked?: string): Promise<DialogTurnResult> {
    const data = await dataOf(this.services, step.context);
    if (this.afterDisclosure(step.context, data)) return this.urgentFollowUp(step, asked);
    data.unclearTurns += 1;
    const channel = step.context.activity.channelId;
    if (data.unclearTurns >= UNCLEAR_TURNS_BEFORE_PERSON) {
      data.unclearTurns = 0;
      return this.handOff(step, { reason: 'not-confident', ...(asked && { asked }) });
    } else {
      await say(step.context, fitFor(this.services.replies.notUnderstood(), channel), data);
    }
    return step.endDialog();
  }

  private async control(context: TurnContext, control: string): Promise<void> {
    const data = await dataOf(this.services, context);
    const { replies } = this.services;
    // The welcome just sent already said hello: a bare greeting only needs the choices.
    if (control === 'greeting' && context.turnState.get(WELCOMED_THIS_TURN)) {
      return say(context, fitFor(replies.starterPrompt(), context.activity.channelId), data);
    }
    const reply = isLeaving(control)
      ? CancelAndHelpDialog.leavingReply(this.services, context, data, control)
      : replies.control(control, data.tenant, control === 'greeting' ? replies.starterChoices() : []);
    return say(context, fitFor(reply, context.activity.channelId), data);
  }
}

/** The dates kept during a guided flow (ConversationData.datesToCheck), handed over once. */
function takeDatesToCheck(data: ConversationData): string | undefined {
  const held = data.datesToCheck;
  data.datesToCheck = undefined;
  return held;
}
