import { type TurnContext } from 'botbuilder';
import { TextPrompt, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import {
  DEADLINE_KINDS, FACT_NAMES, addMonths, assignRoles, computeDeadline, daysBetween, extractDates, formatLong, isBefore,
  todayInLondon, toParts, weekdayClash,
  type DeadlineKind, type DeadlineResult, type FactName, type Facts, type FoundDate, type IsoDate, type Question,
} from '../src/core/dates';
import { ENTITY_CUES, findCues, type Entity } from '../src/core/dates/roleCues';
import { readCorrection } from '../src/core/dates/corrections';
import {
  APPEAL_DECISIONS, CHANGE_LABEL, DECISION_LABELS, KIND_LABELS, NONE_OF_THESE_LABEL, NO_CERTIFICATE_LABEL, YES_LABEL,
  calendarFile, deadlineMessages, explainDeadline, type AppealDecision, type DeadlineReply, type Noted,
} from '../src/core/dates/explain';
import { segmentCount } from '../src/channels/sms/segments';
import type { Tenant } from '../src/core/knowledge/schema';
import type { Choice, Reply } from '../src/core/replies';
import { pickChoice } from '../src/core/understanding/choices';
import type { Understanding } from '../src/core/understanding/understand';
import type { ConversationData } from '../src/bot/conversationData';
import { SMS_CHANNELS, SMS_MAX_SEGMENTS, fitSms, renderReply, smsText } from '../src/bot/renderReply';
import { errorFields, log } from '../src/log';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import type { ClarifyResult } from './clarifyDialog';
import {
  asksAboutChoices, asksHowLong, asksToWorkOut, changesSubject, clean, confirmsReadBack, detectDecision, detectKind, isQuestion, kindFromReply,
  mentionsNoCertificate, saysDontKnow, saysDontKnowTheDate, saysNoCertificate, talksAboutMediationMeeting, yesOrNo,
} from './deadlineAnswers';
import { dataOf, instantOf, understandingOf, type DialogServices } from './services';

export const DEADLINE_DIALOG = 'deadlineDialog';
const PROMPT = 'deadlinePrompt';
const STEPS = 'deadlineSteps';
/** After this many replies in a row it cannot read, the dialog offers a person instead of asking again. */
export const UNCLEAR_REPLIES_BEFORE_PERSON = 2;

/** How the main dialog starts this one. */
export interface DeadlineOptions {
  /** The message that started the conversation: its dates are used, but only after the person confirms them. */
  text?: string;
  /** The topic the message was understood as, if any ('appeal-deadline' means an appeal). */
  topicId?: string;
  /** The council decision, when a guided flow already knows it: an appeal deadline, without asking which decision. */
  decision?: AppealDecision;
  /** "What if the certificate comes on 20 Jan?" just after a deadline: see {@link deadlineFollowUp}. */
  whatIf?: WhatIf;
}

/** The deadline last worked out in this conversation, kept so a what-if can work it out again. */
export interface LastDeadline {
  kind: DeadlineKind;
  decision?: AppealDecision;
  /** The dates used, all confirmed by the person (`certificate_date: null`: no certificate). */
  facts: Facts;
  due: IsoDate;
}

/** The conversation's memory, with the last deadline (kept beside the fields the main dialog knows). */
export type DeadlineMemory = ConversationData & {
  lastDeadline?: LastDeadline;
  /**
   * The council decision last named in this conversation ("also the council refused her
   * assessment"), so a later "how long do I have to appeal?" need not ask which decision. Only the
   * kind of decision is kept, never the words.
   */
  decisionNamed?: AppealDecision;
};

/** A changed fact to work the last deadline out again with: read back before it is used. */
export interface WhatIf {
  previous: LastDeadline;
  fact: FactName;
  date: IsoDate;
  /** The weekday typed with the date, when it is not that date's ("what if it comes on Tue 20 Jan?"). */
  clash?: { named: number; alternatives: IsoDate[] };
}

/** The question waiting for an answer. */
type Ask =
  | { type: 'kind'; retry?: boolean; noted?: Noted | boolean }
  | { type: 'decision'; retry?: boolean; noted?: Noted | boolean }
  | {
    type: 'date';
    fact: FactName;
    how?: 'first' | 'retry' | 'change' | 'unknown' | 'future' | 'before-letter';
    /** A question from reading the message ("The letter came on … What date is printed on it?"). */
    question?: string;
    /** The future date being questioned. */
    date?: IsoDate;
    /** "You posted the request on …. Has the council told you the date they received it?" */
    posted?: boolean;
    /** With `how: 'before-letter'`: the decision letter's date, which the certificate cannot be before. */
    letter?: IsoDate;
  }
  | { type: 'certificate'; retry?: boolean }
  | { type: 'pick'; fact: FactName; dates: IsoDate[]; question: string; retry?: boolean }
  | { type: 'confirm'; fact: FactName; date: IsoDate; question?: string; retry?: boolean; asked?: boolean };

/** Everything the conversation knows; kept in the waterfall's options so it survives a restart. */
interface DeadlineState {
  started: true;
  kind?: DeadlineKind;
  decision?: AppealDecision;
  /** Dates given so far; `certificate_date: null` means no certificate. None is used until confirmed. */
  facts: Facts;
  /** Facts whose date the person has said is right. */
  confirmed: FactName[];
  /** Questions raised by reading the person's messages, asked in turn. */
  queue: Ask[];
  /** The first message, kept only until the deadline kind is known (it may hold dates and the decision). */
  heldText?: string;
  /** Asked next, before anything else (a re-ask, a correction, a question from the queue). */
  forced?: Ask;
  /** What the last prompt asked. */
  asking?: Ask;
  /** Replies in a row it could not read. */
  misses: number;
  /** The fact the person last said they did not know. */
  unknownFor?: FactName;
  /** A what-if: the fact changed from the last deadline (future dates may be asked about). */
  whatIf?: { fact: FactName };
  /** The fact last taken from the person's words: what "sorry, I meant the 12th" corrects. */
  lastFact?: FactName;
  /** Mediation is arranged but has not happened: no certificate yet (said in the next steps). */
  mediationArranged?: boolean;
  /** Said before the next question (e.g. "A mediation meeting is not a certificate…"). */
  note?: 'meeting-to-come' | 'meeting-past' | 'what-if-later';
  /** How many times a certificate dated before the letter was questioned. */
  beforeLetter?: number;
  /**
   * "What if the certificate comes on 20 Jan?" at the certificate question: no certificate yet, so
   * the deadline without one first, then this date (read back) as a what-if.
   */
  thenWhatIf?: { date: IsoDate; clash?: { named: number; alternatives: IsoDate[] } };
  /** The council decision named earlier in the conversation: used for an appeal unless this one names another. */
  remembered?: AppealDecision;
  /** The choices of the question waiting were explained: the same question follows. */
  explain?: 'kind' | 'decision';
  explainOnly?: AppealDecision;
}

type Outcome = 'next' | 'unclear' | { unknown: FactName };

// ---------------------------------------------------------------------------------------------
// Helpers the main dialog uses.

/** The conversation's "today" in England. */
export function todayOf(context: TurnContext): IsoDate {
  return todayInLondon(instantOf(context));
}

export const WORK_OUT_DEADLINE: Choice = { label: 'Work out my deadline', action: { kind: 'deadline' } };

/** The appeal-deadline answer also offers to work out the person's own date. */
export function withDeadlineChoice(reply: Reply, topicId: string): Reply {
  return topicId === 'appeal-deadline' ? { ...reply, choices: [...reply.choices, WORK_OUT_DEADLINE] } : reply;
}

const NOT_FOR_DEADLINE = new Set(['human', 'restart', 'cancel', 'out-of-scope']);

/**
 * Whether a message starts the deadline conversation: any message that asks for this person's own
 * deadline ("work out my deadline", "when is my deadline"), an appeal-deadline question that gives
 * a date ("my letter is dated …"), or a question about another time limit with a date ("the draft
 * plan came on 3 Dec, how long to reply?").
 */
export function wantsDeadline(understanding: Understanding, text: string, today: IsoDate): boolean {
  if (understanding.kind === 'safeguarding') return false;
  if (understanding.kind === 'control' && NOT_FOR_DEADLINE.has(understanding.control)) return false;
  if (asksToWorkOut(text)) return true;
  const kind = detectKind(text);
  const appealOrNone = kind === undefined || kind === 'appeal';
  // The date recognizer is the costly part: run at most once, and only when it decides.
  let dated: boolean | undefined;
  const givesDate = () => (dated ??= extractDates(text, today).length > 0);
  // A council decision that can be appealed, its date and a question about time limits, whatever
  // else the message is about ("excluded last week; they refused to assess, letter 14 Oct; deadlines?").
  if (appealOrNone && detectDecision(text) && asksHowLong(text) && givesDate()) return true;
  if (understanding.kind === 'answer' && understanding.topicId === 'appeal-deadline') return givesDate();
  // The other time limits (commenting on a draft plan, the decision whether to assess, the final
  // plan, a certificate) have no answer of their own, and a topic's answer would miss the point: a
  // question about one that gives a date or asks how long is worked out (a date is asked for).
  if (appealOrNone) return false;
  return givesDate() || asksHowLong(text);
}

const WHAT_IF = /\b(what if|what about if|what happens if|what would happen if|and if|but if|how about if|suppose|supposing|assuming|if instead|if actually)\b|^(?:(?:ok|okay|so|and|but|right|hmm|thanks|thank you)\s+)*if\b|\b(would|does|will|could)\s+(it|that|the deadline|my deadline|the date)\s+(change|move|be different|be later|be earlier)\b|\bwhat would (it|my deadline|the deadline|the date) be\b/;
const PAST_TENSE = /\b(was|were|had|came|got|did|sent|received|arrived|issued|said|told|emailed|posted)\b/;

const FACT_OF_ENTITY: Partial<Record<Entity, FactName[]>> = {
  letter: ['decision_letter_date'],
  certificate: ['certificate_date'],
  request: ['request_date'],
  draft: ['draft_served_date'],
  mediation: ['declined_date'],
};

/**
 * Whether a message, just after a deadline was worked out, asks what the deadline would be with one
 * fact changed: "what if I get the certificate on 20 Jan?", "and if the letter was dated 3 Nov?".
 * It needs the what-if words, one date, and a fact of the last deadline (named, or the only one that
 * deadline has). Returns the options to start this dialog with (the date is read back first), or
 * undefined for any other message, which is routed as usual. A day and month with no year is the
 * nearest one, past or to come, unless the words are in the past tense ("was dated").
 */
export function deadlineFollowUp(text: string, data: ConversationData, today: IsoDate): DeadlineOptions | undefined {
  // Every message comes past here: a council decision named in one is kept for a later deadline.
  const named = detectDecision(text);
  if (named) (data as DeadlineMemory).decisionNamed = named;
  const previous = (data as DeadlineMemory).lastDeadline;
  if (!previous) return undefined;
  const t = clean(text);
  if (!WHAT_IF.test(t)) return undefined;
  const dates = extractDates(text, today);
  if (dates.length !== 1) return undefined;
  const found = dates[0]!;
  const wanted: readonly FactName[] = FACT_NAMES[previous.kind];
  const facts = new Set(findCues(text.toLowerCase(), ENTITY_CUES).flatMap((h) => FACT_OF_ENTITY[h.cue] ?? []).filter((f) => wanted.includes(f)));
  // "What if I said no to mediation…" after an appeal names the mediation, not a fact of the appeal.
  const fact = facts.size === 1 ? [...facts][0]! : facts.size === 0 && wanted.length === 1 ? wanted[0]! : undefined;
  if (!fact) return undefined;
  let date = found.date;
  if (found.form === 'no-year' && !PAST_TENSE.test(t)) date = nearestOccurrence(found, today);
  const clash = found.weekdayNamed === undefined ? undefined : weekdayClash({ ...found, date }, today, true);
  const whatIf: WhatIf = { previous, fact, date };
  if (clash) whatIf.clash = clash;
  return { text, whatIf };
}

/** A day and month with no year ("20 Jan"), or a day alone ("the 20th"), nearest to today, past or to come. */
function nearestOccurrence(found: FoundDate, today: IsoDate): IsoDate {
  const withMonth = /[a-z]{3}|\d\s*[/.\-]\s*\d/i.test(found.text.replace(/\b(?:the|of|on|st|nd|rd|th)\b/gi, ''));
  const next = addMonths(found.date, withMonth ? 12 : 1);
  if (toParts(next).day !== toParts(found.date).day) return found.date;
  return Math.abs(daysBetween(today, next)) < Math.abs(daysBetween(found.date, today)) ? next : found.date;
}

// ---------------------------------------------------------------------------------------------

/**
 * Works out one deadline with the person: which deadline (and, for an appeal, which decision), the
 * dates (from their messages, or asked for), a read-back of every date, and only then the deadline,
 * its rule, what must happen by then, and a calendar file. One waterfall that asks and reads in a
 * loop; help, start again, cancel, a person and safeguarding are handled at every step by the base.
 */
export class DeadlineDialog extends CancelAndHelpDialog {
  constructor(services: DialogServices) {
    super(DEADLINE_DIALOG, services);
    this.addDialog(new TextPrompt(PROMPT));
    this.addDialog(new WaterfallDialog(STEPS, [this.askStep.bind(this), this.answerStep.bind(this)]));
    this.initialDialogId = STEPS;
  }

  private async askStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options = step.options as DeadlineState | DeadlineOptions;
    if (!('started' in options)) {
      const memory = (await dataOf(this.services, step.context)) as DeadlineMemory;
      // "Work out my deadline" picked under the appeal time-limits answer (no words of its own): an appeal.
      const appealAnswered = !options.text && !options.decision && !options.topicId && memory.lastTopicId === 'appeal-deadline';
      return step.replaceDialog(STEPS, this.start(appealAnswered ? { ...options, topicId: 'appeal-deadline' } : options, todayOf(step.context), memory.decisionNamed));
    }
    const state = options;
    const data = await dataOf(this.services, step.context);
    const tenant = this.services.replies.tenant(data.tenant);
    if (state.explain) {
      // "What do you mean which decision?": what the choices mean, then the same question.
      await send(step.context, state.explain === 'decision' ? deadlineMessages.decisionsExplained(state.explainOnly) : deadlineMessages.kindsExplained(), data);
      state.explain = undefined;
      state.explainOnly = undefined;
    }
    const ask = nextAsk(state);
    if (state.note) {
      const note = state.note === 'what-if-later'
        ? deadlineMessages.certificateWhatIfFirst
        : deadlineMessages.meetingNotCertificate(state.note === 'meeting-to-come');
      await send(step.context, note, data);
      state.note = undefined;
    }
    if (ask?.type === 'date' && ask.how === 'before-letter' && (state.beforeLetter ?? 0) > 2) {
      // The same impossible date a third time: a person can look at the papers; the dialog will not use it.
      await send(step.context, deadlineMessages.offerPerson(tenant), data);
      return step.endDialog();
    }
    if (!ask) return this.giveDeadline(step, state, data, tenant);
    state.asking = ask;
    // The dialog reads its own answers; nothing it offers is left for the main dialog to pick.
    data.offered = [];
    return step.prompt(PROMPT, { prompt: renderReply(promptFor(ask, tenant), step.context.activity.channelId) });
  }

  private async answerStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const state = step.options as DeadlineState;
    const ask = state.asking;
    const text = String(step.result ?? '');
    state.forced = undefined;
    const outcome = ask ? this.read(ask, text, state, todayOf(step.context)) : 'unclear';
    const data = await dataOf(this.services, step.context);
    const tenant = this.services.replies.tenant(data.tenant);

    if (outcome === 'unclear') {
      // A question about the choices offered ("what does not to issue mean?"): what they mean, and the question again.
      if ((ask?.type === 'decision' || ask?.type === 'kind') && asksAboutChoices(text)) {
        state.explain = ask.type;
        if (ask.type === 'decision') state.explainOnly = decisionNamedIn(text);
        state.forced = { type: ask.type };
        return step.replaceDialog(STEPS, state);
      }
      const understanding = understandingOf(this.services, step.context, text);
      const question = isQuestion(text);
      // A question back at a read-back ("is that date right?") is not a yes: where to find the date, and the read-back again.
      if (question && ask?.type === 'confirm' && !ask.asked && refersBack(text)) {
        state.forced = { ...ask, asked: true };
        return step.replaceDialog(STEPS, state);
      }
      // Not an answer: perhaps a new question, which the main dialog should answer instead. A question
      // it can place, even loosely, or any message that moves on ("actually, can I complain instead?") leaves.
      const moving = changesSubject(text);
      if (
        understanding.kind === 'answer' ||
        (understanding.kind === 'control' && understanding.control !== 'help') ||
        ((question || moving) && understanding.kind === 'clarify') ||
        (question && moving)
      ) {
        return step.endDialog({ reroute: true } satisfies ClarifyResult);
      }
      state.misses += 1;
      if (state.misses >= UNCLEAR_REPLIES_BEFORE_PERSON || !ask) {
        await send(step.context, deadlineMessages.offerPerson(tenant), data);
        return step.endDialog();
      }
      state.forced = retryOf(ask);
      return step.replaceDialog(STEPS, state);
    }

    state.misses = 0;
    if (typeof outcome === 'object') {
      if (state.unknownFor === outcome.unknown) {
        await send(step.context, deadlineMessages.comeBackLater(tenant), data);
        return step.endDialog();
      }
      state.unknownFor = outcome.unknown;
      if (state.facts[outcome.unknown] !== null) delete state.facts[outcome.unknown];
      state.confirmed = state.confirmed.filter((f) => f !== outcome.unknown);
      state.forced = { type: 'date', fact: outcome.unknown, how: 'unknown' };
    }
    return step.replaceDialog(STEPS, state);
  }

  /** The state at the start: the kind and decision if the message makes them clear, and its dates. */
  private start(options: DeadlineOptions, today: IsoDate, decisionNamed?: AppealDecision): DeadlineState {
    const text = options.text?.trim() ?? '';
    const state: DeadlineState = { started: true, facts: {}, confirmed: [], queue: [], misses: 0 };
    if (options.whatIf) return startWhatIf(state, options.whatIf, today);
    // A council decision named in the message ("they won't assess him") is one that is appealed.
    state.kind = detectKind(text) ?? (options.topicId === 'appeal-deadline' || options.decision || (text && detectDecision(text)) ? 'appeal' : undefined);
    if (state.kind === 'appeal' && options.decision) state.decision = options.decision;
    if (text) state.heldText = text;
    if (state.kind) useHeldText(state, today);
    if (decisionNamed && decisionNamed !== 'not-sure') state.remembered = decisionNamed;
    return state;
  }

  /** Reads one reply to `ask`, updating the state. Never takes a date it is unsure of. */
  private read(ask: Ask, text: string, state: DeadlineState, today: IsoDate): Outcome {
    const question = isQuestion(text);
    switch (ask.type) {
      case 'kind': {
        const index = pickChoice(withoutQuestionMark(text), DEADLINE_KINDS.map((k) => KIND_LABELS[k]));
        // A question ("what's the difference between…?") is never a choice by its words.
        const kind = index !== undefined ? DEADLINE_KINDS[index] : question ? undefined : kindFromReply(text);
        if (!kind) {
          // A date instead of an answer ("it came on 3 Dec"): kept for when the deadline is known, and the question asked again.
          if (question || extractDates(text, today).length === 0) return 'unclear';
          state.heldText = [state.heldText, text].filter(Boolean).join('\n');
          state.forced = { type: 'kind', noted: readCorrection(text, extractDates(text, today)).correcting ? 'changed' : 'kept' };
          return 'next';
        }
        state.kind = kind;
        state.heldText = [state.heldText, text].filter(Boolean).join('\n');
        useHeldText(state, today);
        return 'next';
      }
      case 'decision': {
        const index = pickChoice(withoutQuestionMark(text), APPEAL_DECISIONS.map((d) => DECISION_LABELS[d]));
        const decision = index !== undefined
          ? APPEAL_DECISIONS[index]
          : question ? undefined : detectDecision(text) ?? (saysDontKnow(text) ? 'not-sure' : undefined);
        if (!decision) {
          // "It was dated 20/11/2026": the date is kept (and read back in its turn), and the question asked again.
          if (question || extractDates(text, today).length === 0) return 'unclear';
          const noted = readDates(state, text, today);
          state.forced = { type: 'decision', noted };
          return 'next';
        }
        state.decision = decision;
        if (index === undefined) readDates(state, text, today);
        return 'next';
      }
      case 'date': {
        const dates = extractDates(text, today);
        if (ask.fact === 'certificate_date') {
          // "1" (or "I don't have one yet") still works after the certificate question is asked again.
          if (pickChoice(withoutQuestionMark(text), [NO_CERTIFICATE_LABEL]) === 0) {
            delete state.facts.certificate_date;
            state.facts.certificate_date = null;
            return 'next';
          }
          const hypothetical = certificateWhatIf(state, text, dates, today);
          if (hypothetical) return hypothetical;
          const none = noCertificateYet(state, text, dates);
          if (none) return none;
        }
        if (dates.length > 0) return takeDate(state, ask.fact, text, dates);
        const answer = yesOrNo(text);
        if (ask.posted && answer === 'yes') {
          state.forced = { type: 'date', fact: ask.fact, question: deadlineMessages.ackDateQuestion };
          return 'next';
        }
        if (ask.fact === 'certificate_date' && !saysDontKnowTheDate(text) && saysNoCertificate(text)) {
          state.facts.certificate_date = null;
          return 'next';
        }
        if (saysDontKnow(text) || answer === 'no') return { unknown: ask.fact };
        return 'unclear';
      }
      case 'certificate': {
        if (pickChoice(withoutQuestionMark(text), [NO_CERTIFICATE_LABEL]) === 0) {
          state.facts.certificate_date = null;
          return 'next';
        }
        const dates = extractDates(text, today);
        const hypothetical = certificateWhatIf(state, text, dates, today);
        if (hypothetical) return hypothetical;
        const none = noCertificateYet(state, text, dates);
        if (none) return none;
        if (dates.length > 0) return takeDate(state, 'certificate_date', text, dates);
        // "do I need one?", "what is a certificate?": a question, not an answer.
        if (question) return 'unclear';
        if (saysDontKnowTheDate(text)) return { unknown: 'certificate_date' };
        const answer = yesOrNo(text);
        if (saysNoCertificate(text) || answer === 'no') {
          state.facts.certificate_date = null;
          return 'next';
        }
        if (answer === 'yes') {
          state.forced = { type: 'date', fact: 'certificate_date' };
          return 'next';
        }
        return saysDontKnow(text) ? { unknown: 'certificate_date' } : 'unclear';
      }
      case 'pick': {
        const index = pickChoice(withoutQuestionMark(text), [...ask.dates.map(formatLong), NONE_OF_THESE_LABEL]);
        if (index === ask.dates.length) {
          delete state.facts[ask.fact];
          state.forced = { type: 'date', fact: ask.fact, how: 'change' };
          return 'next';
        }
        const picked = index === undefined ? undefined : ask.dates[index];
        if (picked) {
          setFact(state, ask.fact, picked);
          return 'next';
        }
        const dates = extractDates(text, today);
        if (dates.length > 0) return takeDate(state, ask.fact, text, dates);
        return saysDontKnow(text) ? { unknown: ask.fact } : 'unclear';
      }
      case 'confirm': {
        const index = pickChoice(withoutQuestionMark(text), [YES_LABEL, CHANGE_LABEL]);
        let answer: 'yes' | 'no' | undefined = index === 0 ? 'yes' : index === 1 ? 'no' : undefined;
        if (answer === undefined) {
          const dates = extractDates(text, today);
          // "yes, 31/12/2025" confirms; "no, it was 2 Jan" corrects, and the new date is read back in turn.
          if (dates.length === 1 && dates[0]!.date === ask.date && !dates[0]!.weekdayClash && confirmsReadBack(text.replace(dates[0]!.text, '')) !== 'no') answer = 'yes';
          else if (dates.length > 0) return takeDate(state, ask.fact, text, dates);
        }
        if (answer === undefined && saysDontKnow(text)) return { unknown: ask.fact };
        answer ??= confirmsReadBack(text);
        if (answer === 'yes') {
          state.facts[ask.fact] = ask.date;
          if (!state.confirmed.includes(ask.fact)) state.confirmed.push(ask.fact);
          return 'next';
        }
        if (answer === 'no') {
          delete state.facts[ask.fact];
          state.confirmed = state.confirmed.filter((f) => f !== ask.fact);
          state.forced = { type: 'date', fact: ask.fact, how: 'change' };
          return 'next';
        }
        return 'unclear';
      }
    }
  }

  /** Every date confirmed: the deadline, how it was worked out, what to do, and a calendar file. */
  private async giveDeadline(step: WaterfallStepContext, state: DeadlineState, data: ConversationData, tenant: Tenant): Promise<DialogTurnResult> {
    const kind = state.kind!;
    const unconfirmed = FACT_NAMES[kind].filter((f) => state.facts[f] && !state.confirmed.includes(f));
    if (unconfirmed.length > 0) throw new Error(`deadline dialog: unconfirmed ${unconfirmed.join(', ')}`);
    const { context } = step;
    const today = todayOf(context);
    const result = computeDeadline(kind, state.facts);
    const whatIf = state.whatIf && state.facts[state.whatIf.fact] ? { fact: state.whatIf.fact, date: state.facts[state.whatIf.fact]! } : undefined;
    rememberForAdviser(data, result);
    // A what-if leaves the real deadline as the one to ask "what if" about again.
    if (!whatIf) (data as DeadlineMemory).lastDeadline = { kind, ...(state.decision ? { decision: state.decision } : {}), facts: { ...result.facts }, due: result.due };
    const [headline, nextSteps] = explainDeadline(result, { today, tenant, decision: state.decision, whatIf, mediationArranged: state.mediationArranged && !result.facts.certificate_date });
    await send(context, headline!, data);
    // No calendar file for a what-if: only a deadline from real dates belongs in a calendar.
    if (!whatIf && !SMS_CHANNELS.has(context.activity.channelId) && !isBefore(result.due, today)) {
      try {
        await context.sendActivity(renderReply(deadlineMessages.calendarNote(calendarFile(result, instantOf(context), tenant)), context.activity.channelId));
      } catch (error) {
        // A channel that refuses the file (Teams accepts only uploaded files) must not lose the deadline.
        log.warn('deadline.calendar_not_sent', { channel: context.activity.channelId, ...errorFields(error) });
      }
    }
    await send(context, nextSteps!, data);
    if (state.decision && state.decision !== 'not-sure') (data as DeadlineMemory).decisionNamed = state.decision;
    const asked = !whatIf && state.thenWhatIf;
    const previous = (data as DeadlineMemory).lastDeadline;
    if (asked && previous) {
      // "What if the certificate comes on 20 Jan?" asked at the certificate question: now that date, read back first.
      await send(context, plainNote(deadlineMessages.nowYourQuestion), data);
      const fresh: DeadlineState = { started: true, facts: {}, confirmed: [], queue: [], misses: 0 };
      const whatIfAsked: WhatIf = { previous, fact: 'certificate_date', date: asked.date, ...(asked.clash && { clash: asked.clash }) };
      return step.replaceDialog(STEPS, startWhatIf(fresh, whatIfAsked, today));
    }
    return step.endDialog();
  }
}

