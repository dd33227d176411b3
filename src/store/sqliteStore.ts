import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Activity, Storage, StoreItems } from 'botbuilder';
import { log } from '../log';
import {
  adviserFrom,
  adviserInput,
  auditFrom,
  callbackFilter,
  callbackFrom,
  checkChanges,
  checkIds,
  checkKeys,
  clampLimit,
  conversationFilter,
  conversationFrom,
  entryFrom,
  eTagMaker,
  feedbackFilter,
  feedbackFrom,
  generatedActivityId,
  handoffFilter,
  handoffFrom,
  handoffInput,
  callbackValues,
  iso,
  objectJson,
  optionalText,
  payloadText,
  prepareActivity,
  requireAfterSeq,
  requireChannel,
  requireDate,
  requireEnum,
  requireObject,
  requireText,
  SqlWhere,
  stateFrom,
  stateItem,
  stateKeyOwner,
  stateValueText,
  storedActivity,
  turnOutcomeFilter,
  turnOutcomeFrom,
  turnOutcomeInput,
  unansweredFilter,
  unansweredFrom,
  uniq,
  writeMode,
  type ActivityToAppend,
  type Row,
  type WriteMode,
} from './common';
import { KEPT_STATE_PREFIX } from './common';
import { sqliteMigrations, type Migration } from './migrations/sqlite';
import {
  ConversationNotFoundError,
  ETagConflictError,
  StoreInputError,
  UNANSWERED_STATUSES,
  type Adviser,
  type AppendResult,
  type AuditEntry,
  type Callback,
  type CallbackStatus,
  type Conversation,
  type ConversationFilter,
  type ConversationMeta,
  type Feedback,
  type Handoff,
  type HandoffFilter,
  type NewAdviser,
  type NewAuditEntry,
  type NewCallback,
  type NewFeedback,
  type NewHandoff,
  type NewTurnOutcome,
  type NewUnanswered,
  type PersonDeletionCounts,
  type PersonExport,
  type PurgeCounts,
  type Store,
  type TranscriptEntry,
  type TurnOutcome,
  type TurnOutcomeFilter,
  type Unanswered,
  type UnansweredFilter,
  type UnansweredStatus,
  type Unsubscribe,
} from './store';

export interface SqliteStoreOptions {
  /** Directory of the database file, created (mode 700) when missing. */
  dataDir: string;
  /** Default `assistant.sqlite`. */
  fileName?: string;
  now?: () => Date;
  /** Applied in order on open; for tests of upgrades. Default: the project's migrations. */
  migrations?: readonly Migration[];
}

/**
 * What the store objects open on one file in this process share. SQLite serves one process, but
 * several store objects may open the same file (tests, tools):
 * - the emitter, for publish/subscribe within this process;
 * - which of them has a batch open (see `SqliteStore.write`). A batch holds the write lock across
 *   a tick, and a write on another connection in this thread would wait for it in SQLite's busy
 *   handler, a synchronous sleep during which the batch can't commit: so every operation first
 *   commits the batch another store object on the same file has open.
 */
interface SharedFile {
  readonly emitter: EventEmitter;
  users: number;
  batchOwner: SqliteStore | undefined;
}

const sharedFiles = new Map<string, SharedFile>();

function acquireShared(key: string): SharedFile {
  let entry = sharedFiles.get(key);
  if (!entry) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    entry = { emitter, users: 0, batchOwner: undefined };
    sharedFiles.set(key, entry);
  }
  entry.users += 1;
  return entry;
}

function releaseShared(key: string): void {
  const entry = sharedFiles.get(key);
  if (!entry) return;
  entry.users -= 1;
  if (entry.users <= 0) sharedFiles.delete(key);
}

/**
 * Commits are scheduled with the setImmediate of when this module loaded: a test that installs
 * fake timers afterwards must not stop the store's writes from completing.
 */
const scheduleCommit: (callback: () => void) => unknown = setImmediate;

/** One group-commit transaction: `done` settles when it commits (or fails to). */
interface Batch {
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function noop(): void {}

const CLOSED = 'Store is closed';

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly emitter: EventEmitter;
  /** This file's entry in `sharedFiles`, and its key there (the real path, so that two spellings of one file share). */
  private readonly shared: SharedFile;
  private readonly sharedKey: string;
  /** The group-commit transaction open on this connection, if any (see `write`). */
  private batch: Batch | undefined;
  private readonly beginStatement: Database.Statement;
  private readonly commitStatement: Database.Statement;
  private readonly rollbackStatement: Database.Statement;
  private readonly ownHandlers = new Set<{ event: string; listener: (payload: string) => void }>();
  private closed = false;
  /** Prepared statements by SQL text: preparing is a measurable share of each turn's CPU. */
  private readonly statements = new Map<string, Database.Statement>();
  /** A new eTag for each state write. */
  private readonly newETag = eTagMaker();
  /**
   * The transactions of the hot paths, made once: better-sqlite3's transaction() builds four
   * wrapper functions each time it is called.
   */
  private readonly appendInTransaction: (conversationId: string, activity: ActivityToAppend, at: number) => AppendResult;
  private readonly writeStateInTransaction: (items: readonly StateWrite[], at: number) => void;
  private readonly deleteStateInTransaction: (keys: readonly string[]) => void;

