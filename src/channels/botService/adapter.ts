import { createHash } from 'node:crypto';
import {
  ActivityTypes,
  CloudAdapter,
  type TurnContext,
  type Activity,
  type InvokeResponse,
  type ResourceResponse,
  type Storage,
} from 'botbuilder';
import type { BotFrameworkAuthentication } from 'botframework-connector';
import type { TurnLock } from '../directline/turnLock';
import { ConversationTurns } from '../conversationTurns';
import { withCouncil, type CouncilResolver } from '../teams/council';
import { withVisibleChoices } from '../teams/suggestedActions';

export type TurnLogic = (context: TurnContext) => Promise<void>;

/** Ids and kinds only: never the message's text, names, phone numbers or email addresses. */
export interface BotServiceLog {
  info(event: string, fields?: Record<string, string | number | boolean | undefined>): void;
  warn(event: string, fields?: Record<string, string | number | boolean | undefined>): void;
  error(event: string, fields?: Record<string, string | number | boolean | undefined>): void;
}

export interface BotServiceAdapterOptions {
  auth: BotFrameworkAuthentication;
  /**
   * Remembers which activities have run, so a channel's redelivery (Teams retries when a reply is
   * slow) runs nothing twice. The project's store: a second instance racing us loses.
   */
  storage?: Storage;
  /** Held around each turn after the in-process queue (see directline/turnLock.ts). */
  turnLock?: TurnLock;
  log: BotServiceLog;
  apologyText?: string;
  /**
   * The council of each activity that arrives (see teams/council.ts): put in
   * `channelData.tenant`, replacing whatever the caller sent there.
   */
  councilOf: CouncilResolver;
}

export const BOT_SERVICE_APOLOGY =
  'Sorry, something went wrong on our side. Please try again. If it keeps happening, ask to talk to a person.';

/** Storage key for "this activity has been handled": a hash, so no id is stored in the key. */
export function seenActivityKey(channelId: string, conversationId: string, activityId: string): string {
  const digest = createHash('sha256').update(`${channelId}\n${conversationId}\n${activityId}`).digest('base64url');
  return `botservice/seen/${digest}`;
}

/**
 * botbuilder's CloudAdapter (authentication, replies to the channel's serviceUrl) with what the
 * project's other adapters do too: a conversation's turns run one at a time, in the order they
 * came (and, with a turn lock, one at a time across instances); an activity id already handled is
 * not handled again; a failing turn is logged without its text and the person gets an apology.
 */
export class BotServiceAdapter extends CloudAdapter {
  private readonly storage: Storage | undefined;
  private readonly log: BotServiceLog;
  private readonly apologyText: string;
  private readonly turns: ConversationTurns;
  private readonly councilOf: CouncilResolver;

  constructor(options: BotServiceAdapterOptions) {
    super(options.auth);
    this.storage = options.storage;
    this.councilOf = options.councilOf;
    this.turns = new ConversationTurns(options.turnLock);
    this.log = options.log;
    this.apologyText = options.apologyText ?? BOT_SERVICE_APOLOGY;
    this.onTurnError = (context, error) => this.turnFailed(context, error);
  }

  /** Conversations with a turn queued or running. */
  get pendingConversations(): number {
    return this.turns.pending;
  }

  /**
   * Authenticates the request (throws botbuilder's AuthenticationError, or a JWT error, when the
   * Authorization header is missing, forged, expired or for another bot), then runs the turn in
   * its conversation's queue. Resolves with the invoke response, if any, once the turn has run.
   * The activity's council is decided here, never taken from the caller (teams/council.ts).
   */
  handle(authHeader: string, activity: Activity, logic: TurnLogic): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, withCouncil(activity, this.councilOf), (context) => this.serialised(context, logic));
  }

  /**
   * Everything the bot sends on this adapter (replies, proactive messages) passes here last: in a
   * Teams group chat or channel, where suggested actions may not be shown, they go as a card the
   * person can see and press (teams/suggestedActions.ts). Dialogs need not know the conversation
   * type; personal chats and other channels are sent as they are.
   */
  override sendActivities(context: TurnContext, activities: Array<Partial<Activity>>): Promise<ResourceResponse[]> {
    return super.sendActivities(context, activities.map(withVisibleChoices));
  }

  /** Resolves true once no turn is queued or running, false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.turns.drain(timeoutMs);
  }

  private serialised(context: TurnContext, logic: TurnLogic): Promise<void> {
    const { channelId, conversation, id } = context.activity;
    const conversationId = conversation?.id;
    if (!conversationId) throw new Error('The activity has no conversation id.');
    // Keyed by channel too: conversation ids are only unique within a channel.
    const key = `${channelId}:${conversationId}`;
    return this.enqueue(key, async () => {
      if (id && this.storage && !(await this.claim(this.storage, seenActivityKey(channelId, conversationId, id)))) {
        this.log.info('bot_service.repeat_ignored', { channelId: label(channelId), activityType: label(context.activity.type) });
        // An invoke still wants an answer (without one botbuilder says 501).
        if (context.activity.type === ActivityTypes.Invoke) {
          await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200 } });
        }
        return;
      }
      await logic(context);
    });
  }

  /** True when this call is the first to mark the key; the queue above keeps it to one at a time. */
  private async claim(storage: Storage, key: string): Promise<boolean> {
    const found = await storage.read([key]);
    if (found[key]) return false;
    try {
      // No eTag: create-only in the project's store, so another instance writing it first wins.
      await storage.write({ [key]: { at: new Date().toISOString() } });
      return true;
    } catch (error) {
      if (error instanceof Error && /etag/i.test(`${error.name} ${error.message}`)) return false;
      throw error;
    }
  }

  private enqueue(key: string, task: () => Promise<void>): Promise<void> {
    return this.turns.run(key, task);
  }

  private async turnFailed(context: TurnContext, error: Error): Promise<void> {
    // An error's message can quote what the person typed: only its kind is logged.
    this.log.error('bot_service.turn_failed', {
      channelId: label(context.activity.channelId),
      activityType: label(context.activity.type),
      errorName: errorName(error),
    });
    if (context.activity.type !== ActivityTypes.Message && context.activity.type !== ActivityTypes.Invoke) return;
    try {
      await context.sendActivity({ type: ActivityTypes.Message, text: this.apologyText, textFormat: 'plain' });
    } catch (sendError) {
      this.log.error('bot_service.apology_failed', { channelId: label(context.activity.channelId), errorName: errorName(sendError) });
    }
    if (context.activity.type === ActivityTypes.Invoke) {
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 500 } }).catch(() => undefined);
    }
  }
}

/** A channel id or activity type fit for the log: caller-supplied text is never logged as given. */
export function label(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9._/-]{1,40}$/.test(value) ? value : 'other';
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name.slice(0, 100) : typeof error;
}

/** The activity with its timestamps as Dates, as botbuilder's own HTTP handling leaves them. */
export function withDates(activity: Activity): Activity {
  const raw = activity as Activity & Record<string, unknown>;
  for (const [field, rawField] of [
    ['timestamp', 'rawTimestamp'],
    ['localTimestamp', 'rawLocalTimestamp'],
    ['expiration', 'rawExpiration'],
  ] as const) {
    const value = raw[field];
    if (typeof value === 'string') {
      raw[rawField] = value;
      const date = new Date(value);
      raw[field] = Number.isNaN(date.getTime()) ? undefined : date;
    }
  }
  return activity;
}

