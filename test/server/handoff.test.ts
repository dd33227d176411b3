import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/advisers/accounts';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import { Conversation, REPO_ROOT, TOKEN_SECRET, botMessages, dropSchema, freshSchema, postgresTarget, type Activity } from './helpers';
import { FakeTwilioApi, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_PUBLIC_BASE_URL, inboundParams, sendWebhook } from '../helpers/fakeSmsProvider';

/**
 * The hand-off end to end over HTTP, as people meet it: a parent on web chat (Direct Line) asks
 * for a person; an adviser signed in to the console at /advisers sees it live, claims it, reads
 * the history, replies, and closes; the parent's messages reach the adviser and the bot says
 * nothing of its own meanwhile. Two instances on one PostgreSQL: a claim still has one winner.
 * Then out of hours, with nobody signed in: a call-back, visible in the console.
 */

const target = await postgresTarget();
if (target.skip) console.warn(`[handoff.test] PostgreSQL cases skipped: ${target.skip}`);
const PASSWORD = 'a long adviser password';
/** Everything logged during the file, at the most talkative level. */
const logged: string[] = [];

interface Instance {
  assistant: Assistant;
  server: Server;
  base: string;
}

/** An adviser's browser: a cookie jar over fetch. */
class Adviser {
  private cookie = '';
  constructor(readonly base: string) {}

