import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { ActivityHandler, TurnContext, type ConversationReference, type Storage, type StoreItems } from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSmsRouter } from '../../src/channels/sms/router';
import { encodingOf, segmentCount } from '../../src/channels/sms/segments';
import { SmsOptedOutError, createSmsAdapter, type SmsAdapter } from '../../src/channels/sms/smsAdapter';
import { TwilioRestError } from '../../src/channels/sms/twilioRestClient';
import { smsStateKeys, type SmsLimits } from '../../src/channels/sms/limits';
import { DESK_CHANNEL } from '../../src/handoff/service';
import { configureLog } from '../../src/log';
import { SqliteStore } from '../../src/store/sqliteStore';
import type { Store } from '../../src/store/store';
import {
  FakeTwilioApi,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TEST_PUBLIC_BASE_URL,
  inboundParams,
  newMessageSid,
  sendWebhook,
  signatureFor,
} from '../helpers/fakeSmsProvider';

const DERBY_NUMBER = '+441332555001';
const MK_NUMBER = '+441908555002';
const UNLISTED_NUMBER = '+441000555009';
const ID_SECRET = 'sms-test-id-secret-0123456789abcdef';

const NUMBERS: Record<string, string> = { [DERBY_NUMBER]: 'derby', [MK_NUMBER]: 'milton-keynes' };
const tenantForNumber = (to: string): string => NUMBERS[to] ?? 'generic';

let parentCount = 0;
/** A fresh parent's number for each test, so limits and opt-outs never leak between tests. */
function newParent(): string {
  parentCount += 1;
  return `+4477009${String(process.pid % 1000).padStart(3, '0')}${String(parentCount).padStart(3, '0')}`;
}

// Everything logged while the file runs: checked at the end for numbers and message text.
const logLines: string[] = [];
configureLog('debug', (line) => logLines.push(line));
const SECRET_WORDS = 'my son Alfie has autism';

const LONG_REPLY = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');

/** A small bot: echoes, and has a few test commands. Records every turn it sees. */
class EchoBot extends ActivityHandler {
  readonly turns: string[] = [];
  readonly references = new Map<string, Partial<ConversationReference>>();

  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const text = context.activity.text ?? '';
      this.turns.push(text);
      this.references.set(context.activity.conversation.id, TurnContext.getConversationReference(context.activity));
      const tenant = (context.activity.channelData as { tenant?: string }).tenant;
      if (text === 'long') await context.sendActivity(LONG_REPLY);
      else if (text === 'long emoji') await context.sendActivity(`🙂 ${LONG_REPLY}`);
      else if (text === 'xml') await context.sendActivity(`Tags <b>bold</b> & "double" 'single' > done`);
      else if (text === 'two') {
        await context.sendActivities([{ type: 'typing' }, { type: 'message', text: 'First part.' }, { type: 'message', text: 'Second part.' }]);
      } else if (text === 'explode') throw new Error(`failed on ${text}`);
      else await context.sendActivity(`You said: ${text} [${tenant}]`);
      await next();
    });
  }
}

/** Records every write and delete made to the storage. */
class RecordingStorage implements Storage {
  writes = 0;
  constructor(readonly inner: Storage) {}
  read(keys: string[]): Promise<StoreItems> {
    return this.inner.read(keys);
  }
  write(changes: StoreItems): Promise<void> {
    this.writes += Object.keys(changes).length;
    return this.inner.write(changes);
  }
  delete(keys: string[]): Promise<void> {
    this.writes += keys.length;
    return this.inner.delete(keys);
  }
}

interface Harness {
  url: string;
  /** What the SMS channel published for the advisers' consoles. */
  deskEvents: unknown[];
  server: Server;
  store: Store;
  storage: RecordingStorage;
  adapter: SmsAdapter;
  bot: EchoBot;
  appends: () => number;
  close(): Promise<void>;
}

const roots: string[] = [];

function tempDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'sms-webhook-'));
  roots.push(root);
  return root;
}