function plainNote(text: string): DeadlineReply {
  return { text, sms: text, choices: [], sources: [] };
}

/** The one decision whose choice a question names ("what does not to issue mean?"), if only one. */
function decisionNamedIn(text: string): AppealDecision | undefined {
  const t = clean(text);
  const cues: Array<[AppealDecision, RegExp]> = [
    ['not-to-assess', /\bassess/],
    ['not-to-issue', /\bissu/],
    ['contents', /\bwhat the plan says\b|\bplan says\b|\bcontents?\b/],
    ['not-to-amend', /\b(change|amend)/],
    ['cease', /\b(stop|cease)/],
    ['school-only', /\b(school|college)\b/],
  ];
  const hits = cues.filter(([, cue]) => cue.test(t)).map(([d]) => d);
  return hits.length === 1 ? hits[0] : undefined;
}

const CERTIFICATE_TO_COME = /\b(cert|certificate|it)\b.{0,20}\b(comes|will come|should come|will arrive|should arrive|arrives|will be issued|should be issued|is issued|gets issued|will get|expect\w*)\b|\b(if|when) (i|we) (get|receive)\b/;

/**
 * "What if the certificate comes on 20 Jan?" at the certificate question: a certificate still to
 * come, asked about. There is no certificate yet, so the deadline without one comes first (never a
 * date the person did not give as fact); then the date asked about, read back, as a what-if. A day
 * and month with no year is the one on or after the letter's date (the next 20 January).
 */
