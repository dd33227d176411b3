import {
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationAccount,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import { ConversationTurns } from '../conversationTurns';
import type { ActivityLog } from './activityLog';
import type { TurnLock } from './turnLock';

export const WEBCHAT_CHANNEL_ID = 'webchat';

export type TurnLogic = (context: TurnContext) => Promise<void>;

export interface ErrorLogger {
  error(message: string, details: Record<string, unknown>): void;
}

export interface DirectLineAdapterOptions {
  log: ActivityLog;
  botId: string;
  botName: string;
  /** Upper bound for a bot's `delay` activity; longer delays would hold up the whole conversation. */
  maxDelayMs?: number;
  logger?: ErrorLogger;
  apologyText?: string;
  /**
   * Held around each turn, after the in-process queue: serialises a conversation's turns across
   * instances sharing a database (see turnLock.ts). Without one, turns are serialised per process.
   */
  turnLock?: TurnLock;
}

const DEFAULT_APOLOGY =
  'Sorry, something went wrong on our side. Please try again. If it keeps happening, ask to talk to a person.';

/**
 * A Bot Framework adapter whose "channel" is the {@link ActivityLog}: the bot's replies are
 * appended to the log, and Direct Line clients poll it. Turns for one conversation run one at a
 * time, in the order they were queued (and, with a `turnLock`, one at a time across instances).
 */
export class DirectLineAdapter extends BotAdapter {
  readonly bot: ChannelAccount;
  private readonly log: ActivityLog;
  private readonly maxDelayMs: number;
  private readonly logger: ErrorLogger;
  private readonly apologyText: string;
  private readonly turns: ConversationTurns;

  constructor(options: DirectLineAdapterOptions) {
    super();
    this.log = options.log;
    this.bot = channelAccount(options.botId, options.botName, 'bot');
    this.maxDelayMs = options.maxDelayMs ?? 3000;
    this.logger = options.logger ?? console;
    this.apologyText = options.apologyText ?? DEFAULT_APOLOGY;
    this.turns = new ConversationTurns(options.turnLock);
  }

  /** Turns queued or running, over all conversations. */
  get pendingConversations(): number {
    return this.turns.pending;
  }

  /**
   * Resolves once no turn is queued or running (true), or after `timeoutMs` (false). Turns queued
   * while it waits are waited for too. For graceful shutdown, after the server stops accepting.
   */
  drain(timeoutMs: number): Promise<boolean> {
    return this.turns.drain(timeoutMs);
  }

  /**
   * Queues a turn for the activity's conversation and resolves when it has run. A failing turn
   * never rejects: the error is logged (without the user's text) and the user gets an apology.
   */
  processActivity(activity: Partial<Activity>, logic: TurnLogic): Promise<void> {
    const conversationId = activity.conversation?.id;
    if (!conversationId) return Promise.reject(new Error('The activity has no conversation id.'));
    return this.enqueue(conversationId, async () => {
      try {
        await this.runTurn(conversationId, activity, logic);
      } catch (error) {
        this.logTurnError(conversationId, activity, error);
        await this.apologise(conversationId, activity);
      }
    }).catch(async (error: unknown) => {
      // The turn lock could not be had (database unreachable, waited too long): the turn never ran.
      this.logTurnError(conversationId, activity, error);
      await this.apologise(conversationId, activity);
    });
  }

  /** For proactive messages (e.g. an adviser's reply). Errors reach the caller. */
  async continueConversation(reference: Partial<ConversationReference>, logic: TurnLogic): Promise<void> {
    const conversationId = reference.conversation?.id;
    if (!conversationId) throw new Error('The conversation reference has no conversation id.');
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: 'continueConversation' },
      { ...reference, bot: reference.bot ?? this.bot, channelId: WEBCHAT_CHANNEL_ID },
      true,
    );
    await this.enqueue(conversationId, () => this.runTurn(conversationId, activity, logic));
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'delay') {
        await sleep(this.boundedDelay(activity.value));
        responses.push({ id: '' });
        continue;
      }
      // Trace activities are for the Emulator; invoke responses have no meaning in web chat.
      if (activity.type === ActivityTypes.Trace || activity.type === ActivityTypes.InvokeResponse) {
        responses.push({ id: '' });
        continue;
      }
      const conversationId = activity.conversation?.id ?? context.activity.conversation?.id;
      if (!conversationId) throw new Error('The outgoing activity has no conversation id.');
      const { serviceUrl: _serviceUrl, ...rest } = activity;
      const stored = await this.log.append(conversationId, {
        ...rest,
        type: activity.type ?? ActivityTypes.Message,
        channelId: WEBCHAT_CHANNEL_ID,
        from: this.bot,
        recipient: activity.recipient ?? context.activity.from,
        conversation: conversationAccount(conversationId),
      });
      responses.push({ id: stored.id });
    }
    return responses;
  }

  async updateActivity(): Promise<void> {
    throw new Error('Updating activities is not supported by the web chat channel.');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('Deleting activities is not supported by the web chat channel.');
  }

  private async runTurn(conversationId: string, activity: Partial<Activity>, logic: TurnLogic): Promise<void> {
    const context = new TurnContext(this, activity);
    await this.runMiddleware(context, logic);
  }

  private enqueue(conversationId: string, task: () => Promise<void>): Promise<void> {
    return this.turns.run(conversationId, task);
  }

  private async apologise(conversationId: string, activity: Partial<Activity>): Promise<void> {
    try {
      await this.log.append(conversationId, {
        type: ActivityTypes.Message,
        text: this.apologyText,
        channelId: WEBCHAT_CHANNEL_ID,
        from: this.bot,
        recipient: activity.from,
        conversation: conversationAccount(conversationId),
        replyToId: activity.id,
      });
    } catch (error) {
      this.logTurnError(conversationId, activity, error);
    }
  }

  private logTurnError(conversationId: string, activity: Partial<Activity>, error: unknown): void {
    // Error messages can quote what the user typed, so only the error's type and stack frames are logged.
    const stackFrames = error instanceof Error ? (error.stack ?? '').split('\n').slice(1).join('\n') : undefined;
    this.logger.error('Web chat turn failed', {
      conversationId,
      activityId: activity.id,
      activityType: activity.type,
      errorName: error instanceof Error ? error.name : typeof error,
      stack: stackFrames,
    });
  }

  private boundedDelay(value: unknown): number {
    const requested = typeof value === 'number' && Number.isFinite(value) ? value : 1000;
    return Math.min(Math.max(requested, 0), this.maxDelayMs);
  }
}

export function channelAccount(id: string, name?: string, role?: 'user' | 'bot'): ChannelAccount {
  return { id, ...(name !== undefined && { name }), ...(role && { role }) } as ChannelAccount;
}

/** Direct Line's conversation objects carry only the id. */
export function conversationAccount(id: string): ConversationAccount {
  return { id } as ConversationAccount;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
