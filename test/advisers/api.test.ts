import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryAdviserAccounts, verifyPassword } from '../../src/advisers/accounts';
import { adviserOf, createAdviserRouter, requireAdviser } from '../../src/advisers/router';
import { SESSION_COOKIE } from '../../src/advisers/session';
import { newAdviserToken, parseAdviserTokens } from '../../src/advisers/tokens';
import { SmsAddressUnknownError, SmsOptedOutError } from '../../src/channels/sms/smsAdapter';
import { FakeDesk } from './fakeDesk';
import type { AdviserIdentity } from '../../src/handoff/types';
import { defaultAccounts, PASSWORD, SESSION_SECRET, startConsole, type ConsoleSetup } from './harness';

const silentLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const HOSTILE = '<img src=x onerror=alert(1)>';
const SCRIPT = '<script>alert("x")</script>';

interface Call {
  status: number;
  body: any;
  headers: Headers;
}

async function call(
  setup: ConsoleSetup,
  method: string,
  path: string,
  options: { cookie?: string; bearer?: string; body?: unknown; raw?: string; contentType?: string | null; headers?: Record<string, string> } = {},
): Promise<Call> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  const contentType = options.contentType === undefined ? (method === 'GET' ? null : 'application/json') : options.contentType;
  if (contentType) headers['content-type'] = contentType;
  const res = await fetch(`${setup.base}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('application/json')) parsed = JSON.parse(text);
  return { status: res.status, body: parsed, headers: res.headers };
}

function expectJsonError(result: Call, status: number, code?: string): void {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toMatch(/application\/json/);
  expect(typeof result.body.error?.message).toBe('string');
  expect(result.body.error.message.length).toBeGreaterThan(5);
  if (code) expect(result.body.error.code).toBe(code);
}

describe('adviser console API: signing in', () => {
  let setup: ConsoleSetup;

  beforeAll(async () => {
    setup = await startConsole();
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('signs in with the right password: 204 and a session cookie with the safe flags', async () => {
    const res = await fetch(`${setup.base}/advisers/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'Sam ', password: PASSWORD }),
    });
    expect(res.status).toBe(204);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const cookie = cookies[0]!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+;`));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/advisers(;|$)/);
    expect(cookie).toMatch(/; Max-Age=28800(;|$)/);
    expect(cookie).toMatch(/; Expires=/);
    // Plain http on this test server, and not production: no Secure (the browser would drop it).
    expect(cookie).not.toMatch(/Secure/);
    // The cookie holds no password, hash or display name.
    const payload = Buffer.from(cookie.split('=')[1]!.split('.')[0]!, 'base64url').toString('utf8');
    expect(payload).toContain('"u":"sam"');
    expect(payload).not.toContain('Sam Jones');
    expect(payload).not.toContain('$2');

    const me = await call(setup, 'GET', '/advisers/api/me', { cookie: cookie.split(';')[0] });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: 'console:sam', username: 'sam', name: 'Sam Jones', role: 'adviser', tenants: ['derby'], via: 'session' });
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(setup.logged.some((l) => l.event === 'adviser_signed_in')).toBe(true);
  });

  it('marks the cookie Secure behind an https proxy', async () => {
    const res = await fetch(`${setup.base}/advisers/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ username: 'kim', password: PASSWORD }),
    });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()[0]).toMatch(/; Secure/);
  });

  it('refuses a wrong password and an unknown user with the same 401, and sets no cookie', async () => {
    const wrong = await call(setup, 'POST', '/advisers/api/session', { body: { username: 'sam', password: 'not the password' } });
    expectJsonError(wrong, 401, 'SignInFailed');
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const unknown = await call(setup, 'POST', '/advisers/api/session', { body: { username: 'nobody', password: PASSWORD } });
    expectJsonError(unknown, 401, 'SignInFailed');
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
    const noPassword = await call(setup, 'POST', '/advisers/api/session', { body: { username: 'nopass', password: PASSWORD } });
    expectJsonError(noPassword, 401, 'SignInFailed');
    const missing = await call(setup, 'POST', '/advisers/api/session', { body: { username: 'sam' } });
    expectJsonError(missing, 400);
    // The log says that a sign-in failed, never with what was typed.
    const text = JSON.stringify(setup.logged);
    expect(text).not.toContain('not the password');
    expect(text).not.toContain('nobody');
  });

  it('checks a dummy hash for unknown users, so the time taken does not reveal which usernames exist', async () => {
    const started = Date.now();
    expect(await verifyPassword(PASSWORD, undefined)).toBe(false);
    // A cost-12 bcrypt check takes a noticeable time, unlike an early return.
    expect(Date.now() - started).toBeGreaterThan(50);
    expect(await verifyPassword('', '$2b$04$invalid')).toBe(false);
  });

  it('refuses a tampered, expired or signed-out session', async () => {
    const cookie = await setup.signIn('sam');
    const [name, value] = cookie.split('=') as [string, string];
    const [body, signature] = value.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString('utf8')), u: 'max' }),
    ).toString('base64url');
    expectJsonError(await call(setup, 'GET', '/advisers/api/queue', { cookie: `${name}=${forged}.${signature}` }), 401);
    expectJsonError(await call(setup, 'GET', '/advisers/api/queue', { cookie: `${name}=${body}.AAAA${signature.slice(4)}` }), 401);

    // Signing out clears the cookie, and the old value no longer works.
    const out = await call(setup, 'DELETE', '/advisers/api/session', { cookie });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toMatch(/^adviser_session=; Path=\/advisers; Max-Age=0;/);
    expectJsonError(await call(setup, 'GET', '/advisers/api/me', { cookie }), 401);
    expectJsonError(await call(setup, 'DELETE', '/advisers/api/session', { cookie }), 401);
  });

  it('ends a session after ADVISER_SESSION_HOURS', async () => {
    let now = Date.parse('2026-02-02T09:00:00Z');
    const clocked = await startConsole({ router: { now: () => new Date(now), sessionHours: 2 } });
    try {
      const cookie = await clocked.signIn('sam');
      expect((await call(clocked, 'GET', '/advisers/api/me', { cookie })).status).toBe(200);
      now += 2 * 3600_000 - 1000;
      expect((await call(clocked, 'GET', '/advisers/api/me', { cookie })).status).toBe(200);
      now += 2000;
      const expired = await call(clocked, 'GET', '/advisers/api/me', { cookie });
      expectJsonError(expired, 401, 'SessionExpired');
      expect(expired.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
    } finally {
      await clocked.close();
    }
  });

  it('ends sessions of a removed account and of a changed password at once', async () => {
    const cookie = await setup.signIn('kim');
    expect((await call(setup, 'GET', '/advisers/api/queue', { cookie })).status).toBe(200);
    const kim = setup.accounts.accounts.get('kim')!;
    setup.accounts.accounts.set('kim', { ...kim, passwordHash: '$2b$04$abcdefghijklmnopqrstuuWfQ3lFY2E0qR9tN3QOlH/4m1pXh4n3a' });
    expectJsonError(await call(setup, 'GET', '/advisers/api/queue', { cookie }), 401);
    setup.accounts.accounts.set('kim', kim);
    expect((await call(setup, 'GET', '/advisers/api/queue', { cookie })).status).toBe(200);
    setup.accounts.accounts.delete('kim');
    expectJsonError(await call(setup, 'GET', '/advisers/api/queue', { cookie }), 401);
    setup.accounts.accounts.set('kim', kim);
  });
});

