import { randomUUID } from 'node:crypto';
import type { Activity, Storage, StoreItems } from 'botbuilder';
import pg from 'pg';
import { errorFields, log } from '../log';
import {
  adviserFrom,
  adviserInput,
  auditFrom,
  bodyAroundGeneratedSeq,
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
  jsonClean,
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
  storedWithGeneratedId,
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
import { postgresMigrations } from './migrations/postgres';
import type { Migration } from './migrations/sqlite';
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

export interface PostgresStoreOptions {
  /** `postgres://…`; never logged (it may hold a password). */
  connectionString: string;
  /**
   * A schema of its own (created when missing) instead of the connection's default search_path.
   * Lower-case letters, digits and underscores, at most 40 characters.
   */
  schema?: string;
  /** Pool size. Default 10. */
  poolSize?: number;
  /** The LISTEN/NOTIFY channel. Default `send_assistant`, or `send_assistant_<schema>` with a schema. */
  notifyChannel?: string;
  now?: () => Date;
  /** Applied in order at start-up. Default: the project's migrations. */
  migrations?: readonly Migration[];
}

type Queryable = Pick<pg.PoolClient, 'query'>;

/** NOTIFY payloads must stay below 8000 bytes; leave room for the envelope. */
const MAX_NOTIFY_BYTES = 7900;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,39}$/;

function checkIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new StoreInputError(`${what} must be lower-case letters, digits and underscores (at most 40)`);
  return name;
}

function connectionConfig(options: PostgresStoreOptions, applicationName: string): pg.ClientConfig {
  const config: pg.ClientConfig = {
    connectionString: options.connectionString,
    // With a schema, the database's activity view tells one deployment's connections from another's.
    application_name: options.schema === undefined ? applicationName : `${applicationName} (${options.schema})`,
    connectionTimeoutMillis: 10_000,
  };
  if (options.schema !== undefined) config.options = `-c search_path=${checkIdentifier(options.schema, 'schema')}`;
  return config;
}

/**
 * A client checked out of the pool has no error listener of the pool's: without one, its
 * connection dropping between two queries (a transaction's, say) would be an uncaught 'error'
 * event, which ends the process. The error is kept, so the client is discarded on release.
 */
function watchCheckedOut(client: pg.PoolClient): { readonly error: Error | undefined; stop(): void } {
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
    log.warn('store.connection_lost', { store: 'postgres', ...errorFields(error) });
  };
  client.on('error', onError);
  return {
    get error() {
      return lost;
    },
    stop: () => {
      client.removeListener('error', onError);
    },
  };
}

/**
 * Applies pending migrations: one transaction, under a transaction-scoped advisory lock, so two
 * instances starting together apply each migration once and neither sees a half-made schema.
 */
