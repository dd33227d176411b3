import type { Activity } from 'botbuilder';

/**
 * The per-conversation activity stream that Direct Line clients poll with a watermark.
 * Async throughout so a database-backed log can implement the same interface.
 */

export interface ConversationMeta {
  tenant: string;
}

/** An activity as stored and sent to clients: JSON-clean, with a server id and ISO timestamp. */
export type StoredActivity = Omit<Partial<Activity>, 'id' | 'timestamp' | 'type'> & {
  id: string;
  type: string;
  timestamp: string;
};

export interface ActivityPage {
  activities: StoredActivity[];
  /** The sequence number of the conversation's latest activity: the client's next watermark. */
  watermark: number;
}

export interface ActivityLog {
  /** Creating a conversation that already exists changes nothing. */
  create(conversationId: string, meta: ConversationMeta): Promise<void>;
  exists(conversationId: string): Promise<boolean>;
  /** True for exactly one caller per conversation: the one that should run its start-up turn. */
  markStarted(conversationId: string): Promise<boolean>;
  /** Throws {@link ConversationNotFoundError} for an unknown conversation. */
  append(conversationId: string, activity: Partial<Activity>): Promise<StoredActivity>;
  /** Activities after `watermark` (all when omitted), oldest first. */
  since(conversationId: string, watermark?: number): Promise<ActivityPage>;
  /**
   * Calls `listener` with the conversation id and sequence number of every activity appended from
   * now on, in this process and, for a log kept in a shared database, in every other instance.
   * Best effort (a notice can be lost): it only says where to look, the activities stay in the
   * log. Resolves once notices flow; the function it returns ends them. Logs without it are
   * polled by the Direct Line streams.
   *
   * `onGap`, if given, is called whenever notices may have been missed (the database was
   * unreachable, so the log's own connection for them may have dropped): the watcher should
   * re-read what it follows for a while rather than rely on notices alone.
   */
  watch?(listener: AppendListener, onGap?: () => void): Promise<() => Promise<void>>;
  /**
   * Calls `listener` synchronously with every activity this process appends from now on (not
   * repeats), as stored, before announcing it to watchers: so the Direct Line streams can send it
   * to clients that have everything before it without reading it back. The listener must not
   * change the activity. The function it returns ends the calls.
   */
  onLocalAppend?(listener: LocalAppendListener): () => void;
  /**
   * The conversation's turn cursor: the client activities up to this sequence number have had
   * their turns (0 before the first). With {@link markTurnsDone} it lets the adapter run every
   * stored client activity's turn exactly once, also after a crash between storing it and its
   * turn. A log without them runs each turn as it comes (a crash loses it).
   */
  turnsDone?(conversationId: string): Promise<number>;
  /** Moves the turn cursor to `seq`. Called by the one turn holding the conversation's turn lock. */
  markTurnsDone?(conversationId: string, seq: number): Promise<void>;
}

/** Told the conversation id and sequence number of a new activity: never its content. */
export type AppendListener = (conversationId: string, seq: number) => void;

/** Told a new activity appended in this process, with its sequence number: the conversation's latest. */
export type LocalAppendListener = (conversationId: string, activity: StoredActivity, seq: number) => void;

/** The listeners of {@link ActivityLog.onLocalAppend}, for the logs that offer it. */
export class LocalAppendListeners {
  private readonly listeners = new Set<LocalAppendListener>();

  add(listener: LocalAppendListener): () => void {
    // A wrapper per call, so the same function listening twice is two listeners.
    const wrapped: LocalAppendListener = (conversationId, activity, seq) => listener(conversationId, activity, seq);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  tell(conversationId: string, activity: StoredActivity, seq: number): void {
    for (const listener of this.listeners) {
      try {
        listener(conversationId, activity, seq);
      } catch {
        // The activity is stored: a failing listener must not fail the append (it would be retried).
      }
    }
  }
}

export class ConversationNotFoundError extends Error {
  constructor(readonly conversationId: string) {
    super('Conversation not found');
    this.name = 'ConversationNotFoundError';
  }
}

export function activityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}

/** The sequence number in a logged activity's id (see {@link activityId}); undefined for other ids. */
export function seqOf(activity: { id?: string }): number | undefined {
  const match = /\|(\d{1,15})$/.exec(activity.id ?? '');
  return match ? Number(match[1]) : undefined;
}

export interface InMemoryActivityLogOptions {
  /** Older activities are dropped beyond this; clients that have polled never notice. */
  maxActivitiesPerConversation?: number;
  /** The least recently used conversation is forgotten beyond this. */
  maxConversations?: number;
  now?: () => Date;
}

