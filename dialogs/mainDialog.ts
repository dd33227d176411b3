import { ActivityTypes, type TurnContext, type StatePropertyAccessor } from 'botbuilder';
import {
  ComponentDialog, DialogSet, DialogTurnStatus, WaterfallDialog,
  type DialogState, type DialogTurnResult, type WaterfallStepContext,
} from 'botbuilder-dialogs';
import type { Choice } from '../src/core/replies';
import { pickChoice } from '../src/core/understanding/choices';
import { say } from '../src/bot/say';
import { ClarifyDialog, CLARIFY_DIALOG, type ClarifyOptions, type ClarifyResult } from './clarifyDialog';
import { dataOf, type DialogServices } from './services';
// Deadline hook: see dialogs/deadlineDialog.ts.
import { DEADLINE_DIALOG, DeadlineDialog, todayOf, wantsDeadline, withDeadlineChoice, type DeadlineOptions } from './deadlineDialog';

export const MAIN_DIALOG = 'mainDialog';
const STEPS = 'mainSteps';
/** After this many messages in a row it cannot place, the assistant offers a person. */
export const UNCLEAR_TURNS_BEFORE_PERSON = 2;

/** Routes each message: risk first, then controls, then an answer, a question back, or a person. */
export class MainDialog extends ComponentDialog {
  constructor(private readonly services: DialogServices) {
    super(MAIN_DIALOG);
    this.addDialog(new ClarifyDialog(services));
    this.addDialog(new DeadlineDialog(services)); // Deadline hook
    // The third step takes the deadline dialog's result when a clarify choice started it (Deadline hook).
    this.addDialog(new WaterfallDialog(STEPS, [this.routeStep.bind(this), this.afterClarifyStep.bind(this), this.afterClarifyStep.bind(this)]));
    this.initialDialogId = STEPS;
  }

  /** Runs the dialog stack for one turn, starting this dialog if nothing is waiting. */
  async run(context: TurnContext, dialogState: StatePropertyAccessor<DialogState>): Promise<void> {
    const dialogs = new DialogSet(dialogState);
    dialogs.add(this);
    const dc = await dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { context } = step;
    const data = await dataOf(this.services, context);
    const { replies, understander } = this.services;
    const text = context.activity.type === ActivityTypes.Message ? (context.activity.text ?? '') : '';
    if (!text.trim()) return step.endDialog();

    // A risk outranks even a choice from the last message.
    const understanding = understander.understand(text);
    if (understanding.kind === 'safeguarding') {
      await say(context, replies.safeguarding(data.tenant), data);
      return step.endDialog();
    }

    const offeredIndex = pickChoice(text, data.offered.map((c) => [c.label, c.short]));
    if (offeredIndex !== undefined) return this.act(step, data.offered[offeredIndex]!);

    // Deadline hook: a date, or a request to work out a deadline, starts the deadline dialog.
    if (wantsDeadline(understanding, text, todayOf(context))) {
      data.unclearTurns = 0;
      const topicId = understanding.kind === 'answer' ? understanding.topicId : undefined;
      return step.beginDialog(DEADLINE_DIALOG, { text, topicId } satisfies DeadlineOptions);
    }

    switch (understanding.kind) {
      case 'answer':
        data.unclearTurns = 0;
        await say(context, withDeadlineChoice(replies.answer(understanding.topicId, data.tenant), understanding.topicId), data);
        return step.endDialog();
      case 'control':
        data.unclearTurns = 0;
        await this.control(context, understanding.control);
        return step.endDialog();
      case 'clarify':
        return step.beginDialog(CLARIFY_DIALOG, {
          candidateIds: understanding.candidates.map((c) => c.id),
        } satisfies ClarifyOptions);
      case 'not-understood':
        return this.unclear(step);
    }
  }

  private async afterClarifyStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const result = step.result as ClarifyResult | undefined;
    if (!result) return step.endDialog();
    if ('chosen' in result) return this.act(step, result.chosen);
    if ('reroute' in result) return step.replaceDialog(STEPS);
    return this.unclear(step);
  }

  private async act(step: WaterfallStepContext, choice: Choice): Promise<DialogTurnResult> {
    const data = await dataOf(this.services, step.context);
    const { replies } = this.services;
    data.unclearTurns = 0;
    switch (choice.action.kind) {
      case 'topic':
        await say(step.context, withDeadlineChoice(replies.answer(choice.action.topicId, data.tenant), choice.action.topicId), data);
        break;
      case 'deadline': // Deadline hook: "Work out my deadline"
        return step.beginDialog(DEADLINE_DIALOG, {} satisfies DeadlineOptions);
      case 'person':
        await say(step.context, replies.person(data.tenant, 'asked'), data);
        break;
      case 'something-else':
        await say(step.context, replies.control('help', data.tenant), data);
        break;
    }
    return step.endDialog();
  }

  private async unclear(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const data = await dataOf(this.services, step.context);
    data.unclearTurns += 1;
    if (data.unclearTurns >= UNCLEAR_TURNS_BEFORE_PERSON) {
      data.unclearTurns = 0;
      await say(step.context, this.services.replies.person(data.tenant, 'not-understood'), data);
    } else {
      await say(step.context, this.services.replies.notUnderstood(), data);
    }
    return step.endDialog();
  }

  private async control(context: TurnContext, control: string): Promise<void> {
    const data = await dataOf(this.services, context);
    const { replies } = this.services;
    if (control === 'human') return say(context, replies.person(data.tenant, 'asked'), data);
    const choices = control === 'restart' || control === 'greeting' ? replies.starterChoices() : [];
    return say(context, replies.control(control, data.tenant, choices), data);
  }
}
