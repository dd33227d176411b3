import {
  ActivityEx,
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import { handleAdviserActivity, type AdviserChannelAdapter } from '../../src/channels/teams/adviserChannel';
import { removeBotMention } from '../../src/channels/teams/mentions';

/** The id the first card posted gets (recorded Teams fixtures reply in its thread). */
export const CARD_ID = '1712345678901';

/**
 * A Bot Framework adapter that records what the bot sends and updates. Its `proactive` side runs
 * continueConversationAsync the way CloudAdapter does: a context on botbuilder's continuation
 * activity (which has an id of its own) for the reference.
 */
export class RecordingAdapter extends BotAdapter {
  readonly sent: Array<Partial<Activity>> = [];
  readonly updated: Array<Partial<Activity>> = [];
  readonly invokeResponses: Array<{ status: number; body: { statusCode: number; type: string; value: unknown } }> = [];
  readonly references: Array<Partial<ConversationReference>> = [];
  nextId = Number(CARD_ID);
  failWith?: Error;

  readonly proactive: AdviserChannelAdapter = {
    continueConversationAsync: async (_botAppId, reference, logic) => {
      this.references.push(reference);
      await logic(new TurnContext(this, ActivityEx.getContinuationActivity(reference)));
    },
  };

  async sendActivities(_context: TurnContext, activities: Array<Partial<Activity>>): Promise<ResourceResponse[]> {
    if (this.failWith) throw this.failWith;
    return activities.map((activity) => {
      if (activity.type === ActivityTypes.InvokeResponse) {
        this.invokeResponses.push(activity.value as RecordingAdapter['invokeResponses'][number]);
        return { id: '' };
      }
      this.sent.push(activity);
      return { id: String(this.nextId++) };
    });
  }
  async updateActivity(_context: TurnContext, activity: Partial<Activity>): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.updated.push(activity);
  }
  async deleteActivity(): Promise<void> {}
  async continueConversation(): Promise<void> {
    throw new Error('not used');
  }
  /** Runs an incoming activity through the mentions middleware and the adviser handler. */
  async receive(activity: Activity, deps: Parameters<typeof handleAdviserActivity>[1]): Promise<boolean> {
    const context = new TurnContext(this, structuredClone(activity));
    let handled = false;
    await removeBotMention.onTurn(context, async () => {
      handled = await handleAdviserActivity(context, deps);
    });
    return handled;
  }
}

