import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Activity, TurnContext } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assistant } from '../../src/app';
import { BOT_SERVICE_APOLOGY } from '../../src/channels/botService/adapter';
import { mountBotService } from '../../src/channels/botService';
import { isLoopbackAddress, isLoopbackUrl } from '../../src/channels/botService/router';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import { core } from '../helpers/testBot';
import { startBotServiceAssistant, type BotServiceAssistant } from '../helpers/botServiceAssistant';
import { postActivity, startFakeConnector, type FakeConnector } from '../fixtures/teams/fakeBotFramework';

/**
 * /api/messages with no MicrosoftAppId (development): the whole assistant as `npm start` builds it
 * (createAssistant, its SQLite store), an Emulator-style activity from this machine, and the bot's
 * replies arriving at a fake connector on this machine, through botbuilder's CloudAdapter.
 */

const logLines: string[] = [];
configureLog('info', (line) => logLines.push(line));

const USER = { id: 'emulator-user-1', name: 'User', role: 'user' };
const BOT = { id: 'send-assistant-bot', name: 'Bot', role: 'bot' };

function emulatorActivity(connector: FakeConnector, conversationId: string, extra: Partial<Activity>): Partial<Activity> {
  return {
    type: 'message',
    channelId: 'emulator',
    serviceUrl: connector.url,
    conversation: { id: conversationId } as Activity['conversation'],
    from: USER as Activity['from'],
    recipient: BOT as Activity['recipient'],
    locale: 'en-GB',
    timestamp: new Date().toISOString() as unknown as Date,
    ...extra,
  };
}

let assistant: Assistant;
let base: string;
let connector: FakeConnector;
let running: BotServiceAssistant;

beforeAll(async () => {
  running = await startBotServiceAssistant('send-botservice-');
  ({ assistant, base, connector } = running);
});

afterAll(() => running.close());

const repliesTo = (conversationId: string) => connector.replies.filter((r) => r.conversationId === conversationId);

