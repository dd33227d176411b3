import { ActivityTypes, type TurnContext } from 'botbuilder';
import { ComponentDialog, DialogTurnStatus, type DialogContext, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { Reply, SafeguardingOptions } from '../src/core/replies';
import { say } from '../src/bot/say';
import { audienceOf } from '../src/bot/assistantBot';
import type { HandoffReason } from '../src/store/store';
import { fitFor } from '../src/bot/renderReply';
import { normaliseWords } from '../src/core/understanding/normalise';
import { withinAfterDisclosure, writtenAboutThemselves, writtenByYoungPerson } from '../src/core/understanding/safeguarding';
import { withUrgentLines, type UrgentLines } from '../src/core/handoff/messages';
import type { ConversationData } from '../src/bot/conversationData';
import { noMoreFeedback } from './feedback';
import { dataOf, instantOf, understandingOf, type DialogServices } from './services';
import type { ControlId } from '../src/core/understanding/understand';

/**
 * The shared base for dialogs that wait for an answer: whatever step the person is at, a risk,
 * a request for a person, "help", "start again" or "cancel" is handled first. Interruptions are
 * recognised by the same understanding layer as everything else, not by exact words.
 */
export abstract class CancelAndHelpDialog extends ComponentDialog {
  constructor(id: string, protected readonly services: DialogServices) {
    super(id);
  }

  override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    const interrupted = this.asksNow(inner) ? await this.interrupt(inner) : undefined;
    return interrupted ?? super.onContinueDialog(inner);
  }

  /** The innermost of these dialogs reads interruptions, against the question it is asking. */
  private asksNow(inner: DialogContext): boolean {
    const active = inner.activeDialog && this.findDialog(inner.activeDialog.id);
    return !(active instanceof CancelAndHelpDialog);
  }

  /**
   * Whether the message is plainly an answer to the question being asked (an offered choice's
   * number or exact words): then it is not read as an interruption. Safeguarding still comes first.
   */
  protected answersPrompt(_inner: DialogContext, _text: string, _control: string): boolean | Promise<boolean> {
    return false;
  }

  /** Says a question of a waterfall step and keeps it with the step, for {@link askAgain}. */
  protected async ask(step: WaterfallStepContext, question: Reply): Promise<void> {
    (step.values as AskedValues).question = question;
    await say(step.context, fitFor(question, step.context.activity.channelId), await dataOf(this.services, step.context));
  }

  /**
   * After the help text, the question the person was answering (with its buttons, which the help
   * text has replaced), so they know what the assistant is waiting for.
   */
  private async askAgain(inner: DialogContext): Promise<void> {
    const question = (inner.activeDialog?.state?.values as AskedValues | undefined)?.question;
    if (!question) return inner.repromptDialog();
    await say(inner.context, fitFor(question, inner.context.activity.channelId), await dataOf(this.services, inner.context));
  }

  /**
   * The urgent reply to a disclosure, worded for who is writing: council staff in Teams are told to
   * follow their safeguarding procedure, a child writing about themselves is spoken to directly,
   * an adult writing about their own crisis ("I can't cope anymore", "I don't feel safe at home")
   * is spoken to gently about themselves, and anyone else gets the reply for families.
   */
  static urgentReply(services: DialogServices, context: TurnContext, tenant: string | undefined, text: string, options: SafeguardingOptions = {}): Reply {
    const words = normaliseWords(text);
    const youngPerson = writtenByYoungPerson(words);
    return services.replies.safeguarding(tenant, {
      audience: audienceOf(context.activity.channelId),
      youngPerson,
      ...(!youngPerson && writtenAboutThemselves(words, text) && { writer: 'self-adult' as const }),
      ...options,
    });
  }

  /**
   * The short urgent lines of the safeguarding follow-up, for who is asking (families, or staff in
   * Teams), to repeat when something stops after a disclosure: no other contact is ever given.
   */
  protected urgentLinesFor(context: TurnContext, tenant: string | undefined): UrgentLines {
    return urgentLines(this.services, context, tenant);
  }

  /**
   * The reply to "start again", "cancel" or "bye", inside a question or not: "start again" forgets
   * dates kept in a flow and offers the starter choices; within a day of a disclosure the reply
   * carries the urgent lines, so they stay in view when the conversation moves on.
   */
  static leavingReply(services: DialogServices, context: TurnContext, data: ConversationData, control: LeavingControl): Reply {
    if (control === 'restart') data.datesToCheck = undefined;
    const reply = services.replies.control(control, data.tenant, control === 'restart' ? services.replies.starterChoices() : []);
    if (!withinAfterDisclosure(data.safeguardingAt, instantOf(context))) return reply;
    return withUrgentLines(reply, urgentLines(services, context, data.tenant));
  }

  private async interrupt(inner: DialogContext): Promise<DialogTurnResult | undefined> {
    const { activity } = inner.context;
    if (activity.type !== ActivityTypes.Message || !activity.text) return undefined;
    const understanding = understandingOf(this.services, inner.context, activity.text);
    const data = await dataOf(this.services, inner.context);
    const { replies } = this.services;
    if (understanding.kind === 'safeguarding') {
      noMoreFeedback(data);
      await say(inner.context, CancelAndHelpDialog.urgentReply(this.services, inner.context, data.tenant, activity.text), data);
      return handOff(inner, { handoff: 'safeguarding', asked: activity.text });
    }
    if (understanding.kind !== 'control') return undefined;
    // Pressing a button whose words sound like a control ("Yes, they need more help") answers the question.
    if (await this.answersPrompt(inner, activity.text, understanding.control)) return undefined;
    switch (understanding.control) {
      case 'human':
        return handOff(inner, { handoff: 'asked', asked: activity.text });
      case 'help':
        await say(inner.context, replies.control('help', data.tenant), data);
        await this.askAgain(inner);
        return { status: DialogTurnStatus.waiting };
      case 'restart':
      case 'cancel':
        await say(inner.context, fitFor(CancelAndHelpDialog.leavingReply(this.services, inner.context, data, understanding.control), activity.channelId), data);
        return inner.cancelAllDialogs();
      default:
        return undefined;
    }
  }
}

/** Controls that stop or leave what is going on: "cancel", "start again", "bye". */
export type LeavingControl = Extract<ControlId, 'restart' | 'cancel' | 'goodbye'>;
const LEAVING_CONTROLS: ReadonlySet<string> = new Set<LeavingControl>(['restart', 'cancel', 'goodbye']);

/** Whether a control stops or leaves what is going on ({@link LeavingControl}). */
export function isLeaving(control: string): control is LeavingControl {
  return LEAVING_CONTROLS.has(control);
}

/** The short urgent lines of the safeguarding follow-up, for who is asking (families, or staff in Teams). */
function urgentLines(services: DialogServices, context: TurnContext, tenant: string | undefined): UrgentLines {
  const audience = audienceOf(context.activity.channelId);
  const { text, sms } = services.replies.safeguardingFollowUp(tenant, audience);
  return { text, sms, audience };
}

/** What {@link CancelAndHelpDialog.ask} keeps in a waterfall step's values. */
interface AskedValues {
  question?: Reply;
}

/** How a dialog ends to pass the person to an adviser: the main dialog starts the hand-off. */
export interface HandoffResult {
  handoff: HandoffReason;
  asked?: string;
}

async function handOff(inner: DialogContext, result: HandoffResult): Promise<DialogTurnResult> {
  await inner.cancelAllDialogs();
  return { status: DialogTurnStatus.complete, result };
}