  async signIn(username: string): Promise<void> {
    const response = await fetch(`${this.base}/advisers/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect(response.status).toBe(204);
    this.cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  async api(route: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${this.base}/advisers/api${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie: this.cookie, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  /** Opens the live stream and resolves with the first event of this type. */
  async nextEvent(type: string, timeoutMs = 10_000): Promise<{ stop: () => void; event: Promise<unknown> }> {
    const controller = new AbortController();
    const response = await fetch(`${this.base}/advisers/api/events`, { headers: { cookie: this.cookie }, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const event = (async () => {
      const decoder = new TextDecoder();
      let buffered = '';
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        const match = new RegExp(`event: ${type}\\ndata: (.*)\\n`).exec(buffered);
        if (match) return JSON.parse(match[1]!) as unknown;
      }
      throw new Error(`no ${type} event`);
    })();
    event.catch(() => undefined);
    return { stop: () => controller.abort(), event };
  }
}

const kinds = [
  { name: 'SQLite', skip: false },
  { name: 'PostgreSQL', skip: target.skip !== undefined },
] as const;

for (const kind of kinds) {
  describe.skipIf(kind.skip)(`hand-off to an adviser on the ${kind.name} store`, () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'send-handoff-'));
    const schema = freshSchema('handoff_test');
    const settings = {
      NODE_ENV: 'test',
      KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
      DATA_DIR: dataDir,
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
      ADVISER_SESSION_SECRET: 'handoff-test-session-secret-0123456789abcdef',
      ...(kind.name === 'PostgreSQL' && { DATABASE_URL: target.url!, DATABASE_SCHEMA: schema }),
    };
    const instances: Instance[] = [];

    async function start(): Promise<Instance> {
      const assistant = await createAssistant(loadConfig(settings), { retention: false });
      const server = assistant.app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const instance = { assistant, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
      instances.push(instance);
      return instance;
    }

    beforeAll(async () => {
      configureLog('debug', (line) => logged.push(line));
      const first = await start();
      const passwordHash = await hashPassword(PASSWORD, { cost: 4 });
      for (const [id, displayName] of [['sam', 'Sam'], ['alex', 'Alex']]) {
        await first.assistant.store.upsertAdviser({ id: id!, displayName: displayName!, passwordHash, role: 'adviser', tenants: [] });
      }
      // SQLite is one process's store; PostgreSQL can be shared by a second instance.
      if (kind.name === 'PostgreSQL') await start();
    });

    afterAll(async () => {
      for (const { server, assistant } of instances) {
        await new Promise((resolve) => server.close(resolve));
        await assistant.close();
      }
      configureLog('silent');
      rmSync(dataDir, { recursive: true, force: true });
      if (kind.name === 'PostgreSQL') await dropSchema(target.url!, schema);
    });

    it('goes from web chat to the console and back, with the bot silent in between', async () => {
      const [one] = instances;
      const other = instances[1] ?? one!;
      const sam = new Adviser(one!.base);
      const alex = new Adviser(other.base);
      await sam.signIn('sam');
      await alex.signIn('alex');
      const live = await sam.nextEvent('queue');

      const tab = await Conversation.begin(one!.base);
      await tab.waitFor((all) => botMessages(all).length >= 1, 10_000, 'the welcome');
      await tab.say('How long do I have to appeal to the tribunal?');
      await tab.waitFor((all) => botMessages(all).length >= 2, 10_000, 'the answer');
      const asked = await tab.say('<script>alert(1)</script> I want to talk to a real person');
      await tab.waitFor((all) => botMessages(all).some((m) => m.replyToId === asked && /pass on/i.test(m.text ?? '')), 10_000, 'the consent question');
      await tab.say('Yes, pass it on');
      const initiated = await tab.waitFor((all) => all.find((a) => a.type === 'event' && a.name === 'handoff.initiate'), 10_000, 'handoff.initiate');
      const value = initiated.value as { handoffId: string; reason: string; channel: string; tenant: string; transcript: { conversationId: string } };
      expect(value).toMatchObject({ reason: 'asked', channel: 'webchat', tenant: 'generic', transcript: { conversationId: tab.id } });
      await tab.waitFor((all) => botMessages(all).some((m) => /in the queue/i.test(m.text ?? '')), 10_000, 'the place in the queue');

      // The console heard at once, and shows the queue with the summary.
      expect(await live.event).toMatchObject({ type: 'queue', tenant: 'generic' });
      live.stop();
      const queue = await sam.api('/queue');
      expect(queue.status).toBe(200);
      const item = queue.json.items[0];
      expect(item.handoff.id).toBe(value.handoffId);
      expect(item.handoff.summary.asked).toContain('<script>alert(1)</script>');
      expect(item.handoff.reference).toBeUndefined();

      // Two advisers on two instances race to claim: exactly one wins.
      const [a, b] = await Promise.all([
        sam.api(`/handoffs/${value.handoffId}/claim`, {}),
        alex.api(`/handoffs/${value.handoffId}/claim`, {}),
      ]);
      const won = [a.status, b.status].map((status) => status >= 200 && status < 300);
      expect(won.filter(Boolean)).toHaveLength(1);
      expect([a.status, b.status]).toContain(409);
      const winner = won[0] ? sam : alex;
      const winnerName = won[0] ? 'Sam' : 'Alex';
      await tab.waitFor((all) => botMessages(all).some((m) => (m.text ?? '').includes(winnerName)), 10_000, 'the adviser joining');

      // The whole history, with consent.
      const view = await winner.api(`/handoffs/${value.handoffId}`);
      expect(view.status).toBe(200);
      const lines = (view.json.lines as Array<{ from: string; text: string }>);
      expect(lines.some((l) => l.from === 'person' && /appeal to the tribunal/.test(l.text))).toBe(true);
      expect(lines.some((l) => l.from === 'assistant')).toBe(true);

      // While with the adviser, the bot sends nothing of its own.
      const before = (await tab.list()).activities.length;
      const personLines = ['Thank you. My son is 9.', 'what is mediation?', 'start again', 'help'];
      for (const text of personLines) await tab.say(text);
      const reply = await winner.api(`/handoffs/${value.handoffId}/reply`, { text: 'Hello, I have read your messages. <b>Mediation</b> is…' });
      expect(reply.status).toBeLessThan(300);
      const during = await tab.waitFor(
        (all) => (all.some((m) => (m.text ?? '').includes('<b>Mediation</b>')) ? all : undefined),
        10_000,
        "the adviser's reply",
      );
      const botDuring = botMessages(during.slice(before));
      expect(botDuring).toHaveLength(1);
      expect(botDuring[0]!.text).toContain(`${winnerName}`);
      const afterLines = (await winner.api(`/handoffs/${value.handoffId}`)).json.lines as Array<{ from: string; text: string }>;
      for (const text of personLines) expect(afterLines.some((l) => l.from === 'person' && l.text === text)).toBe(true);
      expect(afterLines.some((l) => l.from === 'adviser')).toBe(true);

      // Closing brings the bot back, and it asks how it went.
      expect((await winner.api(`/handoffs/${value.handoffId}/close`, {})).status).toBeLessThan(300);
      await tab.waitFor((all) => botMessages(all).some((m) => /automated assistant again/i.test(m.text ?? '')), 10_000, 'the bot coming back');
      const question = await tab.say('what is mediation?');
      await tab.waitFor((all: Activity[]) => botMessages(all).find((m) => m.replyToId === question && /mediat/i.test(m.text ?? '')), 10_000, 'an answer again');
    });

    it('with nobody signed in and out of hours, takes a call-back the console can see and mark done', async () => {
      const [one] = instances;
      // Nobody signed in: the accounts are made afresh, never seen. The generic council publishes no chat hours.
      const { store } = one!.assistant;
      for (const id of ['sam', 'alex']) {
        const account = (await store.getAdviser(id))!;
        await store.deleteAdviser(id);
        await store.upsertAdviser({ id, displayName: account.displayName, passwordHash: account.passwordHash, role: account.role, tenants: account.tenants });
      }
      expect(await store.countAdvisersSeenSince(new Date(0), 'generic')).toBe(0);
      const tab = await Conversation.begin(one!.base);
      await tab.waitFor((all) => botMessages(all).length >= 1, 10_000, 'the welcome');
      const asked = await tab.say('talk to an adviser');
      await tab.waitFor((all) => botMessages(all).some((m) => m.replyToId === asked && /call or email you back/i.test(m.text ?? '')), 10_000, 'the call-back offer');
      for (const [text, expected] of [
        ['Ask for a call-back', /name/i],
        ['Jo <img src=x onerror=alert(1)>', /name/i],
        ['Jo Bloggs', /phone|email/i],
        ['jo.bloggs@example.org', /time/i],
        ['weekday mornings', /keep/i],
      ] as const) {
        const id = await tab.say(text);
        await tab.waitFor((all) => botMessages(all).some((m) => m.replyToId === id && expected.test(m.text ?? '')), 10_000, `the reply to ${text}`);
      }
      const consented = await tab.say('Yes, keep my details');
      await tab.waitFor((all) => botMessages(all).some((m) => m.replyToId === consented), 10_000, 'the confirmation');

      const sam = new Adviser(one!.base);
      await sam.signIn('sam');
      const callbacks = await sam.api('/callbacks');
      const list = callbacks.json.callbacks as Array<{ id: string; name: string; contact: string; bestTime: string }>;
      const mine = list.find((c) => c.contact === 'jo.bloggs@example.org');
      expect(mine).toMatchObject({ name: 'Jo Bloggs', bestTime: 'weekday mornings' });
      expect((await sam.api(`/callbacks/${mine!.id}/done`, {})).status).toBeLessThan(300);
      const after = await sam.api('/callbacks');
      expect(((after.json.callbacks) as Array<{ id: string }>).some((c) => c.id === mine!.id)).toBe(false);
    });

    it('logged none of what people typed, nor a name or contact', () => {
      const all = logged.join('\n');
      expect(logged.length).toBeGreaterThan(0);
      for (const secret of ['Jo Bloggs', 'jo.bloggs@example.org', 'weekday mornings', 'My son is 9', 'real person', 'I have read your messages', PASSWORD]) {
        expect(all).not.toContain(secret);
      }
    });
  });
}

/**
 * The two things a person texting meets around a hand-off, through the signed SMS webhook and the
 * real SMS adapter: a call-back to "this number" uses the number they text from (which only the
 * SMS channel knows), and a message while waiting in the queue is answered.
 */
describe('hand-off by SMS, through the webhook', () => {
  const OUR_NUMBER = '+441234567890';
  const CALLER = '+447700900777';
  const WAITER = '+447700900888';
  const smsLogged: string[] = [];
  let api: FakeTwilioApi;
  let assistant: Assistant;
  let server: Server;
  let base: string;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-handoff-sms-'));

  beforeAll(async () => {
    configureLog('debug', (line) => smsLogged.push(line));
    api = await FakeTwilioApi.start();
    assistant = await createAssistant(loadConfig({
      DATA_DIR: dataDir,
      KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
      TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      TWILIO_API_BASE_URL: api.baseUrl,
      PUBLIC_BASE_URL: TEST_PUBLIC_BASE_URL,
      SMS_ID_SECRET: 'sms-id-secret-for-handoff-tests-0123456789',
      ADVISER_SESSION_SECRET: 'handoff-sms-session-secret-0123456789abcdef',
    }), { retention: false });
    server = assistant.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await assistant.store.upsertAdviser({ id: 'sam', displayName: 'Sam', passwordHash: await hashPassword(PASSWORD, { cost: 4 }), role: 'adviser', tenants: [] });
  });

  afterAll(async () => {
    configureLog('silent');
    if (server) await new Promise((resolve) => server.close(resolve));
    await assistant?.close();
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function text(from: string, body: string): Promise<string> {
    const response = await sendWebhook(base, inboundParams({ from, to: OUR_NUMBER, body }));
    expect(response.status).toBe(200);
    return response.messages.join('\n');
  }

  it('a call-back to "this number" uses the number being texted from, and says only its last digits', async () => {
    // Nobody is signed in and the generic council publishes no chat hours: a call-back is offered.
    expect(await text(CALLER, 'can I talk to an adviser')).toMatch(/call or email you back/i);
    expect(await text(CALLER, 'Ask for a call-back')).toMatch(/name/i);
    expect(await text(CALLER, 'Jo')).toMatch(/reply SAME to use this number/);
    const confirmed = await text(CALLER, 'the number im texting from');
    expect(confirmed).toMatch(/number you're texting from \(ending 777\)/);
    expect(confirmed).toMatch(/good time/i);
    expect(confirmed).not.toContain('900777');
    expect(await text(CALLER, 'any time')).toMatch(/keep/i);
    await text(CALLER, 'Yes, keep my details');

    const adviser = new Adviser(base);
    await adviser.signIn('sam');
    const callbacks = (await adviser.api('/callbacks')).json.callbacks as Array<{ name: string; contact: string; channel: string }>;
    expect(callbacks.map((c) => [c.name, c.contact, c.channel])).toEqual([['Jo', CALLER, 'sms']]);
    expect(smsLogged.join('\n')).not.toMatch(/900777|texting from/);
  });

  it('a message while waiting in the queue is passed on and answered, not every one', async () => {
    const adviser = new Adviser(base);
    await adviser.signIn('sam'); // an adviser signed in: the desk is open
    expect(await text(WAITER, 'can I talk to a person please')).toMatch(/pass on/i);
    expect(await text(WAITER, 'Yes, pass it on')).toMatch(/in the queue/i);
    const heard = await text(WAITER, 'hello? is anyone there');
    expect(heard).toMatch(/passed that on/i);
    expect(heard).toMatch(/next in the queue/i);
    expect(heard.length).toBeLessThanOrEqual(160);
    expect(await text(WAITER, 'my son is 9')).toBe('');

    const item = ((await adviser.api('/queue')).json.items as Array<{ handoff: { id: string; channel: string } }>).find((i) => i.handoff.channel === 'sms')!;
    const lines = (await adviser.api(`/handoffs/${item.handoff.id}`)).json.lines as Array<{ from: string; text: string }>;
    expect(lines.filter((l) => l.from === 'person').map((l) => l.text)).toEqual(expect.arrayContaining(['hello? is anyone there', 'my son is 9']));
    expect(smsLogged.join('\n')).not.toMatch(/900888|anyone there|son is 9/);
  });
});
