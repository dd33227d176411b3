import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { Conversation, REPO_ROOT, TOKEN_SECRET, botMessages, dropSchema, freshSchema, postgresTarget } from './helpers';

/**
 * A council's managed PostgreSQL may allow only a few dozen connections between every instance:
 * DATABASE_POOL_SIZE bounds what one instance opens, busy or not, and conversations still flow.
 */

const target = await postgresTarget();
if (target.skip) console.warn(`[poolSize.test] skipped: ${target.skip}`);

describe.skipIf(target.skip !== undefined)('DATABASE_POOL_SIZE on PostgreSQL', () => {
  const url = target.url!;
  const schema = freshSchema('pool_test');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-pool-'));
  const observer = new pg.Client({ connectionString: url });
  let assistant: Assistant;
  let server: Server;
  let base: string;

  /** This instance's connections, told apart from other tests' by the schema in their names. */
  async function connectionsNow(): Promise<number> {
    const result = await observer.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE $1',
      [`send-assistant% (${schema})`],
    );
    return Number(result.rows[0]!.n);
  }

  beforeAll(async () => {
    await observer.connect();
    const config = loadConfig({
      NODE_ENV: 'test',
      KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
      DATA_DIR: dataDir,
      DATABASE_URL: url,
      DATABASE_SCHEMA: schema,
      DATABASE_POOL_SIZE: '2',
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
    });
    assistant = await createAssistant(config);
    server = assistant.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    if (server) await new Promise((resolve) => server.close(resolve));
    await assistant?.close();
    await observer.end();
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(url, schema);
  });

  it('twelve conversations at once are all answered, on at most 2 × 2 + 1 connections', async () => {
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await connectionsNow());
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      const conversations = await Promise.all(Array.from({ length: 12 }, () => Conversation.begin(base)));
      await Promise.all(conversations.map((c) => c.say('what is a mediation certificate')));
      await Promise.all(
        conversations.map((c) =>
          c.waitFor((activities) => botMessages(activities).some((a) => /mediation/i.test(a.text ?? '') && a.replyToId), 20_000, 'the answer'),
        ),
      );
    } finally {
      sampling = false;
      await sampler;
    }
    // The sampler saw the instance at work (so the count is of the right connections)...
    expect(peak).toBeGreaterThanOrEqual(2);
    // ...and never above the store's pool, the turn lock's pool and the notice listener.
    expect(peak).toBeLessThanOrEqual(5);
  });
});