function certificateWhatIf(state: DeadlineState, text: string, dates: FoundDate[], today: IsoDate): Outcome | undefined {
  if (state.whatIf || dates.length !== 1) return undefined;
  const t = clean(text);
  if (!WHAT_IF.test(t) && !(CERTIFICATE_TO_COME.test(t) && !talksAboutMediationMeeting(text))) return undefined;
  const found = dates[0]!;
  const letter = state.facts.decision_letter_date ?? undefined;
  const date = found.form === 'no-year' ? onOrAfter(found, letter ?? today) : found.date;
  const clash = found.weekdayNamed === undefined ? undefined : weekdayClash({ ...found, date }, today, true);
  delete state.facts.certificate_date;
  state.confirmed = state.confirmed.filter((f) => f !== 'certificate_date');
  state.facts.certificate_date = null;
  state.thenWhatIf = { date, ...(clash && { clash }) };
  state.note = 'what-if-later';
  return 'next';
}

/** A day and month with no year ("20 Jan"), or a day alone, on or after `from`: the next one if needed. */
function onOrAfter(found: FoundDate, from: IsoDate): IsoDate {
  if (!isBefore(found.date, from)) return found.date;
  const withMonth = /[a-z]{3}|\d\s*[/.\-]\s*\d/i.test(found.text.replace(/\b(?:the|of|on|st|nd|rd|th)\b/gi, ''));
  let date = found.date;
  for (let i = 0; i < 3 && isBefore(date, from); i++) {
    const next = addMonths(date, withMonth ? 12 : 1);
    if (toParts(next).day !== toParts(found.date).day) return found.date;
    date = next;
  }
  return date;
}