async function startHarness(options: { dataDir?: string; limits?: Partial<SmsLimits>; now?: () => Date } = {}): Promise<Harness> {
  const store = await SqliteStore.open({ dataDir: options.dataDir ?? tempDir() });
  let appends = 0;
  const deskEvents: unknown[] = [];
  await store.subscribe(DESK_CHANNEL, (event) => deskEvents.push(event));
  const transcript = {
    createConversation: store.createConversation.bind(store),
    findOpenHandoff: store.findOpenHandoff.bind(store),
    publish: store.publish.bind(store),
    appendActivity: async (...args: Parameters<Store['appendActivity']>) => {
      appends += 1;
      return store.appendActivity(...args);
    },
  };
  const storage = new RecordingStorage(store.botStorage());
  const adapter = createSmsAdapter({
    accountSid: TEST_ACCOUNT_SID,
    authToken: TEST_AUTH_TOKEN,
    apiBaseUrl: api.baseUrl,
    idSecret: ID_SECRET,
    transcript,
  });
  const bot = new EchoBot();
  const app = express();
  app.use(
    createSmsRouter({
      adapter,
      logic: (context) => bot.run(context),
      authToken: TEST_AUTH_TOKEN,
      publicBaseUrl: TEST_PUBLIC_BASE_URL,
      tenantForNumber,
      storage,
      limits: options.limits,
      serviceName: (tenant) => (tenant === 'derby' ? 'Derby SEND advice' : 'SEND advice'),
      now: options.now,
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deskEvents,
    server,
    store,
    storage,
    adapter,
    bot,
    appends: () => appends,
    async close() {
      server.close();
      server.closeAllConnections();
      await store.close();
    },
  };
}

let api: FakeTwilioApi;
let h: Harness;

beforeAll(async () => {
  api = await FakeTwilioApi.start();
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
  await api.close();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  const joined = logLines.join('\n');
  expect(joined).toContain('sms.answered');
  // No phone number (ours or a parent's) and nothing a parent wrote ever reaches the log.
  expect(joined).not.toMatch(/\+44\d{6,}/);
  expect(joined).not.toMatch(/4477009\d+/);
  expect(joined).not.toContain(SECRET_WORDS);
});

afterEach(() => {
  api.requests.length = 0;
});

/** What a refused request must leave untouched. */
function snapshot(harness: Harness = h) {
  return { writes: harness.storage.writes, appends: harness.appends(), turns: harness.bot.turns.length, sent: api.requests.length };
}

function send(from: string, body: string, to = DERBY_NUMBER, messageSid?: string, harness: Harness = h) {
  return sendWebhook(harness.url, inboundParams({ from, to, body, messageSid }));
}

describe('SMS webhook: answering', () => {
  it('answers a correctly signed message in TwiML and records it under hashed ids', async () => {
    const parent = newParent();
    const reply = await send(parent, SECRET_WORDS);
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^text\/xml/);
    expect(reply.text).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Message>You said: ${SECRET_WORDS} [derby]</Message></Response>`,
    );

    const conversationId = h.adapter.conversationIdFor('derby', parent);
    expect(conversationId).toMatch(/^sms-[0-9a-f]{32}$/);
    const entries = await h.store.listActivities(conversationId);
    expect(entries.map((e) => [e.activity.from?.role, e.activity.text])).toEqual([
      ['user', SECRET_WORDS],
      ['bot', `You said: ${SECRET_WORDS} [derby]`],
    ]);
    expect(entries[0]?.activity.from?.id).toBe(conversationId);
    expect(entries[0]?.activity.channelId).toBe('sms');
    // The number is in no id and nowhere in the transcript.
    expect(JSON.stringify(entries)).not.toContain(parent.slice(1));
    const conversation = await h.store.getConversation(conversationId);
    expect(conversation).toMatchObject({ tenant: 'derby', channel: 'sms', userId: conversationId });
  });

  it('joins the turn\'s messages into one SMS and leaves out typing', async () => {
    const reply = await send(newParent(), 'two');
    expect(reply.message).toBe('First part.\n\nSecond part.');
  });

  it('chooses the council by the number written to, and the default for an unlisted one', async () => {
    const parent = newParent();
    expect((await send(parent, 'hi', DERBY_NUMBER)).message).toBe('You said: hi [derby]');
    expect((await send(parent, 'hi', MK_NUMBER)).message).toBe('You said: hi [milton-keynes]');
    expect((await send(parent, 'hi', UNLISTED_NUMBER)).message).toBe('You said: hi [generic]');
    // One conversation per council for the same number.
    const derby = await h.store.getConversation(h.adapter.conversationIdFor('derby', parent));
    const mk = await h.store.getConversation(h.adapter.conversationIdFor('milton-keynes', parent));
    expect(derby?.tenant).toBe('derby');
    expect(mk?.tenant).toBe('milton-keynes');
    expect(derby?.id).not.toBe(mk?.id);
  });

  it('escapes < > & " \' in the reply', async () => {
    const reply = await send(newParent(), 'xml');
    expect(reply.text).toContain(
      '<Message>Tags &lt;b&gt;bold&lt;/b&gt; &amp; &quot;double&quot; &apos;single&apos; &gt; done</Message>',
    );
    expect(reply.message).toBe(`Tags <b>bold</b> & "double" 'single' > done`);
  });

  it('cuts a long GSM-7 reply to three 153-character segments at a word boundary', async () => {
    const reply = await send(newParent(), 'long');
    const text = reply.message ?? '';
    expect(LONG_REPLY.length).toBeGreaterThan(459);
    expect(encodingOf(text)).toBe('GSM-7');
    expect(segmentCount(text)).toBe(3);
    expect(text.length).toBeLessThanOrEqual(459);
    expect(text.length).toBeGreaterThan(440);
    expect(text.endsWith('...')).toBe(true);
    // Cut between words: what is left is a run of whole words from the start.
    expect(LONG_REPLY.startsWith(`${text.slice(0, -3)} `)).toBe(true);
  });

  it('cuts a long UCS-2 reply (an emoji) to three 67-unit segments, ending with …', async () => {
    const reply = await send(newParent(), 'long emoji');
    const text = reply.message ?? '';
    expect(encodingOf(text)).toBe('UCS-2');
    expect(segmentCount(text)).toBe(3);
    expect(text.length).toBeLessThanOrEqual(201);
    expect(text.endsWith('…')).toBe(true);
  });

  it('apologises in TwiML when the bot fails, without logging the text', async () => {
    const reply = await send(newParent(), 'explode');
    expect(reply.status).toBe(200);
    expect(reply.message).toMatch(/^Sorry, something went wrong/);
    expect(logLines.some((line) => line.includes('sms.turn_failed'))).toBe(true);
    expect(logLines.join('\n')).not.toContain('failed on explode');
  });
});

describe('SMS webhook: refusing', () => {
  it('refuses a forged signature with 403 and stores and runs nothing', async () => {
    const parent = newParent();
    const params = inboundParams({ from: parent, to: DERBY_NUMBER, body: 'forged' });
    const before = snapshot();
    // Signed with another token; and a signature for other content.
    const otherToken = await sendWebhook(h.url, params, { signature: signatureFor(params, '/api/sms', 'not-the-token-0123456789abcdef') });
    const otherBody = await sendWebhook(h.url, params, { signature: signatureFor({ ...params, Body: 'something else' }) });
    for (const reply of [otherToken, otherBody]) {
      expect(reply.status).toBe(403);
      expect(JSON.parse(reply.text).error.code).toBe('invalid_signature');
    }
    expect(snapshot()).toEqual(before);
    expect(await h.store.conversationExists(h.adapter.conversationIdFor('derby', parent))).toBe(false);
  });

  it('refuses a missing signature, and one for another URL, with 403', async () => {
    const params = inboundParams({ from: newParent(), to: DERBY_NUMBER, body: 'unsigned' });
    const before = snapshot();
    expect((await sendWebhook(h.url, params, { signature: null })).status).toBe(403);
    expect((await sendWebhook(h.url, params, { signature: '' })).status).toBe(403);
    expect((await sendWebhook(h.url, params, { signature: signatureFor(params, '/api/other') })).status).toBe(403);
    expect(snapshot()).toEqual(before);
  });

  it('processes a repeated MessageSid once: the repeat gets an empty TwiML 200', async () => {
    const parent = newParent();
    const sid = newMessageSid();
    const first = await send(parent, 'once only', DERBY_NUMBER, sid);
    expect(first.message).toBe('You said: once only [derby]');
    const before = snapshot();
    const conversationId = h.adapter.conversationIdFor('derby', parent);
    const transcript = await h.store.listActivities(conversationId);

    const repeat = await send(parent, 'once only', DERBY_NUMBER, sid);
    expect(repeat.status).toBe(200);
    expect(repeat.contentType).toMatch(/^text\/xml/);
    expect(repeat.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(snapshot()).toEqual(before);
    expect(await h.store.listActivities(conversationId)).toEqual(transcript);
  });

  it('runs one turn when the same MessageSid arrives twice at once', async () => {
    const parent = newParent();
    const sid = newMessageSid();
    const turnsBefore = h.bot.turns.length;
    const replies = await Promise.all([send(parent, 'at once', DERBY_NUMBER, sid), send(parent, 'at once', DERBY_NUMBER, sid)]);
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    expect(replies.filter((r) => r.message === 'You said: at once [derby]')).toHaveLength(1);
    expect(h.bot.turns.length).toBe(turnsBefore + 1);
  });

  it('refuses bad input with a clear 4xx and stores nothing', async () => {
    const parent = newParent();
    const good = inboundParams({ from: parent, to: DERBY_NUMBER, body: 'hello' });
    const { Body: _body, ...noBody } = good;
    const before = snapshot();

    const json = await sendWebhook(h.url, good, { contentType: 'application/json', rawBody: JSON.stringify(good) });
    expect(json.status).toBe(415);
    expect(JSON.parse(json.text).error.code).toBe('unsupported_media_type');

    const missing = await sendWebhook(h.url, noBody);
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text).error).toEqual({ code: 'missing_field', message: 'Missing: Body.' });

    const localFrom = await sendWebhook(h.url, { ...good, From: '07700900123' });
    expect(localFrom.status).toBe(400);
    expect(JSON.parse(localFrom.text).error.code).toBe('invalid_from');
    expect(localFrom.text).not.toContain('07700900123');

    const badTo = await sendWebhook(h.url, { ...good, To: 'council' });
    expect(badTo.status).toBe(400);
    expect(JSON.parse(badTo.text).error.code).toBe('invalid_to');

    const huge = await sendWebhook(h.url, { ...good, Body: 'a'.repeat(1601) });
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.text).error.code).toBe('body_too_long');

    const tooBig = await sendWebhook(h.url, { ...good, Padding: 'x'.repeat(70_000) });
    expect(tooBig.status).toBe(413);

    // A repeated field, signed correctly, is refused rather than guessed at.
    const repeated = `${new URLSearchParams(good).toString()}&From=${encodeURIComponent('+447700900999')}`;
    const repeatedParams = { ...good, From: [parent, '+447700900999'] } as unknown as Record<string, string>;
    const twice = await sendWebhook(h.url, good, { rawBody: repeated, signature: signatureFor(repeatedParams) });
    expect(twice.status).toBe(400);
    expect(JSON.parse(twice.text).error.code).toBe('repeated_field');

    const get = await sendWebhook(h.url, good, { method: 'GET' });
    expect(get.status).toBe(405);

    expect(snapshot()).toEqual(before);
    expect(await h.store.conversationExists(h.adapter.conversationIdFor('derby', parent))).toBe(false);
  });

  it('accepts a body of exactly 1600 characters', async () => {
    const reply = await send(newParent(), 'b'.repeat(1600));
    expect(reply.status).toBe(200);
    expect(reply.message).toMatch(/^You said: b+/);
  });
});

describe('SMS webhook: keywords', () => {
  it('STOP: no answer, and then no answer to anything, with nothing reaching the bot or the transcript', async () => {
    const parent = newParent();
    const first = await send(parent, 'hello');
    expect(first.message).toBe('You said: hello [derby]');
    const conversationId = h.adapter.conversationIdFor('derby', parent);
    const transcript = await h.store.listActivities(conversationId);
    const turns = h.bot.turns.length;

    const stop = await send(parent, 'Stop');
    expect(stop.status).toBe(200);
    expect(stop.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');

    const question = await send(parent, 'How do I appeal?');
    expect(question.status).toBe(200);
    expect(question.message).toBeUndefined();
    const help = await send(parent, 'HELP');
    expect(help.message).toBeUndefined();

    expect(h.bot.turns.length).toBe(turns);
    expect(await h.store.listActivities(conversationId)).toEqual(transcript);
    expect(api.requests).toHaveLength(0);
  });

  it('each opt-out word opts out, and START, YES and UNSTOP opt back in', async () => {
    for (const word of ['STOP', 'stopall', 'Unsubscribe', 'CANCEL', 'end', 'Quit.', ' STOP ALL ']) {
      const parent = newParent();
      await send(parent, word);
      expect((await send(parent, 'anyone there?')).message, word).toBeUndefined();
    }
    for (const word of ['START', 'yes', 'Unstop']) {
      const parent = newParent();
      await send(parent, 'stop');
      const optIn = await send(parent, word);
      expect(optIn.message, word).toBe('Derby SEND advice: you will get replies again. Text your question. Reply STOP to stop texts.');
      expect((await send(parent, 'back again')).message, word).toBe('You said: back again [derby]');
    }
  });

  // The assistant and advisers ask yes/no questions: from a number that never opted out these
  // words are answers, not keywords.
  it.each(['YES', 'yes', 'Yes.', 'START', 'Unstop'])('%s from a number that has not opted out reaches the bot and the transcript', async (word) => {
    const parent = newParent();
    await send(parent, 'hello');
    const reply = await send(parent, word);
    expect(reply.message).toBe(`You said: ${word} [derby]`);
    expect(reply.message).not.toMatch(/you will get replies again/);
    const entries = await h.store.listActivities(h.adapter.conversationIdFor('derby', parent));
    expect(entries.map((e) => e.activity.text)).toContain(word);
  });

  it('START resumes the conversation where it was', async () => {
    const parent = newParent();
    await send(parent, 'before');
    await send(parent, 'STOP');
    await send(parent, 'START');
    expect((await send(parent, 'after')).message).toBe('You said: after [derby]');
    const entries = await h.store.listActivities(h.adapter.conversationIdFor('derby', parent));
    // The keywords never reached the transcript or the bot; the two questions and answers did.
    expect(entries.map((e) => e.activity.text)).toEqual(['before', 'You said: before [derby]', 'after', 'You said: after [derby]']);
  });

  it('HELP and INFO get the help text naming the service and how to stop, without reaching the bot', async () => {
    const parent = newParent();
    const turns = h.bot.turns.length;
    const appends = h.appends();
    const help = await send(parent, 'help');
    expect(help.message).toBe(
      'Derby SEND advice: automated answers about SEND disagreements. Text your question. Reply STOP to stop texts, START to restart.',
    );
    expect(segmentCount(help.message ?? '')).toBe(1);
    const info = await send(parent, 'INFO', MK_NUMBER);
    expect(info.message).toMatch(/^SEND advice: .*Reply STOP to stop texts/);
    expect(h.bot.turns.length).toBe(turns);
    expect(h.appends()).toBe(appends);
  });

  describe('while the conversation is queued for or with an adviser', () => {
    async function handedOff(parent: string, status: 'queued' | 'claimed') {
      await send(parent, 'I need a person');
      const conversationId = h.adapter.conversationIdFor('derby', parent);
      const handoff = await h.store.enqueueHandoff({ conversationId, tenant: 'derby', channel: 'sms', reason: 'asked', summary: {} });
      if (status === 'claimed') expect(await h.store.claimHandoff(handoff.id, 'console:sam')).toBe(true);
      return { conversationId, handoff };
    }

    it.each([
      ['HELP', 'queued'],
      ['info', 'queued'],
      ['Help!', 'claimed'],
      ['INFO', 'claimed'],
    ] as const)('%s (%s) goes to the conversation, not to the canned help text', async (word, status) => {
      const parent = newParent();
      const { conversationId } = await handedOff(parent, status);
      const reply = await send(parent, word);
      expect(reply.message).toBe(`You said: ${word} [derby]`);
      const entries = await h.store.listActivities(conversationId);
      expect(entries.some((e) => e.activity.from?.role === 'user' && e.activity.text === word)).toBe(true);
    });

    it('HELP gets the help text again once the hand-off is closed', async () => {
      const parent = newParent();
      const { handoff } = await handedOff(parent, 'claimed');
      expect((await send(parent, 'HELP')).message).toBe('You said: HELP [derby]');
      expect(await h.store.closeHandoff(handoff.id, 'console:sam')).toBe(true);
      expect((await send(parent, 'HELP')).message).toMatch(/^Derby SEND advice: automated answers/);
    });

    it('STOP is kept in the transcript, so the adviser sees why replies stop, and reaches no bot', async () => {
      const parent = newParent();
      const { conversationId } = await handedOff(parent, 'claimed');
      const turns = h.bot.turns.length;
      const stop = await send(parent, 'Stop');
      expect(stop.message).toBeUndefined();
      expect(h.bot.turns.length).toBe(turns);
      const entries = await h.store.listActivities(conversationId);
      expect(entries.at(-1)?.activity).toMatchObject({ type: 'message', text: 'Stop', from: { id: conversationId, role: 'user' } });
      expect(JSON.stringify(entries)).not.toContain(parent.slice(1));
    });

    // The keywords never reach the bot, which is what otherwise tells the advisers' consoles.
    it.each(['queued', 'claimed'] as const)('(%s) STOP, then START, each go in the transcript and tell the open consoles at once', async (status) => {
      const parent = newParent();
      const { conversationId, handoff } = await handedOff(parent, status);
      const nudge = { type: 'message', handoffId: handoff.id, tenant: 'derby' };
      const turns = h.bot.turns.length;
      const nudgesSoFar = () => h.deskEvents.filter((e) => JSON.stringify(e) === JSON.stringify(nudge)).length;
      const before = nudgesSoFar();

      expect((await send(parent, 'STOP')).message).toBeUndefined();
      await expect.poll(nudgesSoFar).toBe(before + 1);
      const optIn = await send(parent, 'Start');
      expect(optIn.message).toBe('Derby SEND advice: you will get replies again. Text your question. Reply STOP to stop texts.');
      await expect.poll(nudgesSoFar).toBe(before + 2);

      expect(h.bot.turns.length).toBe(turns);
      const lines = (await h.store.listActivities(conversationId)).map((e) => [e.activity.from?.role, e.activity.text]);
      expect(lines.slice(-3)).toEqual([
        ['user', 'STOP'],
        ['user', 'Start'],
        ['bot', 'Derby SEND advice: you will get replies again. Text your question. Reply STOP to stop texts.'],
      ]);
      // A "start" that is not an opt-in (they had not opted out) is an ordinary message for the conversation.
      expect((await send(parent, 'start')).message).toBe('You said: start [derby]');
      expect(nudgesSoFar()).toBe(before + 2);
    });
  });

  it('a sentence containing a keyword is not a keyword', async () => {
    const reply = await send(newParent(), 'please stop the exclusion');
    expect(reply.message).toBe('You said: please stop the exclusion [derby]');
  });

  it('remembers an opt-out across a restart', async () => {
    const dataDir = tempDir();
    const parent = newParent();
    const first = await startHarness({ dataDir });
    try {
      expect((await send(parent, 'hello', DERBY_NUMBER, undefined, first)).message).toBe('You said: hello [derby]');
      await send(parent, 'STOP', DERBY_NUMBER, undefined, first);
    } finally {
      await first.close();
    }
    const second = await startHarness({ dataDir });
    try {
      expect((await send(parent, 'still there?', DERBY_NUMBER, undefined, second)).message).toBeUndefined();
      expect(second.bot.turns).toEqual([]);
      await expect(
        second.adapter.continueConversation(
          { conversation: { id: second.adapter.conversationIdFor('derby', parent) } as ConversationReference['conversation'] },
          async (context) => {
            await context.sendActivity('An adviser writes');
          },
        ),
      ).rejects.toBeInstanceOf(SmsOptedOutError);
      expect(api.requests).toHaveLength(0);
      expect((await send(parent, 'START', DERBY_NUMBER, undefined, second)).message).toMatch(/you will get replies again/);
      expect((await send(parent, 'now?', DERBY_NUMBER, undefined, second)).message).toBe('You said: now? [derby]');
    } finally {
      await second.close();
    }
  });
});

/**
 * STOP to a number stops texts from that number only: one council's number, not every council's.
 * Each step is a text to a council's number (and the answer it gets, or none), an adviser's reply
 * from a council (sent, or refused as opted out), or an opt-out kept by the earlier version, which
 * had one opt-out per person for every number.
 */
type Council = 'derby' | 'milton-keynes';
const COUNCIL_NUMBER: Record<Council, string> = { derby: DERBY_NUMBER, 'milton-keynes': MK_NUMBER };
type Step =
  | { text: string; to: Council; answer: string | undefined }
  | { adviserOf: Council; delivered: boolean }
  | { stoppedBeforeUpgrade: true };
const OPT_IN_ANSWER: Record<Council, string> = {
  derby: 'Derby SEND advice: you will get replies again. Text your question. Reply STOP to stop texts.',
  'milton-keynes': 'SEND advice: you will get replies again. Text your question. Reply STOP to stop texts.',
};
const hi: Step[] = [
  { text: 'hello', to: 'derby', answer: 'You said: hello [derby]' },
  { text: 'hello', to: 'milton-keynes', answer: 'You said: hello [milton-keynes]' },
];

describe('SMS webhook: opt-outs per council number', () => {
  it.each<{ case: string; steps: Step[] }>([
    {
      case: 'STOP to Derby stops Derby\'s texts only',
      steps: [
        ...hi,
        { text: 'STOP', to: 'derby', answer: undefined },
        { text: 'still there?', to: 'derby', answer: undefined },
        { text: 'and you?', to: 'milton-keynes', answer: 'You said: and you? [milton-keynes]' },
        { adviserOf: 'derby', delivered: false },
        { adviserOf: 'milton-keynes', delivered: true },
      ],
    },
    {
      case: 'START to Milton Keynes, never stopped there, is an ordinary message and leaves Derby stopped',
      steps: [
        ...hi,
        { text: 'stop', to: 'derby', answer: undefined },
        { text: 'START', to: 'milton-keynes', answer: 'You said: START [milton-keynes]' },
        { text: 'hello?', to: 'derby', answer: undefined },
        { adviserOf: 'derby', delivered: false },
        { adviserOf: 'milton-keynes', delivered: true },
      ],
    },
    {
      case: 'START to Derby opts back in to Derby only',
      steps: [
        ...hi,
        { text: 'STOP', to: 'derby', answer: undefined },
        { text: 'Quit', to: 'milton-keynes', answer: undefined },
        { text: 'yes', to: 'derby', answer: OPT_IN_ANSWER.derby },
        { text: 'back', to: 'derby', answer: 'You said: back [derby]' },
        { text: 'back', to: 'milton-keynes', answer: undefined },
        { adviserOf: 'derby', delivered: true },
        { adviserOf: 'milton-keynes', delivered: false },
      ],
    },
    {
      case: 'an opt-out kept before the upgrade still stops every council\'s texts',
      steps: [
        ...hi,
        { stoppedBeforeUpgrade: true },
        { text: 'hello?', to: 'derby', answer: undefined },
        { text: 'hello?', to: 'milton-keynes', answer: undefined },
        { text: 'HELP', to: 'milton-keynes', answer: undefined },
        { adviserOf: 'derby', delivered: false },
        { adviserOf: 'milton-keynes', delivered: false },
      ],
    },
    {
      case: 'after the upgrade, START to one council ends an old opt-out for that council only, and to the other for it',
      steps: [
        ...hi,
        { stoppedBeforeUpgrade: true },
        { text: 'START', to: 'derby', answer: OPT_IN_ANSWER.derby },
        { text: 'hello?', to: 'derby', answer: 'You said: hello? [derby]' },
        { text: 'hello?', to: 'milton-keynes', answer: undefined },
        { adviserOf: 'derby', delivered: true },
        { adviserOf: 'milton-keynes', delivered: false },
        { text: 'Unstop', to: 'milton-keynes', answer: OPT_IN_ANSWER['milton-keynes'] },
        { adviserOf: 'milton-keynes', delivered: true },
        { text: 'STOP', to: 'derby', answer: undefined },
        { adviserOf: 'derby', delivered: false },
        { adviserOf: 'milton-keynes', delivered: true },
      ],
    },
  ])('$case', async ({ steps }) => {
    const parent = newParent();
    for (const [i, step] of steps.entries()) {
      const what = `step ${i + 1}: ${JSON.stringify(step)}`;
      if ('stoppedBeforeUpgrade' in step) {
        // What the earlier version kept for a STOP: one record for the person, whichever number.
        const key = smsStateKeys.legacyOptOut(h.adapter.ids.numberKey(parent));
        await h.storage.inner.write({ [key]: { optedOut: true, changedAt: '2026-01-05T10:00:00.000Z', eTag: '*' } });
      } else if ('text' in step) {
        const reply = await send(parent, step.text, COUNCIL_NUMBER[step.to]);
        expect(reply.status, what).toBe(200);
        expect(reply.message, what).toBe(step.answer);
      } else {
        const sentBefore = api.requests.length;
        const sending = h.adapter.continueConversation(
          { conversation: { id: h.adapter.conversationIdFor(step.adviserOf, parent) } as ConversationReference['conversation'] },
          async (context) => {
            await context.sendActivity(`An adviser of ${step.adviserOf} writes`);
          },
        );
        if (step.delivered) {
          await sending;
          expect(api.requests.slice(sentBefore).map((r) => r.form), what).toEqual([
            { From: COUNCIL_NUMBER[step.adviserOf], To: parent, Body: `An adviser of ${step.adviserOf} writes` },
          ]);
        } else {
          await expect(sending, what).rejects.toBeInstanceOf(SmsOptedOutError);
          expect(api.requests.length, what).toBe(sentBefore);
        }
      }
    }
  });
});

describe('SMS webhook: limits', () => {
  let clock = Date.parse('2026-03-02T10:00:00Z');
  let limited: Harness;

  beforeAll(async () => {
    limited = await startHarness({ limits: { perNumberPerMinute: 3, perNumberPerDay: 5, globalPerDay: 8 }, now: () => new Date(clock) });
  });
  afterAll(async () => {
    await limited.close();
  });

  const sendLimited = (from: string, body: string) => send(from, body, DERBY_NUMBER, undefined, limited);

  const MINUTE_NOTICE = "You've sent a lot of texts in a short time. Please wait a minute, then text again.";
  const DAY_NOTICE = "You've sent a lot of texts today. Please text again tomorrow. If anyone is in danger now, call 999.";

  it('tells a number once that it is over its limit, then says nothing and processes nothing until the window passes', async () => {
    const parent = newParent();
    for (const n of [1, 2, 3]) expect((await sendLimited(parent, `q${n}`)).message).toBe(`You said: q${n} [derby]`);
    const conversationId = limited.adapter.conversationIdFor('derby', parent);
    const transcript = await limited.store.listActivities(conversationId);
    const turns = limited.bot.turns.length;

    // 200, as a provider sends nothing from an error answer's TwiML.
    const overSid = newMessageSid();
    const over = await send(parent, 'q4', DERBY_NUMBER, overSid, limited);
    expect(over.status).toBe(200);
    expect(over.contentType).toMatch(/^text\/xml/);
    expect(over.messages).toEqual([MINUTE_NOTICE]);
    expect(segmentCount(MINUTE_NOTICE)).toBe(1);
    // The rest of the window: no reply at all, so no reply loop and no cost. HELP counts too.
    for (const body of ['q5', 'HELP', 'hello?']) {
      const quiet = await sendLimited(parent, body);
      expect(quiet.status, body).toBe(200);
      expect(quiet.message, body).toBeUndefined();
    }
    expect(limited.bot.turns.length).toBe(turns);
    expect(await limited.store.listActivities(conversationId)).toEqual(transcript);

    // A minute later the number may write again, up to its 5 a day. The provider's retry of the
    // refused message is still that message: it was claimed, so it is neither answered nor counted.
    clock += 61_000;
    expect((await send(parent, 'q4', DERBY_NUMBER, overSid, limited)).message).toBeUndefined();
    expect((await sendLimited(parent, 'q6')).message).toBe('You said: q6 [derby]');
    expect((await sendLimited(parent, 'q7')).message).toBe('You said: q7 [derby]');
    expect((await sendLimited(parent, 'q8')).messages).toEqual([DAY_NOTICE]);
    expect(segmentCount(DAY_NOTICE)).toBe(1);
    clock += 61_000;
    expect((await sendLimited(parent, 'q9')).message).toBeUndefined();
    expect(limited.bot.turns.length).toBe(turns + 2);

    // STOP is honoured even over the limit.
    expect((await sendLimited(parent, 'STOP')).status).toBe(200);
    expect((await sendLimited(parent, 'still there?')).message).toBeUndefined();
  });

  it('gives every number one notice of its own, however many messages arrive at once', async () => {
    clock = Date.parse('2026-03-03T10:00:00Z');
    const parents = [newParent(), newParent()];
    const answers = await Promise.all(parents.flatMap((parent) => Array.from({ length: 6 }, (_, n) => sendLimited(parent, `burst ${n}`))));
    for (const parent of parents) {
      const own = answers.slice(parents.indexOf(parent) * 6, parents.indexOf(parent) * 6 + 6);
      expect(own.filter((a) => a.message?.startsWith('You said: burst'))).toHaveLength(3);
      expect(own.filter((a) => a.message === MINUTE_NOTICE)).toHaveLength(1);
      expect(own.filter((a) => a.message === undefined)).toHaveLength(2);
    }
  });

  it('refuses everyone once the global daily cap is reached, without a notice, and starts again the next day', async () => {
    clock = Date.parse('2026-03-04T10:00:00Z');
    for (const [parent, count] of [[newParent(), 3], [newParent(), 3], [newParent(), 2]] as const) {
      for (let n = 1; n <= count; n += 1) expect((await sendLimited(parent, `g${n}`)).message).toBe(`You said: g${n} [derby]`);
    }
    // 8 today: the cap. A notice to each new number would be what an SMS-pumping attack costs.
    const fresh = newParent();
    const refused = await sendLimited(fresh, 'first message today');
    expect(refused.status).toBe(200);
    expect(refused.message).toBeUndefined();
    expect(await limited.store.conversationExists(limited.adapter.conversationIdFor('derby', fresh))).toBe(false);

    clock = Date.parse('2026-03-05T09:00:00Z');
    expect((await sendLimited(fresh, 'next day')).message).toBe('You said: next day [derby]');
  });
});

describe('SMS: later messages through the REST API', () => {
  it('sends an adviser\'s reply (continueConversation) to the number, from the council\'s number, with basic auth', async () => {
    const parent = newParent();
    await send(parent, 'I need a person', MK_NUMBER);
    const conversationId = h.adapter.conversationIdFor('milton-keynes', parent);
    const reference = h.bot.references.get(conversationId);
    expect(reference).toBeDefined();
    expect(JSON.stringify(reference)).not.toContain(parent.slice(1));

    await h.adapter.continueConversation(reference!, async (context) => {
      expect(context.activity.channelData).toEqual({ tenant: 'milton-keynes' });
      await context.sendActivity('Hello, I’m Sam, an adviser. Is Tuesday OK? <ok> & thanks');
    });

    expect(api.requests).toHaveLength(1);
    const request = api.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages.json`);
    expect(request.authorization).toBe(`Basic ${Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64')}`);
    expect(request.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    // GSM-friendly (the curly apostrophe became a plain one), not XML-escaped: it is a form field.
    expect(request.form).toEqual({ From: MK_NUMBER, To: parent, Body: "Hello, I'm Sam, an adviser. Is Tuesday OK? <ok> & thanks" });

    const entries = await h.store.listActivities(conversationId);
    const last = entries[entries.length - 1]!;
    expect(last.activity.text).toBe("Hello, I'm Sam, an adviser. Is Tuesday OK? <ok> & thanks");
    expect(last.activity.id).toMatch(/^SM\d{32}$/);
  });

  it('cuts a long later message to three segments too', async () => {
    const parent = newParent();
    await send(parent, 'hello');
    const reference = h.bot.references.get(h.adapter.conversationIdFor('derby', parent))!;
    await h.adapter.continueConversation(reference, async (context) => {
      await context.sendActivity(LONG_REPLY);
    });
    expect(api.requests).toHaveLength(1);
    expect(segmentCount(api.requests[0]!.form.Body ?? '')).toBe(3);
  });

  it('reports a refused send to the caller without the number in the error', async () => {
    const parent = newParent();
    await send(parent, 'hello');
    const reference = h.bot.references.get(h.adapter.conversationIdFor('derby', parent))!;
    api.failNext(400, 21211, `The 'To' number ${parent} is not a valid phone number.`);
    const sending = h.adapter.continueConversation(reference, async (context) => {
      await context.sendActivity('An adviser writes');
    });
    await expect(sending).rejects.toBeInstanceOf(TwilioRestError);
    await expect(sending).rejects.toThrow('Twilio refused the message: HTTP 400, error 21211');
    await sending.catch((error: Error) => expect(error.message).not.toContain(parent));
  });

  it('sends nothing to a number that has opted out', async () => {
    const parent = newParent();
    await send(parent, 'hello');
    await send(parent, 'STOP');
    const reference = h.bot.references.get(h.adapter.conversationIdFor('derby', parent))!;
    await expect(
      h.adapter.continueConversation(reference, async (context) => {
        await context.sendActivity('An adviser writes');
      }),
    ).rejects.toBeInstanceOf(SmsOptedOutError);
    expect(api.requests).toHaveLength(0);
  });
});
