import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { ActivityHandler, TurnContext } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemoryActivityLog, type StoredActivity } from '../../src/channels/directline/activityLog';
import { DirectLineAdapter } from '../../src/channels/directline/adapter';
import { createDirectLineRouter } from '../../src/channels/directline/router';
import { ConversationTokens } from '../../src/channels/directline/tokens';

const SECRET = 'test-only-secret-0123456789abcdef0123456789';
const GREETING = 'Hello, I am the test assistant.';

class TestBot extends ActivityHandler {
  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) await context.sendActivity(GREETING);
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      const text = context.activity.text ?? '';
      if (text.startsWith('explode')) throw new Error(`could not handle "${text}"`);
      if (text === 'nested') {
        // Proactive message to the same conversation from inside its own turn: must not deadlock.
        const reference = TurnContext.getConversationReference(context.activity);
        await (context.adapter as DirectLineAdapter).continueConversation(reference, async (proactive) => {
          await proactive.sendActivity('Proactive from inside the turn');
        });
      }
      if (text.startsWith('slow')) await new Promise((resolve) => setTimeout(resolve, 200));
      await context.sendActivities([{ type: 'typing' }, { type: 'delay', value: 10 }]);
      await context.sendActivity(`You said: ${text} [${context.activity.channelData?.tenant}]`);
      await next();
    });
  }
}

interface TestServer {
  base: string;
  server: Server;
  adapter: DirectLineAdapter;
  logger: { error: ReturnType<typeof vi.fn> };
}

