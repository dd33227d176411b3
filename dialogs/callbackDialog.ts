import type { TurnContext } from 'botbuilder';
import { Dialog, DialogTurnStatus, WaterfallDialog, type DialogContext, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import {
  contactHint, isBareContact, lastDigits, readBestTime, readContact, readName, readRefusal, saysThisNumber,
  type CallbackField, type CallbackProblem, type ContactHint,
} from '../src/core/handoff/callback';
import { HANDOFF_LABELS, type UrgentLines } from '../src/core/handoff/messages';
import type { Reply } from '../src/core/replies';
import { pickOffered } from '../src/core/understanding/choices';
import { withinAfterDisclosure } from '../src/core/understanding/safeguarding';
import { SMS_CHANNELS, fitFor } from '../src/bot/renderReply';
import { say } from '../src/bot/say';
import { errorFields, log } from '../src/log';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { yesOrNo } from './deadlineAnswers';
import { dataOf, handoffWordsOf, instantOf, messageText, saysControl, type DialogServices } from './services';

export const CALLBACK_DIALOG = 'callbackDialog';
const STEPS = 'callbackSteps';
/** After this many answers it cannot use for one question, it stops asking and gives the service's contacts. */
const MAX_TRIES = 3;
/** "Cancel", "never mind", "forget it": the understanding's cancel, read as no to the call-back. */
const CANCEL = new Set(['cancel']);

export interface CallbackOptions {
  tenant: string;
  /** Asked for after a disclosure (an urgent hand-off): a close repeats the urgent lines. */
  urgent?: boolean;
}

interface CallbackValues {
  name?: string;
  contact?: string;
  bestTime?: string;
  tries: number;
  /**
   * Set when it stopped for want of a readable phone number or email: the very next message may
   * still be the corrected one (see {@link CallbackDialog.onContinueDialog}).
   */
  lastChance?: boolean;
}


type Reader = (text: string) => { ok: true; value: string } | { ok: false; problem: string };

/**
 * A second look at an answer the reader could not use: a value after all (with words to say
 * first), or what to say instead of the reader's problem; undefined leaves the reader's answer.
 */
type Fallback = (context: TurnContext, text: string) => Promise<{ ok: true; value: string; say: Reply } | { ok: false; say: Reply } | undefined>;

/**
 * Where an SMS adapter keeps the number a conversation texts from (src/channels/sms: SmsAdapter's
 * `state`, whose `address` the webhook writes on every message). Read only for "this number";
 * the number is never logged, shown or said whole.
 */
interface SmsAddressBook {
  state?: { address(conversationId: string): Promise<{ number?: unknown } | undefined> };
}

/**
 * A call-back request when no adviser can chat: name, a phone number or email address, the best
 * time, and consent to keep them. Nothing is stored until the person agrees; every answer is
 * checked, and a wrong one is asked again with what was wrong.
 */
export class CallbackDialog extends CancelAndHelpDialog {
  constructor(services: DialogServices) {
    super(CALLBACK_DIALOG, services);
    this.addDialog(new WaterfallDialog(STEPS, [
      this.askName.bind(this),
      this.readStep('name', (text) => readName(text), (w) => w.callbackAskContact()).bind(this),
      this.readStep('contact', (text) => readContact(text), (w, tenant) => w.callbackAskBestTime(tenant), this.thisNumber.bind(this)).bind(this),
      this.readStep('bestTime', (text) => readBestTime(text), (w, tenant) => w.callbackAskConsent(this.services.retentionDays ?? 30, tenant)).bind(this),
      this.consentStep.bind(this),
    ]));
    this.initialDialogId = STEPS;
  }

  /**
   * Interruptions are read as everywhere else (names, numbers and times are not controls to the
   * understanding), but asking to be called ("call me on 07700 …") is what this is for, and the
   * consent question's buttons and a plain yes or no ("no thanks" reads as "cancel") answer it.
   */
  protected override async answersPrompt(inner: DialogContext, text: string, control: string): Promise<boolean> {
    if (control === 'human') return true;
    // "No thanks", "never mind", "stop": not "I've stopped that", but the call-back's own kind close.
    if (control === 'cancel' || readRefusal(text) !== undefined) return true;
    const { offered } = await dataOf(this.services, inner.context);
    if (pickOffered(text, offered) !== undefined) return true;
    const askingConsent = offered.some((choice) => choice.label === HANDOFF_LABELS.storeYes);
    return askingConsent && yesOrNo(text) !== undefined;
  }

  /**
   * After it stopped for want of a readable phone number or email, one last chance: the very next
   * message, if it is nothing but a phone number or email address that reads correctly, carries on
   * with the name already given. Anything else ends the call-back (the name goes with the dialog's
   * state) and is answered as any message is, safeguarding first.
   */
  override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    const values = inner.activeDialog?.state?.values as CallbackValues | undefined;
    if (values?.lastChance && !isBareContact(messageText(inner.context))) {
      await inner.cancelAllDialogs();
      return { status: DialogTurnStatus.complete, result: { reroute: true } };
    }
    return super.onContinueDialog(inner);
  }

  private async askName(step: WaterfallStepContext): Promise<DialogTurnResult> {
    (step.values as CallbackValues).tries = 0;
    await this.ask(step, handoffWordsOf(this.services).callbackAskName());
    return Dialog.EndOfTurn;
  }

  /** Reads one answer; a wrong one is asked again (the step repeats itself), a good one moves on. */
  private readStep(field: 'name' | 'contact' | 'bestTime', read: Reader, next: (words: ReturnType<typeof handoffWordsOf>, tenant: string) => Reply, fallback?: Fallback) {
    return async (step: WaterfallStepContext): Promise<DialogTurnResult> => {
      const values = step.values as CallbackValues;
      const data = await dataOf(this.services, step.context);
      const words = handoffWordsOf(this.services);
      const channel = step.context.activity.channelId;
      const text = messageText(step.context);
      const resumed = values.lastChance === true; // the corrected contact, straight after it stopped
      values.lastChance = undefined;
      // "No thanks", "don't ring", "not safe", "they'll hear": never an answer, and nothing kept.
      const refusal = readRefusal(text) ?? (saysControl(this.services, step.context, text, CANCEL) ? 'no' : undefined);
      if (refusal && !resumed) return this.stop(step, refusal === 'worried' ? 'worried' : 'refused');
      const result = read(text);
      let value: string;
      if (result.ok) {
        value = result.value;
        if (resumed) await say(step.context, fitFor(words.callbackResumed(), channel), data);
      } else {
        const second = await fallback?.(step.context, text);
        if (!second?.ok) {
          values.tries += 1;
          const hint = field === 'contact' ? contactHint(text) : undefined;
          if (values.tries >= MAX_TRIES) return this.giveUp(step, field, hint);
          await say(step.context, fitFor(second?.say ?? words.callbackInvalid(result.problem as CallbackProblem, field, hint), channel), data);
          return this.repeat(step);
        }
        value = second.value;
        await say(step.context, fitFor(second.say, channel), data);
      }
      values[field] = value;
      values.tries = 0;
      await this.ask(step, next(words, (step.options as CallbackOptions).tenant));
      return Dialog.EndOfTurn;
    };
  }

  /**
   * "This number", "same", "the number im texting from": on SMS, the number the conversation
   * texts from (said back by its last three digits); elsewhere there is no number to use, so it is
   * asked for again in those words.
   */
  private async thisNumber(context: TurnContext, text: string): ReturnType<Fallback> {
    if (!saysThisNumber(text)) return undefined;
    const words = handoffWordsOf(this.services);
    if (!SMS_CHANNELS.has(context.activity.channelId)) return { ok: false, say: words.callbackNoNumberHere() };
    const number = await textingNumberOf(context);
    const read = number === undefined ? undefined : readContact(number);
    if (!read?.ok || read.kind !== 'phone') return { ok: false, say: words.callbackTextingNumberUnusable() };
    return { ok: true, value: read.value, say: words.callbackUsingTextingNumber(lastDigits(read.value)) };
  }

  private async consentStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const values = step.values as CallbackValues;
    const { context } = step;
    const data = await dataOf(this.services, context);
    const { tenant } = step.options as CallbackOptions;
    const words = handoffWordsOf(this.services);
    const text = messageText(context);
    const choice = pickOffered(text, data.offered);
    if (!choice && readRefusal(text) === 'worried') return this.stop(step, 'worried');
    const agreed = choice ? choice.label === HANDOFF_LABELS.storeYes : yesOrNo(text) === 'yes';
    if (!agreed || !this.services.handoff) {
      await say(context, fitFor(words.callbackDeclined(tenant, await this.urgentLines(context, step.options as CallbackOptions)), context.activity.channelId), data);
      return step.endDialog();
    }
    try {
      await this.services.handoff.requestCallback({
        tenant,
        channel: context.activity.channelId,
        conversationId: context.activity.conversation?.id,
        name: values.name!,
        contact: values.contact!,
        ...(values.bestTime && { bestTime: values.bestTime }),
        consent: true,
      });
    } catch (error) {
      log.error('callback.not_saved', errorFields(error));
      await say(context, fitFor(words.callbackDeclined(tenant), context.activity.channelId), data);
      return step.endDialog();
    }
    await say(context, fitFor(words.callbackSaved(tenant), context.activity.channelId), data);
    return step.endDialog();
  }

  /**
   * Too many answers it could not use: says so honestly (not as if they had said no), with what
   * looked wrong with the last one. Nothing is stored. After a contact it waits one more message
   * for the corrected one (see {@link onContinueDialog}); otherwise it ends.
   */
  private async giveUp(step: WaterfallStepContext, field: CallbackField, hint: ContactHint | undefined): Promise<DialogTurnResult> {
    const data = await dataOf(this.services, step.context);
    const options = step.options as CallbackOptions;
    const words = handoffWordsOf(this.services);
    const urgent = await this.urgentLines(step.context, options);
    await say(step.context, fitFor(words.callbackGaveUp(options.tenant, field, hint, urgent), step.context.activity.channelId), data);
    const values = step.values as CallbackValues;
    if (field !== 'contact') return step.endDialog();
    values.tries = 0;
    values.lastChance = true;
    // Not the contact question again after "help": it has stopped asking.
    (step.values as { question?: Reply }).question = undefined;
    return this.repeat(step);
  }

  /**
   * The person does not want the call-back (or it is not safe): a kind close, nothing kept (the
   * answers so far go with the dialog's state), how to get help without a call, and that they can
   * ask again.
   */
  private async stop(step: WaterfallStepContext, why: 'refused' | 'worried'): Promise<DialogTurnResult> {
    const data = await dataOf(this.services, step.context);
    const options = step.options as CallbackOptions;
    // A call is not safe: for a day no call-back is offered again (only the time is kept, no words).
    if (why === 'worried') data.callsUnsafeAt = instantOf(step.context).toISOString();
    const urgent = await this.urgentLines(step.context, options, why === 'worried');
    await say(step.context, fitFor(handoffWordsOf(this.services).callbackStopped(options.tenant, why, urgent), step.context.activity.channelId), data);
    return step.endDialog();
  }

  /**
   * The urgent lines to repeat when it stops: after a disclosure (an urgent hand-off, or one in the
   * last day), or when the person says a call is not safe. The words of the safeguarding follow-up
   * reply, for the person's audience, so no other contact is ever given.
   */
  private async urgentLines(context: TurnContext, options: CallbackOptions, worried = false): Promise<UrgentLines | undefined> {
    const data = await dataOf(this.services, context);
    const afterDisclosure = options.urgent === true || withinAfterDisclosure(data.safeguardingAt, instantOf(context));
    if (!afterDisclosure && !worried) return undefined;
    return this.urgentLinesFor(context, options.tenant ?? data.tenant);
  }

  /** Waits for another answer to the same question: the waterfall's index is moved back one step. */
  private repeat(step: WaterfallStepContext): DialogTurnResult {
    const state = step.activeDialog?.state as { stepIndex?: number } | undefined;
    if (state && typeof state.stepIndex === 'number') state.stepIndex -= 1;
    return Dialog.EndOfTurn;
  }
}


/** The number an SMS conversation is texting from, as its adapter remembers it; undefined when it cannot be known. */
async function textingNumberOf(context: TurnContext): Promise<string | undefined> {
  const conversationId = context.activity.conversation?.id;
  const book = (context.adapter as SmsAddressBook | undefined)?.state;
  if (!conversationId || typeof book?.address !== 'function') return undefined;
  try {
    const address = await book.address(conversationId);
    return typeof address?.number === 'string' && address.number !== '' ? address.number : undefined;
  } catch (error) {
    // Only the kind of error: a storage error's message could quote the number.
    log.warn('callback.sms_address_unavailable', { error: error instanceof Error ? error.name : typeof error });
    return undefined;
  }
}
