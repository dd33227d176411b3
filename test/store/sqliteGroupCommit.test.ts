/**
 * SQLite group commit: the writes made in one event-loop turn share one transaction, committed by
 * a setImmediate callback, and every caller still sees what it saw before (see sqliteStore.ts).
 * Most tests first check, through a second connection, that the rows are NOT yet visible right
 * after the calls (so the batch is really in use: without it each write commits as it is made),
 * then that everything is committed when the promises settle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configureLog } from '../../src/log';
import { SqliteStore } from '../../src/store/sqliteStore';
import { ConversationNotFoundError, ETagConflictError, StoreInputError, type AppendResult } from '../../src/store/store';

const FILE = 'assistant.sqlite';

let root: string;
let dataDir: string;
const opened: SqliteStore[] = [];
const raws: Database.Database[] = [];
const logLines: string[] = [];

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'store-group-commit-'));
  dataDir = path.join(root, 'data');
  logLines.length = 0;
  configureLog('debug', (line) => logLines.push(line));
});

afterEach(async () => {
  vi.useRealTimers();
  for (const store of opened.splice(0)) await store.close();
  for (const db of raws.splice(0)) db.close();
  configureLog('silent');
  rmSync(root, { recursive: true, force: true });
});

async function open(): Promise<SqliteStore> {
  const store = await SqliteStore.open({ dataDir });
  opened.push(store);
  return store;
}

/** A plain second connection on the same file, as another process would have: sees only what is committed. */
function rawConnection(): Database.Database {
  const db = new Database(path.join(dataDir, FILE), { readonly: true });
  raws.push(db);
  return db;
}

function countRows(db: Database.Database, table: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** The store's COMMIT statement, to count commits (white box). */
function commitSpy(store: SqliteStore) {
  const statement = (store as unknown as { commitStatement: Database.Statement }).commitStatement;
  return vi.spyOn(statement, 'run');
}

async function createConversations(store: SqliteStore, n: number, prefix = 'conv'): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  for (const id of ids) await store.createConversation(id, { tenant: 'derby', channel: 'webchat' });
  return ids;
}

function message(text: string) {
  return { type: 'message', text, from: { id: 'user-1', name: 'You', role: 'user' } };
}

function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms))]);
}