/** Keeps the dates and the deadline for an adviser's summary, should the person ask for one later. */
function rememberForAdviser(data: ConversationData, result: DeadlineResult): void {
  const dates = Object.entries(result.facts)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([label, date]) => ({ label: label.replace(/_/g, ' '), date }));
  data.datesGiven = [...(data.datesGiven ?? []), ...dates].slice(-6);
  data.deadlinesWorkedOut = [...(data.deadlinesWorkedOut ?? []), { label: result.kind.replace(/-/g, ' '), date: result.due, rule: result.rule }].slice(-3);
}

// ---------------------------------------------------------------------------------------------
// The conversation's logic, apart from Bot Framework.

/** What to ask next, or undefined when every needed date is known and confirmed. */
function nextAsk(state: DeadlineState): Ask | undefined {
  if (state.forced) return state.forced;
  if (!state.kind) return { type: 'kind' };
  // A decision named earlier in the conversation ("the council refused her assessment") is used, not asked for.
  if (state.kind === 'appeal' && !state.decision && state.remembered) state.decision = state.remembered;
  if (state.kind === 'appeal' && !state.decision) return { type: 'decision' };
  for (const fact of FACT_NAMES[state.kind]) {
    // A question raised by the person's own words about this date comes before the usual one.
    const queued = takeQueued(state, fact);
    if (queued) {
      state.forced = queued;
      return queued;
    }
    const value = state.facts[fact];
    if (fact === 'certificate_date') {
      // A school-only appeal needs no certificate; any other appeal asks whether there is one.
      if (value === undefined && state.decision !== 'school-only') return { type: 'certificate' };
      if (value === undefined || value === null) continue;
    }
    if (value === undefined || value === null) return { type: 'date', fact };
    const letter = state.facts.decision_letter_date;
    if (fact === 'certificate_date' && letter && isBefore(value, letter)) {
      // A certificate comes after the decision: one dated before the letter is asked about, never used.
      delete state.facts.certificate_date;
      state.confirmed = state.confirmed.filter((f) => f !== 'certificate_date');
      state.beforeLetter = (state.beforeLetter ?? 0) + 1;
      const ask: Ask = { type: 'date', fact, how: 'before-letter', date: value, letter };
      state.forced = ask;
      return ask;
    }
    if (!state.confirmed.includes(fact)) return { type: 'confirm', fact, date: value };
  }
  return undefined;
}

