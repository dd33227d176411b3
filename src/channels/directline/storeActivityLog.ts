import type { Activity } from 'botbuilder';
import { ConversationNotFoundError as StoreConversationNotFoundError, type Store } from '../../store/store';
import { log } from '../../log';
import {
  ConversationNotFoundError,
  LocalAppendListeners,
  type ActivityLog,
  type AppendListener,
  type ActivityPage,
  type ConversationMeta,
  type LocalAppendListener,
  type StoredActivity,
} from './activityLog';
import { WEBCHAT_CHANNEL_ID } from './adapter';

export type TranscriptStore = Pick<
  Store,
  | 'createConversation'
  | 'conversationExists'
  | 'getConversation'
  | 'markConversationStarted'
  | 'appendActivity'
  | 'listActivities'
  // The turn cursor lives in Bot Framework state, under a key of the conversation's own.
  | 'botStorage'
> &
  // Without publish/subscribe, nothing is announced and Direct Line streams poll instead.
  Partial<Pick<Store, 'publish' | 'subscribe'>>;

/**
 * The store channel on which every append is announced to all instances, as `{ c, s }`: the
 * conversation id and the new activity's sequence number. Never the activity itself.
 */
export const APPEND_NOTICE_CHANNEL = 'directline.append';

/**
 * The state key of a conversation's turn cursor. Shaped like ConversationState's keys
 * (`<channel>/conversations/<id>/`) so that retention and a person's export and deletion treat it
 * as the conversation's; `directline-turns` is no channel, so it never meets the bot's own state.
 */
export function turnCursorKey(conversationId: string): string {
  return `directline-turns/conversations/${conversationId}/`;
}

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
  private readonly gapListeners = new Set<() => void>();
  private readonly localListeners = new LocalAppendListeners();

  constructor(
    private readonly store: TranscriptStore,
    options: StoreActivityLogOptions = {},
  ) {
    this.channel = options.channel ?? WEBCHAT_CHANNEL_ID;
    this.now = options.now ?? (() => new Date());
  }

  async create(conversationId: string, meta: ConversationMeta): Promise<void> {
    await this.watched(this.store.createConversation(conversationId, { tenant: meta.tenant, channel: this.channel }));
  }

  exists(conversationId: string): Promise<boolean> {
    return this.watched(this.store.conversationExists(conversationId));
  }

  markStarted(conversationId: string): Promise<boolean> {
    return this.watched(this.store.markConversationStarted(conversationId));
  }

  async turnsDone(conversationId: string): Promise<number> {
    const key = turnCursorKey(conversationId);
    const items = await this.watched(this.store.botStorage().read([key]));
    const seq = (items[key] as { seq?: unknown } | undefined)?.seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
  }

  async markTurnsDone(conversationId: string, seq: number): Promise<void> {
    // Only the holder of the conversation's turn lock writes it, so a plain write is safe.
    await this.watched(this.store.botStorage().write({ [turnCursorKey(conversationId)]: { seq, eTag: '*' } }));
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
      const stored = asLogActivity(entry.activity);
      if (!entry.duplicate) {
        this.localListeners.tell(conversationId, stored, entry.seq);
        this.announce(conversationId, entry.seq);
      }
      return stored;
    } catch (error) {
      this.failed(error);
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
      this.failed(error);
      throw translate(error, conversationId);
    }
  }

  async watch(listener: AppendListener, onGap?: () => void): Promise<() => Promise<void>> {
    if (!this.store.subscribe) throw new Error('This store cannot announce new activities');
    // A wrapper per call, so the same function watching twice is two watchers.
    const gap = onGap ? () => onGap() : undefined;
    if (gap) this.gapListeners.add(gap);
    try {
      const unsubscribe = await this.store.subscribe(APPEND_NOTICE_CHANNEL, (payload) => {
        const { c, s } = (payload ?? {}) as { c?: unknown; s?: unknown };
        if (typeof c === 'string' && c.length > 0 && Number.isSafeInteger(s) && (s as number) > 0) listener(c, s as number);
      });
      return async () => {
        if (gap) this.gapListeners.delete(gap);
        await unsubscribe();
      };
    } catch (error) {
      if (gap) this.gapListeners.delete(gap);
      this.failed(error);
      throw error;
    }
  }

  onLocalAppend(listener: LocalAppendListener): () => void {
    return this.localListeners.add(listener);
  }

  /** Passes `work`'s outcome on, telling watchers about a failure first. */
  private async watched<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      this.failed(error);
      throw error;
    }
  }

  /**
   * The store failed (other than for a missing conversation): it may have lost its connection,
   * and with it notices of appends. Watchers are told, so they re-read rather than wait for them.
   */
  private failed(error: unknown): void {
    if (error instanceof StoreConversationNotFoundError || error instanceof ConversationNotFoundError) return;
    for (const gap of [...this.gapListeners]) {
      try {
        gap();
      } catch {
        // A watcher's failure must not hide the store's.
      }
    }
  }

  /** Best effort and not awaited: a lost notice only delays delivery until the streams' next sweep. */
  private announce(conversationId: string, seq: number): void {
    if (!this.store.publish) return;
    this.store.publish(APPEND_NOTICE_CHANNEL, { c: conversationId, s: seq }).catch((error: unknown) => {
      this.failed(error);
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