describe('/api/messages without MicrosoftAppId (Bot Framework Emulator)', () => {
  it('is mounted by createAssistant, answers a whole turn and posts the replies to the serviceUrl', async () => {
    expect(assistant.botServiceAdapter).toBeDefined();
    const conversationId = 'emulator-conv-1';
    const response = await postActivity(base, emulatorActivity(connector, conversationId, { id: 'act-1', text: 'How long do I have to appeal?' }));
    expect(response.status).toBe(200);

    const replies = repliesTo(conversationId);
    const { replies: composer } = core();
    expect(replies.map((r) => r.activity.text?.split('\n')[0])).toEqual([
      composer.welcome('generic').text.split('\n')[0],
      composer.answer('appeal-deadline', 'generic').text.split('\n')[0],
    ]);
    for (const reply of replies) {
      // Replies to the person's message: POST /v3/conversations/{id}/activities/{replyToId}.
      expect(reply.replyToId).toBe('act-1');
      expect(reply.activity.type).toBe('message');
      expect(reply.activity.from?.id).toBe(BOT.id);
      expect(reply.activity.recipient?.id).toBe(USER.id);
      expect(reply.activity.conversation?.id).toBe(conversationId);
      // No credentials, so no token on the way out either.
      expect(reply.authorization).toBeUndefined();
    }
  });

  it('welcomes on conversationUpdate and keeps the conversation state in the store between turns', async () => {
    const conversationId = 'emulator-conv-2';
    const update = await postActivity(
      base,
      emulatorActivity(connector, conversationId, {
        type: 'conversationUpdate',
        id: 'upd-1',
        membersAdded: [BOT, USER] as Activity['membersAdded'],
      }),
    );
    expect(update.status).toBe(200);
    expect(repliesTo(conversationId)).toHaveLength(1);
    expect(repliesTo(conversationId)[0]!.activity.text).toBe(core().replies.welcome('generic').text);

    const message = await postActivity(base, emulatorActivity(connector, conversationId, { id: 'act-2', text: 'What is mediation?' }));
    expect(message.status).toBe(200);
    // Welcomed once only: the second turn read the state the first one saved.
    expect(repliesTo(conversationId)).toHaveLength(2);
    expect(repliesTo(conversationId)[1]!.activity.text?.split('\n')[0]).toBe(core().replies.answer('mediation', 'generic').text.split('\n')[0]);
  });

  it('handles a redelivered activity id once', async () => {
    const conversationId = 'emulator-conv-3';
    const activity = emulatorActivity(connector, conversationId, { id: 'act-dup', text: 'What is SENDIASS?' });
    expect((await postActivity(base, activity)).status).toBe(200);
    const count = repliesTo(conversationId).length;
    expect(count).toBe(2);
    expect((await postActivity(base, activity)).status).toBe(200);
    expect(repliesTo(conversationId)).toHaveLength(count);
    expect(logLines.some((line) => line.includes('bot_service.repeat_ignored'))).toBe(true);
  });

  it("runs one conversation's turns one at a time, in the order they came", async () => {
    const conversationId = 'emulator-conv-4';
    const questions = ['What is mediation?', 'What is SENDIASS?', 'How do I make a complaint?'];
    const responses = await Promise.all(
      questions.map((text, i) => postActivity(base, emulatorActivity(connector, conversationId, { id: `ord-${i}`, text }))),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    // A welcome once, with the first turn to run, then one answer per question; one turn's replies
    // never interleave with another's (requests on separate connections may arrive in any order).
    const replies = repliesTo(conversationId);
    expect(replies).toHaveLength(4);
    // Welcomed in front of the first answer: the welcome without choices of its own.
    expect(replies[0]!.activity.text).toBe(core().replies.welcomeBeforeAnswer('generic').text);
    expect(replies[1]!.replyToId).toBe(replies[0]!.replyToId);
    expect(new Set(replies.slice(1).map((r) => r.replyToId))).toEqual(new Set(['ord-0', 'ord-1', 'ord-2']));
    const topics = { 'ord-0': 'mediation', 'ord-1': 'sendiass', 'ord-2': 'complaint' } as const;
    for (const reply of replies.slice(1)) {
      const topic = topics[reply.replyToId as keyof typeof topics];
      expect(reply.activity.text?.split('\n')[0]).toBe(core().replies.answer(topic, 'generic').text.split('\n')[0]);
    }
  });

  it('refuses a serviceUrl on another machine: with no App ID replies go only to this machine', async () => {
    const before = connector.replies.length;
    const response = await postActivity(base, {
      ...emulatorActivity(connector, 'emulator-conv-5', { id: 'x-1', text: 'hello' }),
      serviceUrl: 'https://smba.trafficmanager.net/uk/',
    });
    expect(response.status).toBe(403);
    expect(JSON.stringify(response.body)).toMatch(/MicrosoftAppId/);
    expect(connector.replies.length).toBe(before);
  });

  it.each([['x-forwarded-for', '203.0.113.9'], ['forwarded', 'for=203.0.113.9']])(
    'refuses a request relayed by a proxy (%s): it came from another machine',
    async (header, value) => {
      const before = connector.replies.length;
      const response = await postActivity(base, emulatorActivity(connector, 'emulator-conv-6', { id: 'p-1', text: 'hello' }), { [header]: value });
      expect(response.status).toBe(403);
      expect(JSON.stringify(response.body)).toMatch(/Bot Framework Emulator on this machine/);
      expect(connector.replies.length).toBe(before);
    },
  );

  it.each([
    ['malformed JSON', '{"type": "message", ', 400],
    ['a JSON array', '[1, 2]', 400],
    ['no type', JSON.stringify({ channelId: 'emulator', conversation: { id: 'c' }, serviceUrl: 'http://127.0.0.1:9/' }), 400],
    ['no conversation', JSON.stringify({ type: 'message', channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9/' }), 400],
    ['no serviceUrl', JSON.stringify({ type: 'message', channelId: 'emulator', conversation: { id: 'c' } }), 400],
    ['a serviceUrl that is not http', JSON.stringify({ type: 'message', channelId: 'emulator', conversation: { id: 'c' }, serviceUrl: 'file:///etc/passwd' }), 400],
    ['text that is not a string', JSON.stringify({ type: 'message', channelId: 'emulator', conversation: { id: 'c' }, serviceUrl: 'http://127.0.0.1:9/', text: { a: 1 } }), 400],
  ])('answers %s with a clear 4xx and runs nothing', async (_name, body, status) => {
    const before = connector.replies.length;
    const response = await postActivity(base, body);
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ error: { code: 'BadRequest' } });
    expect(connector.replies.length).toBe(before);
  });

  it('wants JSON and POST', async () => {
    const form = await fetch(`${base}/api/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(form.status).toBe(415);
    const get = await fetch(`${base}/api/messages`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const big = await postActivity(base, { type: 'message', text: 'x'.repeat(300_000) });
    expect(big.status).toBe(413);
  });

  it('never logs what people typed', () => {
    const all = logLines.join('\n');
    for (const text of ['How long do I have to appeal?', 'What is mediation?', 'What is SENDIASS?', 'make a complaint']) expect(all).not.toContain(text);
  });
});

describe('a failing turn', () => {
  it('is logged by kind only, and the person gets an apology', async () => {
    const local = await startFakeConnector();
    const lines: string[] = [];
    const log = {
      info: (event: string, fields: object = {}) => lines.push(JSON.stringify({ event, ...fields })),
      warn: (event: string, fields: object = {}) => lines.push(JSON.stringify({ event, ...fields })),
      error: (event: string, fields: object = {}) => lines.push(JSON.stringify({ event, ...fields })),
    };
    const app = express();
    const secret = 'my child Alex Smith 07700 900123';
    mountBotService(app, {
      config: loadConfig({ NODE_ENV: 'test' }),
      logic: async (context: TurnContext) => {
        throw new TypeError(`cannot read ${context.activity.text}`);
      },
      log,
    });
    const srv = app.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    try {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      const response = await postActivity(url, emulatorActivity(local, 'failing-conv', { id: 'f-1', text: secret }));
      expect(response.status).toBe(200);
      expect(local.replies.map((r) => r.activity.text)).toEqual([BOT_SERVICE_APOLOGY]);
      const failure = lines.find((l) => l.includes('bot_service.turn_failed'));
      expect(failure).toBeDefined();
      expect(JSON.parse(failure!)).toMatchObject({ errorName: 'TypeError', channelId: 'emulator', activityType: 'message' });
      expect(lines.join('\n')).not.toContain('Alex');
      expect(lines.join('\n')).not.toContain('07700');
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
      await local.close();
    }
  });
});

describe('turn order', () => {
  it("holds a conversation's next turn until the one before has finished, while other conversations go on", async () => {
    const local = await startFakeConnector();
    const events: string[] = [];
    let running = 0;
    let most = 0;
    const app = express();
    mountBotService(app, {
      config: loadConfig({ NODE_ENV: 'test' }),
      logic: async (context: TurnContext) => {
        running++;
        most = Math.max(most, running);
        events.push(`start ${context.activity.conversation.id} ${context.activity.id}`);
        await new Promise((resolve) => setTimeout(resolve, 60));
        events.push(`end ${context.activity.conversation.id} ${context.activity.id}`);
        running--;
      },
      log: { info() {}, warn() {}, error() {} },
    });
    const srv = app.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    try {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      const posts = [
        ...[1, 2, 3].map((n) => postActivity(url, emulatorActivity(local, 'queue-a', { id: `a-${n}`, text: 'x' }))),
        postActivity(url, emulatorActivity(local, 'queue-b', { id: 'b-1', text: 'x' })),
      ];
      expect((await Promise.all(posts)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
      // Conversation a: start, end, start, end… never two at once.
      const a = events.filter((e) => e.includes('queue-a')).map((e) => e.split(' ')[0]);
      expect(a).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
      // Conversation b did not wait for a.
      expect(most).toBe(2);
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
      await local.close();
    }
  });
});

describe('BOT_SERVICE_ENABLED=false', () => {
  it('leaves /api/messages unmounted', async () => {
    const app = express();
    const adapter = mountBotService(app, { config: loadConfig({ BOT_SERVICE_ENABLED: 'false' }), logic: async () => undefined, log: { info() {}, warn() {}, error() {} } });
    expect(adapter).toBeUndefined();
    const srv = app.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    try {
      const response = await postActivity(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`, { type: 'message' });
      expect(response.status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });
});

describe('what counts as this machine', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.10.0.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['192.168.1.20', false],
    ['::ffff:203.0.113.9', false],
    ['2001:db8::1', false],
    [undefined, false],
  ])('peer address %s → %s', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });

  it.each([
    ['http://localhost:3978/', true],
    ['http://127.0.0.1:59123', true],
    ['http://[::1]:59123/', true],
    ['https://smba.trafficmanager.net/uk/', false],
    ['http://localhost.attacker.example/', false],
    ['http://127.0.0.1.nip.io/', false],
  ])('serviceUrl %s → %s', (url, expected) => {
    expect(isLoopbackUrl(new URL(url))).toBe(expected);
  });
});