/** The first open queued question about `fact`, removed from the queue (stale ones are dropped). */
function takeQueued(state: DeadlineState, fact: FactName): Ask | undefined {
  const mine = state.queue.filter((q) => 'fact' in q && q.fact === fact);
  state.queue = state.queue.filter((q) => !mine.includes(q));
  const open = mine.filter((q) => stillOpen(q, state));
  state.queue.push(...open.slice(1));
  return open[0];
}

function stillOpen(ask: Ask, state: DeadlineState): boolean {
  switch (ask.type) {
    case 'date':
      return state.facts[ask.fact] === undefined;
    case 'confirm':
      return state.facts[ask.fact] === ask.date && !state.confirmed.includes(ask.fact);
    case 'pick':
      return !state.confirmed.includes(ask.fact);
    default:
      return true;
  }
}

function retryOf(ask: Ask): Ask {
  if (ask.type === 'date') return { ...ask, how: 'retry' };
  return { ...ask, retry: true };
}

function promptFor(ask: Ask, tenant: Tenant): DeadlineReply {
  switch (ask.type) {
    case 'kind':
      return deadlineMessages.whichDeadline(ask.retry, ask.noted);
    case 'decision':
      return deadlineMessages.whichDecision(ask.retry, ask.noted);
    case 'certificate':
      return deadlineMessages.askCertificate(ask.retry);
    case 'pick':
      return deadlineMessages.pickDate(ask.question, ask.dates, ask.retry);
    case 'confirm':
      if (ask.asked && !ask.retry) return deadlineMessages.readBackQuestion(ask.fact, ask.date, ask.question);
      return deadlineMessages.confirm(ask.fact, ask.date, ask.question, ask.retry);
    case 'date':
      if (ask.how === 'unknown') return deadlineMessages.dontKnow(ask.fact, tenant);
      if (ask.how === 'before-letter' && ask.date && ask.letter) return deadlineMessages.certificateBeforeLetter(ask.date, ask.letter);
      if (ask.how === 'future' && ask.date) return deadlineMessages.futureDate(ask.fact, ask.date);
      if (ask.question) return deadlineMessages.askAgain(ask.question, ask.how === 'retry');
      return deadlineMessages.askDate(ask.fact, ask.how === 'retry' || ask.how === 'change' ? ask.how : 'first');
  }
}

