import { TextPrompt, WaterfallDialog, type WaterfallStepContext, type DialogTurnResult } from 'botbuilder-dialogs';
import type { Choice } from '../src/core/replies';
import type { Understanding } from '../src/core/understanding/understand';
import { pickOffered } from '../src/core/understanding/choices';
import { renderReply } from '../src/bot/renderReply';
import { CancelAndHelpDialog } from './cancelAndHelpDialog';
import { dataOf, understandingOf, type DialogServices } from './services';

export const CLARIFY_DIALOG = 'clarifyDialog';
const CHOICE_PROMPT = 'clarifyChoice';
const STEPS = 'clarifySteps';

export interface ClarifyOptions {
  candidateIds: string[];
  retried?: boolean;
}

/** How a clarifying question ended. */
export type ClarifyResult =
  | { chosen: Choice }
  | { reroute: true }
  | { unclear: true };

/**
 * Whether a message that is itself unclear points somewhere else than the question being asked
 * ("Can I challenge that?" about a plan ending, while the choices were about assessments): then it
 * is a new question, read afresh, not a wrong answer to this one.
 */
function asksSomethingElse(understanding: Understanding, offeredIds: readonly string[]): boolean {
  if (understanding.kind !== 'clarify') return false;
  const likeliest = understanding.candidates[0]?.id;
  return likeliest !== undefined && !offeredIds.includes(likeliest);
}

/** Asks which of the likeliest topics the person means, once; then lets the main dialog decide. */
export class ClarifyDialog extends CancelAndHelpDialog {
  constructor(services: DialogServices) {
    super(CLARIFY_DIALOG, services);
    this.addDialog(new TextPrompt(CHOICE_PROMPT));
    this.addDialog(new WaterfallDialog(STEPS, [this.askStep.bind(this), this.pickStep.bind(this)]));
    this.initialDialogId = STEPS;
  }

  private async askStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const options = step.options as ClarifyOptions;
    const reply = this.services.replies.clarify(options.candidateIds);
    if (options.retried) {
      reply.text = `Please choose one of these, or ask your question in a different way.`;
      reply.sms = 'Please reply with a number, or ask in a different way.';
    }
    const data = await dataOf(this.services, step.context);
    data.offered = reply.choices;
    (step.values as { choices?: Choice[] }).choices = reply.choices;
    return step.prompt(CHOICE_PROMPT, { prompt: renderReply(reply, step.context.activity.channelId) });
  }

  private async pickStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const choices = (step.values as { choices?: Choice[] }).choices ?? [];
    const text = String(step.result ?? '');
    const chosen = pickOffered(text, choices);
    if (chosen) return step.endDialog({ chosen } satisfies ClarifyResult);
    const understanding = understandingOf(this.services, step.context, text);
    const options = step.options as ClarifyOptions;
    if (understanding.kind === 'answer' || understanding.kind === 'control' || asksSomethingElse(understanding, options.candidateIds)) {
      return step.endDialog({ reroute: true } satisfies ClarifyResult);
    }
    if (options.retried) return step.endDialog({ unclear: true } satisfies ClarifyResult);
    return step.replaceDialog(STEPS, { ...options, retried: true });
  }
}
