import type { Activity, Storage } from 'botbuilder';

/**
 * The one persistence interface of the assistant: Bot Framework state, the transcript (which can
 * back a Direct Line activity log), the hand-off queue, call-back requests, feedback, unanswered
 * questions, adviser accounts, turn outcomes (for insights), the adviser audit log, retention and
 * cross-instance delivery.
 *
 * Two implementations pass the same conformance suite (test/store/conformance.ts): SQLite (the
 * embedded default, one process) and PostgreSQL (several instances sharing one database).
 *
 * Privacy: what people type is special category data about children. Nothing in this module logs
 * message text, names, phone numbers or email addresses; errors name no keys or values.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  // ---- Bot Framework state -------------------------------------------------------------------
  /**
   * Bot Framework `Storage` with eTag optimistic concurrency. A write is refused with
   * {@link ETagConflictError} (and nothing in that batch is written) when its item's `eTag`:
   * - is `'*'`: never refused (unconditional write);
   * - is missing or empty: refused when the key already exists (create only);
   * - is anything else: refused unless it equals the stored item's eTag (a deleted or purged
   *   item matches nothing).
   * Every write gives the item a new eTag; `read` returns it in the item's `eTag` field.
   */
  botStorage(): Storage;

  // ---- Conversations and transcript ----------------------------------------------------------
  /** Creates the conversation; creating one that already exists changes nothing and returns it. */
  createConversation(id: string, meta: ConversationMeta): Promise<Conversation>;
  conversationExists(id: string): Promise<boolean>;
  getConversation(id: string): Promise<Conversation | undefined>;
  /**
   * Conversations created in [`from`, `to`), of one tenant and/or channel, oldest first (ties by
   * id). `limit` defaults to 10,000 (at most 100,000).
   */
  listConversations(filter?: ConversationFilter): Promise<Conversation[]>;
  /** True for exactly one caller per conversation (e.g. the one that should run its welcome turn). */
  markConversationStarted(id: string): Promise<boolean>;
  /**
   * Appends an activity to the conversation's transcript with the next sequence number (1, 2, …,
   * never reused). Idempotent by activity id: a repeat returns the first copy with
   * `duplicate: true` and stores nothing. An activity without an id gets
   * `${conversationId}|${seq padded to 7 digits}`. Throws {@link ConversationNotFoundError} when the
   * conversation was never created (or has been purged or deleted).
   */
  appendActivity(conversationId: string, activity: Partial<Activity>): Promise<AppendResult>;
  /**
   * The conversation's activities with a sequence number above `afterSeq` (all when omitted),
   * oldest first. Throws {@link ConversationNotFoundError} for an unknown conversation.
   */
  listActivities(conversationId: string, afterSeq?: number): Promise<TranscriptEntry[]>;

  // ---- Hand-off queue ------------------------------------------------------------------------
  /**
   * Queues a conversation for an adviser. `safeguarding` ones are urgent and go before all others;
   * otherwise first in, first out. A conversation has at most one open (queued or claimed)
   * hand-off: enqueueing again returns the open one, made urgent (with the new summary) when the
   * new reason is `safeguarding`. A `reference` given again replaces the stored one (the latest
   * conversation reference is the one to reach the person with).
   */
  enqueueHandoff(input: NewHandoff): Promise<Handoff>;
  /** Replaces an open (queued or claimed) hand-off's summary; false when it is unknown or closed. */
  updateHandoffSummary(handoffId: string, summary: Record<string, unknown>): Promise<boolean>;
  /**
   * Hand-offs in any state, created in [`from`, `to`), oldest first. `status` empty or omitted means
   * any status. `limit` defaults to 1000 (at most 10,000).
   */
  listHandoffs(filter?: HandoffFilter): Promise<Handoff[]>;
  /** Queued (unclaimed) hand-offs, urgent first, then oldest first. */
  listQueue(tenant?: string): Promise<Handoff[]>;
  /** True for exactly one caller, even across instances, and only while the hand-off is queued. */
  claimHandoff(handoffId: string, adviserId: string): Promise<boolean>;
  /** Claims the first hand-off in queue order (optionally of one tenant); undefined when none. */
  claimNext(adviserId: string, tenant?: string): Promise<Handoff | undefined>;
  /** Moves a claimed hand-off from one adviser to another; false unless `fromAdviserId` holds it. */
  transferHandoff(handoffId: string, fromAdviserId: string, toAdviserId: string): Promise<boolean>;
  /** Closes a queued or claimed hand-off; false when it is unknown or already closed. */
  closeHandoff(handoffId: string, closedBy?: string): Promise<boolean>;
  getHandoff(handoffId: string): Promise<Handoff | undefined>;
  /** The conversation's open (queued or claimed) hand-off, if any. */
  findOpenHandoff(conversationId: string): Promise<Handoff | undefined>;

  // ---- Call-backs, feedback, unanswered questions, audit ---------------------------------------
  /** Throws unless `consent` is true: a call-back request is stored only with consent. */
  addCallback(input: NewCallback): Promise<Callback>;
  /** Oldest first; `from` inclusive, `to` exclusive (by createdAt). */
  listCallbacks(filter?: { tenant?: string; status?: CallbackStatus; from?: Date; to?: Date }): Promise<Callback[]>;
  /** False when unknown or already done. */
  markCallbackDone(callbackId: string, doneBy?: string): Promise<boolean>;
  addFeedback(input: NewFeedback): Promise<Feedback>;
  /** Oldest first; `from` inclusive, `to` exclusive (by createdAt). */
  listFeedback(filter?: { conversationId?: string; topicId?: string; from?: Date; to?: Date }): Promise<Feedback[]>;
  /** `text` must already be redacted by the caller; it is stored as given. */
  addUnanswered(input: NewUnanswered): Promise<Unanswered>;
  /** Newest first; `from` inclusive, `to` exclusive (by createdAt); `limit` defaults to 100 (at most 1000). */
  listUnanswered(filter?: UnansweredFilter): Promise<Unanswered[]>;
  /** Sets the status of these unanswered questions; returns how many changed (unknown ids and ones already so are not counted). */
  markUnanswered(ids: string[], status: UnansweredStatus): Promise<number>;
  /** Records an adviser's action. `target` should be an id (hand-off, conversation), never content. */
  audit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first; `limit` defaults to 100 (at most 1000). */
  listAudit(filter?: { actor?: string; target?: string; limit?: number }): Promise<AuditEntry[]>;

  // ---- Adviser accounts (staff data: not purged, not part of a person's export or deletion) ------
  /**
   * Creates the account, or replaces every field of an existing one with these (an omitted
   * `passwordHash` leaves it with none); `createdAt` and `lastSeenAt` are kept.
   */
  upsertAdviser(input: NewAdviser): Promise<Adviser>;
  getAdviser(id: string): Promise<Adviser | undefined>;
  /** By id (byte order). */
  listAdvisers(): Promise<Adviser[]>;
  /** False when unknown. */
  deleteAdviser(id: string): Promise<boolean>;
  /** Sets `lastSeenAt` to now; an unknown id changes nothing. */
  markAdviserSeen(id: string): Promise<void>;
  /**
   * Advisers seen at or after `cutoff`; with a tenant, only those who work for it (their tenants
   * include it, or are empty: all councils).
   */
  countAdvisersSeenSince(cutoff: Date, tenant?: string): Promise<number>;

  // ---- Turn outcomes (insights: what kind of answer each turn got; never any text) -----------
  addTurnOutcome(input: NewTurnOutcome): Promise<void>;
  /** Outcomes at [`from`, `to`), of one tenant and/or channel, oldest first. */
  listTurnOutcomes(filter: TurnOutcomeFilter): Promise<TurnOutcome[]>;

  // ---- Retention and people's rights ---------------------------------------------------------
  /**
   * Deletes what is older than `cutoff`: transcript activities created before it, conversations
   * with no activity since, Bot Framework state not written since, call-back requests, feedback,
   * unanswered questions, turn outcomes, and closed hand-offs created before it. Open hand-offs,
   * adviser accounts and the audit log (which holds ids, not content) are kept.
   */
  purgeOlderThan(cutoff: Date): Promise<PurgeCounts>;
  /**
   * Everything held about one person, found by a conversation id or a user id: the conversations
   * with that id or that user, their transcripts, state (conversation and user), hand-offs (with
   * their conversation references), call-backs, feedback and turn outcomes.
   */
  exportPerson(conversationIdOrUserId: string): Promise<PersonExport>;
  /** Deletes what {@link exportPerson} would return; returns the counts. */
  deletePerson(conversationIdOrUserId: string): Promise<PersonDeletionCounts>;

  // ---- Cross-instance delivery -------------------------------------------------------------
  /**
   * Delivers a JSON payload to every subscriber of `channel` in every instance sharing the
   * database (including this one), in publish order, once each. Delivery is best effort: a
   * subscriber that is disconnected at that moment misses it, so keep the data in the store and
   * publish only a nudge. PostgreSQL limits a payload to about 7,900 bytes of JSON.
   */
  publish(channel: string, payload: unknown): Promise<void>;
  /** Resolves once the subscription is live; the returned function ends it. */
  subscribe(channel: string, handler: (payload: unknown) => void): Promise<Unsubscribe>;

  /** The highest migration applied to the database. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

export type Unsubscribe = () => Promise<void>;

export interface ConversationMeta {
  tenant: string;
  channel: string;
  userId?: string;
}

export interface Conversation {
  id: string;
  tenant: string;
  channel: string;
  userId?: string;
  /** The sequence number of the latest activity (0 before the first): a Direct Line watermark. */
  lastSeq: number;
  started: boolean;
  createdAt: string;
  updatedAt: string;
}