/** Once the kind is known: the decision and the dates in the first message. */
function useHeldText(state: DeadlineState, today: IsoDate): void {
  const text = state.heldText;
  state.heldText = undefined;
  if (!text) return;
  if (state.kind === 'appeal' && !state.decision) state.decision = detectDecision(text);
  readDates(state, text, today);
}

/**
 * Dates in a message that was not an answer to a date question: each becomes a fact to read back, or
 * a question. A self-correction ("sorry, I meant the 12th not the 21st") replaces the date it takes
 * back, which is never used or offered again. Says how the dates were taken.
 */
function readDates(state: DeadlineState, text: string, today: IsoDate): Noted {
  const kind = state.kind;
  if (!kind) return 'kept';
  if (kind === 'appeal' && state.facts.certificate_date === undefined && mentionsNoCertificate(text)) state.facts.certificate_date = null;
  const dates = extractDates(text, today);
  if (dates.length === 0) return 'kept';
  const correction = readCorrection(text, dates);
  const freed = dropRetracted(state, correction.retracted.map((d) => d.date));
  const roles = assignRoles(text, dates, kind);
  if (correction.correcting && correction.kept.length === 1) {
    // "I meant the 12th": the date it corrects is the one taken back, or else the last one given.
    const meant = correction.kept[0]!;
    const cued = FACT_NAMES[kind].find((f) => roles.facts[f] === meant.date && roles.decisions.some((d) => d.date === meant && d.role === f && d.strength >= 2));
    const target = cued ?? (freed.length === 1 ? freed[0] : freed.length === 0 ? state.lastFact : undefined);
    if (target && FACT_NAMES[kind].includes(target as never)) {
      if (meant.isFuture && !state.whatIf) {
        delete state.facts[target];
        state.confirmed = state.confirmed.filter((f) => f !== target);
        state.queue.unshift({ type: 'date', fact: target, how: 'future', date: meant.date });
      } else if (meant.weekdayClash) state.queue.unshift(clashAsk(target, meant.date, meant.weekdayClash));
      else setFact(state, target, meant.date);
      return 'changed';
    }
  }
  if (correction.kept.length === 0) return correction.retracted.length > 0 ? 'dropped' : 'kept';
  const asked = new Set<FactName>();
  for (const fact of FACT_NAMES[kind]) {
    const value = roles.facts[fact];
    // A correction may change a date already given; otherwise the first date given for a fact stands until read back.
    if (!value || (state.facts[fact] !== undefined && !(correction.correcting && state.facts[fact] !== value))) continue;
    // "Fri 18th Dec" when 18 December was a Thursday: which date is meant is asked before anything else about it.
    const clashing = dates.find((d) => d.date === value && d.weekdayClash);
    if (clashing) {
      asked.add(fact);
      state.queue.unshift(clashAsk(fact, clashing.date, clashing.weekdayClash!));
      continue;
    }
    setFact(state, fact, value);
  }
  for (const question of roles.questions) {
    if (!question.fact || question.reason === 'missing' || asked.has(question.fact)) continue;
    const ask = askFor(question);
    if (!ask) continue;
    asked.add(question.fact);
    state.queue.push(ask);
    // A posted request's date is not the day the council received it: ask, don't use it.
    if (question.reason === 'posted-request') delete state.facts[question.fact];
  }
  return correction.correcting && freed.length > 0 ? 'changed' : 'kept';
}

