import { TextPrompt, WaterfallDialog, type DialogContext, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { say } from '../src/bot/say';
import { fitFor, renderReply } from '../src/bot/renderReply';
import type { FlowPosition } from '../src/core/flows/engine';
import type { Choice } from '../src/core/replies';
import { pickOffered } from '../src/core/understanding/choices';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { withFeedback } from './feedback';
import { dataOf, understandingOf, flowsOf, type DialogServices } from './services';
import { todayOf, wantsDeadline } from './deadlineDialog';
import { extractDates } from '../src/core/dates';

/** How the main dialog starts a flow. */
export interface FlowOptions {
  /** The message that started it: questions it already answers are skipped. */
  text?: string;
}

/** How a flow ended, for the main dialog. */
export type FlowResult =
  /** A choice that leads out of the flow (a topic, another flow, the deadline, a person): the main dialog acts on it. */
  | { chosen: Choice }
  /** Not an answer but a new question: the main dialog routes the same message again. */
  | { reroute: true }
  /** An ending was shown (or a person offered). */
  | { ended: true };

/** Where the flow is; kept in the waterfall's options so it survives between turns and restarts. */
interface FlowState {
  started: true;
  position: FlowPosition;
  /** Replies in a row it could not read. */
  misses: number;
  /** The last reply gave a date, kept for the deadline: the question is asked again without a "sorry". */
  dateKept?: boolean;
}

/** After this many replies in a row it cannot read, the flow offers a person and ends. */
export const FLOW_UNCLEAR_BEFORE_PERSON = 2;

const PROMPT = 'flowPrompt';
const STEPS = 'flowSteps';

/** The dialog id of a flow. */
export function flowDialogId(flowId: string): string {
  return `flow.${flowId}`;
}

/**
 * The one base of every guided flow: a waterfall that asks the current step's question (a card on
 * Web Chat and Teams, numbered on SMS), reads the answer ("2", "two", the choice's words) and moves
 * on: to the next step, to an ending with next steps (then "Did this help?", sometimes), or out of
 * the flow. What the steps say and where they lead is content (knowledge/flows/<id>.yaml), worked
 * by the framework-free engine (src/core/flows/engine.ts). As a CancelAndHelpDialog, every step
 * handles help, start again, cancel, a request for a person and safeguarding first.
 */
export class FlowDialog extends CancelAndHelpDialog {
  constructor(id: string, readonly flowId: string, services: DialogServices) {
    super(id, services);
    this.addDialog(new TextPrompt(PROMPT));
    this.addDialog(new WaterfallDialog(STEPS, [this.askStep.bind(this), this.answerStep.bind(this)]));
    this.initialDialogId = STEPS;
  }

  /**
   * A choice's number or exact words answer the step, even when they sound like "help" or "start
   * again"; so does a longer answer that a choice's words fit and that only passingly says "help"
   * ("yes, she needs more help").
   */
  protected override answersPrompt(inner: DialogContext, text: string, control: string): boolean {
    const waterfall = inner.stack.find((entry) => entry.id === STEPS);
    const state = waterfall?.state?.options as FlowState | undefined;
    if (!state || !('started' in state)) return false;
    const engine = flowsOf(this.services);
    const step = engine.step(state.position);
    if (pickOffered(text, step.choices) !== undefined) return true;
    return control === 'help' && text.trim().split(/\s+/).length > 2 && engine.read(state.position, text) !== undefined;
  }

  private async askStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options = (step.options ?? {}) as FlowState | FlowOptions & { retry?: boolean };
    const engine = flowsOf(this.services);
    if (!('started' in options)) {
      const state: FlowState = { started: true, position: engine.start(this.flowId, options.text), misses: 0 };
      return step.replaceDialog(STEPS, state);
    }
    const data = await dataOf(this.services, step.context);
    const channel = step.context.activity.channelId;
    const reply = fitFor(engine.stepReply(options.position, data.tenant, options.dateKept ? 'date-kept' : options.misses > 0), channel);
    // The flow reads its own answers: nothing it offers is left for the main dialog to pick.
    data.offered = [];
    return step.prompt(PROMPT, { prompt: renderReply(reply, channel) });
  }

  private async answerStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const state = step.options as FlowState;
    const text = String(step.result ?? '');
    const engine = flowsOf(this.services);
    const data = await dataOf(this.services, step.context);
    const index = engine.read(state.position, text);

    if (index === undefined) {
      // Perhaps a new question, a deadline to work out, or a goodbye, which the main dialog should answer instead.
      const understanding = understandingOf(this.services, step.context, text);
      const today = todayOf(step.context);
      if (understanding.kind === 'answer' || (understanding.kind === 'control' && ['goodbye', 'out-of-scope'].includes(understanding.control)) || wantsDeadline(understanding, text, today)) {
        return step.endDialog({ reroute: true } satisfies FlowResult);
      }
      // "letter come 2 nov": not an answer to this question, but kept for the deadline, and no miss.
      const dates = extractDates(text, today);
      if (dates.length > 0) {
        data.datesToCheck = [data.datesToCheck, ...dates.map((d) => `${d.before}${d.text}${d.after}`.trim())].filter(Boolean).join('\n');
        return step.replaceDialog(STEPS, { ...state, dateKept: true } satisfies FlowState);
      }
      const misses = state.misses + 1;
      if (misses >= FLOW_UNCLEAR_BEFORE_PERSON) {
        await say(step.context, fitFor(engine.offerPerson(data.tenant), step.context.activity.channelId), data);
        return step.endDialog({ ended: true } satisfies FlowResult);
      }
      return step.replaceDialog(STEPS, { ...state, misses, dateKept: false } satisfies FlowState);
    }

    const outcome = engine.choose(state.position, index);
    switch (outcome.kind) {
      case 'step':
        return step.replaceDialog(STEPS, { started: true, position: outcome.position, misses: 0 } satisfies FlowState);
      case 'leave':
        return step.endDialog({ chosen: outcome.choice } satisfies FlowResult);
      case 'ending': {
        const channel = step.context.activity.channelId;
        const reply = engine.endingReply(outcome.flowId, outcome.endingId, data.tenant, outcome.decision);
        await say(step.context, withFeedback(this.services, reply, `flow:${outcome.flowId}/${outcome.endingId}`, data, channel), data);
        return step.endDialog({ ended: true } satisfies FlowResult);
      }
    }
  }
}