describe('SQLite group commit', () => {
  it('commits the appends of many conversations made in one tick together, once, before any resolves', async () => {
    const store = await open();
    const ids = await createConversations(store, 25);
    const raw = rawConnection();
    const before = countRows(raw, 'activities');
    const commits = commitSpy(store);

    const appends = ids.map((id, i) => store.appendActivity(id, message(`hello ${i}`)));
    // Made, but not committed: another connection sees none of them yet.
    expect(countRows(raw, 'activities')).toBe(before);

    // When the first one resolves, all are committed: they shared one transaction.
    await Promise.race(appends);
    expect(countRows(raw, 'activities')).toBe(before + ids.length);
    const results = await Promise.all(appends);
    expect(commits).toHaveBeenCalledTimes(1);
    expect(results.map((r) => r.seq)).toEqual(ids.map(() => 1));

    // Another store object on the file (another connection) sees every row.
    const other = await open();
    for (const [i, id] of ids.entries()) {
      expect((await other.listActivities(id)).map((e) => e.activity.text)).toEqual([`hello ${i}`]);
    }
  });

  it('groups the writes of a chat turn per tick: appends, state writes and outcomes', async () => {
    const store = await open();
    const ids = await createConversations(store, 10);
    const storage = store.botStorage();
    const raw = rawConnection();
    const commits = commitSpy(store);
    const turn = async (id: string, i: number) => {
      await store.appendActivity(id, message(`question ${i}`));
      await Promise.all([
        store.appendActivity(id, { type: 'message', text: `answer ${i}`, from: { id: 'bot', name: 'Bot', role: 'bot' } }),
        storage.write({ [`webchat/conversations/${id}/`]: { turn: i, eTag: '*' } }),
        store.addTurnOutcome({ conversationId: id, tenant: 'derby', channel: 'webchat', outcome: 'answered' }),
      ]);
    };
    await Promise.all(ids.map(turn));
    // 10 turns, 40 writes: one commit for the questions, one for the rest.
    expect(commits).toHaveBeenCalledTimes(2);
    expect(countRows(raw, 'activities')).toBe(20);
    expect(countRows(raw, 'bot_state')).toBe(10);
    expect(countRows(raw, 'turn_outcomes')).toBe(10);
  });

  it('rejects a failing operation without affecting the others made in the same tick', async () => {
    const store = await open();
    const [a, b] = await createConversations(store, 2);
    const storage = store.botStorage();
    await storage.write({ kept: { v: 1, eTag: '*' } });
    const stale = (await storage.read(['kept'])).kept!.eTag as string;
    await storage.write({ kept: { v: 2, eTag: '*' } });
    const raw = rawConnection();
    const before = countRows(raw, 'activities');

    const goodA = store.appendActivity(a!, message('good a'));
    const unknown = store.appendActivity('no-such-conversation', message('lost'));
    const conflict = storage.write({ kept: { v: 3, eTag: stale } });
    // Two items, the second refused: the first (written in its SAVEPOINT) is undone with it.
    const partly = storage.write({ 'new-key': { v: 1 }, kept: { v: 4 } });
    const invalid = store.createConversation('', { tenant: 'derby', channel: 'webchat' });
    const goodB = store.appendActivity(b!, message('good b'));
    const goodState = storage.write({ other: { v: 1, eTag: '*' } });
    expect(countRows(raw, 'activities')).toBe(before); // one batch, not committed yet

    await expect(unknown).rejects.toBeInstanceOf(ConversationNotFoundError);
    await expect(conflict).rejects.toBeInstanceOf(ETagConflictError);
    await expect(partly).rejects.toBeInstanceOf(ETagConflictError);
    await expect(invalid).rejects.toBeInstanceOf(StoreInputError);
    expect((await goodA).seq).toBe(1);
    expect((await goodB).seq).toBe(1);
    await goodState;

    expect(countRows(raw, 'activities')).toBe(before + 2);
    expect(raw.prepare("SELECT COUNT(*) AS n FROM activities WHERE conversation_id = 'no-such-conversation'").get()).toEqual({ n: 0 });
    const state = raw.prepare('SELECT key, value FROM bot_state ORDER BY key').all() as { key: string; value: string }[];
    expect(state.map((row) => [row.key, JSON.parse(row.value).v])).toEqual([
      ['kept', 2],
      ['other', 1],
    ]);
    expect(countRows(raw, 'conversations')).toBe(2);
  });

  it('resolves a read made while a batch is open only after the commit; without a batch, at once', async () => {
    const store = await open();
    const [id] = await createConversations(store, 1);
    const raw = rawConnection();

    // No batch open: the read resolves before a setImmediate queued just before it.
    const order: string[] = [];
    const immediate = new Promise<void>((resolve) => setImmediate(() => (order.push('immediate'), resolve())));
    const plainRead = store.getConversation(id!).then(() => order.push('read'));
    await Promise.all([immediate, plainRead]);
    expect(order).toEqual(['read', 'immediate']);

    // A batch open: the read sees the batch's write (same connection) and resolves once it is committed.
    const append = store.appendActivity(id!, message('first'));
    const seenWhenResolved: number[] = [];
    const read = store.listActivities(id!).then((entries) => {
      seenWhenResolved.push(countRows(raw, 'activities'));
      return entries;
    });
    const conversation = store.getConversation(id!).then((c) => {
      seenWhenResolved.push(countRows(raw, 'activities'));
      return c;
    });
    expect(countRows(raw, 'activities')).toBe(0);
    expect((await read).map((e) => e.activity.text)).toEqual(['first']);
    expect((await conversation)?.lastSeq).toBe(1);
    expect(seenWhenResolved).toEqual([1, 1]);
    await append;
  });

  it('rejects every operation of a batch whose COMMIT fails, reads included, and rolls it back', async () => {
    const store = await open();
    const [id] = await createConversations(store, 1);
    const raw = rawConnection();
    const db = (store as unknown as { db: Database.Database }).db;

    const append = store.appendActivity(id!, message('undone'));
    const state = store.botStorage().write({ undone: { v: 1, eTag: '*' } });
    // In the same batch, a row whose (deferred) foreign key fails at COMMIT.
    db.pragma('defer_foreign_keys = ON');
    db.prepare("INSERT INTO activities (conversation_id, seq, activity_id, body, created_at) VALUES ('missing', 1, 'x', '{}', 0)").run();
    const read = store.listActivities(id!);

    for (const operation of [append, state, read]) await expect(operation).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(db.inTransaction).toBe(false);
    expect(countRows(raw, 'activities')).toBe(0);
    expect(countRows(raw, 'bot_state')).toBe(0);
    expect(logLines.some((line) => line.includes('store.batch_failed') && line.includes('SQLITE_CONSTRAINT_FOREIGNKEY'))).toBe(true);

    // The next batch is a new one and commits.
    expect((await store.appendActivity(id!, message('kept'))).seq).toBe(1);
    expect(countRows(raw, 'activities')).toBe(1);
  });

  it('lets two store objects on one file in one process write in the same tick without waiting for the lock', async () => {
    const first = await open();
    const second = await open();
    const ids = await createConversations(first, 10);
    const raw = rawConnection();
    const started = Date.now();

    const appends: Promise<AppendResult>[] = [];
    for (let round = 0; round < 3; round += 1) {
      for (const [i, id] of ids.entries()) appends.push((i % 2 ? second : first).appendActivity(id, message(`round ${round}`)));
    }
    // A read on one sees what the other wrote before it, as without batches.
    const seen = second.listActivities(ids[0]!);
    // And a store opened meanwhile (its migrations take the write lock) does not wait either.
    const third = open();
    const results = await settleWithin(Promise.all(appends), 2000);
    expect(Date.now() - started).toBeLessThan(2000); // a lock wait would be SQLite's 5 s busy timeout
    expect(results.every((r) => !r.duplicate)).toBe(true);
    expect((await seen).map((e) => e.activity.text)).toEqual(['round 0', 'round 1', 'round 2']);
    await settleWithin(third, 2000);
    expect(countRows(raw, 'activities')).toBe(30);
    for (const id of ids) expect((await second.listActivities(id)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('commits an open batch on close: pending writes resolve committed (failed ones reject), none hangs', async () => {
    const store = await SqliteStore.open({ dataDir });
    const ids = await createConversations(store, 3);
    const raw = rawConnection();

    const appends = ids.map((id) => store.appendActivity(id, message('before close')));
    const failing = store.appendActivity('no-such-conversation', message('lost'));
    const read = store.getConversation(ids[0]!);
    expect(countRows(raw, 'activities')).toBe(0);
    await store.close();
    // Committed by close(), before the setImmediate that would have committed the batch.
    expect(countRows(raw, 'activities')).toBe(3);

    const results = await settleWithin(Promise.all(appends), 1000);
    expect(results.map((r) => r.seq)).toEqual([1, 1, 1]);
    await expect(failing).rejects.toBeInstanceOf(ConversationNotFoundError);
    expect((await settleWithin(read, 1000))?.lastSeq).toBe(1);
    await expect(store.appendActivity(ids[0]!, message('after close'))).rejects.toThrow('closed');
    await expect(store.getConversation(ids[0]!)).rejects.toThrow('closed');

    const reopened = await open();
    expect((await reopened.listActivities(ids[2]!)).map((e) => e.activity.text)).toEqual(['before close']);
  });

  it('completes writes when a test has installed fake timers', async () => {
    const store = await open();
    const [id] = await createConversations(store, 1);
    vi.useFakeTimers();
    const result = await settleWithin(store.appendActivity(id!, message('with fake timers')), 1000).catch((error: unknown) => {
      vi.useRealTimers();
      throw error;
    });
    expect(result.seq).toBe(1);
  });

  it('keeps multi-statement operations working inside a batch: purge, person export and deletion', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = await SqliteStore.open({ dataDir, now: () => new Date(now) });
    opened.push(store);
    await store.createConversation('old', { tenant: 'derby', channel: 'webchat', userId: 'user-old' });
    await store.appendActivity('old', message('old text'));
    now += 40 * 24 * 60 * 60 * 1000;
    await store.createConversation('new', { tenant: 'derby', channel: 'webchat', userId: 'user-new' });
    const raw = rawConnection();

    const append = store.appendActivity('new', message('new text'));
    const purge = store.purgeOlderThan(new Date(now - 30 * 24 * 60 * 60 * 1000));
    const exported = store.exportPerson('user-new');
    const deleted = store.deletePerson('user-new');
    const handoff = store.enqueueHandoff({ conversationId: 'old', tenant: 'derby', channel: 'webchat', reason: 'asked', summary: {} });
    expect(countRows(raw, 'conversations')).toBe(2); // not committed yet

    expect(await purge).toMatchObject({ activities: 1, conversations: 1 });
    expect((await exported).activities.map((e) => e.activity.text)).toEqual(['new text']);
    expect(await deleted).toMatchObject({ activities: 1, conversations: 1 });
    await append;
    expect((await handoff).status).toBe('queued');
    expect(countRows(raw, 'conversations')).toBe(0);
    expect(countRows(raw, 'activities')).toBe(0);
    expect(countRows(raw, 'handoffs')).toBe(1);
  });
});