describe('adviser console API: limits on sign-in attempts', () => {
  let setup: ConsoleSetup;

  afterEach(async () => {
    await setup?.close();
  });

  async function attempt(username: string, password: string, ip: string): Promise<Call> {
    return call(setup, 'POST', '/advisers/api/session', { body: { username, password }, headers: { 'x-forwarded-for': ip } });
  }

  it('allows 10 failed attempts per username in 15 minutes, then says 429 with Retry-After, from any address', async () => {
    setup = await startConsole();
    for (let i = 0; i < 10; i += 1) expect((await attempt('sam', `wrong-${i}`, `203.0.113.${i + 1}`)).status).toBe(401);
    const limited = await attempt('sam', PASSWORD, '203.0.113.99');
    expectJsonError(limited, 429, 'TooManyAttempts');
    expect(limited.body.error.message).toMatch(/Too many sign-in attempts\. Try again in 15 minutes\./);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(800);
    // Another adviser is not affected.
    expect((await attempt('kim', PASSWORD, '203.0.113.99')).status).toBe(204);
  });

  it('allows 10 failed attempts per client address, whatever the usernames', async () => {
    setup = await startConsole();
    for (let i = 0; i < 10; i += 1) expect((await attempt(`user${i}`, 'wrong password', '198.51.100.7')).status).toBe(401);
    expectJsonError(await attempt('sam', PASSWORD, '198.51.100.7'), 429, 'TooManyAttempts');
    expect((await attempt('sam', PASSWORD, '198.51.100.8')).status).toBe(204);
  });

  it('lets the window pass, and does not count successful sign-ins', async () => {
    let now = Date.parse('2026-02-02T09:00:00Z');
    setup = await startConsole({ router: { now: () => new Date(now) } });
    for (let i = 0; i < 9; i += 1) expect((await attempt('sam', 'wrong password', '192.0.2.1')).status).toBe(401);
    for (let i = 0; i < 5; i += 1) expect((await attempt('sam', PASSWORD, '192.0.2.1')).status).toBe(204);
    expect((await attempt('sam', 'wrong password', '192.0.2.1')).status).toBe(401);
    expect((await attempt('sam', PASSWORD, '192.0.2.1')).status).toBe(429);
    now += 15 * 60_000 + 1000;
    expect((await attempt('sam', PASSWORD, '192.0.2.1')).status).toBe(204);
  });
});

