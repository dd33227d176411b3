import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { expect } from 'vitest';
import { isPostgresUrl } from '../../src/store/store';

/** Helpers for the server tests: a Direct Line HTTP client and a PostgreSQL to test against. */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TOKEN_SECRET = 'server-test-secret-0123456789abcdef-0123456789';
export const CLARIFY_PROMPT = 'Which of these is closest';

// ---- PostgreSQL --------------------------------------------------------------------------------

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type PostgresTarget = { url: string; skip?: undefined } | { url?: undefined; skip: string };

/**
 * DATABASE_URL when it is a postgres URL (failing the run if it cannot connect), otherwise the
 * local default when it answers, otherwise a reason to skip.
 */
export async function postgresTarget(): Promise<PostgresTarget> {
  const explicit = isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined;
  const url = explicit ?? DEFAULT_PG_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url };
  } catch (error) {
    if (explicit) throw new Error(`DATABASE_URL is set but PostgreSQL does not answer: ${(error as Error).message}`);
    return { skip: `no PostgreSQL at ${DEFAULT_PG_URL} (${(error as Error).message}); set DATABASE_URL to run these tests` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function freshSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---- Direct Line over HTTP -----------------------------------------------------------------------

export interface Reply {
  status: number;
  json: any;
}

export async function call(
  base: string,
  path: string,
  options: { method?: string; token?: string; body?: unknown } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(base + path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

export interface Activity {
  id: string;
  type: string;
  text?: string;
  replyToId?: string;
  from: { id: string; role?: string };
  timestamp: string;
  [key: string]: unknown;
}

let clientIds = 0;

/** One Web Chat tab's view of a conversation; `at` points it at another server. */
export class Conversation {
  constructor(
    readonly base: string,
    readonly id: string,
    readonly token: string,
  ) {}

  /** What Web Chat does: a token from the page's server, then Direct Line starts the conversation. */
  static async begin(base: string): Promise<Conversation> {
    const issued = await call(base, '/api/webchat/token', { method: 'POST', body: {} });
    expect(issued.status).toBe(200);
    const started = await call(base, '/v3/directline/conversations', {
      method: 'POST',
      token: issued.json.token,
      body: { user: { id: 'r_tab' }, locale: 'en-GB' },
    });
    expect(started.status).toBe(201);
    return new Conversation(base, started.json.conversationId, started.json.token);
  }

  at(base: string): Conversation {
    return new Conversation(base, this.id, this.token);
  }

  /** Posts a message and returns the id the server gave it. */
  async say(text: string): Promise<string> {
    const posted = await call(this.base, `/v3/directline/conversations/${this.id}/activities`, {
      method: 'POST',
      token: this.token,
      body: {
        type: 'message',
        text,
        textFormat: 'plain',
        locale: 'en-GB',
        from: { id: 'r_tab', role: 'user' },
        channelData: { clientActivityID: `tab-${++clientIds}` },
      },
    });
    expect(posted.status).toBe(200);
    expect(typeof posted.json.id).toBe('string');
    return posted.json.id as string;
  }

  async list(watermark?: string): Promise<{ activities: Activity[]; watermark: string }> {
    const query = watermark === undefined ? '' : `?watermark=${encodeURIComponent(watermark)}`;
    const page = await call(this.base, `/v3/directline/conversations/${this.id}/activities${query}`, { token: this.token });
    expect(page.status).toBe(200);
    return page.json;
  }

  /** Polls the whole transcript until `check` returns something, or fails after `timeoutMs`. */
  async waitFor<T>(check: (activities: Activity[]) => T | undefined, timeoutMs = 10_000, what = 'the expected activities'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: Activity[] = [];
    while (Date.now() < deadline) {
      last = (await this.list()).activities;
      const found = check(last);
      if (found !== undefined && found !== false) return found;
      await sleep(50);
    }
    throw new Error(`Timed out waiting for ${what}; the transcript has ${last.length} activities: ${describe(last)}`);
  }
}

/** Types, senders and the first words of texts (test data only), for failure messages. */
export function describe(activities: Activity[]): string {
  return activities.map((a) => `${a.type}/${a.from?.role ?? a.from?.id}:${(a.text ?? '').slice(0, 30)}`).join(' | ');
}

export function botMessages(activities: Activity[]): Activity[] {
  return activities.filter((a) => a.type === 'message' && a.from?.role === 'bot');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Seq numbers are the tail of the server's activity ids: strictly increasing, each once. */
export function expectOrderedOnce(activities: Activity[], conversationId: string): void {
  const ids = activities.map((a) => a.id);
  expect(new Set(ids).size).toBe(ids.length);
  const seqs = ids.map((id) => {
    expect(id.startsWith(`${conversationId}|`)).toBe(true);
    return Number(id.slice(conversationId.length + 1));
  });
  expect(seqs).toEqual(seqs.map((_, index) => index + 1));
}