/** An activity as stored: JSON-clean (Dates become ISO strings) and always with an id. */
export type StoredActivity = Omit<Partial<Activity>, 'id'> & { id: string };

export interface TranscriptEntry {
  conversationId: string;
  seq: number;
  id: string;
  activity: StoredActivity;
  createdAt: string;
}

export interface AppendResult extends TranscriptEntry {
  /** True when an activity with this id was already stored (nothing new was written). */
  duplicate: boolean;
}

export interface ConversationFilter {
  tenant?: string;
  channel?: string;
  /** createdAt at or after. */
  from?: Date;
  /** createdAt before. */
  to?: Date;
  /** Default 10,000; at most 100,000. */
  limit?: number;
}

export const HANDOFF_REASONS = ['asked', 'not-confident', 'safeguarding'] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];
export const HANDOFF_STATUSES = ['queued', 'claimed', 'closed'] as const;
export type HandoffStatus = (typeof HANDOFF_STATUSES)[number];

export interface NewHandoff {
  conversationId: string;
  tenant: string;
  channel: string;
  reason: HandoffReason;
  /** Topic, what was asked, dates given, transcript reference: JSON-clean. */
  summary: Record<string, unknown>;
  /**
   * The Bot Framework conversation reference to reach the person with (proactive messages): JSON.
   * Returned on the hand-off and in a person's export, never shown or logged anywhere else.
   */
  reference?: Record<string, unknown>;
}