describe('adviser console API: bearer tokens', () => {
  let setup: ConsoleSetup;
  const derby = newAdviserToken();
  const all = newAdviserToken();

  beforeAll(async () => {
    setup = await startConsole({
      tokens: parseAdviserTokens(`duty-desk:Derby duty desk:adviser:derby:${derby.sha256},boss:Head of service:manager:*:${all.sha256}`),
    });
    setup.desk.add({ tenant: 'derby' });
    setup.desk.add({ tenant: 'milton-keynes' });
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('authenticates API calls with Authorization: Bearer, limited to the token’s councils', async () => {
    const me = await call(setup, 'GET', '/advisers/api/me', { bearer: derby.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: 'console:duty-desk', name: 'Derby duty desk', role: 'adviser', tenants: ['derby'], via: 'token' });
    const queue = await call(setup, 'GET', '/advisers/api/queue', { bearer: derby.token });
    expect(queue.body.items.map((i: any) => i.handoff.tenant)).toEqual(['derby']);
    const everything = await call(setup, 'GET', '/advisers/api/queue', { bearer: all.token });
    expect(everything.body.items.map((i: any) => i.handoff.tenant).sort()).toEqual(['derby', 'milton-keynes']);
    expect(setup.desk.identities.at(-1)).toEqual({ id: 'console:boss', name: 'Head of service', via: 'console', tenants: [], role: 'manager' });
  });

  it('refuses an unknown token, a token in another scheme, and the hash itself', async () => {
    expectJsonError(await call(setup, 'GET', '/advisers/api/queue', { bearer: newAdviserToken().token }), 401);
    expectJsonError(await call(setup, 'GET', '/advisers/api/queue', { bearer: derby.sha256 }), 401);
    expectJsonError(await call(setup, 'GET', '/advisers/api/queue', { headers: { authorization: `Basic ${derby.token}` } }), 401);
    const res = await call(setup, 'GET', '/advisers/api/queue', { bearer: 'nope' });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('still needs JSON for changes with a token', async () => {
    const item = setup.desk.add({ tenant: 'derby' });
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { bearer: derby.token, contentType: 'text/plain', raw: '{}' }), 415);
    expect((await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { bearer: derby.token })).status).toBe(204);
  });
});

describe('adviser console API: the desk', () => {
  let setup: ConsoleSetup;
  let sam: string;
  let kim: string;
  let mk: string;

  beforeAll(async () => {
    setup = await startConsole();
    setup.desk.knownAdvisers.set('console:kim', ['derby']);
    setup.desk.knownAdvisers.set('console:mk', ['milton-keynes']);
    sam = await setup.signIn('sam');
    kim = await setup.signIn('kim');
    mk = await setup.signIn('mk');
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('answers 401 JSON on every API route without a session or token', async () => {
    const item = setup.desk.add();
    const routes: Array<[string, string]> = [
      ['GET', '/advisers/api/me'],
      ['GET', '/advisers/api/queue'],
      ['GET', '/advisers/api/mine'],
      ['GET', `/advisers/api/handoffs/${item.id}`],
      ['POST', `/advisers/api/handoffs/${item.id}/claim`],
      ['POST', `/advisers/api/handoffs/${item.id}/reply`],
      ['POST', `/advisers/api/handoffs/${item.id}/transfer`],
      ['POST', `/advisers/api/handoffs/${item.id}/close`],
      ['GET', '/advisers/api/callbacks'],
      ['POST', '/advisers/api/callbacks/cb-1/done'],
      ['GET', '/advisers/api/events'],
      ['DELETE', '/advisers/api/session'],
      ['GET', '/advisers/api/nothing-here'],
    ];
    for (const [method, path] of routes) {
      const res = await call(setup, method, path, { body: method === 'POST' ? { text: 'hi', to: 'kim' } : undefined });
      expectJsonError(res, 401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const garbage = await call(setup, method, path, { cookie: `${SESSION_COOKIE}=garbage.value`, body: method === 'POST' ? {} : undefined });
      expectJsonError(garbage, 401);
    }
    expect(item.status).toBe('queued');
  });

  it('answers 415 to changes that are not JSON (the CSRF defence), before doing anything', async () => {
    const item = setup.desk.add();
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null]) {
      expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { cookie: sam, contentType, raw: '{}' }), 415, 'UnsupportedMediaType');
      expectJsonError(
        await call(setup, 'POST', '/advisers/api/session', { contentType, raw: `username=sam&password=${encodeURIComponent(PASSWORD)}` }),
        415,
      );
    }
    expectJsonError(await call(setup, 'DELETE', '/advisers/api/session', { cookie: sam, contentType: null }), 415);
    expect(item.status).toBe('queued');
    expect((await call(setup, 'GET', '/advisers/api/me', { cookie: sam })).status).toBe(200);
  });

  it('answers malformed, non-object and oversized bodies with 400 and 413 JSON', async () => {
    const item = setup.desk.add();
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, raw: '{"text": "unfinished' }), 400, 'BadRequest');
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, raw: '["text"]' }), 400);
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, raw: '"text"' }), 400);
    expectJsonError(await call(setup, 'POST', '/advisers/api/session', { raw: '{bad json' }), 400);
    const big = JSON.stringify({ text: 'x'.repeat(17 * 1024) });
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, raw: big }), 413, 'TooLarge');
    expectJsonError(await call(setup, 'POST', '/advisers/api/session', { raw: big }), 413);
  });

  it('answers 404 JSON for unknown ids and for another council’s conversations', async () => {
    const other = setup.desk.add({ tenant: 'milton-keynes' });
    for (const id of ['h-unknown', other.id, encodeURIComponent('<script>')]) {
      expectJsonError(await call(setup, 'GET', `/advisers/api/handoffs/${id}`, { cookie: sam }), 404, 'NotFound');
      expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${id}/claim`, { cookie: sam }), 404);
      expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${id}/reply`, { cookie: sam, body: { text: 'Hello' } }), 404);
      expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${id}/transfer`, { cookie: sam, body: { to: 'kim' } }), 404);
      expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${id}/close`, { cookie: sam }), 404);
    }
    expectJsonError(await call(setup, 'POST', '/advisers/api/callbacks/cb-unknown/done', { cookie: sam }), 404);
    expectJsonError(await call(setup, 'GET', '/advisers/api/no-such-route', { cookie: sam }), 404);
    expect(other.status).toBe('queued');
  });

  it('shows each adviser only their councils’ queue, and passes the account’s identity to the desk', async () => {
    const derbyItem = setup.desk.add({ tenant: 'derby' });
    const mkItem = setup.desk.add({ tenant: 'milton-keynes' });
    const samQueue = await call(setup, 'GET', '/advisers/api/queue', { cookie: sam });
    expect(samQueue.status).toBe(200);
    const samIds = samQueue.body.items.map((i: any) => i.handoff.id);
    expect(samIds).toContain(derbyItem.id);
    expect(samIds).not.toContain(mkItem.id);
    expect(setup.desk.identities.at(-1)).toEqual({ id: 'console:sam', name: 'Sam Jones', via: 'console', tenants: ['derby'], role: 'adviser' });
    const mkQueue = await call(setup, 'GET', '/advisers/api/queue', { cookie: mk });
    expect(mkQueue.body.items.map((i: any) => i.handoff.id)).toContain(mkItem.id);
    expect(mkQueue.body.items.map((i: any) => i.handoff.id)).not.toContain(derbyItem.id);
  });

  it('lets one adviser claim a conversation; another gets 409', async () => {
    const item = setup.desk.add();
    expect((await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { cookie: sam })).status).toBe(204);
    const conflict = await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { cookie: kim });
    expectJsonError(conflict, 409, 'AlreadyClaimed');
    // Claiming again one's own is fine.
    expect((await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { cookie: sam })).status).toBe(204);
    expect(item.claimedBy).toBe('console:sam');
    const mine = await call(setup, 'GET', '/advisers/api/mine', { cookie: sam });
    expect(mine.body.handoffs.map((h: any) => h.id)).toContain(item.id);
    const kims = await call(setup, 'GET', '/advisers/api/mine', { cookie: kim });
    expect(kims.body.handoffs.map((h: any) => h.id)).not.toContain(item.id);
  });

  it('sends replies to the desk, checks them, and refuses replies from anyone but the holder', async () => {
    const item = setup.desk.add();
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, body: { text: 'Hello' } }), 409, 'NotClaimed');
    await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { cookie: sam });
    const reply = await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, body: { text: 'Hello, I am Sam.\nHow can I help?' } });
    expect(reply.status).toBe(204);
    expect(setup.desk.replies.at(-1)).toEqual({ adviserId: 'console:sam', handoffId: item.id, text: 'Hello, I am Sam.\nHow can I help?' });
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, body: { text: '   ' } }), 400);
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, body: { text: 42 } }), 400);
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, body: {} }), 400);
    const long = await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, body: { text: 'a'.repeat(2001) } });
    expectJsonError(long, 400, 'TooLong');
    expect((await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, body: { text: 'a'.repeat(2000) } })).status).toBe(204);
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: kim, body: { text: 'Me too' } }), 409, 'NotYours');
    expect(setup.desk.replies.filter((r) => r.handoffId === item.id)).toHaveLength(2);
    const view = await call(setup, 'GET', `/advisers/api/handoffs/${item.id}`, { cookie: sam });
    expect(view.body.lines.at(-2)).toMatchObject({ from: 'adviser', name: 'Sam Jones', text: 'Hello, I am Sam.\nHow can I help?' });
  });

  it('transfers to another adviser by username, and explains refusals', async () => {
    const item = setup.desk.add();
    await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { cookie: sam });
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/transfer`, { cookie: sam, body: { to: 'ghost' } }), 400, 'UnknownAdviser');
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/transfer`, { cookie: sam, body: { to: 'Not a username!' } }), 400);
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/transfer`, { cookie: sam, body: { to: 'sam' } }), 400);
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/transfer`, { cookie: sam, body: { to: 'mk' } }), 409, 'AdviserNotForCouncil');
    expect((await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/transfer`, { cookie: sam, body: { to: 'Kim' } })).status).toBe(204);
    expect(setup.desk.transfers.at(-1)).toEqual({ adviserId: 'console:sam', handoffId: item.id, to: 'console:kim' });
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/transfer`, { cookie: sam, body: { to: 'console:kim' } }), 409, 'NotYours');
  });

  it('closes through the desk; closing twice or someone else’s is 409', async () => {
    const item = setup.desk.add();
    await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { cookie: sam });
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/close`, { cookie: kim }), 409, 'NotYours');
    expect((await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/close`, { cookie: sam })).status).toBe(204);
    expect(setup.desk.closed.at(-1)).toEqual({ adviserId: 'console:sam', handoffId: item.id });
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/close`, { cookie: sam }), 409, 'Closed');
    expectJsonError(await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { cookie: kim }), 409, 'Closed');
  });

  it('lists call-back requests of the adviser’s councils and marks them done', async () => {
    const mine = setup.desk.addCallback({ tenant: 'derby', name: HOSTILE, contact: SCRIPT, bestTime: 'After 3pm' });
    const theirs = setup.desk.addCallback({ tenant: 'milton-keynes' });
    const list = await call(setup, 'GET', '/advisers/api/callbacks', { cookie: sam });
    expect(list.status).toBe(200);
    const ids = list.body.callbacks.map((c: any) => c.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(list.body.callbacks.find((c: any) => c.id === mine.id)).toMatchObject({ name: HOSTILE, contact: SCRIPT, bestTime: 'After 3pm' });
    expectJsonError(await call(setup, 'POST', `/advisers/api/callbacks/${theirs.id}/done`, { cookie: sam }), 404);
    expect((await call(setup, 'POST', `/advisers/api/callbacks/${mine.id}/done`, { cookie: sam })).status).toBe(204);
    expect(mine.status).toBe('done');
    expectJsonError(await call(setup, 'POST', `/advisers/api/callbacks/${mine.id}/done`, { cookie: sam }), 404);
  });

  it('returns hostile names, texts and summaries as plain JSON strings', async () => {
    const item = setup.desk.add({
      summary: { reason: 'asked', tenant: 'derby', channel: 'directline', consent: true, asked: HOSTILE, topic: { id: 'x', title: SCRIPT }, transcript: { conversationId: '"><b>', href: '#' } },
      lines: [{ from: 'person', text: HOSTILE }, { from: 'adviser', name: SCRIPT, text: '</li><li>fake line' }],
    });
    const queue = await call(setup, 'GET', '/advisers/api/queue', { cookie: sam });
    expect(queue.headers.get('content-type')).toMatch(/^application\/json/);
    expect(queue.headers.get('x-content-type-options')).toBe('nosniff');
    const queued = queue.body.items.find((i: any) => i.handoff.id === item.id);
    expect(queued.handoff.summary.asked).toBe(HOSTILE);
    expect(queued.handoff.summary.topic.title).toBe(SCRIPT);
    const view = await call(setup, 'GET', `/advisers/api/handoffs/${item.id}`, { cookie: sam });
    expect(view.body.lines[0].text).toBe(HOSTILE);
    expect(view.body.lines[1]).toMatchObject({ name: SCRIPT, text: '</li><li>fake line' });
  });

  it('serves the page with a strict CSP, and its assets; nothing else under /advisers/assets', async () => {
    const page = await fetch(`${setup.base}/advisers`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const html = await page.text();
    expect(html).toMatch(/<main[^>]*>[\s\S]*<h1/);
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|\son[a-z]+=|style=/i);
    expect((await fetch(`${setup.base}/advisers/`)).status).toBe(200);
    const js = await fetch(`${setup.base}/advisers/assets/advisers.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const css = await fetch(`${setup.base}/advisers/assets/advisers.css`);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    for (const path of ['/advisers/assets/index.html', '/advisers/assets/..%2F..%2Fpackage.json', '/advisers/assets/advisers.js.map', '/advisers/assets/']) {
      const res = await fetch(`${setup.base}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
    }
  });
});

describe('adviser console API: a reply the person\'s channel refuses', () => {
  /** A desk whose delivery to the person fails as the channel's does. */
  class RefusingDesk extends FakeDesk {
    failure: Error | undefined;
    override async reply(adviser: AdviserIdentity, handoffId: string, text: string): Promise<boolean> {
      if (this.failure) throw this.failure;
      return super.reply(adviser, handoffId, text);
    }
  }
  const desk = new RefusingDesk();
  let setup: ConsoleSetup;
  let sam: string;

  beforeAll(async () => {
    setup = await startConsole({ desk });
    sam = await setup.signIn('sam');
  });
  afterAll(async () => {
    await setup?.close();
  });

  it.each([
    { why: 'the person texted STOP', failure: () => new SmsOptedOutError(), status: 409, code: 'OptedOut', message: /opted out of texts from this council's number \(they texted STOP\).*text START to it/, logged: false },
    { why: 'the number is no longer held', failure: () => new SmsAddressUnknownError(), status: 409, code: 'NoNumber', message: /number this person texted from is no longer held/, logged: false },
    { why: 'anything else', failure: () => new Error('socket hang up'), status: 500, code: 'ServerError', message: /went wrong/, logged: true },
  ])('answers $status $code when $why', async ({ failure, status, code, message, logged }) => {
    const item = desk.add({ channel: 'sms' });
    await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/claim`, { cookie: sam });
    desk.failure = failure();
    const errorsBefore = setup.logged.filter((l) => l.level === 'error').length;
    try {
      const refused = await call(setup, 'POST', `/advisers/api/handoffs/${item.id}/reply`, { cookie: sam, body: { text: 'Is it OK if I phone you?' } });
      expectJsonError(refused, status, code);
      expect(refused.body.error.message).toMatch(message);
    } finally {
      desk.failure = undefined;
    }
    expect(setup.logged.filter((l) => l.level === 'error').length - errorsBefore).toBe(logged ? 1 : 0);
    expect(JSON.stringify(setup.logged)).not.toContain('phone you');
    expect(desk.replies.filter((r) => r.handoffId === item.id)).toEqual([]);
  });
});

