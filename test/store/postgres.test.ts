import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { configureLog } from '../../src/log';
import { postgresMigrations } from '../../src/store/migrations/postgres';
import { migratePostgres, PostgresStore } from '../../src/store/postgresStore';
import { createStore, isPostgresUrl, StoreInputError, type Store } from '../../src/store/store';
import { storeConformance, type StoreHarness } from './conformance';

/**
 * Runs the store conformance suite against PostgreSQL: DATABASE_URL when it is a postgres URL
 * (a failure to connect then fails the run), otherwise the local default, and only when it
 * answers; with no PostgreSQL reachable the suite is skipped with a warning saying why.
 * Every test gets a fresh schema of its own, dropped afterwards.
 */
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';
const explicit = isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined;
const url = explicit ?? DEFAULT_URL;

/** Where the database is, without user or password. */
function describeUrl(connectionString: string): string {
  try {
    const parsed = new URL(connectionString);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'the configured database';
  }
}

async function probe(connectionString: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return `${error instanceof Error ? error.message : 'connection failed'}${code ? ` (${code})` : ''}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unreachable = await probe(url);

// Log lines written while the suite runs: checked for people's data at the end.
const logLines: string[] = [];
configureLog('debug', (line) => logLines.push(line));

function schemaName(): string {
  return `store_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

async function postgresHarness(): Promise<StoreHarness> {
  const schema = schemaName();
  const opened: Store[] = [];
  return {
    async open(options = {}) {
      const store = await PostgresStore.open({ connectionString: url, schema, now: options.now, poolSize: 8 });
      opened.push(store);
      return store;
    },
    async dispose() {
      for (const store of opened) await store.close();
      await dropSchema(schema);
    },
  };
}

if (unreachable && !explicit) {
  console.warn(`PostgreSQL store tests skipped: no PostgreSQL reachable at ${describeUrl(url)}: ${unreachable}. Set DATABASE_URL to run them.`);
  describe.skip(`PostgreSQL store (skipped: no PostgreSQL at ${describeUrl(url)})`, () => {
    it('needs a PostgreSQL server', () => undefined);
  });
} else if (unreachable) {
  describe('PostgreSQL store', () => {
    it(`connects to DATABASE_URL (${describeUrl(url)})`, () => {
      throw new Error(`DATABASE_URL is set but PostgreSQL is not reachable: ${unreachable}`);
    });
  });
} else {
  storeConformance('PostgreSQL', postgresHarness);

  describe('PostgreSQL store specifics', () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step();
    });

    async function openPair(): Promise<[PostgresStore, PostgresStore]> {
      const schema = schemaName();
      const a = await PostgresStore.open({ connectionString: url, schema });
      const b = await PostgresStore.open({ connectionString: url, schema });
      cleanup.push(async () => {
        await a.close();
        await b.close();
        await dropSchema(schema);
      });
      return [a, b];
    }

    it('createStore picks PostgreSQL for postgres:// and postgresql:// URLs', async () => {
      expect(isPostgresUrl('postgresql://x@y/z')).toBe(true);
      expect(isPostgresUrl('postgres://x@y/z')).toBe(true);
      expect(isPostgresUrl('sqlite:./x')).toBe(false);
      const schema = schemaName();
      const store = await createStore({ databaseUrl: url, dataDir: '/nonexistent', schema });
      cleanup.push(async () => {
        await store.close();
        await dropSchema(schema);
      });
      expect(store.kind).toBe('postgres');
      expect(await store.schemaVersion()).toBeGreaterThanOrEqual(1);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const { rows } = await admin.query(
          "SELECT table_schema FROM information_schema.tables WHERE table_name = 'handoffs' AND table_schema = $1",
          [schema],
        );
        expect(rows).toHaveLength(1);
      } finally {
        await admin.end();
      }
    });

    it('migratePostgres (as scripts/migrate.ts runs it) is safe to run twice and concurrently', async () => {
      const schema = schemaName();
      cleanup.push(() => dropSchema(schema));
      const latest = Math.max(...postgresMigrations.map((m) => m.version));
      expect(latest).toBe(2);
      const results = await Promise.all([1, 2, 3].map(() => migratePostgres({ connectionString: url, schema })));
      expect(results.map((r) => r.to)).toEqual([latest, latest, latest]);
      expect(results.filter((r) => r.from === 0)).toHaveLength(1);
      expect(await migratePostgres({ connectionString: url, schema })).toEqual({ from: latest, to: latest });
    });

    it('upgrades a version 1 schema to version 2, keeping its data', async () => {
      const schema = schemaName();
      cleanup.push(() => dropSchema(schema));
      const v1 = postgresMigrations.filter((m) => m.version === 1);
      expect(await migratePostgres({ connectionString: url, schema, migrations: v1 })).toEqual({ from: 0, to: 1 });
      // Rows as version 1 wrote them.
      const admin = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await admin.connect();
      try {
        const at = new Date('2026-01-05T10:00:00.000Z');
        await admin.query("INSERT INTO conversations (id, tenant, channel, created_at, updated_at) VALUES ('c1', 'derby', 'webchat', $1, $1)", [at]);
        await admin.query("INSERT INTO unanswered (id, tenant, channel, text, created_at) VALUES ('u1', 'derby', 'sms', 'kept question', $1)", [at]);
        await admin.query(
          `INSERT INTO handoffs (id, conversation_id, tenant, channel, reason, urgent, summary, status, created_at)
           VALUES ('h1', 'c1', 'derby', 'webchat', 'asked', false, '{"a":1}', 'queued', $1)`,
          [at],
        );
      } finally {
        await admin.end();
      }

      expect(await migratePostgres({ connectionString: url, schema })).toEqual({ from: 1, to: 2 });
      const upgraded = await PostgresStore.open({ connectionString: url, schema });
      cleanup.push(() => upgraded.close());
      expect(await upgraded.listUnanswered()).toEqual([
        { id: 'u1', tenant: 'derby', channel: 'sms', text: 'kept question', status: 'new', createdAt: '2026-01-05T10:00:00.000Z' },
      ]);
      const handoff = await upgraded.getHandoff('h1');
      expect(handoff).toMatchObject({ id: 'h1', status: 'queued', summary: { a: 1 } });
      expect(handoff && 'reference' in handoff).toBe(false);
      expect(await upgraded.updateHandoffSummary('h1', { a: 2 })).toBe(true);
      expect(await upgraded.markUnanswered(['u1'], 'added')).toBe(1);
      await upgraded.addTurnOutcome({ conversationId: 'c1', tenant: 'derby', channel: 'webchat', outcome: 'answered' });
      await upgraded.upsertAdviser({ id: 'console:sam', displayName: 'Sam', role: 'adviser', tenants: ['derby'] });
      expect(await upgraded.listTurnOutcomes({})).toHaveLength(1);
      expect(await upgraded.countAdvisersSeenSince(new Date(0), 'derby')).toBe(0);
    });

    it('re-listens after its LISTEN connection is killed', async () => {
      const [a, b] = await openPair();
      const got: unknown[] = [];
      await a.subscribe('nudge', (payload) => got.push(payload));
      const pid = a.listenerPid();
      expect(pid).toBeTypeOf('number');
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      } finally {
        await admin.end();
      }
      const deadline = Date.now() + 10_000;
      let n = 0;
      while (!got.includes('after') && Date.now() < deadline) {
        n += 1;
        await b.publish('nudge', n === 1 ? 'probe' : 'after');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(got).toContain('after');
      expect(a.listenerPid()).not.toBe(pid);
    });

    it('keeps notifications of stores in different schemas apart', async () => {
      const [a] = await openPair();
      const [c] = await openPair();
      const atA: unknown[] = [];
      const atC: unknown[] = [];
      await a.subscribe('x', (p) => atA.push(p));
      await c.subscribe('x', (p) => atC.push(p));
      await a.publish('x', 'for a');
      await c.publish('x', 'for c');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(atA).toEqual(['for a']);
      expect(atC).toEqual(['for c']);
    });

    it('refuses a payload too large for NOTIFY', async () => {
      const [a] = await openPair();
      await expect(a.publish('x', { big: 'x'.repeat(8000) })).rejects.toBeInstanceOf(StoreInputError);
    });
  });

  afterAll(() => {
    const joined = logLines.join('\n');
    for (const secret of ['07700 900', '@example.org', 'message 3', 'first copy', 'user-a first', 'handler bug', '://postgres@', 'Sam Adviser', 'scrypt$', 'smba.example']) {
      expect(joined).not.toContain(secret);
    }
  });
}