  private constructor(db: Database.Database, file: string, key: string, now: () => Date) {
    this.db = db;
    this.file = file;
    this.now = now;
    this.sharedKey = key;
    this.shared = acquireShared(key);
    this.emitter = this.shared.emitter;
    this.beginStatement = db.prepare('BEGIN IMMEDIATE');
    this.commitStatement = db.prepare('COMMIT');
    this.rollbackStatement = db.prepare('ROLLBACK');
    // Always run inside a batch, so as SAVEPOINTs: an operation that fails leaves nothing behind
    // and the batch's other operations go on.
    this.appendInTransaction = db.transaction((conversationId: string, activity: ActivityToAppend, at: number) =>
      this.appendNow(conversationId, activity, at),
    );
    this.writeStateInTransaction = db.transaction((items: readonly StateWrite[], at: number) => {
      for (const item of items) this.writeStateItem(item, at);
    });
    this.deleteStateInTransaction = db.transaction((keys: readonly string[]) => {
      const remove = this.prepared('DELETE FROM bot_state WHERE key = ?');
      for (const key of keys) remove.run(key);
    });
  }
  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      // Only the few queries built for a list of ids vary; keep the cache bounded all the same.
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Opens (creating when needed) the database file and applies pending migrations. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const dir = path.resolve(options.dataDir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fileName = options.fileName ?? 'assistant.sqlite';
    const file = path.join(dir, fileName);
    const key = path.join(realpathSync(dir), fileName);
    // The migrations' IMMEDIATE transaction must not wait for a batch open in this thread.
    sharedFiles.get(key)?.batchOwner?.commitBatch();
    const db = new Database(file);
    try {
      try {
        chmodSync(file, 0o600);
      } catch {
        // Not ours to change (e.g. a mounted volume); the directory's mode still applies.
      }
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, options.migrations ?? sqliteMigrations, options.now ?? (() => new Date()));
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteStore(db, file, key, options.now ?? (() => new Date()));
  }

  private ms(): number {
    return this.now().getTime();
  }

  private check(): void {
    if (this.closed) throw new Error(CLOSED);
  }

  // ---- Group commit --------------------------------------------------------------------------
  //
  // Every public method runs its work through `write` or `read`, synchronously, when called.
  // Writes arriving in the same event-loop turn share one IMMEDIATE transaction (a "batch"),
  // committed by a setImmediate callback: one commit (WAL frames for the pages they share) instead
  // of one each. Callers see what they saw before: a write resolves once its batch has committed,
  // and rejects if the commit fails; a read that ran while a batch was open (and so may have seen
  // its uncommitted writes) resolves after that commit too. Each write's work is atomic on its own
  // (one statement, or a better-sqlite3 transaction, which inside the batch is a SAVEPOINT), so
  // one that fails rejects at once, leaves nothing behind and does not affect the others.