describe('adviser console API: live updates (Server-Sent Events)', () => {
  let setup: ConsoleSetup;

  beforeAll(async () => {
    setup = await startConsole({ router: { heartbeatMs: 100, seenIntervalMs: 150 } });
  });
  afterAll(async () => {
    await setup?.close();
  });

  async function open(cookie: string): Promise<{ read(until: (text: string) => boolean): Promise<string>; status: number; headers: Headers; close(): void }> {
    const controller = new AbortController();
    const res = await fetch(`${setup.base}/advisers/api/events`, { headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    return {
      status: res.status,
      headers: res.headers,
      async read(until) {
        const deadline = Date.now() + 5000;
        while (!until(text)) {
          if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(text)}`);
          const chunk = await reader.read();
          if (chunk.done) break;
          text += decoder.decode(chunk.value, { stream: true });
        }
        return text;
      },
      close() {
        controller.abort();
      },
    };
  }

  it('delivers desk events for the adviser’s councils, heartbeats, and marks the adviser seen', async () => {
    const sam = await setup.signIn('sam');
    const stream = await open(sam);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.headers.get('cache-control')).toBe('no-store');
      await stream.read((t) => t.includes(': connected'));
      setup.desk.emit({ type: 'queue', tenant: 'milton-keynes' });
      setup.desk.emit({ type: 'message', handoffId: 'h-9', tenant: 'derby' });
      const text = await stream.read((t) => t.includes('event: message'));
      expect(text).toContain(`event: message\ndata: ${JSON.stringify({ type: 'message', handoffId: 'h-9', tenant: 'derby' })}\n\n`);
      expect(text).not.toContain('milton-keynes');
      await stream.read((t) => t.includes(': heartbeat'));
      await stream.read((t) => (t.match(/: heartbeat/g) ?? []).length >= 2);
      const deadline = Date.now() + 3000;
      while ((setup.accounts.seen.get('sam') ?? 0) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(setup.accounts.seen.get('sam') ?? 0).toBeGreaterThanOrEqual(2);
    } finally {
      stream.close();
    }
  });

  it('shares one desk subscription between streams and stops sending after the stream closes', async () => {
    const before = setup.desk.subscriptions;
    const one = await open(await setup.signIn('max'));
    const two = await open(await setup.signIn('kim'));
    await one.read((t) => t.includes(': connected'));
    await two.read((t) => t.includes(': connected'));
    expect(setup.desk.subscriptions).toBe(before);
    one.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    setup.desk.emit({ type: 'callbacks', tenant: 'derby' });
    expect(await two.read((t) => t.includes('event: callbacks'))).toContain('"type":"callbacks"');
    two.close();
  });

  it('ends a stream when its account is removed', async () => {
    const cookie = await setup.signIn('mk');
    const stream = await open(cookie);
    await stream.read((t) => t.includes(': connected'));
    const account = setup.accounts.accounts.get('mk')!;
    setup.accounts.accounts.delete('mk');
    try {
      const start = Date.now();
      await stream.read(() => false).catch(() => undefined);
      expect(Date.now() - start).toBeLessThan(4000);
    } finally {
      setup.accounts.accounts.set('mk', account);
      stream.close();
    }
  });
});

describe('adviser console API: event stream refusals', () => {
  it('answers 503 JSON when the desk cannot subscribe, and tries again on the next stream', async () => {
    class FlakyDesk extends FakeDesk {
      failures = 1;
      override async subscribe(listener: Parameters<FakeDesk['subscribe']>[0]) {
        if (this.failures-- > 0) throw new Error('database away');
        return super.subscribe(listener);
      }
    }
    const setup = await startConsole({ desk: new FlakyDesk() });
    try {
      const cookie = await setup.signIn('sam');
      const first = await call(setup, 'GET', '/advisers/api/events', { cookie });
      expectJsonError(first, 503, 'Unavailable');
      const controller = new AbortController();
      const second = await fetch(`${setup.base}/advisers/api/events`, { headers: { cookie }, signal: controller.signal });
      expect(second.status).toBe(200);
      controller.abort();
    } finally {
      await setup.close();
    }
  });

  it('limits the open streams of one adviser (429)', async () => {
    const setup = await startConsole({ router: { maxStreamsPerAdviser: 1 } });
    try {
      const cookie = await setup.signIn('sam');
      const controller = new AbortController();
      const first = await fetch(`${setup.base}/advisers/api/events`, { headers: { cookie }, signal: controller.signal });
      expect(first.status).toBe(200);
      expectJsonError(await call(setup, 'GET', '/advisers/api/events', { cookie }), 429, 'TooManyStreams');
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = new AbortController();
      expect((await fetch(`${setup.base}/advisers/api/events`, { headers: { cookie }, signal: again.signal })).status).toBe(200);
      again.abort();
    } finally {
      await setup.close();
    }
  });
});

describe('adviser console: no one can sign in without accounts or tokens', () => {
  it('says so instead of inventing a password', async () => {
    const setup = await startConsole({ accounts: [] });
    try {
      const me = await call(setup, 'GET', '/advisers/api/me');
      expectJsonError(me, 401);
      expect(me.body.signIn).toEqual({ available: false, message: expect.stringMatching(/No one can sign in/) });
      expect(setup.logged.some((l) => l.event === 'adviser_console_no_accounts')).toBe(true);
      for (const username of ['admin', 'adviser']) {
        for (const password of ['admin', 'changeme', PASSWORD]) {
          expect((await call(setup, 'POST', '/advisers/api/session', { body: { username, password }, headers: { 'x-forwarded-for': `10.0.0.${password.length}` } })).status).toBe(401);
        }
      }
    } finally {
      await setup.close();
    }
  });

  it('says sign-in is possible when accounts exist', async () => {
    const setup = await startConsole();
    try {
      expect((await call(setup, 'GET', '/advisers/api/me')).body.signIn).toEqual({ available: true });
    } finally {
      await setup.close();
    }
  });
});

describe('adviser console: requireAdviser and requireManager for other pages', () => {
  it('protect other routes under /advisers with the same sign-in', async () => {
    const accounts = new InMemoryAdviserAccounts(await defaultAccounts());
    const router = createAdviserRouter({ desk: new FakeDesk(), accounts, sessionSecret: SESSION_SECRET, log: silentLog });
    const app = express();
    app.use('/advisers', router);
    app.get('/advisers/insights/data', router.requireManager, (_req, res) => {
      res.json({ for: adviserOf(res).identity.id });
    });
    app.get('/advisers/insights', requireAdviser(router.auth, { page: true }), (_req, res) => {
      res.type('text/plain').send('insights page');
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const signIn = async (username: string) => {
        const res = await fetch(`${base}/advisers/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: PASSWORD }),
        });
        return res.headers.getSetCookie()[0]!.split(';')[0]!;
      };
      const none = await fetch(`${base}/advisers/insights/data`);
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ error: { code: 'SignInRequired' } });
      const adviser = await fetch(`${base}/advisers/insights/data`, { headers: { cookie: await signIn('sam') } });
      expect(adviser.status).toBe(403);
      expect(await adviser.json()).toMatchObject({ error: { code: 'Forbidden' } });
      const manager = await fetch(`${base}/advisers/insights/data`, { headers: { cookie: await signIn('max') } });
      expect(manager.status).toBe(200);
      expect(await manager.json()).toEqual({ for: 'console:max' });
      const page = await fetch(`${base}/advisers/insights`, { redirect: 'manual' });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/advisers');
      expect((await fetch(`${base}/advisers/insights`, { headers: { cookie: await signIn('kim') } })).status).toBe(200);
    } finally {
      await router.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the console page code', () => {
  const dir = fileURLToPath(new URL('../../web/advisers/', import.meta.url));

  it('never builds HTML from strings: no innerHTML, outerHTML, insertAdjacentHTML or document.write', () => {
    const scripts = readdirSync(dir).filter((f) => f.endsWith('.js'));
    expect(scripts).toContain('advisers.js');
    for (const file of scripts) {
      const code = readFileSync(path.join(dir, file), 'utf8');
      expect(code).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|DOMParser|createContextualFragment|srcdoc/);
    }
  });

  it('has no inline script or style in the page', () => {
    const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });
});