/**
 * Dates the person took back: any fact holding one is dropped (to be asked again unless the same
 * message gives the date meant), and no question still to come offers them. Returns the facts dropped.
 */
function dropRetracted(state: DeadlineState, retracted: IsoDate[]): FactName[] {
  if (retracted.length === 0) return [];
  const freed: FactName[] = [];
  for (const [fact, value] of Object.entries(state.facts) as Array<[FactName, IsoDate | null | undefined]>) {
    if (value && retracted.includes(value)) {
      delete state.facts[fact];
      state.confirmed = state.confirmed.filter((f) => f !== fact);
      freed.push(fact);
    }
  }
  state.queue = state.queue.flatMap((q): Ask[] => {
    if (q.type === 'confirm' && retracted.includes(q.date)) return [];
    if (q.type === 'pick') {
      const dates = q.dates.filter((d) => !retracted.includes(d));
      return dates.length > 0 ? [{ ...q, dates }] : [];
    }
    return [q];
  });
  return freed;
}

function askFor(question: Question): Ask | undefined {
  const fact = question.fact;
  if (!fact) return undefined;
  const first = question.dates?.[0];
  switch (question.reason) {
    case 'future-date':
    case 'arrival-only':
      return { type: 'date', fact, question: question.text };
    case 'posted-request':
      return { type: 'date', fact, question: question.text, posted: true };
    case 'conflict':
      return question.dates && question.dates.length > 1 ? { type: 'pick', fact, dates: question.dates, question: question.text } : undefined;
    case 'assumed':
    case 'check':
      return first ? { type: 'confirm', fact, date: first, question: question.text } : undefined;
    default:
      return undefined;
  }
}

/**
 * A reply to a date question. The words around the dates are read as in a first message: "it came
 * on 5 January" is the day it arrived, not its date, and "I posted it on…" is not the day the council
 * received it; those become questions. One plain date is the answer (it is read back before use);
 * several are sorted out by their words, or the person picks.
 */
function takeDate(state: DeadlineState, fact: FactName, text: string, found: FoundDate[]): Outcome {
  const kind = state.kind;
  if (!kind) return 'unclear';
  // "Sorry, I meant the 12th not the 21st": the 21st is taken back, never used, never offered.
  const correction = readCorrection(text, found);
  const freed = dropRetracted(state, correction.retracted.map((d) => d.date));
  const dates = correction.kept;
  if (dates.length === 0) {
    // Only "not the 21st": a plain no, so the date is asked for again.
    const target = freed.find((f) => f !== fact) ?? fact;
    delete state.facts[target];
    state.confirmed = state.confirmed.filter((f) => f !== target);
    state.forced = { type: 'date', fact: target, how: 'change' };
    return 'next';
  }
  const other = freed.find((f) => f !== fact);
  if (other && dates.length === 1 && !dates[0]!.isFuture && !dates[0]!.weekdayClash) {
    // A correction of another date than the one asked about ("the letter was the 12th, not the 21st"): that one changes.
    setFact(state, other, dates[0]!.date);
    return 'next';
  }
  const roles = assignRoles(text, found, kind);
  const doubt = roles.questions.find((q) => q.fact === fact && q.reason !== 'missing' && q.reason !== 'assumed' && !(state.whatIf && q.reason === 'future-date'));
  const asked = doubt && askFor(doubt);
  if (doubt && asked && asked.type !== 'confirm') {
    if (doubt.reason === 'posted-request' || doubt.reason === 'arrival-only' || doubt.reason === 'future-date') delete state.facts[fact];
    state.confirmed = state.confirmed.filter((f) => f !== fact);
    state.forced = asked;
    return 'next';
  }
  for (const other of FACT_NAMES[kind]) {
    const value = roles.facts[other];
    if (other === fact || !value || state.facts[other] !== undefined) continue;
    const clashing = dates.find((d) => d.date === value && d.weekdayClash);
    if (clashing) state.queue.unshift(clashAsk(other, clashing.date, clashing.weekdayClash!));
    else state.facts[other] = value;
  }
  let chosen = dates.find((d) => d.date === roles.facts[fact]);
  if (!chosen && dates.length === 1) chosen = dates[0];
  if (!chosen) {
    const options = [...new Set(dates.filter((d) => state.whatIf || !d.isFuture).map((d) => d.date))];
    if (options.length === 0) chosen = dates[0];
    else {
      state.forced = { type: 'pick', fact, dates: options, question: deadlineMessages.whichDateQuestion(fact) };
      return 'next';
    }
  }
  if (!chosen) return 'unclear';
  if (chosen.weekdayClash) {
    // The weekday typed is not that date's: ask which date is meant, never pick one.
    delete state.facts[fact];
    state.confirmed = state.confirmed.filter((f) => f !== fact);
    state.forced = clashAsk(fact, chosen.date, chosen.weekdayClash);
    return 'next';
  }
  // A what-if may ask about a certificate still to come; a real letter, certificate or request is never in the future.
  if (chosen.isFuture && !state.whatIf) {
    // Letters, certificates and requests are never dated in the future: question it, don't take it.
    delete state.facts[fact];
    state.confirmed = state.confirmed.filter((f) => f !== fact);
    state.forced = { type: 'date', fact, how: 'future', date: chosen.date };
    return 'next';
  }
  setFact(state, fact, chosen.date);
  // "I got the certificate on 3 Feb": the read-back asks whether that is the date it was issued.
  if (asked?.type === 'confirm' && asked.date === chosen.date) state.forced = asked;
  return 'next';
}