async function startServer(): Promise<TestServer> {
  const log = new InMemoryActivityLog();
  const logger = { error: vi.fn() };
  const adapter = new DirectLineAdapter({ log, botId: 'test-bot', botName: 'Test assistant', logger });
  const bot = new TestBot();
  const app = express();
  app.use(
    createDirectLineRouter({
      adapter,
      logic: (context) => bot.run(context),
      log,
      tokenSecret: SECRET,
      tokenTtlSeconds: 1800,
      resolveTenant: (name) => (name && ['derby', 'generic'].includes(name) ? name : undefined),
      defaultTenant: 'generic',
      botId: 'test-bot',
      botName: 'Test assistant',
      allowedOrigins: ['https://localoffer.example'],
      logger,
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, adapter, logger };
}

interface CallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

let testServer: TestServer;

async function call(path: string, options: CallOptions = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(testServer.base + path, { method: options.method ?? 'GET', headers, body });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/** What Web Chat does first: the page gets a token, then Direct Line starts the conversation. */
async function startConversation(tenant?: string) {
  const issued = await call('/api/webchat/token', { method: 'POST', body: tenant ? { tenant } : {} });
  expect(issued.status).toBe(200);
  const started = await call('/v3/directline/conversations', {
    method: 'POST',
    token: issued.json.token,
    body: { user: { id: 'r_webchatuser' }, locale: 'en-GB' },
  });
  expect(started.status).toBe(201);
  return { conversationId: started.json.conversationId as string, token: started.json.token as string };
}

let clientActivityCount = 0;

function postMessage(conversationId: string, token: string, text: string, clientActivityID = `client-${++clientActivityCount}`) {
  return call(`/v3/directline/conversations/${conversationId}/activities`, {
    method: 'POST',
    token,
    body: {
      type: 'message',
      text,
      textFormat: 'plain',
      locale: 'en-GB',
      from: { id: 'r_webchatuser', role: 'user' },
      channelData: { clientActivityID, clientTimestamp: new Date().toISOString() },
    },
  });
}

/** Polls like Web Chat (with the watermark) until `done` holds for everything received. */
async function pollUntil(
  conversationId: string,
  token: string,
  done: (activities: StoredActivity[]) => boolean,
  startWatermark = '',
) {
  const received: StoredActivity[] = [];
  const watermarks: unknown[] = [];
  let watermark = startWatermark;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const page = await call(`/v3/directline/conversations/${conversationId}/activities?watermark=${watermark}`, { token });
    expect(page.status).toBe(200);
    watermarks.push(page.json.watermark);
    watermark = page.json.watermark;
    received.push(...page.json.activities);
    if (done(received)) return { activities: received, watermark, watermarks };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Timed out; received ${JSON.stringify(received.map((a) => a.text ?? a.type))}`);
}

const botMessages = (activities: StoredActivity[]) =>
  activities.filter((a) => a.type === 'message' && a.from?.id === 'test-bot').map((a) => a.text);

beforeAll(async () => {
  testServer = await startServer();
});

afterAll(async () => {
  testServer.server.close();
  testServer.server.closeAllConnections();
});

describe('a web chat conversation over Direct Line', () => {
  it('greets, echoes the user message with its clientActivityID, and replies in order', async () => {
    const issued = await call('/api/webchat/token', { method: 'POST', body: {} });
    expect(issued.status).toBe(200);
    expect(issued.json).toEqual({ conversationId: expect.any(String), token: expect.any(String), expires_in: 1800 });
    expect(issued.headers.get('cache-control')).toBe('no-store');

    const started = await call('/v3/directline/conversations', {
      method: 'POST',
      token: issued.json.token,
      body: { user: { id: 'r_webchatuser' } },
    });
    expect(started.status).toBe(201);
    expect(started.json).toEqual({ conversationId: issued.json.conversationId, token: expect.any(String), expires_in: 1800 });
    expect(started.json).not.toHaveProperty('streamUrl');
    const { conversationId, token } = started.json as { conversationId: string; token: string };

    const greeting = await pollUntil(conversationId, token, (all) => botMessages(all).includes(GREETING));
    expect(typeof greeting.watermark).toBe('string');

    const posted = await postMessage(conversationId, token, '  When is the appeal deadline?  ', 'c-42');
    expect(posted.status).toBe(200);
    expect(posted.json).toEqual({ id: `${conversationId}|0000002` });

    const rest = await pollUntil(
      conversationId,
      token,
      (all) => botMessages(all).some((text) => text?.startsWith('You said')),
      greeting.watermark,
    );
    const messages = rest.activities.filter((a) => a.type === 'message');
    const [echo, reply] = messages;
    expect(echo).toMatchObject({
      id: posted.json.id,
      type: 'message',
      text: 'When is the appeal deadline?',
      channelId: 'webchat',
      conversation: { id: conversationId },
      from: { id: 'r_webchatuser', role: 'user' },
      recipient: { id: 'test-bot' },
      channelData: { clientActivityID: 'c-42' },
    });
    expect(new Date(echo!.timestamp).toISOString()).toBe(echo!.timestamp);
    expect(echo!.channelData).not.toHaveProperty('tenant');
    expect(reply).toMatchObject({
      text: 'You said: When is the appeal deadline? [generic]',
      from: { id: 'test-bot', name: 'Test assistant' },
      recipient: { id: 'r_webchatuser' },
      replyToId: echo!.id,
      channelId: 'webchat',
    });
    expect(rest.activities.some((a) => a.type === 'typing')).toBe(true);
    expect(rest.activities.some((a) => a.type === 'delay')).toBe(false);

    const all = [...greeting.activities, ...rest.activities];
    expect(new Set(all.map((a) => a.id)).size).toBe(all.length);
    expect(all.map((a) => a.id)).toEqual([...all.map((a) => a.id)].sort());
    for (const watermark of [...greeting.watermarks, ...rest.watermarks]) expect(typeof watermark).toBe('string');

    const nothingNew = await call(`/v3/directline/conversations/${conversationId}/activities?watermark=${rest.watermark}`, { token });
    expect(nothingNew.json).toEqual({ activities: [], watermark: rest.watermark });

    const resumed = await call(`/v3/directline/conversations/${conversationId}?watermark=${rest.watermark}`, { token });
    expect(resumed.status).toBe(200);
    expect(resumed.json).toEqual({ conversationId, token: expect.any(String), expires_in: 1800 });

    const refreshed = await call('/v3/directline/tokens/refresh', { method: 'POST', token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.conversationId).toBe(conversationId);
    const withRefreshed = await call(`/v3/directline/conversations/${conversationId}/activities`, { token: refreshed.json.token });
    expect(withRefreshed.status).toBe(200);
  });

  it('tells the bot which council the token was issued for', async () => {
    const { conversationId, token } = await startConversation('derby');
    await postMessage(conversationId, token, 'hello');
    const { activities } = await pollUntil(conversationId, token, (all) => botMessages(all).length >= 2);
    expect(botMessages(activities)).toEqual([GREETING, 'You said: hello [derby]']);
  });

  it('greets exactly once however often the client starts the conversation', async () => {
    const issued = await call('/api/webchat/token', { method: 'POST', body: {} });
    const start = () => call('/v3/directline/conversations', { method: 'POST', token: issued.json.token, body: {} });
    const statuses = (await Promise.all([start(), start(), start()])).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 200, 201]);
    expect((await start()).status).toBe(200);

    const { conversationId, token } = { conversationId: issued.json.conversationId, token: issued.json.token };
    await postMessage(conversationId, token, 'first');
    const { activities } = await pollUntil(conversationId, token, (all) => botMessages(all).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await call(`/v3/directline/conversations/${conversationId}/activities`, { token });
    expect(botMessages(again.json.activities).filter((text) => text === GREETING)).toHaveLength(1);
    expect(botMessages(activities)[0]).toBe(GREETING);
  });

  it('greets before the first reply even when the client never starts the conversation', async () => {
    const issued = await call('/api/webchat/token', { method: 'POST' });
    const { conversationId, token } = issued.json;
    await postMessage(conversationId, token, 'straight in');
    const { activities } = await pollUntil(conversationId, token, (all) => botMessages(all).length >= 2);
    expect(botMessages(activities)).toEqual([GREETING, 'You said: straight in [generic]']);
  });

  it('runs the turns of one conversation one at a time, in order', async () => {
    const { conversationId, token } = await startConversation();
    const [slow, fast] = await Promise.all([
      postMessage(conversationId, token, 'slow question'),
      new Promise((resolve) => setTimeout(resolve, 20)).then(() => postMessage(conversationId, token, 'quick one')),
    ]);
    expect([slow.status, fast.status]).toEqual([200, 200]);
    const { activities } = await pollUntil(conversationId, token, (all) => botMessages(all).length >= 3);
    expect(activities.filter((a) => a.type === 'message').map((a) => a.text)).toEqual([
      GREETING,
      'slow question',
      'quick one',
      'You said: slow question [generic]',
      'You said: quick one [generic]',
    ]);
  });

  it('apologises when a turn fails and logs no message text', async () => {
    const { conversationId, token } = await startConversation();
    await postMessage(conversationId, token, 'explode my secret name is Alice');
    const { activities } = await pollUntil(conversationId, token, (all) => botMessages(all).length >= 2);
    expect(botMessages(activities)[1]).toMatch(/^Sorry, something went wrong/);
    expect(testServer.logger.error).toHaveBeenCalled();
    expect(JSON.stringify(testServer.logger.error.mock.calls)).not.toContain('Alice');

    await postMessage(conversationId, token, 'still there?');
    const after = await pollUntil(conversationId, token, (all) => botMessages(all).length >= 3);
    expect(botMessages(after.activities)[2]).toBe('You said: still there? [generic]');
  });
});

describe('proactive messages (continueConversation)', () => {
  it('delivers a message to the user outside any turn', async () => {
    const { conversationId, token } = await startConversation();
    await pollUntil(conversationId, token, (all) => botMessages(all).length >= 1);
    await testServer.adapter.continueConversation(
      { conversation: { id: conversationId } as never, user: { id: 'r_webchatuser', name: '' } },
      async (context) => {
        await context.sendActivity('An adviser has joined the chat.');
      },
    );
    const { activities } = await pollUntil(conversationId, token, (all) => botMessages(all).length >= 2);
    expect(activities.at(-1)).toMatchObject({
      text: 'An adviser has joined the chat.',
      from: { id: 'test-bot' },
      recipient: { id: 'r_webchatuser' },
      channelId: 'webchat',
    });
  });

  it('does not deadlock when a turn messages its own conversation', async () => {
    const { conversationId, token } = await startConversation();
    await postMessage(conversationId, token, 'nested');
    const { activities } = await pollUntil(conversationId, token, (all) => botMessages(all).length >= 3);
    expect(botMessages(activities)).toEqual([GREETING, 'Proactive from inside the turn', 'You said: nested [generic]']);
  });

  it('rejects a reference without a conversation', async () => {
    await expect(testServer.adapter.continueConversation({}, async () => undefined)).rejects.toThrow(/conversation id/);
  });
});

describe('tokens', () => {
  it('rejects a missing, malformed or forged token with 401', async () => {
    const { conversationId } = await startConversation();
    const path = `/v3/directline/conversations/${conversationId}/activities`;

    const missing = await call(path);
    expect(missing.status).toBe(401);
    expect(missing.json.error.code).toBe('missing_token');

    expect((await call(path, { token: 'not-a-token' })).json.error.code).toBe('invalid_token');

    const forged = new ConversationTokens({ secret: 'another-secret-0123456789abcdef01234567', ttlSeconds: 600 });
    const forgedCall = await call(path, { token: forged.issue(conversationId, 'generic').token });
    expect(forgedCall.status).toBe(401);
    expect(forgedCall.json.error.code).toBe('invalid_token');

    const genuine = new ConversationTokens({ secret: SECRET, ttlSeconds: 600 }).issue(conversationId, 'generic').token;
    const [payload, signature] = genuine.split('.');
    const tampered = Buffer.from(JSON.stringify({ c: conversationId, t: 'derby', exp: 9e9 })).toString('base64url');
    expect((await call(path, { token: `${tampered}.${signature}` })).status).toBe(401);
    expect((await call(path, { token: `${payload}.${signature}` })).status).toBe(200);
  });

  it('answers 403 for an expired token and for a token of another conversation', async () => {
    const { conversationId } = await startConversation();
    const other = await startConversation();
    const path = `/v3/directline/conversations/${conversationId}/activities`;

    const anHourAgo = new ConversationTokens({ secret: SECRET, ttlSeconds: 600, now: () => Date.now() - 3_600_000 });
    const expired = anHourAgo.issue(conversationId, 'generic').token;
    const expiredCall = await call(path, { token: expired });
    expect(expiredCall.status).toBe(403);
    expect(expiredCall.json.error.code).toBe('token_expired');
    expect((await call('/v3/directline/tokens/refresh', { method: 'POST', token: expired })).status).toBe(403);

    const wrong = await call(path, { token: other.token });
    expect(wrong.status).toBe(403);
    expect(wrong.json.error.code).toBe('wrong_conversation');
    expect((await postMessage(conversationId, other.token, 'hi')).status).toBe(403);
  });

  it('answers 404 for a conversation that does not exist', async () => {
    const token = new ConversationTokens({ secret: SECRET, ttlSeconds: 600 }).issue('no-such-conversation', 'generic').token;
    const response = await call('/v3/directline/conversations/no-such-conversation/activities', { token });
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('conversation_not_found');
    expect((await call('/v3/directline/conversations', { method: 'POST', token, body: {} })).status).toBe(404);
  });

  it('refuses an unknown council instead of using the default', async () => {
    const response = await call('/api/webchat/token', { method: 'POST', body: { tenant: 'atlantis' } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: { code: 'unknown_tenant', message: expect.any(String) } });
    expect((await call('/api/webchat/token', { method: 'POST', body: { tenant: 42 } })).status).toBe(400);
  });
});

describe('bad input', () => {
  let conversationId: string;
  let token: string;
  let path: string;

  beforeAll(async () => {
    ({ conversationId, token } = await startConversation());
    path = `/v3/directline/conversations/${conversationId}/activities`;
  });

  it('answers malformed JSON with a JSON 400', async () => {
    const response = await call(path, { method: 'POST', token, rawBody: '{"type": "message", "text": ' });
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('invalid_json');
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('answers an oversized body with 413', async () => {
    const response = await call(path, { method: 'POST', token, body: { type: 'message', text: 'x'.repeat(200_000) } });
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('body_too_large');
  });

  it('accepts 5,000 characters after trimming and refuses more', async () => {
    const ok = await postMessage(conversationId, token, `   ${'a'.repeat(5000)}   `);
    expect(ok.status).toBe(200);
    const tooLong = await postMessage(conversationId, token, 'a'.repeat(5001));
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.code).toBe('text_too_long');
    expect((await postMessage(conversationId, token, '   ')).json.error.code).toBe('empty_message');
  });

  it('refuses attachments', async () => {
    const response = await call(path, {
      method: 'POST',
      token,
      body: { type: 'message', text: 'see file', attachments: [{ contentType: 'image/png', contentUrl: 'blob:x' }] },
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: { code: 'attachments_not_accepted', message: 'Attachments are not accepted.' } });
    const upload = await call(`/v3/directline/conversations/${conversationId}/upload?userId=r_x`, { method: 'POST', token });
    expect(upload.status).toBe(400);
    expect(upload.json.error.code).toBe('attachments_not_accepted');
  });

  it('refuses unknown and server-only activity types, and events without a name', async () => {
    for (const type of ['conversationUpdate', 'invoke', 'handoff']) {
      const response = await call(path, { method: 'POST', token, body: { type } });
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('unsupported_activity_type');
    }
    expect((await call(path, { method: 'POST', token, body: { type: 'event' } })).status).toBe(400);
    expect((await call(path, { method: 'POST', token, body: { type: 'typing' } })).status).toBe(200);
    expect((await call(path, { method: 'POST', token, body: { text: 'no type' } })).status).toBe(400);
    expect((await call(path, { method: 'POST', token, body: [1, 2] })).status).toBe(400);
    expect((await call(path, { method: 'POST', token, rawBody: 'type=message', headers: { 'content-type': 'text/plain' } })).status).toBe(400);
  });

  it('accepts a named event and echoes it', async () => {
    const response = await call(path, {
      method: 'POST',
      token,
      body: { type: 'event', name: 'webchat/join', value: { page: 'home' }, channelData: { clientActivityID: 'ev-1' } },
    });
    expect(response.status).toBe(200);
    const { activities } = await pollUntil(conversationId, token, (all) => all.some((a) => a.id === response.json.id));
    expect(activities.find((a) => a.id === response.json.id)).toMatchObject({ type: 'event', name: 'webchat/join', channelData: { clientActivityID: 'ev-1' } });
  });

  it('refuses a watermark that is not a number', async () => {
    const response = await call(`${path}?watermark=abc`, { token });
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('invalid_watermark');
  });

  it('answers unknown Direct Line paths with a JSON 404', async () => {
    const response = await call('/v3/directline/nothing-here', { token });
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('not_found');
  });

  it('lets an allowed site embed the chat (CORS preflight) and no other', async () => {
    const preflight = (origin: string) =>
      fetch(`${testServer.base}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-ms-bot-agent',
        },
      });
    const allowed = await preflight('https://localoffer.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://localoffer.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('x-ms-bot-agent');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('InMemoryActivityLog', () => {
  it('caps activities per conversation and the number of conversations', async () => {
    const log = new InMemoryActivityLog({ maxActivitiesPerConversation: 3, maxConversations: 2 });
    await log.create('a', { tenant: 'generic' });
    for (let i = 1; i <= 5; i++) await log.append('a', { type: 'message', text: `m${i}` });
    const page = await log.since('a');
    expect(page.activities.map((a) => a.text)).toEqual(['m3', 'm4', 'm5']);
    expect(page.watermark).toBe(5);
    expect((await log.since('a', 4)).activities.map((a) => a.id)).toEqual(['a|0000005']);

    await log.create('b', { tenant: 'generic' });
    await log.since('a'); // 'a' is now more recently used than 'b'
    await log.create('c', { tenant: 'generic' });
    expect([await log.exists('a'), await log.exists('b'), await log.exists('c')]).toEqual([true, false, true]);
  });
});
