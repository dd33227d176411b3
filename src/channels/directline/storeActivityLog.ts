import type { Activity } from 'botbuilder';
import { ConversationNotFoundError as StoreConversationNotFoundError, type Store } from '../../store/store';
import { log } from '../../log';
import {
  ConversationNotFoundError,
  type ActivityLog,
  type AppendListener,
  type ActivityPage,
  type ConversationMeta,
  type StoredActivity,
} from './activityLog';
import { WEBCHAT_CHANNEL_ID } from './adapter';

export type TranscriptStore = Pick<
  Store,
  'createConversation' | 'conversationExists' | 'getConversation' | 'markConversationStarted' | 'appendActivity' | 'listActivities'
> &
  // Without publish/subscribe, nothing is announced and Direct Line streams poll instead.
  Partial<Pick<Store, 'publish' | 'subscribe'>>;

/**
 * The store channel on which every append is announced to all instances, as `{ c, s }`: the
 * conversation id and the new activity's sequence number. Never the activity itself.
 */
export const APPEND_NOTICE_CHANNEL = 'directline.append';

export interface StoreActivityLogOptions {
  /** The channel recorded with each conversation. Default `webchat`. */
  channel?: string;
  now?: () => Date;
}

/**
 * The Direct Line activity log kept in the {@link Store}'s transcript, so conversations survive a
 * restart and every instance sharing the database sees the same stream. The watermark is the
 * store's per-conversation sequence number; activity ids are the store's `${conversationId}|seq`.
 */
export class StoreActivityLog implements ActivityLog {
  private readonly channel: string;
  private readonly now: () => Date;

  constructor(
    private readonly store: TranscriptStore,
    options: StoreActivityLogOptions = {},
  ) {
    this.channel = options.channel ?? WEBCHAT_CHANNEL_ID;
    this.now = options.now ?? (() => new Date());
  }

  async create(conversationId: string, meta: ConversationMeta): Promise<void> {
    await this.store.createConversation(conversationId, { tenant: meta.tenant, channel: this.channel });
  }

  exists(conversationId: string): Promise<boolean> {
    return this.store.conversationExists(conversationId);
  }

  markStarted(conversationId: string): Promise<boolean> {
    return this.store.markConversationStarted(conversationId);
  }

  async append(conversationId: string, activity: Partial<Activity>): Promise<StoredActivity> {
    // The server names activities (`${conversationId}|seq`), as Direct Line does: an id the bot or
    // client set is dropped, so it can neither collide with nor be mistaken for a repeat.
    const { id: _id, ...rest } = activity;
    try {
      const entry = await this.store.appendActivity(conversationId, {
        ...rest,
        type: activity.type ?? 'message',
        timestamp: this.now().toISOString() as unknown as Date,
      });
      if (!entry.duplicate) this.announce(conversationId, entry.seq);
      return asLogActivity(entry.activity);
    } catch (error) {
      throw translate(error, conversationId);
    }
  }

  async since(conversationId: string, watermark?: number): Promise<ActivityPage> {
    try {
      // The conversation is read first: an append commits its activity and the new last sequence
      // number together, so every activity up to `lastSeq` is visible to the listing that follows,
      // and one appended meanwhile has a higher number than the watermark returned. When the
      // client is already at (or, with a made-up watermark, beyond) `lastSeq` there is nothing to
      // list, and answering `lastSeq` lets it catch up; this is also the usual empty poll.
      const conversation = await this.store.getConversation(conversationId);
      if (!conversation) throw new ConversationNotFoundError(conversationId);
      if (watermark !== undefined && watermark >= conversation.lastSeq) {
        return { activities: [], watermark: conversation.lastSeq };
      }
      const entries = await this.store.listActivities(conversationId, watermark);
      const last = entries[entries.length - 1];
      return {
        activities: entries.map((entry) => asLogActivity(entry.activity)),
        watermark: last ? Math.max(last.seq, conversation.lastSeq) : conversation.lastSeq,
      };
    } catch (error) {
      throw translate(error, conversationId);
    }
  }

  async watch(listener: AppendListener): Promise<() => Promise<void>> {
    if (!this.store.subscribe) throw new Error('This store cannot announce new activities');
    return this.store.subscribe(APPEND_NOTICE_CHANNEL, (payload) => {
      const { c, s } = (payload ?? {}) as { c?: unknown; s?: unknown };
      if (typeof c === 'string' && c.length > 0 && Number.isSafeInteger(s) && (s as number) > 0) listener(c, s as number);
    });
  }

  /** Best effort and not awaited: a lost notice only delays delivery until the streams' next sweep. */
  private announce(conversationId: string, seq: number): void {
    if (!this.store.publish) return;
    this.store.publish(APPEND_NOTICE_CHANNEL, { c: conversationId, s: seq }).catch((error: unknown) => {
      log.warn('directline.notice_failed', { error: error instanceof Error ? error.name : 'unknown' });
    });
  }
}

/** Stored by {@link StoreActivityLog.append}, so JSON-clean with an id, a type and an ISO timestamp. */
function asLogActivity(activity: unknown): StoredActivity {
  return activity as StoredActivity;
}

function translate(error: unknown, conversationId: string): unknown {
  return error instanceof StoreConversationNotFoundError ? new ConversationNotFoundError(conversationId) : error;
}