/** "18 December 2025 was a Thursday, not a Friday. Which date do you mean?", with the dates it could be. */
function clashAsk(fact: FactName, date: IsoDate, clash: { named: number; alternatives: IsoDate[] }, today?: IsoDate): Ask {
  return {
    type: 'pick',
    fact,
    dates: [...clash.alternatives, date],
    question: deadlineMessages.weekdayClashQuestion(date, clash.named, clash.alternatives.length > 0, today),
  };
}

/** A what-if: the last deadline's confirmed dates, with one changed, which is read back before use. */
function startWhatIf(state: DeadlineState, whatIf: WhatIf, today: IsoDate): DeadlineState {
  const { previous, fact, date } = whatIf;
  state.kind = previous.kind;
  if (previous.decision) state.decision = previous.decision;
  state.whatIf = { fact };
  for (const name of FACT_NAMES[previous.kind]) {
    const value = previous.facts[name];
    if (name === fact || value === undefined) continue;
    state.facts[name] = value;
    if (value !== null) state.confirmed.push(name);
  }
  if (whatIf.clash) state.queue.push(clashAsk(fact, date, whatIf.clash, today));
  else {
    state.facts[fact] = date;
    state.queue.push({ type: 'confirm', fact, date, question: deadlineMessages.whatIfReadBack(fact, date) });
  }
  return state;
}

/** A new or changed date: it must be read back again before it is used. */
function setFact(state: DeadlineState, fact: FactName, date: IsoDate): void {
  state.facts[fact] = date;
  state.confirmed = state.confirmed.filter((f) => f !== fact);
  state.unknownFor = undefined;
  state.lastFact = fact;
}

/** "Is that right?" without the question mark, so a choice typed as a question ("not to assess?") is still that choice. */
function withoutQuestionMark(text: string): string {
  return text.replace(/\?+\s*$/, '');
}

/** A short question about the date just read back: "is that date right?", "is that correct?", "how do I know?". */
function refersBack(text: string): boolean {
  const t = clean(text);
  return t.split(' ').length <= 8 && /\b(that|it|this|date|day|right|correct|sure|true|know|check|find)\b/.test(t);
}

/**
 * A reply to the certificate question that is about the mediation itself ("mediation meeting is on
 * 10 December", "the mediation is booked for 14 January") or a certificate still to come ("the
 * certificate will be issued on the 5th"): not a certificate date. Mediation still to come means no
 * certificate yet; a meeting that has happened, the certificate question again. Undefined when
 * the reply is not of this kind.
 */
function noCertificateYet(state: DeadlineState, text: string, dates: FoundDate[]): Outcome | undefined {
  const meeting = talksAboutMediationMeeting(text);
  if (!meeting && !(dates.length > 0 && mentionsNoCertificate(text))) return undefined;
  // Mediation that has not happened yet: booked, arranged, "is on 10 December" (a day with no year is
  // read as past, so the words decide: only "was", "had", "took place"… make it a meeting that has happened).
  const toCome = !meeting || dates.length === 0 || dates.some((d) => d.isFuture) ||
    /\b(booked|arranged|scheduled|planned|will|going to|next|coming|upcoming|due|set for|set up|not yet|hasnt|havent|soon)\b/.test(clean(text)) ||
    !/\b(was|were|had|went|took place|happened|met|finished|ended|attended|did|been)\b/.test(clean(text));
  delete state.facts.certificate_date;
  state.confirmed = state.confirmed.filter((f) => f !== 'certificate_date');
  if (toCome) {
    state.facts.certificate_date = null;
    if (meeting) {
      state.mediationArranged = true;
      state.note = 'meeting-to-come';
    }
    return 'next';
  }
  state.note = 'meeting-past';
  state.forced = { type: 'certificate' };
  return 'next';
}

async function send(context: TurnContext, reply: DeadlineReply, data: ConversationData): Promise<void> {
  const said = SMS_CHANNELS.has(context.activity.channelId) ? fitDeadlineSms(reply) : reply;
  data.offered = said.choices;
  await context.sendActivity(renderReply(said, context.activity.channelId));
}

/**
 * The reply in a form that fits {@link SMS_MAX_SEGMENTS} SMS segments: its full text with all its
 * choices if that fits, else the first shorter form (whole sentences dropped, never a date cut in
 * two) that fits with all its choices, else with fewer choices ({@link fitSms}).
 */
export function fitDeadlineSms(reply: DeadlineReply): DeadlineReply {
  const forms = [reply.sms, ...(reply.smsShorter ?? [])].map((sms) => ({ ...reply, sms }));
  const fits = (r: DeadlineReply) => segmentCount(smsText(r)) <= SMS_MAX_SEGMENTS;
  return forms.find(fits) ?? forms.map((r) => fitSms(r)).find(fits) ?? fitSms(forms[forms.length - 1]!);
}