  /** Runs a write's work in this connection's batch (beginning one if none is open). */
  private write<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error(CLOSED));
    const owner = this.shared.batchOwner;
    if (owner !== undefined && owner !== this) owner.commitBatch();
    try {
      const batch = this.batch ?? this.beginBatch();
      const value = work();
      return batch.done.then(() => value);
    } catch (error) {
      return this.failed(error);
    }
  }

  /** Runs a read's work now; if a batch is open (whose writes it may have seen), resolves after it commits. */
  private read<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error(CLOSED));
    const owner = this.shared.batchOwner;
    // Another connection's batch is committed first, so that this connection sees what was
    // written there before, as it would without batches.
    if (owner !== undefined && owner !== this) owner.commitBatch();
    try {
      const value = work();
      const batch = this.batch;
      return batch === undefined ? Promise.resolve(value) : batch.done.then(() => value);
    } catch (error) {
      return this.failed(error);
    }
  }

  private beginBatch(): Batch {
    this.beginStatement.run();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(noop); // Each operation's promise carries the failure to its caller.
    const batch: Batch = { done, resolve, reject };
    this.batch = batch;
    this.shared.batchOwner = this;
    scheduleCommit(() => this.commitBatch(batch));
    return batch;
  }

  /**
   * Commits the open batch (only `which`, when given: a batch committed early by another
   * connection's operation or by close() must not take a later one with it), then settles it.
   */
  private commitBatch(which?: Batch): void {
    const batch = this.batch;
    if (batch === undefined || (which !== undefined && batch !== which)) return;
    this.endBatch();
    try {
      if (!this.db.inTransaction) throw new Error('The transaction was rolled back before its commit');
      this.commitStatement.run();
    } catch (error) {
      this.abandon(batch, error);
      return;
    }
    batch.resolve();
  }

  private endBatch(): void {
    this.batch = undefined;
    if (this.shared.batchOwner === this) this.shared.batchOwner = undefined;
  }

  /** The batch failed: rolls back what is left of it and rejects its operations. */
  private abandon(batch: Batch, error: unknown): void {
    try {
      if (this.db.inTransaction) this.rollbackStatement.run();
    } catch {
      // Nothing more to undo: SQLite rolls back a transaction it cannot keep.
    }
    const code = (error as { code?: unknown } | undefined)?.code;
    log.warn('store.batch_failed', { store: 'sqlite', error: typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown' });
    batch.reject(error);
  }

  /** An operation failed: its own promise rejects; the batch goes on unless SQLite ended it. */
  private failed(error: unknown): Promise<never> {
    const batch = this.batch;
    if (batch !== undefined && !this.db.inTransaction) {
      // Some errors (disk full, I/O) make SQLite roll back the whole transaction: the work of
      // the batch's other operations is gone with it.
      this.endBatch();
      this.abandon(batch, error);
    }
    return Promise.reject(error);
  }

  // ---- Bot Framework state -------------------------------------------------------------------

  botStorage(): Storage {
    return {
      read: (keys) => this.readState(keys),
      write: (changes) => this.writeState(changes),
      delete: (keys) => this.deleteState(keys),
    };
  }

  private readState(keys: string[]): Promise<StoreItems> {
    return this.read(() => {
      const wanted = checkKeys(keys);
      const items: StoreItems = {};
      const select = this.prepared('SELECT value, etag FROM bot_state WHERE key = ?');
      for (const key of wanted) {
        const row = select.get(key) as { value: string; etag: string } | undefined;
        if (row) items[key] = stateItem(row.value, row.etag);
      }
      return items;
    });
  }

  private writeState(changes: StoreItems): Promise<void> {
    return this.write(() => {
      const entries = Object.entries(checkChanges(changes));
      if (entries.length === 0) return;
      const items = entries.map(([key, item]): StateWrite => ({ key: requireText(key, 'key'), value: stateValueText(item), mode: writeMode(item) }));
      const at = this.ms();
      // One statement is atomic on its own; several are written together or not at all.
      if (items.length === 1) this.writeStateItem(items[0]!, at);
      else this.writeStateInTransaction(items, at);
    });
  }

  /** Writes one item (one statement) or throws ETagConflictError having written nothing. */
  private writeStateItem({ key, value, mode }: StateWrite, at: number): void {
    const eTag = this.newETag();
    if (mode.kind === 'match') {
      const result = this.prepared('UPDATE bot_state SET value = ?, etag = ?, updated_at = ? WHERE key = ? AND etag = ?').run(
        value,
        eTag,
        at,
        key,
        mode.eTag,
      );
      if (result.changes !== 1) throw new ETagConflictError(key);
      return;
    }
    const owner = stateKeyOwner(key);
    if (mode.kind === 'any') {
      this.prepared(
        `INSERT INTO bot_state (key, value, etag, conversation_id, user_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, updated_at = excluded.updated_at`,
      ).run(key, value, eTag, owner.conversationId ?? null, owner.userId ?? null, at);
    } else {
      const result = this.prepared(
        `INSERT INTO bot_state (key, value, etag, conversation_id, user_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO NOTHING`,
      ).run(key, value, eTag, owner.conversationId ?? null, owner.userId ?? null, at);
      if (result.changes !== 1) throw new ETagConflictError(key);
    }
  }

  private deleteState(keys: string[]): Promise<void> {
    return this.write(() => {
      const wanted = checkKeys(keys);
      if (wanted.length === 1) this.prepared('DELETE FROM bot_state WHERE key = ?').run(wanted[0]!);
      else if (wanted.length > 1) this.deleteStateInTransaction(wanted);
    });
  }

  // ---- Conversations and transcript ----------------------------------------------------------

  createConversation(id: string, meta: ConversationMeta): Promise<Conversation> {
    return this.write(() => {
      requireText(id, 'conversation id');
      requireObject(meta, 'meta');
      const tenant = requireText(meta.tenant, 'tenant');
      const channel = requireText(meta.channel, 'channel');
      const userId = optionalText(meta.userId, 'userId') || null;
      const at = this.ms();
      this.prepared(
          `INSERT INTO conversations (id, tenant, channel, user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO NOTHING`,
        )
        .run(id, tenant, channel, userId, at, at);
      const row = this.prepared('SELECT * FROM conversations WHERE id = ?').get(id) as Row | undefined;
      if (!row) throw new ConversationNotFoundError(id);
      return conversationFrom(row);
    });
  }

  conversationExists(id: string): Promise<boolean> {
    return this.read(() => this.prepared('SELECT 1 FROM conversations WHERE id = ?').get(id) !== undefined);
  }

  getConversation(id: string): Promise<Conversation | undefined> {
    return this.read(() => {
      const row = this.prepared('SELECT * FROM conversations WHERE id = ?').get(id) as Row | undefined;
      return row ? conversationFrom(row) : undefined;
    });
  }

  listConversations(filter?: ConversationFilter): Promise<Conversation[]> {
    return this.read(() => {
      const f = conversationFilter(filter);
      const where = new SqlWhere('sqlite').equals('tenant', f.tenant).equals('channel', f.channel).range('created_at', f);
      const limit = where.param(f.limit);
      const rows = this.prepared(`SELECT * FROM conversations ${where} ORDER BY created_at, id LIMIT ${limit}`).all(...where.params) as Row[];
      return rows.map(conversationFrom);
    });
  }

  markConversationStarted(id: string): Promise<boolean> {
    return this.write(() =>
      this.prepared('UPDATE conversations SET started = 1 WHERE id = ? AND started = 0').run(id).changes === 1,
    );
  }

  appendActivity(conversationId: string, activity: Partial<Activity>): Promise<AppendResult> {
    return this.write(() => {
      requireText(conversationId, 'conversation id');
      const prepared = prepareActivity(activity);
      return this.appendInTransaction(conversationId, prepared, this.ms());
    });
  }

  /**
   * `text` as SQLite gives it back from a TEXT column, as a row's own value would be. TEXT is
   * UTF-8, which has no lone surrogates: only a string holding a surrogate can come back different.
   */
  private asStored(text: string): string {
    if (!/[\ud800-\udfff]/.test(text)) return text;
    return (this.prepared('SELECT CAST(? AS TEXT) AS text').get(text) as { text: string }).text;
  }

  /** appendActivity's work, inside its transaction (a SAVEPOINT in the batch). */
  private appendNow(conversationId: string, activity: ActivityToAppend, at: number): AppendResult {
    const givenId = activity.givenId;
    if (givenId !== undefined) {
      // A stored activity means the conversation exists (activities go with their conversation).
      const existing = this.prepared(
        'SELECT conversation_id, seq, activity_id, body, created_at FROM activities WHERE conversation_id = ? AND activity_id = ?',
      ).get(conversationId, givenId) as Row | undefined;
      if (existing) return { ...entryFrom(existing), duplicate: true };
    }
    const bumped = this.prepared('UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? RETURNING last_seq').get(
      at,
      conversationId,
    ) as { last_seq: number } | undefined;
    if (!bumped) throw new ConversationNotFoundError(conversationId);
    const seq = Number(bumped.last_seq);
    const id = givenId ?? generatedActivityId(conversationId, seq);
    const { stored, text } = storedActivity(activity, id);
    this.prepared('INSERT INTO activities (conversation_id, seq, activity_id, body, created_at) VALUES (?, ?, ?, ?, ?)').run(
      conversationId,
      seq,
      id,
      text,
      at,
    );
    return { conversationId, seq, id, activity: stored, createdAt: iso(at), duplicate: false };
  }

  listActivities(conversationId: string, afterSeq?: number): Promise<TranscriptEntry[]> {
    return this.read(() => {
      const after = requireAfterSeq(afterSeq);
      // One statement, so no transaction: rows mean the conversation exists (activities go with
      // their conversation); only when there are none does its existence need asking.
      const rows = this.prepared('SELECT seq, activity_id, body, created_at FROM activities WHERE conversation_id = ? AND seq > ? ORDER BY seq').all(
        conversationId,
        after,
      ) as { seq: number; activity_id: string; body: string; created_at: number }[];
      if (rows.length === 0 && this.prepared('SELECT 1 FROM conversations WHERE id = ?').get(conversationId) === undefined) {
        throw new ConversationNotFoundError(conversationId);
      }
      const storedId = rows.length === 0 ? conversationId : this.asStored(conversationId);
      const entries: TranscriptEntry[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i += 1) {
        const row = rows[i]!;
        entries[i] = {
          conversationId: storedId,
          seq: Number(row.seq),
          id: String(row.activity_id),
          activity: JSON.parse(row.body) as TranscriptEntry['activity'],
          createdAt: iso(row.created_at),
        };
      }
      return entries;
    });
  }

  // ---- Hand-off queue ------------------------------------------------------------------------

  enqueueHandoff(input: NewHandoff): Promise<Handoff> {
    return this.write(() => {
      const { conversationId, tenant, channel, reason, summary, reference, urgent } = handoffInput(input);
      const at = this.ms();
      return this.db
        .transaction((): Handoff => {
          const open = this.prepared("SELECT * FROM handoffs WHERE conversation_id = ? AND status IN ('queued', 'claimed')")
            .get(conversationId) as Row | undefined;
          if (open) {
            if (urgent && !open.urgent) {
              this.prepared("UPDATE handoffs SET urgent = 1, reason = 'safeguarding', summary = ?, reference = COALESCE(?, reference) WHERE seq = ?")
                .run(summary, reference, open.seq);
            } else if (reference !== null) {
              this.prepared('UPDATE handoffs SET reference = ? WHERE seq = ?').run(reference, open.seq);
            } else {
              return handoffFrom(open);
            }
            return handoffFrom(this.prepared('SELECT * FROM handoffs WHERE seq = ?').get(open.seq) as Row);
          }
          const id = randomUUID();
          this.prepared(
              `INSERT INTO handoffs (id, conversation_id, tenant, channel, reason, urgent, summary, reference, status, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
            )
            .run(id, conversationId, tenant, channel, reason, urgent ? 1 : 0, summary, reference, at);
          return handoffFrom(this.prepared('SELECT * FROM handoffs WHERE id = ?').get(id) as Row);
        })
        .immediate();
    });
  }

  updateHandoffSummary(handoffId: string, summary: Record<string, unknown>): Promise<boolean> {
    return this.write(() => {
      requireText(handoffId, 'handoffId');
      const text = objectJson(summary, 'summary');
      return (
        this.prepared("UPDATE handoffs SET summary = ? WHERE id = ? AND status IN ('queued', 'claimed')").run(text, handoffId).changes === 1
      );
    });
  }

  listHandoffs(filter?: HandoffFilter): Promise<Handoff[]> {
    return this.read(() => {
      const f = handoffFilter(filter);
      const where = new SqlWhere('sqlite')
        .equals('tenant', f.tenant)
        .oneOf('status', f.status)
        .equals('claimed_by', f.claimedBy)
        .range('created_at', f);
      const limit = where.param(f.limit);
      const rows = this.prepared(`SELECT * FROM handoffs ${where} ORDER BY created_at, seq LIMIT ${limit}`).all(...where.params) as Row[];
      return rows.map(handoffFrom);
    });
  }

  listQueue(tenant?: string): Promise<Handoff[]> {
    return this.read(() => {
      const rows = (
        tenant === undefined
          ? this.prepared("SELECT * FROM handoffs WHERE status = 'queued' ORDER BY urgent DESC, seq").all()
          : this.prepared("SELECT * FROM handoffs WHERE status = 'queued' AND tenant = ? ORDER BY urgent DESC, seq").all(tenant)
      ) as Row[];
      return rows.map(handoffFrom);
    });
  }

  claimHandoff(handoffId: string, adviserId: string): Promise<boolean> {
    return this.write(() => {
      requireText(adviserId, 'adviserId');
      const at = this.ms();
      return this.db
        .transaction(
          () =>
            this.prepared("UPDATE handoffs SET status = 'claimed', claimed_by = ?, claimed_at = ? WHERE id = ? AND status = 'queued'")
              .run(adviserId, at, handoffId).changes === 1,
        )
        .immediate();
    });
  }

  claimNext(adviserId: string, tenant?: string): Promise<Handoff | undefined> {
    return this.write(() => {
      requireText(adviserId, 'adviserId');
      const at = this.ms();
      return this.db
        .transaction((): Handoff | undefined => {
          const next = (
            tenant === undefined
              ? this.prepared("SELECT seq FROM handoffs WHERE status = 'queued' ORDER BY urgent DESC, seq LIMIT 1").get()
              : this.prepared("SELECT seq FROM handoffs WHERE status = 'queued' AND tenant = ? ORDER BY urgent DESC, seq LIMIT 1")
                  .get(tenant)
          ) as { seq: number } | undefined;
          if (!next) return undefined;
          this.prepared("UPDATE handoffs SET status = 'claimed', claimed_by = ?, claimed_at = ? WHERE seq = ? AND status = 'queued'")
            .run(adviserId, at, next.seq);
          return handoffFrom(this.prepared('SELECT * FROM handoffs WHERE seq = ?').get(next.seq) as Row);
        })
        .immediate();
    });
  }

  transferHandoff(handoffId: string, fromAdviserId: string, toAdviserId: string): Promise<boolean> {
    return this.write(() => {
      requireText(toAdviserId, 'toAdviserId');
      const at = this.ms();
      return (
        this.prepared("UPDATE handoffs SET claimed_by = ?, claimed_at = ? WHERE id = ? AND status = 'claimed' AND claimed_by = ?")
          .run(toAdviserId, at, handoffId, fromAdviserId).changes === 1
      );
    });
  }

  closeHandoff(handoffId: string, closedBy?: string): Promise<boolean> {
    return this.write(() => {
      const at = this.ms();
      return (
        this.prepared("UPDATE handoffs SET status = 'closed', closed_by = ?, closed_at = ? WHERE id = ? AND status IN ('queued', 'claimed')")
          .run(optionalText(closedBy, 'closedBy') ?? null, at, handoffId).changes === 1
      );
    });
  }

  getHandoff(handoffId: string): Promise<Handoff | undefined> {
    return this.read(() => {
      const row = this.prepared('SELECT * FROM handoffs WHERE id = ?').get(handoffId) as Row | undefined;
      return row ? handoffFrom(row) : undefined;
    });
  }

  findOpenHandoff(conversationId: string): Promise<Handoff | undefined> {
    return this.read(() => {
      const row = this.prepared("SELECT * FROM handoffs WHERE conversation_id = ? AND status IN ('queued', 'claimed')")
        .get(conversationId) as Row | undefined;
      return row ? handoffFrom(row) : undefined;
    });
  }

  // ---- Call-backs, feedback, unanswered, audit ---------------------------------------------------

  addCallback(input: NewCallback): Promise<Callback> {
    return this.write(() => {
      const values = callbackValues(input);
      const id = randomUUID();
      const at = this.ms();
      this.prepared(
          `INSERT INTO callbacks (id, tenant, channel, conversation_id, user_id, name, contact, best_time, consent_at, status, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
        )
        .run(id, ...values, at, at);
      return callbackFrom(this.prepared('SELECT * FROM callbacks WHERE id = ?').get(id) as Row);
    });
  }

  listCallbacks(filter?: { tenant?: string; status?: CallbackStatus; from?: Date; to?: Date }): Promise<Callback[]> {
    return this.read(() => {
      const f = callbackFilter(filter);
      const where = new SqlWhere('sqlite').equals('tenant', f.tenant).equals('status', f.status).range('created_at', f);
      const rows = this.prepared(`SELECT * FROM callbacks ${where} ORDER BY seq`).all(...where.params) as Row[];
      return rows.map(callbackFrom);
    });
  }

  markCallbackDone(callbackId: string, doneBy?: string): Promise<boolean> {
    return this.write(
      () =>
        this.prepared("UPDATE callbacks SET status = 'done', done_at = ?, done_by = ? WHERE id = ? AND status = 'open'")
          .run(this.ms(), optionalText(doneBy, 'doneBy') ?? null, callbackId).changes === 1,
    );
  }

  addFeedback(input: NewFeedback): Promise<Feedback> {
    return this.write(() => {
      requireObject(input, 'feedback');
      if (typeof input.helpful !== 'boolean') throw new StoreInputError('helpful must be true or false');
      const id = randomUUID();
      this.prepared('INSERT INTO feedback (id, conversation_id, topic_id, helpful, comment, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(
          id,
          requireText(input.conversationId, 'conversationId'),
          optionalText(input.topicId, 'topicId') ?? null,
          input.helpful ? 1 : 0,
          optionalText(input.comment, 'comment') ?? null,
          this.ms(),
        );
      return feedbackFrom(this.prepared('SELECT * FROM feedback WHERE id = ?').get(id) as Row);
    });
  }

  listFeedback(filter?: { conversationId?: string; topicId?: string; from?: Date; to?: Date }): Promise<Feedback[]> {
    return this.read(() => {
      const f = feedbackFilter(filter);
      const where = new SqlWhere('sqlite').equals('conversation_id', f.conversationId).equals('topic_id', f.topicId).range('created_at', f);
      const rows = this.prepared(`SELECT * FROM feedback ${where} ORDER BY seq`).all(...where.params) as Row[];
      return rows.map(feedbackFrom);
    });
  }

  addUnanswered(input: NewUnanswered): Promise<Unanswered> {
    return this.write(() => {
      requireObject(input, 'unanswered question');
      const id = randomUUID();
      this.prepared('INSERT INTO unanswered (id, tenant, channel, text, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, requireText(input.tenant, 'tenant'), requireText(input.channel, 'channel'), requireText(input.text, 'text'), this.ms());
      return unansweredFrom(this.prepared('SELECT * FROM unanswered WHERE id = ?').get(id) as Row);
    });
  }

  listUnanswered(filter?: UnansweredFilter): Promise<Unanswered[]> {
    return this.read(() => {
      const f = unansweredFilter(filter);
      const where = new SqlWhere('sqlite').equals('tenant', f.tenant).equals('status', f.status).range('created_at', f);
      const limit = where.param(f.limit);
      const rows = this.prepared(`SELECT * FROM unanswered ${where} ORDER BY seq DESC LIMIT ${limit}`).all(...where.params) as Row[];
      return rows.map(unansweredFrom);
    });
  }

  markUnanswered(ids: string[], status: UnansweredStatus): Promise<number> {
    return this.write(() => {
      const wanted = checkIds(ids, 'unanswered question id');
      const to = requireEnum(status, UNANSWERED_STATUSES, 'status');
      if (wanted.length === 0) return 0;
      return this.prepared('UPDATE unanswered SET status = ? WHERE id IN (SELECT value FROM json_each(?)) AND status <> ?')
        .run(to, JSON.stringify(wanted), to).changes;
    });
  }

  audit(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.write(() => {
      requireObject(entry, 'audit entry');
      const result = this.prepared('INSERT INTO audit (at, actor, action, target) VALUES (?, ?, ?, ?)')
        .run(this.ms(), requireText(entry.actor, 'actor'), requireText(entry.action, 'action'), requireText(entry.target, 'target'));
      return auditFrom(this.prepared('SELECT * FROM audit WHERE id = ?').get(result.lastInsertRowid) as Row);
    });
  }

  listAudit(filter: { actor?: string; target?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    return this.read(() => {
      const rows = this.prepared(
          `SELECT * FROM audit WHERE (@actor IS NULL OR actor = @actor) AND (@target IS NULL OR target = @target)
           ORDER BY id DESC LIMIT @limit`,
        )
        .all({ actor: filter.actor ?? null, target: filter.target ?? null, limit: clampLimit(filter.limit) }) as Row[];
      return rows.map(auditFrom);
    });
  }

  // ---- Adviser accounts ----------------------------------------------------------------------

  upsertAdviser(input: NewAdviser): Promise<Adviser> {
    return this.write(() => {
      const a = adviserInput(input);
      const at = this.ms();
      const row = this.prepared(
          `INSERT INTO advisers (id, display_name, password_hash, role, tenants, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, password_hash = excluded.password_hash,
             role = excluded.role, tenants = excluded.tenants, updated_at = excluded.updated_at
           RETURNING *`,
        )
        .get(a.id, a.displayName, a.passwordHash ?? null, a.role, JSON.stringify(a.tenants), at, at) as Row;
      return adviserFrom(row);
    });
  }

  getAdviser(id: string): Promise<Adviser | undefined> {
    return this.read(() => {
      const row = this.prepared('SELECT * FROM advisers WHERE id = ?').get(requireText(id, 'adviser id')) as Row | undefined;
      return row ? adviserFrom(row) : undefined;
    });
  }

  listAdvisers(): Promise<Adviser[]> {
    return this.read(() => (this.prepared('SELECT * FROM advisers ORDER BY id').all() as Row[]).map(adviserFrom));
  }

  deleteAdviser(id: string): Promise<boolean> {
    return this.write(() =>
      this.prepared('DELETE FROM advisers WHERE id = ?').run(requireText(id, 'adviser id')).changes === 1,
    );
  }

  markAdviserSeen(id: string): Promise<void> {
    return this.write(() => {
      this.prepared('UPDATE advisers SET last_seen_at = ? WHERE id = ?').run(this.ms(), requireText(id, 'adviser id'));
    });
  }

  countAdvisersSeenSince(cutoff: Date, tenant?: string): Promise<number> {
    return this.read(() => {
      const since = requireDate(cutoff, 'cutoff').getTime();
      const forTenant = optionalText(tenant, 'tenant');
      const row = (
        forTenant === undefined
          ? this.prepared('SELECT COUNT(*) AS n FROM advisers WHERE last_seen_at >= ?').get(since)
          : this.prepared(
              `SELECT COUNT(*) AS n FROM advisers WHERE last_seen_at >= ?
               AND (tenants = '[]' OR EXISTS (SELECT 1 FROM json_each(advisers.tenants) WHERE value = ?))`,
            ).get(since, forTenant)
      ) as { n: number };
      return Number(row.n);
    });
  }

  // ---- Turn outcomes -------------------------------------------------------------------------

  addTurnOutcome(input: NewTurnOutcome): Promise<void> {
    return this.write(() => {
      const t = turnOutcomeInput(input);
      this.prepared('INSERT INTO turn_outcomes (conversation_id, tenant, channel, outcome, topic_id, at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(t.conversationId, t.tenant, t.channel, t.outcome, t.topicId ?? null, this.ms());
    });
  }

  listTurnOutcomes(filter: TurnOutcomeFilter): Promise<TurnOutcome[]> {
    return this.read(() => {
      const f = turnOutcomeFilter(filter);
      const where = new SqlWhere('sqlite').equals('tenant', f.tenant).equals('channel', f.channel).range('at', f);
      const rows = this.prepared(`SELECT * FROM turn_outcomes ${where} ORDER BY at, seq`).all(...where.params) as Row[];
      return rows.map(turnOutcomeFrom);
    });
  }

  // ---- Retention and people's rights ---------------------------------------------------------

  purgeOlderThan(cutoff: Date): Promise<PurgeCounts> {
    return this.write(() => {
      const before = requireDate(cutoff, 'cutoff').getTime();
      return this.db
        .transaction((): PurgeCounts => {
          const run = (sql: string) => this.prepared(sql).run(before).changes;
          const activities = run('DELETE FROM activities WHERE created_at < ?');
          // Cascades delete nothing more: a conversation idle since the cutoff has no newer activity.
          const conversations = run('DELETE FROM conversations WHERE updated_at < ?');
          return {
            activities,
            conversations,
            state: run(`DELETE FROM bot_state WHERE updated_at < ? AND key NOT LIKE '${KEPT_STATE_PREFIX}%'`),
            callbacks: run('DELETE FROM callbacks WHERE created_at < ?'),
            feedback: run('DELETE FROM feedback WHERE created_at < ?'),
            unanswered: run('DELETE FROM unanswered WHERE created_at < ?'),
            handoffs: run("DELETE FROM handoffs WHERE status = 'closed' AND created_at < ?"),
            turnOutcomes: run('DELETE FROM turn_outcomes WHERE at < ?'),
          };
        })
        .immediate();
    });
  }

  /** The conversation ids and user ids that make up one person's data. */
  private subject(id: string): { conversationIds: string[]; userIds: string[] } {
    requireText(id, 'conversation or user id');
    const ownerOf = this.prepared('SELECT user_id FROM conversations WHERE id = ?').get(id) as { user_id: string | null } | undefined;
    const userIds = uniq([id, ownerOf?.user_id]);
    const conversations = this.prepared(`SELECT id FROM conversations WHERE user_id IN (${userIds.map(() => '?').join(', ')})`)
      .all(...userIds) as { id: string }[];
    return { conversationIds: uniq([id, ...conversations.map((row) => row.id)]), userIds };
  }

  exportPerson(conversationIdOrUserId: string): Promise<PersonExport> {
    return this.read(() =>
      this.db.transaction((): PersonExport => {
        const { conversationIds, userIds } = this.subject(conversationIdOrUserId);
        const c = placeholders(conversationIds);
        const u = placeholders(userIds);
        const all = (sql: string, ...params: string[]) => this.prepared(sql).all(...params) as Row[];
        return {
          subject: conversationIdOrUserId,
          exportedAt: this.now().toISOString(),
          conversations: all(`SELECT * FROM conversations WHERE id IN (${c}) ORDER BY created_at`, ...conversationIds).map(conversationFrom),
          activities: all(`SELECT * FROM activities WHERE conversation_id IN (${c}) ORDER BY conversation_id, seq`, ...conversationIds).map(entryFrom),
          state: all(
            `SELECT key, value, updated_at FROM bot_state WHERE conversation_id IN (${c}) OR user_id IN (${u}) ORDER BY key`,
            ...conversationIds,
            ...userIds,
          ).map(stateFrom),
          handoffs: all(`SELECT * FROM handoffs WHERE conversation_id IN (${c}) ORDER BY seq`, ...conversationIds).map(handoffFrom),
          callbacks: all(
            `SELECT * FROM callbacks WHERE conversation_id IN (${c}) OR user_id IN (${u}) ORDER BY seq`,
            ...conversationIds,
            ...userIds,
          ).map(callbackFrom),
          feedback: all(`SELECT * FROM feedback WHERE conversation_id IN (${c}) ORDER BY seq`, ...conversationIds).map(feedbackFrom),
          turnOutcomes: all(`SELECT * FROM turn_outcomes WHERE conversation_id IN (${c}) ORDER BY at, seq`, ...conversationIds).map(
            turnOutcomeFrom,
          ),
        };
      })(),
    );
  }

  deletePerson(conversationIdOrUserId: string): Promise<PersonDeletionCounts> {
    return this.write(() =>
      this.db
        .transaction((): PersonDeletionCounts => {
          const { conversationIds, userIds } = this.subject(conversationIdOrUserId);
          const c = placeholders(conversationIds);
          const u = placeholders(userIds);
          const run = (sql: string, ...params: string[]) => this.prepared(sql).run(...params).changes;
          const activities = run(`DELETE FROM activities WHERE conversation_id IN (${c})`, ...conversationIds);
          return {
            activities,
            conversations: run(`DELETE FROM conversations WHERE id IN (${c})`, ...conversationIds),
            state: run(`DELETE FROM bot_state WHERE conversation_id IN (${c}) OR user_id IN (${u})`, ...conversationIds, ...userIds),
            handoffs: run(`DELETE FROM handoffs WHERE conversation_id IN (${c})`, ...conversationIds),
            callbacks: run(`DELETE FROM callbacks WHERE conversation_id IN (${c}) OR user_id IN (${u})`, ...conversationIds, ...userIds),
            feedback: run(`DELETE FROM feedback WHERE conversation_id IN (${c})`, ...conversationIds),
            turnOutcomes: run(`DELETE FROM turn_outcomes WHERE conversation_id IN (${c})`, ...conversationIds),
          };
        })
        .immediate(),
    );
  }

  // ---- Publish / subscribe (in process) ------------------------------------------------------

  async publish(channel: string, payload: unknown): Promise<void> {
    this.check();
    const event = requireChannel(channel);
    const text = payloadText(payload);
    // Asynchronous like the PostgreSQL store, and in publish order (microtasks run FIFO).
    queueMicrotask(() => this.emitter.emit(event, text));
  }

  async subscribe(channel: string, handler: (payload: unknown) => void): Promise<Unsubscribe> {
    this.check();
    const event = requireChannel(channel);
    if (typeof handler !== 'function') throw new StoreInputError('handler must be a function');
    const listener = (text: string) => {
      try {
        handler(JSON.parse(text));
      } catch (error) {
        log.warn('store.subscriber_failed', { store: 'sqlite', error: error instanceof Error ? error.name : 'unknown' });
      }
    };
    const registration = { event, listener };
    this.emitter.on(event, listener);
    this.ownHandlers.add(registration);
    return async () => {
      if (this.ownHandlers.delete(registration)) this.emitter.off(event, listener);
    };
  }

  schemaVersion(): Promise<number> {
    return this.read(() => currentVersion(this.db));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The writes already made are committed (or, if that fails, rejected), not left waiting.
    this.commitBatch();
    for (const { event, listener } of this.ownHandlers) this.emitter.off(event, listener);
    this.ownHandlers.clear();
    releaseShared(this.sharedKey);
    this.db.close();
  }
}

// ---- Migrations ------------------------------------------------------------------------------

function currentVersion(db: Database.Database): number {
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as { version: number | null };
  return row.version ?? 0;
}

/** Applies pending migrations in one IMMEDIATE transaction, so two processes opening together don't race. */
function migrate(db: Database.Database, migrations: readonly Migration[], now: () => Date): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const current = currentVersion(db);
    const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => m.version > current);
    for (const migration of pending) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        now().getTime(),
      );
    }
    if (pending.length > 0) log.info('store.migrated', { store: 'sqlite', from: current, to: currentVersion(db) });
  }).immediate();
}

// ---- SQL helpers -----------------------------------------------------------------------------

interface StateWrite {
  key: string;
  value: string;
  mode: WriteMode;
}

function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}