interface ConversationRecord {
  meta: ConversationMeta;
  started: boolean;
  lastSeq: number;
  turnsDone: number;
  activities: { seq: number; activity: StoredActivity }[];
}

export class InMemoryActivityLog implements ActivityLog {
  private readonly conversations = new Map<string, ConversationRecord>();
  private readonly maxActivities: number;
  private readonly maxConversations: number;
  private readonly now: () => Date;
  private readonly listeners = new Set<AppendListener>();
  private readonly localListeners = new LocalAppendListeners();

  constructor(options: InMemoryActivityLogOptions = {}) {
    this.maxActivities = options.maxActivitiesPerConversation ?? 200;
    this.maxConversations = options.maxConversations ?? 5000;
    this.now = options.now ?? (() => new Date());
  }

  async create(conversationId: string, meta: ConversationMeta): Promise<void> {
    if (this.conversations.has(conversationId)) return;
    this.conversations.set(conversationId, { meta: { ...meta }, started: false, lastSeq: 0, turnsDone: 0, activities: [] });
    while (this.conversations.size > this.maxConversations) {
      const oldest = this.conversations.keys().next().value as string;
      this.conversations.delete(oldest);
    }
  }

  async exists(conversationId: string): Promise<boolean> {
    return this.conversations.has(conversationId);
  }

  async markStarted(conversationId: string): Promise<boolean> {
    const record = this.conversations.get(conversationId);
    if (!record || record.started) return false;
    record.started = true;
    return true;
  }

  async append(conversationId: string, activity: Partial<Activity>): Promise<StoredActivity> {
    const record = this.touch(conversationId);
    if (!record) throw new ConversationNotFoundError(conversationId);

    const seq = record.lastSeq + 1;
    const stored = toJson({
      ...activity,
      id: activityId(conversationId, seq),
      timestamp: this.now().toISOString(),
      type: activity.type ?? 'message',
    }) as StoredActivity;
    record.lastSeq = seq;
    record.activities.push({ seq, activity: stored });
    if (record.activities.length > this.maxActivities) {
      record.activities.splice(0, record.activities.length - this.maxActivities);
    }
    this.localListeners.tell(conversationId, stored, seq);
    this.notify(conversationId, seq);
    return toJson(stored) as StoredActivity;
  }

  async turnsDone(conversationId: string): Promise<number> {
    const record = this.conversations.get(conversationId);
    if (!record) throw new ConversationNotFoundError(conversationId);
    return record.turnsDone;
  }

  async markTurnsDone(conversationId: string, seq: number): Promise<void> {
    const record = this.conversations.get(conversationId);
    if (!record) throw new ConversationNotFoundError(conversationId);
    record.turnsDone = Math.max(record.turnsDone, seq);
  }

  async watch(listener: AppendListener): Promise<() => Promise<void>> {
    // A wrapper per call, so the same function watching twice is two watchers.
    const wrapped: AppendListener = (conversationId, seq) => listener(conversationId, seq);
    this.listeners.add(wrapped);
    return async () => {
      this.listeners.delete(wrapped);
    };
  }

  onLocalAppend(listener: LocalAppendListener): () => void {
    return this.localListeners.add(listener);
  }

  private notify(conversationId: string, seq: number): void {
    // Asynchronous, as a database's notices are: the appender never runs a listener's code.
    for (const listener of [...this.listeners]) {
      queueMicrotask(() => {
        try {
          listener(conversationId, seq);
        } catch {
          // A failing listener must not break appends; the streams also poll now and then.
        }
      });
    }
  }

  async since(conversationId: string, watermark?: number): Promise<ActivityPage> {
    const record = this.touch(conversationId);
    if (!record) throw new ConversationNotFoundError(conversationId);
    const after = watermark ?? 0;
    const activities = record.activities.filter((entry) => entry.seq > after).map((entry) => entry.activity);
    return {
      activities: toJson(activities) as StoredActivity[],
      watermark: record.lastSeq,
    };
  }

  /** Moves the conversation to the most-recently-used end of the eviction order. */
  private touch(conversationId: string): ConversationRecord | undefined {
    const record = this.conversations.get(conversationId);
    if (record) {
      this.conversations.delete(conversationId);
      this.conversations.set(conversationId, record);
    }
    return record;
  }
}

/** Deep copy through JSON so callers never share objects with the log (and Dates become strings). */
function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