export async function migratePostgres(
  options: Pick<PostgresStoreOptions, 'connectionString' | 'schema' | 'migrations'>,
): Promise<{ from: number; to: number }> {
  const client = new pg.Client(connectionConfig(options as PostgresStoreOptions, 'send-assistant:migrate'));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await migrateWith(client, options.schema, options.migrations ?? postgresMigrations);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function migrateWith(client: Queryable, schema: string | undefined, migrations: readonly Migration[]): Promise<{ from: number; to: number }> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['send-assistant:migrations', schema ?? '']);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${checkIdentifier(schema, 'schema')}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const from = Number((await client.query('SELECT COALESCE(MAX(version), 0) AS version FROM schema_version')).rows[0]?.version ?? 0);
    const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => m.version > from);
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_version (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
    const to = pending.length > 0 ? pending[pending.length - 1]!.version : from;
    if (pending.length > 0) log.info('store.migrated', { store: 'postgres', from, to });
    return { from, to };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly options: PostgresStoreOptions;
  private readonly now: () => Date;
  private readonly notifyChannel: string;
  private readonly handlers = new Map<string, Set<(payload: unknown) => void>>();
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempts = 0;
  private publishChain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** A new eTag for each state write. */
  private readonly newETag = eTagMaker();

  private constructor(options: PostgresStoreOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.notifyChannel =
      options.notifyChannel ?? (options.schema === undefined ? 'send_assistant' : `send_assistant_${options.schema}`);
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.notifyChannel)) {
      throw new StoreInputError('notifyChannel must be lower-case letters, digits and underscores (at most 63)');
    }
    this.pool = new pg.Pool({ ...connectionConfig(options, 'send-assistant'), max: options.poolSize ?? 10 });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', (error) => log.warn('store.pool_error', { store: 'postgres', ...errorFields(error) }));
  }

  /** Connects, applies pending migrations (under an advisory lock) and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      const client = await store.pool.connect();
      const lost = watchCheckedOut(client);
      try {
        await migrateWith(client, options.schema, options.migrations ?? postgresMigrations);
      } finally {
        lost.stop();
        client.release(lost.error);
      }
    } catch (error) {
      await store.pool.end().catch(() => undefined);
      throw error;
    }
    return store;
  }

  private at(): Date {
    return this.now();
  }

  private check(): void {
    if (this.closed) throw new Error('Store is closed');
  }

  private async query(sql: string, params: unknown[] = []): Promise<pg.QueryResult<Row>> {
    this.check();
    return this.pool.query<Row>(sql, params);
  }

  private async tx<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    this.check();
    const client = await this.pool.connect();
    const lost = watchCheckedOut(client);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      lost.stop();
      client.release(lost.error ?? broken);
    }
  }

  // ---- Bot Framework state -------------------------------------------------------------------

  botStorage(): Storage {
    return {
      read: (keys) => this.readState(keys),
      write: (changes) => this.writeState(changes),
      delete: (keys) => this.deleteState(keys),
    };
  }

  private async readState(keys: string[]): Promise<StoreItems> {
    const wanted = checkKeys(keys);
    const items: StoreItems = {};
    if (wanted.length === 0) return items;
    const { rows } = await this.query('SELECT key, value, etag FROM bot_state WHERE key = ANY($1::text[])', [wanted]);
    for (const row of rows) items[String(row.key)] = stateItem(String(row.value), String(row.etag));
    return items;
  }

  private async writeState(changes: StoreItems): Promise<void> {
    const entries = Object.entries(checkChanges(changes));
    if (entries.length === 0) return;
    const items = entries.map(([key, item]): StateWrite => ({ key: requireText(key, 'key'), value: stateValueText(item), mode: writeMode(item) }));
    const at = this.at();
    // One statement is atomic on its own (and one round trip); several are written together or
    // not at all.
    if (items.length === 1) {
      this.check();
      await this.writeStateItem(this.pool, items[0]!, at);
      return;
    }
    await this.tx(async (client) => {
      for (const item of items) await this.writeStateItem(client, item, at);
    });
  }

  /** Writes one item (one statement) or throws ETagConflictError having written nothing. */
  private async writeStateItem(client: Queryable, { key, value, mode }: StateWrite, at: Date): Promise<void> {
    const eTag = this.newETag();
    if (mode.kind === 'match') {
      const result = await client.query('UPDATE bot_state SET value = $1, etag = $2, updated_at = $3 WHERE key = $4 AND etag = $5', [
        value,
        eTag,
        at,
        key,
        mode.eTag,
      ]);
      if (result.rowCount !== 1) throw new ETagConflictError(key);
      return;
    }
    const owner = stateKeyOwner(key);
    const insertParams = [key, value, eTag, owner.conversationId ?? null, owner.userId ?? null, at];
    if (mode.kind === 'any') {
      await client.query(
        `INSERT INTO bot_state (key, value, etag, conversation_id, user_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, etag = EXCLUDED.etag, updated_at = EXCLUDED.updated_at`,
        insertParams,
      );
    } else {
      const result = await client.query(
        `INSERT INTO bot_state (key, value, etag, conversation_id, user_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (key) DO NOTHING`,
        insertParams,
      );
      if (result.rowCount !== 1) throw new ETagConflictError(key);
    }
  }

  private async deleteState(keys: string[]): Promise<void> {
    const wanted = checkKeys(keys);
    if (wanted.length === 0) return;
    await this.query('DELETE FROM bot_state WHERE key = ANY($1::text[])', [wanted]);
  }

  // ---- Conversations and transcript ----------------------------------------------------------

  async createConversation(id: string, meta: ConversationMeta): Promise<Conversation> {
    requireText(id, 'conversation id');
    requireObject(meta, 'meta');
    const tenant = requireText(meta.tenant, 'tenant');
    const channel = requireText(meta.channel, 'channel');
    const userId = optionalText(meta.userId, 'userId') || null;
    const at = this.at();
    await this.query(
      `INSERT INTO conversations (id, tenant, channel, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (id) DO NOTHING`,
      [id, tenant, channel, userId, at],
    );
    const conversation = await this.getConversation(id);
    if (!conversation) throw new ConversationNotFoundError(id);
    return conversation;
  }

  async conversationExists(id: string): Promise<boolean> {
    return (await this.query('SELECT 1 FROM conversations WHERE id = $1', [id])).rowCount === 1;
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const { rows } = await this.query('SELECT * FROM conversations WHERE id = $1', [id]);
    return rows[0] ? conversationFrom(rows[0]) : undefined;
  }

  async listConversations(filter?: ConversationFilter): Promise<Conversation[]> {
    const f = conversationFilter(filter);
    const where = new SqlWhere('postgres').equals('tenant', f.tenant).equals('channel', f.channel).range('created_at', f);
    const limit = where.param(f.limit);
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's collation.
    const { rows } = await this.query(`SELECT * FROM conversations ${where} ORDER BY created_at, id COLLATE "C" LIMIT ${limit}`, where.params);
    return rows.map(conversationFrom);
  }

  async markConversationStarted(id: string): Promise<boolean> {
    return (await this.query('UPDATE conversations SET started = true WHERE id = $1 AND NOT started', [id])).rowCount === 1;
  }

  /**
   * One statement (one round trip, atomic on its own) in place of a transaction of four or five:
   * the UPDATE of the conversation's last_seq takes its row lock, which serialises appends to one
   * conversation across instances (a waiting UPDATE goes on with the committed last_seq), and the
   * INSERT of the activity goes with it or not at all.
   */
  async appendActivity(conversationId: string, activity: Partial<Activity>): Promise<AppendResult> {
    requireText(conversationId, 'conversation id');
    const prepared = prepareActivity(activity);
    const at = this.at();
    return prepared.givenId === undefined
      ? this.appendWithGeneratedId(conversationId, prepared, at)
      : this.appendWithGivenId(conversationId, prepared, prepared.givenId, at);
  }

  /** The id is `${conversationId}|${seq padded to 7 digits}` (generatedActivityId), made in SQL with the seq. */
  private async appendWithGeneratedId(conversationId: string, activity: ActivityToAppend, at: Date): Promise<AppendResult> {
    const { head, tail } = bodyAroundGeneratedSeq(activity, conversationId);
    const { rows } = await this.query(
      `WITH bumped AS (
         UPDATE conversations SET last_seq = last_seq + 1, updated_at = $2 WHERE id = $1 RETURNING last_seq
       ), digits AS (
         SELECT last_seq, CASE WHEN last_seq < 1000000 THEN lpad(last_seq::text, 7, '0') ELSE last_seq::text END AS padded FROM bumped
       )
       INSERT INTO activities (conversation_id, seq, activity_id, body, created_at)
       SELECT $1, last_seq, $1 || '|' || padded, $3::text || padded || $4::text, $2 FROM digits
       RETURNING seq`,
      [conversationId, at, head, tail],
    );
    if (!rows[0]) throw new ConversationNotFoundError(conversationId);
    const seq = Number(rows[0].seq);
    const id = generatedActivityId(conversationId, seq);
    return { conversationId, seq, id, activity: storedWithGeneratedId(activity, id), createdAt: at.toISOString(), duplicate: false };
  }

  /**
   * Idempotent by id. The repeat check reads the statement's snapshot, so two appends of one id
   * racing each other can both miss it: the later one then breaks the (conversation_id,
   * activity_id) uniqueness, its statement is undone as a whole (last_seq too), and it is run
   * again, when the first copy is there to be found.
   */
  private async appendWithGivenId(conversationId: string, activity: ActivityToAppend, id: string, at: Date): Promise<AppendResult> {
    const { stored, text } = storedActivity(activity, id);
    for (let attempt = 1; ; attempt += 1) {
      let rows: Row[];
      try {
        ({ rows } = await this.query(
          `WITH dup AS (
             SELECT conversation_id, seq, activity_id, body, created_at FROM activities WHERE conversation_id = $1 AND activity_id = $2
           ), bumped AS (
             UPDATE conversations SET last_seq = last_seq + 1, updated_at = $3
             WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM dup) RETURNING last_seq
           ), added AS (
             INSERT INTO activities (conversation_id, seq, activity_id, body, created_at)
             SELECT $1, last_seq, $2, $4, $3 FROM bumped RETURNING seq
           )
           SELECT conversation_id, seq, activity_id, body, created_at FROM dup
           UNION ALL
           SELECT NULL, seq, NULL, NULL, NULL FROM added`,
          [conversationId, id, at, text],
        ));
      } catch (error) {
        if (attempt < 3 && (error as { code?: unknown }).code === '23505') continue;
        throw error;
      }
      const row = rows[0];
      if (!row) throw new ConversationNotFoundError(conversationId);
      if (row.body !== null && row.body !== undefined) return { ...entryFrom(row), duplicate: true };
      return { conversationId, seq: Number(row.seq), id, activity: stored, createdAt: at.toISOString(), duplicate: false };
    }
  }

  async listActivities(conversationId: string, afterSeq?: number): Promise<TranscriptEntry[]> {
    const after = requireAfterSeq(afterSeq);
    // One statement, one snapshot: the existence check and the rows agree.
    const { rows } = await this.query(
      `SELECT c.id AS exists_id, a.conversation_id, a.seq, a.activity_id, a.body, a.created_at
       FROM conversations c LEFT JOIN activities a ON a.conversation_id = c.id AND a.seq > $2
       WHERE c.id = $1 ORDER BY a.seq`,
      [conversationId, after],
    );
    if (rows.length === 0) throw new ConversationNotFoundError(conversationId);
    return rows.filter((row) => row.seq !== null).map(entryFrom);
  }

  // ---- Hand-off queue ------------------------------------------------------------------------

  async enqueueHandoff(input: NewHandoff): Promise<Handoff> {
    const { conversationId, tenant, channel, reason, summary, reference, urgent } = handoffInput(input);
    const at = this.at();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const result = await this.tx(async (client): Promise<Handoff | undefined> => {
        const inserted = await client.query(
          `INSERT INTO handoffs (id, conversation_id, tenant, channel, reason, urgent, summary, reference, status, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9)
           ON CONFLICT (conversation_id) WHERE status IN ('queued', 'claimed') DO NOTHING
           RETURNING *`,
          [randomUUID(), conversationId, tenant, channel, reason, urgent, summary, reference, at],
        );
        if (inserted.rows[0]) return handoffFrom(inserted.rows[0]);
        const open = await client.query(
          "SELECT * FROM handoffs WHERE conversation_id = $1 AND status IN ('queued', 'claimed') FOR UPDATE",
          [conversationId],
        );
        const row = open.rows[0];
        if (!row) return undefined; // closed meanwhile: try again
        if (urgent && !row.urgent) {
          const updated = await client.query(
            "UPDATE handoffs SET urgent = true, reason = 'safeguarding', summary = $1, reference = COALESCE($2, reference) WHERE seq = $3 RETURNING *",
            [summary, reference, row.seq],
          );
          return handoffFrom(updated.rows[0]!);
        }
        if (reference !== null) {
          const updated = await client.query('UPDATE handoffs SET reference = $1 WHERE seq = $2 RETURNING *', [reference, row.seq]);
          return handoffFrom(updated.rows[0]!);
        }
        return handoffFrom(row);
      });
      if (result) return result;
    }
    throw new Error('Could not queue the hand-off: the conversation’s open hand-off kept changing');
  }

  async updateHandoffSummary(handoffId: string, summary: Record<string, unknown>): Promise<boolean> {
    requireText(handoffId, 'handoffId');
    const text = objectJson(summary, 'summary');
    const result = await this.query("UPDATE handoffs SET summary = $1 WHERE id = $2 AND status IN ('queued', 'claimed')", [text, handoffId]);
    return result.rowCount === 1;
  }

  async listHandoffs(filter?: HandoffFilter): Promise<Handoff[]> {
    const f = handoffFilter(filter);
    const where = new SqlWhere('postgres')
      .equals('tenant', f.tenant)
      .oneOf('status', f.status)
      .equals('claimed_by', f.claimedBy)
      .range('created_at', f);
    const limit = where.param(f.limit);
    const { rows } = await this.query(`SELECT * FROM handoffs ${where} ORDER BY created_at, seq LIMIT ${limit}`, where.params);
    return rows.map(handoffFrom);
  }

  async listQueue(tenant?: string): Promise<Handoff[]> {
    const { rows } = await this.query(
      "SELECT * FROM handoffs WHERE status = 'queued' AND ($1::text IS NULL OR tenant = $1) ORDER BY urgent DESC, seq",
      [tenant ?? null],
    );
    return rows.map(handoffFrom);
  }

  async claimHandoff(handoffId: string, adviserId: string): Promise<boolean> {
    requireText(adviserId, 'adviserId');
    // Atomic conditional update: concurrent claimers wait on the row lock, then re-check the
    // status, so exactly one of them sees 'queued'.
    const result = await this.query(
      "UPDATE handoffs SET status = 'claimed', claimed_by = $1, claimed_at = $2 WHERE id = $3 AND status = 'queued'",
      [adviserId, this.at(), handoffId],
    );
    return result.rowCount === 1;
  }

  async claimNext(adviserId: string, tenant?: string): Promise<Handoff | undefined> {
    requireText(adviserId, 'adviserId');
    const { rows } = await this.query(
      `UPDATE handoffs SET status = 'claimed', claimed_by = $1, claimed_at = $2
       WHERE seq = (
         SELECT seq FROM handoffs WHERE status = 'queued' AND ($3::text IS NULL OR tenant = $3)
         ORDER BY urgent DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED
       ) AND status = 'queued'
       RETURNING *`,
      [adviserId, this.at(), tenant ?? null],
    );
    return rows[0] ? handoffFrom(rows[0]) : undefined;
  }

  async transferHandoff(handoffId: string, fromAdviserId: string, toAdviserId: string): Promise<boolean> {
    requireText(toAdviserId, 'toAdviserId');
    const result = await this.query(
      "UPDATE handoffs SET claimed_by = $1, claimed_at = $2 WHERE id = $3 AND status = 'claimed' AND claimed_by = $4",
      [toAdviserId, this.at(), handoffId, fromAdviserId],
    );
    return result.rowCount === 1;
  }

  async closeHandoff(handoffId: string, closedBy?: string): Promise<boolean> {
    const result = await this.query(
      "UPDATE handoffs SET status = 'closed', closed_by = $1, closed_at = $2 WHERE id = $3 AND status IN ('queued', 'claimed')",
      [optionalText(closedBy, 'closedBy') ?? null, this.at(), handoffId],
    );
    return result.rowCount === 1;
  }

  async getHandoff(handoffId: string): Promise<Handoff | undefined> {
    const { rows } = await this.query('SELECT * FROM handoffs WHERE id = $1', [handoffId]);
    return rows[0] ? handoffFrom(rows[0]) : undefined;
  }

  async findOpenHandoff(conversationId: string): Promise<Handoff | undefined> {
    const { rows } = await this.query("SELECT * FROM handoffs WHERE conversation_id = $1 AND status IN ('queued', 'claimed')", [
      conversationId,
    ]);
    return rows[0] ? handoffFrom(rows[0]) : undefined;
  }

  // ---- Call-backs, feedback, unanswered, audit ---------------------------------------------------

  async addCallback(input: NewCallback): Promise<Callback> {
    const values = callbackValues(input);
    const at = this.at();
    const { rows } = await this.query(
      `INSERT INTO callbacks (id, tenant, channel, conversation_id, user_id, name, contact, best_time, consent_at, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $9) RETURNING *`,
      [randomUUID(), ...values, at],
    );
    return callbackFrom(rows[0]!);
  }

  async listCallbacks(filter?: { tenant?: string; status?: CallbackStatus; from?: Date; to?: Date }): Promise<Callback[]> {
    const f = callbackFilter(filter);
    const where = new SqlWhere('postgres').equals('tenant', f.tenant).equals('status', f.status).range('created_at', f);
    const { rows } = await this.query(`SELECT * FROM callbacks ${where} ORDER BY seq`, where.params);
    return rows.map(callbackFrom);
  }

  async markCallbackDone(callbackId: string, doneBy?: string): Promise<boolean> {
    const result = await this.query("UPDATE callbacks SET status = 'done', done_at = $1, done_by = $2 WHERE id = $3 AND status = 'open'", [
      this.at(),
      optionalText(doneBy, 'doneBy') ?? null,
      callbackId,
    ]);
    return result.rowCount === 1;
  }

  async addFeedback(input: NewFeedback): Promise<Feedback> {
    requireObject(input, 'feedback');
    if (typeof input.helpful !== 'boolean') throw new StoreInputError('helpful must be true or false');
    const { rows } = await this.query(
      'INSERT INTO feedback (id, conversation_id, topic_id, helpful, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
      [
        randomUUID(),
        requireText(input.conversationId, 'conversationId'),
        optionalText(input.topicId, 'topicId') ?? null,
        input.helpful,
        optionalText(input.comment, 'comment') ?? null,
        this.at(),
      ],
    );
    return feedbackFrom(rows[0]!);
  }

  async listFeedback(filter?: { conversationId?: string; topicId?: string; from?: Date; to?: Date }): Promise<Feedback[]> {
    const f = feedbackFilter(filter);
    const where = new SqlWhere('postgres').equals('conversation_id', f.conversationId).equals('topic_id', f.topicId).range('created_at', f);
    const { rows } = await this.query(`SELECT * FROM feedback ${where} ORDER BY seq`, where.params);
    return rows.map(feedbackFrom);
  }

  async addUnanswered(input: NewUnanswered): Promise<Unanswered> {
    requireObject(input, 'unanswered question');
    const { rows } = await this.query(
      'INSERT INTO unanswered (id, tenant, channel, text, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
      [randomUUID(), requireText(input.tenant, 'tenant'), requireText(input.channel, 'channel'), requireText(input.text, 'text'), this.at()],
    );
    return unansweredFrom(rows[0]!);
  }

  async listUnanswered(filter?: UnansweredFilter): Promise<Unanswered[]> {
    const f = unansweredFilter(filter);
    const where = new SqlWhere('postgres').equals('tenant', f.tenant).equals('status', f.status).range('created_at', f);
    const limit = where.param(f.limit);
    const { rows } = await this.query(`SELECT * FROM unanswered ${where} ORDER BY seq DESC LIMIT ${limit}`, where.params);
    return rows.map(unansweredFrom);
  }

  async markUnanswered(ids: string[], status: UnansweredStatus): Promise<number> {
    const wanted = checkIds(ids, 'unanswered question id');
    const to = requireEnum(status, UNANSWERED_STATUSES, 'status');
    if (wanted.length === 0) return 0;
    const result = await this.query('UPDATE unanswered SET status = $1 WHERE id = ANY($2::text[]) AND status <> $1', [to, wanted]);
    return result.rowCount ?? 0;
  }

  async audit(entry: NewAuditEntry): Promise<AuditEntry> {
    requireObject(entry, 'audit entry');
    const { rows } = await this.query('INSERT INTO audit (at, actor, action, target) VALUES ($1, $2, $3, $4) RETURNING *', [
      this.at(),
      requireText(entry.actor, 'actor'),
      requireText(entry.action, 'action'),
      requireText(entry.target, 'target'),
    ]);
    return auditFrom(rows[0]!);
  }

  async listAudit(filter: { actor?: string; target?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const { rows } = await this.query(
      'SELECT * FROM audit WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR target = $2) ORDER BY id DESC LIMIT $3',
      [filter.actor ?? null, filter.target ?? null, clampLimit(filter.limit)],
    );
    return rows.map(auditFrom);
  }

  // ---- Adviser accounts ----------------------------------------------------------------------

  async upsertAdviser(input: NewAdviser): Promise<Adviser> {
    const a = adviserInput(input);
    const { rows } = await this.query(
      `INSERT INTO advisers (id, display_name, password_hash, role, tenants, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, password_hash = EXCLUDED.password_hash,
         role = EXCLUDED.role, tenants = EXCLUDED.tenants, updated_at = EXCLUDED.updated_at
       RETURNING *`,
      [a.id, a.displayName, a.passwordHash ?? null, a.role, a.tenants, this.at()],
    );
    return adviserFrom(rows[0]!);
  }

  async getAdviser(id: string): Promise<Adviser | undefined> {
    const { rows } = await this.query('SELECT * FROM advisers WHERE id = $1', [requireText(id, 'adviser id')]);
    return rows[0] ? adviserFrom(rows[0]) : undefined;
  }

  async listAdvisers(): Promise<Adviser[]> {
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's collation.
    const { rows } = await this.query('SELECT * FROM advisers ORDER BY id COLLATE "C"');
    return rows.map(adviserFrom);
  }

  async deleteAdviser(id: string): Promise<boolean> {
    return (await this.query('DELETE FROM advisers WHERE id = $1', [requireText(id, 'adviser id')])).rowCount === 1;
  }

  async markAdviserSeen(id: string): Promise<void> {
    await this.query('UPDATE advisers SET last_seen_at = $1 WHERE id = $2', [this.at(), requireText(id, 'adviser id')]);
  }

  async countAdvisersSeenSince(cutoff: Date, tenant?: string): Promise<number> {
    const since = requireDate(cutoff, 'cutoff');
    const forTenant = optionalText(tenant, 'tenant');
    const { rows } =
      forTenant === undefined
        ? await this.query('SELECT COUNT(*) AS n FROM advisers WHERE last_seen_at >= $1', [since])
        : await this.query(
            'SELECT COUNT(*) AS n FROM advisers WHERE last_seen_at >= $1 AND (cardinality(tenants) = 0 OR $2 = ANY(tenants))',
            [since, forTenant],
          );
    return Number(rows[0]?.n ?? 0);
  }

  // ---- Turn outcomes -------------------------------------------------------------------------

  async addTurnOutcome(input: NewTurnOutcome): Promise<void> {
    const t = turnOutcomeInput(input);
    await this.query('INSERT INTO turn_outcomes (conversation_id, tenant, channel, outcome, topic_id, at) VALUES ($1, $2, $3, $4, $5, $6)', [
      t.conversationId,
      t.tenant,
      t.channel,
      t.outcome,
      t.topicId ?? null,
      this.at(),
    ]);
  }

  async listTurnOutcomes(filter: TurnOutcomeFilter): Promise<TurnOutcome[]> {
    const f = turnOutcomeFilter(filter);
    const where = new SqlWhere('postgres').equals('tenant', f.tenant).equals('channel', f.channel).range('at', f);
    const { rows } = await this.query(`SELECT * FROM turn_outcomes ${where} ORDER BY at, seq`, where.params);
    return rows.map(turnOutcomeFrom);
  }

  // ---- Retention and people's rights ---------------------------------------------------------

  async purgeOlderThan(cutoff: Date): Promise<PurgeCounts> {
    const before = requireDate(cutoff, 'cutoff');
    return this.tx(async (client): Promise<PurgeCounts> => {
      const run = async (sql: string) => (await client.query(sql, [before])).rowCount ?? 0;
      const activities = await run('DELETE FROM activities WHERE created_at < $1');
      const conversations = await run('DELETE FROM conversations WHERE updated_at < $1');
      return {
        activities,
        conversations,
        state: await run(`DELETE FROM bot_state WHERE updated_at < $1 AND key NOT LIKE '${KEPT_STATE_PREFIX}%'`),
        callbacks: await run('DELETE FROM callbacks WHERE created_at < $1'),
        feedback: await run('DELETE FROM feedback WHERE created_at < $1'),
        unanswered: await run('DELETE FROM unanswered WHERE created_at < $1'),
        handoffs: await run("DELETE FROM handoffs WHERE status = 'closed' AND created_at < $1"),
        turnOutcomes: await run('DELETE FROM turn_outcomes WHERE at < $1'),
      };
    });
  }

  private async subject(client: Queryable, id: string): Promise<{ conversationIds: string[]; userIds: string[] }> {
    requireText(id, 'conversation or user id');
    const owner = await client.query('SELECT user_id FROM conversations WHERE id = $1', [id]);
    const userIds = uniq([id, owner.rows[0]?.user_id as string | null | undefined]);
    const conversations = await client.query('SELECT id FROM conversations WHERE user_id = ANY($1::text[])', [userIds]);
    return { conversationIds: uniq([id, ...conversations.rows.map((row) => String(row.id))]), userIds };
  }

  async exportPerson(conversationIdOrUserId: string): Promise<PersonExport> {
    return this.tx(async (client): Promise<PersonExport> => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const { conversationIds: c, userIds: u } = await this.subject(client, conversationIdOrUserId);
      const all = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows;
      return {
        subject: conversationIdOrUserId,
        exportedAt: this.at().toISOString(),
        conversations: (await all('SELECT * FROM conversations WHERE id = ANY($1::text[]) ORDER BY created_at', [c])).map(conversationFrom),
        activities: (await all('SELECT * FROM activities WHERE conversation_id = ANY($1::text[]) ORDER BY conversation_id, seq', [c])).map(
          entryFrom,
        ),
        state: (
          await all('SELECT key, value, updated_at FROM bot_state WHERE conversation_id = ANY($1::text[]) OR user_id = ANY($2::text[]) ORDER BY key', [c, u])
        ).map(stateFrom),
        handoffs: (await all('SELECT * FROM handoffs WHERE conversation_id = ANY($1::text[]) ORDER BY seq', [c])).map(handoffFrom),
        callbacks: (
          await all('SELECT * FROM callbacks WHERE conversation_id = ANY($1::text[]) OR user_id = ANY($2::text[]) ORDER BY seq', [c, u])
        ).map(callbackFrom),
        feedback: (await all('SELECT * FROM feedback WHERE conversation_id = ANY($1::text[]) ORDER BY seq', [c])).map(feedbackFrom),
        turnOutcomes: (await all('SELECT * FROM turn_outcomes WHERE conversation_id = ANY($1::text[]) ORDER BY at, seq', [c])).map(
          turnOutcomeFrom,
        ),
      };
    });
  }

  async deletePerson(conversationIdOrUserId: string): Promise<PersonDeletionCounts> {
    return this.tx(async (client): Promise<PersonDeletionCounts> => {
      const { conversationIds: c, userIds: u } = await this.subject(client, conversationIdOrUserId);
      const run = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rowCount ?? 0;
      const activities = await run('DELETE FROM activities WHERE conversation_id = ANY($1::text[])', [c]);
      return {
        activities,
        conversations: await run('DELETE FROM conversations WHERE id = ANY($1::text[])', [c]),
        state: await run('DELETE FROM bot_state WHERE conversation_id = ANY($1::text[]) OR user_id = ANY($2::text[])', [c, u]),
        handoffs: await run('DELETE FROM handoffs WHERE conversation_id = ANY($1::text[])', [c]),
        callbacks: await run('DELETE FROM callbacks WHERE conversation_id = ANY($1::text[]) OR user_id = ANY($2::text[])', [c, u]),
        feedback: await run('DELETE FROM feedback WHERE conversation_id = ANY($1::text[])', [c]),
        turnOutcomes: await run('DELETE FROM turn_outcomes WHERE conversation_id = ANY($1::text[])', [c]),
      };
    });
  }

  // ---- Publish / subscribe (LISTEN/NOTIFY) ---------------------------------------------------

  async publish(channel: string, payload: unknown): Promise<void> {
    this.check();
    const text = JSON.stringify({ c: requireChannel(channel), p: JSON.parse(payloadText(payload)) as unknown });
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_NOTIFY_BYTES) {
      throw new StoreInputError(`payload too large for NOTIFY (${bytes} bytes; the limit is ${MAX_NOTIFY_BYTES})`);
    }
    // One after another, so this instance's notifications commit (and arrive) in publish order.
    const sent = this.publishChain.then(() => this.pool.query('SELECT pg_notify($1, $2)', [this.notifyChannel, text]));
    this.publishChain = sent.catch(() => undefined);
    await sent;
  }

  async subscribe(channel: string, handler: (payload: unknown) => void): Promise<Unsubscribe> {
    this.check();
    const name = requireChannel(channel);
    if (typeof handler !== 'function') throw new StoreInputError('handler must be a function');
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const wrapped = (payload: unknown) => handler(payload);
    let set = this.handlers.get(name);
    if (!set) {
      set = new Set();
      this.handlers.set(name, set);
    }
    set.add(wrapped);
    const unsubscribe = async () => {
      const current = this.handlers.get(name);
      current?.delete(wrapped);
      if (current && current.size === 0) this.handlers.delete(name);
    };
    try {
      await this.ensureListener();
    } catch (error) {
      await unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  private ensureListener(): Promise<void> {
    if (!this.listening) {
      const attempt = this.connectListener();
      this.listening = attempt;
      attempt.catch(() => {
        if (this.listening === attempt) this.listening = undefined;
      });
    }
    return this.listening;
  }

  private async connectListener(): Promise<void> {
    const client = new pg.Client({ ...connectionConfig(this.options, 'send-assistant:listen'), keepAlive: true });
    client.on('notification', (message) => this.dispatch(message));
    client.on('error', (error) => this.listenerLost(client, error));
    client.on('end', () => this.listenerLost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.notifyChannel}"`);
    } catch (error) {
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    if (this.reconnectAttempts > 0) log.info('store.listen_reconnected', { store: 'postgres', attempts: this.reconnectAttempts });
    this.reconnectAttempts = 0;
  }

  private listenerLost(client: pg.Client, error?: Error): void {
    if (this.listener !== client) return; // an old client, or one that never finished connecting
    this.listener = undefined;
    this.listening = undefined;
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    if (this.closed) return;
    log.warn('store.listen_lost', { store: 'postgres', ...(error ? errorFields(error) : {}) });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    // At most 5 s apart, so notices flow again soon after the database is back.
    const delay = Math.min(5_000, 100 * 2 ** Math.min(this.reconnectAttempts, 9));
    this.reconnectAttempts += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed) return;
      this.ensureListener().catch((error: unknown) => {
        log.warn('store.listen_reconnect_failed', { store: 'postgres', attempts: this.reconnectAttempts, ...errorFields(error) });
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }

  private dispatch(message: pg.Notification): void {
    if (message.channel !== this.notifyChannel || message.payload === undefined) return;
    let envelope: { c?: unknown; p?: unknown };
    try {
      envelope = JSON.parse(message.payload) as { c?: unknown; p?: unknown };
    } catch {
      return; // not one of ours
    }
    if (typeof envelope.c !== 'string') return;
    const set = this.handlers.get(envelope.c);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        // Each handler gets its own copy.
        handler(jsonClean(envelope.p));
      } catch (error) {
        log.warn('store.subscriber_failed', { store: 'postgres', error: error instanceof Error ? error.name : 'unknown' });
      }
    }
  }

  /** For tests: the backend pid of the LISTEN connection, if connected. */
  listenerPid(): number | undefined {
    return (this.listener as unknown as { processID?: number } | undefined)?.processID;
  }

  async schemaVersion(): Promise<number> {
    const { rows } = await this.query('SELECT COALESCE(MAX(version), 0) AS version FROM schema_version');
    return Number(rows[0]?.version ?? 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.publishChain;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.handlers.clear();
    // A connection still being made ends itself once it sees `closed`.
    await this.listening?.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    this.listening = undefined;
    if (listener) {
      listener.removeAllListeners('end');
      listener.on('error', () => undefined);
      await listener.end().catch(() => undefined);
    }
    await this.pool.end();
  }
}

interface StateWrite {
  key: string;
  value: string;
  mode: WriteMode;
}
