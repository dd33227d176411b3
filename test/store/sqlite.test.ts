import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { configureLog } from '../../src/log';
import { SqliteStore } from '../../src/store/sqliteStore';
import { createStore, type Store } from '../../src/store/store';
import { storeConformance, type StoreHarness } from './conformance';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'store-sqlite-'));
}

async function sqliteHarness(): Promise<StoreHarness> {
  const root = tempDir();
  const dataDir = path.join(root, 'data');
  const opened: Store[] = [];
  return {
    async open(options = {}) {
      const store = await SqliteStore.open({ dataDir, now: options.now });
      opened.push(store);
      return store;
    },
    async dispose() {
      for (const store of opened) await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

// Log lines written while the suite runs: checked for people's data at the end.
const logLines: string[] = [];
configureLog('debug', (line) => logLines.push(line));

storeConformance('SQLite', sqliteHarness);

afterAll(() => {
  const joined = logLines.join('\n');
  expect(joined).toContain('store.migrated');
  for (const secret of ['07700 900', '@example.org', 'message 3', 'first copy', 'user-a first', 'handler bug', 'Sam Adviser', 'scrypt$', 'smba.example']) {
    expect(joined).not.toContain(secret);
  }
});

describe('SQLite store specifics', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('createStore picks SQLite without a postgres URL, creating the directory and a WAL-mode file', async () => {
    const root = tempDir();
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = path.join(root, 'nested', 'data');
    for (const databaseUrl of [undefined, '', 'sqlite:whatever']) {
      const store = await createStore({ databaseUrl, dataDir });
      expect(store.kind).toBe('sqlite');
      await store.close();
    }
    const file = path.join(dataDir, 'assistant.sqlite');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o077).toBe(0);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const versions = db.prepare('SELECT version FROM schema_version ORDER BY version').all() as { version: number }[];
      expect(versions.map((v) => v.version)).toEqual([1, 2]);
    } finally {
      db.close();
    }
  });

  it('applies only the migrations not yet applied when reopened with a newer schema', async () => {
    const root = tempDir();
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    const { sqliteMigrations } = await import('../../src/store/migrations/sqlite');
    const first = await SqliteStore.open({ dataDir: root });
    const id = 'kept-conversation';
    await first.createConversation(id, { tenant: 'derby', channel: 'webchat' });
    await first.close();
    const latest = Math.max(...sqliteMigrations.map((m) => m.version));
    const newer = [...sqliteMigrations, { version: latest + 1, name: 'test-extra', sql: 'CREATE TABLE extra (x INTEGER)' }];
    const second = await SqliteStore.open({ dataDir: root, migrations: newer });
    cleanup.push(() => second.close());
    expect(await second.schemaVersion()).toBe(latest + 1);
    expect(await second.conversationExists(id)).toBe(true);
    const third = await SqliteStore.open({ dataDir: root, migrations: newer });
    cleanup.push(() => third.close());
    expect(await third.schemaVersion()).toBe(latest + 1);
  });

  it('upgrades a version 1 database to version 2, keeping its data', async () => {
    const root = tempDir();
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    const { sqliteMigrations } = await import('../../src/store/migrations/sqlite');
    const v1 = await SqliteStore.open({ dataDir: root, migrations: sqliteMigrations.filter((m) => m.version === 1) });
    expect(await v1.schemaVersion()).toBe(1);
    await v1.close();
    // Rows as version 1 wrote them.
    const at = Date.parse('2026-01-05T10:00:00.000Z');
    const db = new Database(path.join(root, 'assistant.sqlite'));
    try {
      db.prepare("INSERT INTO conversations (id, tenant, channel, created_at, updated_at) VALUES ('c1', 'derby', 'webchat', ?, ?)").run(at, at);
      db.prepare("INSERT INTO unanswered (id, tenant, channel, text, created_at) VALUES ('u1', 'derby', 'sms', 'kept question', ?)").run(at);
      db.prepare(
        `INSERT INTO handoffs (id, conversation_id, tenant, channel, reason, urgent, summary, status, created_at)
         VALUES ('h1', 'c1', 'derby', 'webchat', 'asked', 0, '{"a":1}', 'queued', ?)`,
      ).run(at);
    } finally {
      db.close();
    }

    const upgraded = await SqliteStore.open({ dataDir: root });
    cleanup.push(() => upgraded.close());
    expect(await upgraded.schemaVersion()).toBe(2);
    expect(await upgraded.listUnanswered()).toEqual([
      { id: 'u1', tenant: 'derby', channel: 'sms', text: 'kept question', status: 'new', createdAt: '2026-01-05T10:00:00.000Z' },
    ]);
    const handoff = await upgraded.getHandoff('h1');
    expect(handoff).toMatchObject({ id: 'h1', status: 'queued', summary: { a: 1 } });
    expect(handoff && 'reference' in handoff).toBe(false);
    expect((await upgraded.listConversations()).map((c) => c.id)).toEqual(['c1']);
    expect(await upgraded.updateHandoffSummary('h1', { a: 2 })).toBe(true);
    expect(await upgraded.markUnanswered(['u1'], 'added')).toBe(1);
    await upgraded.addTurnOutcome({ conversationId: 'c1', tenant: 'derby', channel: 'webchat', outcome: 'answered' });
    await upgraded.upsertAdviser({ id: 'console:sam', displayName: 'Sam', role: 'adviser', tenants: [] });
    expect(await upgraded.listTurnOutcomes({})).toHaveLength(1);
    expect(await upgraded.listAdvisers()).toHaveLength(1);
  });

  it('refuses to be used after close', async () => {
    const root = tempDir();
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    const store = await SqliteStore.open({ dataDir: root });
    await store.close();
    await expect(store.conversationExists('x')).rejects.toThrow('closed');
    await store.close();
  });
});