export interface Handoff extends NewHandoff {
  id: string;
  urgent: boolean;
  status: HandoffStatus;
  createdAt: string;
  claimedBy?: string;
  claimedAt?: string;
  closedBy?: string;
  closedAt?: string;
}

export interface HandoffFilter {
  tenant?: string;
  /** Any of these; empty or omitted: any status. */
  status?: HandoffStatus[];
  claimedBy?: string;
  /** createdAt at or after. */
  from?: Date;
  /** createdAt before. */
  to?: Date;
  /** Default 1000; at most 10,000. */
  limit?: number;
}

export const CALLBACK_STATUSES = ['open', 'done'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

export interface NewCallback {
  tenant: string;
  channel: string;
  conversationId?: string;
  userId?: string;
  name: string;
  /** A phone number or email address. */
  contact: string;
  bestTime?: string;
  /** The person agreed to their details being stored. */
  consent: boolean;
}

export interface Callback extends Omit<NewCallback, 'consent'> {
  id: string;
  status: CallbackStatus;
  consentAt: string;
  createdAt: string;
  doneAt?: string;
  doneBy?: string;
}

export interface NewFeedback {
  conversationId: string;
  topicId?: string;
  helpful: boolean;
  comment?: string;
}

export interface Feedback extends NewFeedback {
  id: string;
  createdAt: string;
}

export interface NewUnanswered {
  tenant: string;
  channel: string;
  /** Already redacted by the caller. */
  text: string;
}

export const UNANSWERED_STATUSES = ['new', 'added', 'out-of-scope'] as const;
/** `new` until someone reviews it: `added` to the content, or judged `out-of-scope`. */
export type UnansweredStatus = (typeof UNANSWERED_STATUSES)[number];

export interface Unanswered extends NewUnanswered {
  id: string;
  status: UnansweredStatus;
  createdAt: string;
}

export interface UnansweredFilter {
  tenant?: string;
  status?: UnansweredStatus;
  /** createdAt at or after. */
  from?: Date;
  /** createdAt before. */
  to?: Date;
  /** Default 100; at most 1000. */
  limit?: number;
}

export const ADVISER_ROLES = ['adviser', 'manager'] as const;
export type AdviserRole = (typeof ADVISER_ROLES)[number];

export interface NewAdviser {
  id: string;
  displayName: string;
  /** A password hash made by the caller (never a password). Console accounts only. */
  passwordHash?: string;
  role: AdviserRole;
  /** The councils this adviser works for; empty: all of them. */
  tenants: string[];
}

export type Adviser = NewAdviser & {
  createdAt: string;
  updatedAt: string;
  lastSeenAt?: string;
};

export const TURN_OUTCOMES = [
  'answered',
  'clarified',
  'handed-off',
  'out-of-scope',
  'not-understood',
  'safeguarding',
  'control',
  'deadline',
  'flow',
] as const;
export type TurnOutcomeKind = (typeof TURN_OUTCOMES)[number];

/** What kind of reply one turn got. Ids and categories only: never what anyone typed. */
export interface NewTurnOutcome {
  conversationId: string;
  tenant: string;
  channel: string;
  outcome: TurnOutcomeKind;
  topicId?: string;
}

export type TurnOutcome = NewTurnOutcome & { at: string };

export interface TurnOutcomeFilter {
  tenant?: string;
  channel?: string;
  /** At or after. */
  from?: Date;
  /** Before. */
  to?: Date;
}

export interface NewAuditEntry {
  actor: string;
  action: string;
  target: string;
}

export interface AuditEntry extends NewAuditEntry {
  id: number;
  at: string;
}

export interface PurgeCounts {
  activities: number;
  conversations: number;
  state: number;
  callbacks: number;
  feedback: number;
  unanswered: number;
  handoffs: number;
  turnOutcomes: number;
}

export interface StateRecord {
  key: string;
  value: Record<string, unknown>;
  updatedAt: string;
}

export interface PersonExport {
  subject: string;
  exportedAt: string;
  conversations: Conversation[];
  activities: TranscriptEntry[];
  state: StateRecord[];
  handoffs: Handoff[];
  callbacks: Callback[];
  feedback: Feedback[];
  turnOutcomes: TurnOutcome[];
}

export interface PersonDeletionCounts {
  conversations: number;
  activities: number;
  state: number;
  handoffs: number;
  callbacks: number;
  feedback: number;
  turnOutcomes: number;
}

export class ETagConflictError extends Error {
  /** The state key refused. Not in the message: keys can hold channel user ids (phone numbers). */
  readonly key: string;
  constructor(key: string) {
    super('Storage: write refused because of an eTag conflict');
    this.name = 'ETagConflictError';
    this.key = key;
  }
}

export class ConversationNotFoundError extends Error {
  readonly conversationId: string;
  constructor(conversationId: string) {
    super('Conversation not found');
    this.name = 'ConversationNotFoundError';
    this.conversationId = conversationId;
  }
}

export class StoreInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}

export interface CreateStoreOptions {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; anything else (or nothing) SQLite. */
  databaseUrl?: string;
  /** Where the SQLite file lives (created on first start). Default `./data`. */
  dataDir?: string;
  /** PostgreSQL only: keep the tables in this schema (created when missing) instead of the default. */
  schema?: string;
  /** PostgreSQL only: the most connections the store's pool opens. Default 10. */
  poolSize?: number;
  /** The clock used for timestamps (tests). */
  now?: () => Date;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return typeof url === 'string' && /^postgres(ql)?:\/\//i.test(url.trim());
}

/**
 * Opens the store the configuration asks for and applies pending migrations. The driver of the
 * other database is never loaded.
 */
export async function createStore(options: CreateStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(options.databaseUrl)) {
    const { PostgresStore } = await import('./postgresStore');
    return PostgresStore.open({ connectionString: options.databaseUrl.trim(), schema: options.schema, poolSize: options.poolSize, now: options.now });
  }
  const { SqliteStore } = await import('./sqliteStore');
  return SqliteStore.open({ dataDir: options.dataDir ?? './data', now: options.now });
}
