import { once } from 'node:events';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/advisers/accounts';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import {
  FakeTwilioApi, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_PUBLIC_BASE_URL, inboundParams, sendWebhook,
} from '../helpers/fakeSmsProvider';
import { REPO_ROOT, TOKEN_SECRET } from './helpers';

/** Everything logged, at the most talkative level: none of it may hold what people typed or their number. */
const logged: string[] = [];
configureLog('debug', (line) => logged.push(line));

/**
 * A hand-off over SMS, through the signed webhook: a parent texts for a person, agrees to pass on
 * what they wrote, and is queued; an adviser claims and replies in the console; the reply goes out
 * by the provider's REST API as plain text; the parent's next texts get no answer from the bot
 * (they go to the adviser); the close comes back by REST too.
 */

/** A number no council lists: the default council's (generic). */
const OUR_NUMBER = '+441234567890';
/** Listed in Derby's tenant file (in this test's copy of the knowledge). */
const DERBY_NUMBER = '+441332555123';
const PARENT = '+447700900777';
const PASSWORD = 'an adviser password for sms';

describe('hand-off over SMS', () => {
  let api: FakeTwilioApi;
  let assistant: Assistant;
  let server: Server;
  let url: string;
  let dataDir: string;
  let knowledgeDir: string;
  let cookie = '';
  /** Dee works for Derby only. */
  let deeCookie = '';

  async function signIn(username: string): Promise<string> {
    const signedIn = await fetch(`${url}/advisers/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect(signedIn.status).toBe(204);
    return (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  beforeAll(async () => {
    api = await FakeTwilioApi.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'handoff-sms-'));
    knowledgeDir = mkdtempSync(path.join(tmpdir(), 'handoff-sms-knowledge-'));
    cpSync(path.join(REPO_ROOT, 'knowledge'), knowledgeDir, { recursive: true });
    appendFileSync(path.join(knowledgeDir, 'tenants', 'derby.yaml'), `\nsmsNumbers:\n  - "${DERBY_NUMBER}"\n`);
    assistant = await createAssistant(loadConfig({
      DATA_DIR: dataDir,
      KNOWLEDGE_DIR: knowledgeDir,
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
      LOG_LEVEL: 'silent',
      TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      TWILIO_API_BASE_URL: api.baseUrl,
      PUBLIC_BASE_URL: TEST_PUBLIC_BASE_URL,
      SMS_ID_SECRET: 'sms-id-secret-for-tests-0123456789abcdef',
      ADVISER_SESSION_SECRET: 'handoff-sms-session-secret-0123456789abcdef',
    }), { retention: false });
    server = assistant.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const passwordHash = await hashPassword(PASSWORD, { cost: 4 });
    await assistant.store.upsertAdviser({ id: 'sam', displayName: 'Sam', passwordHash, role: 'adviser', tenants: [] });
    await assistant.store.upsertAdviser({ id: 'dee', displayName: 'Dee', passwordHash, role: 'adviser', tenants: ['derby'] });
    cookie = await signIn('sam');
    deeCookie = await signIn('dee');
  });

  afterAll(async () => {
    configureLog('silent');
    server?.close();
    await assistant?.close();
    await api?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (knowledgeDir) rmSync(knowledgeDir, { recursive: true, force: true });
  });

  async function text(body: string): Promise<string[]> {
    const response = await sendWebhook(url, inboundParams({ from: PARENT, to: OUR_NUMBER, body }));
    expect(response.status).toBe(200);
    return response.messages;
  }

  async function console_(route: string, body?: unknown, as = cookie): Promise<{ status: number; json: any }> {
    const response = await fetch(`${url}/advisers/api${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie: as, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const raw = await response.text();
    return { status: response.status, json: raw ? JSON.parse(raw) : undefined };
  }

  /** What the provider's REST API was asked to send to the parent since `from`. */
  const sentSince = (from: number) => api.requests.slice(from).filter((r) => r.form.To === PARENT).map((r) => r.form.Body ?? '');

  it('queues, relays both ways by SMS, keeps the bot quiet, and comes back on close', async () => {
    expect((await text('can I talk to a person please')).join('\n')).toMatch(/pass on/i);
    expect((await text('1')).join('\n')).toMatch(/in the queue/i);

    const queue = await console_('/queue');
    const item = queue.json.items.find((i: { handoff: { channel: string } }) => i.handoff.channel === 'sms');
    expect(item.handoff.summary).toMatchObject({ reason: 'asked', channel: 'sms', consent: true });
    expect(item.handoff.summary.asked).toMatch(/talk to a person/);
    expect(JSON.stringify(item)).not.toContain(PARENT);

    let mark = api.requests.length;
    expect((await console_(`/handoffs/${item.handoff.id}/claim`, {})).status).toBeLessThan(300);
    await expect.poll(() => sentSince(mark).join('\n')).toMatch(/Sam/);

    mark = api.requests.length;
    expect((await console_(`/handoffs/${item.handoff.id}/reply`, { text: 'Hi, Sam here. What did the letter say?' })).status).toBeLessThan(300);
    await expect.poll(() => sentSince(mark).join('\n')).toContain('Hi, Sam here. What did the letter say?');

    // The parent's texts go to the adviser: the webhook answers with no message of the bot's own.
    expect(await text('It said they will not assess him'), 'no answer of the bot').toEqual([]);
    expect(await text('what is mediation?')).toEqual([]);
    // With an adviser, HELP and YES are words to them (an answer to "is it OK if I phone you?"),
    // not provider keywords: no canned answer, and the adviser sees them.
    for (const word of ['HELP', 'Yes', 'INFO', 'START']) expect(await text(word), word).toEqual([]);
    const view = await console_(`/handoffs/${item.handoff.id}`);
    const lines = view.json.lines as Array<{ from: string; text: string }>;
    expect(lines.some((l) => l.from === 'person' && l.text === 'It said they will not assess him')).toBe(true);
    for (const word of ['HELP', 'Yes', 'INFO', 'START']) expect(lines.some((l) => l.from === 'person' && l.text === word), word).toBe(true);
    expect(lines.some((l) => l.from === 'adviser' || /Sam here/.test(l.text))).toBe(true);

    mark = api.requests.length;
    expect((await console_(`/handoffs/${item.handoff.id}/close`, {})).status).toBeLessThan(300);
    await expect.poll(() => sentSince(mark).join('\n')).toMatch(/automated assistant again/i);
    expect((await text('what is mediation?')).join('\n')).toMatch(/mediat/i);
  });

  /** The open hand-off of a parent's conversation (they write to a number of no council: generic). */
  const openHandoffOf = (parent: string) => assistant.store.findOpenHandoff(assistant.smsAdapter!.conversationIdFor('generic', parent));

  it.each([
    { why: 'they asked for a person', first: 'can I talk to a person please', parent: '+447700900778', answer: 'YES', urgent: false },
    {
      why: 'a child may be at risk',
      first: 'my daughter says she wants to kill herself and the school has excluded her',
      parent: '+447700900779',
      answer: 'yes',
      urgent: true,
    },
  ])('a texted $answer answers the consent question when $why: the adviser gets the consent', async ({ first, parent, answer, urgent }) => {
    const asked = await sendWebhook(url, inboundParams({ from: parent, to: OUR_NUMBER, body: first }));
    expect(asked.message).toMatch(/pass on what you've typed/i);
    const yes = await sendWebhook(url, inboundParams({ from: parent, to: OUR_NUMBER, body: answer }));
    expect(yes.status).toBe(200);
    expect(yes.message ?? '').not.toMatch(/you will get replies again/i);
    const handoff = await openHandoffOf(parent);
    expect(handoff).toMatchObject({ urgent, summary: { consent: true } });
    expect(String(handoff!.summary.asked)).toContain(first.slice(0, 20));
  });

  it('tells an adviser who replies after the person texted STOP that they opted out, and keeps nothing of the reply', async () => {
    const parent = '+447700900780';
    const from = (body: string) => sendWebhook(url, inboundParams({ from: parent, to: OUR_NUMBER, body }));
    await from('can I talk to a person please');
    await from('1');
    const handoff = (await openHandoffOf(parent))!;
    expect((await console_(`/handoffs/${handoff.id}/claim`, {})).status).toBe(204);
    expect((await console_(`/handoffs/${handoff.id}/reply`, { text: 'Hello, Sam here.' })).status).toBe(204);

    expect((await from('STOP')).message).toBeUndefined();
    const mark = api.requests.length;
    const auditBefore = await assistant.store.listAudit({ target: handoff.id });
    const refused = await console_(`/handoffs/${handoff.id}/reply`, { text: 'Is it OK if I phone you?' });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('OptedOut');
    expect(refused.json.error.message).toMatch(/opted out of texts/);
    expect(refused.json.error.message).toMatch(/texted STOP/);
    expect(api.requests.length).toBe(mark);
    // Nothing half-stored: no audit entry and no line for the refused reply; the conversation stays theirs.
    expect(await assistant.store.listAudit({ target: handoff.id })).toEqual(auditBefore);
    const view = await console_(`/handoffs/${handoff.id}`);
    const lines = view.json.lines as Array<{ from: string; text: string }>;
    expect(lines.some((l) => l.text.includes('Is it OK if I phone you?'))).toBe(false);
    // What the adviser sees of the conversation says why.
    expect(lines.at(-1)).toMatchObject({ from: 'person', text: 'STOP' });
    expect(view.json.handoff.status).toBe('claimed');

    // START opts back in: the adviser's replies go again.
    expect((await from('START')).message).toMatch(/you will get replies again/i);
    expect((await console_(`/handoffs/${handoff.id}/reply`, { text: 'Is it OK if I phone you?' })).status).toBe(204);
    expect(api.requests.slice(mark).map((r) => r.form.Body ?? '').join('\n')).toContain('Is it OK if I phone you?');
    expect((await from('Yes')).message).toBeUndefined();
    const after = (await console_(`/handoffs/${handoff.id}`)).json.lines as Array<{ from: string; text: string }>;
    expect(after.at(-1)).toMatchObject({ from: 'person', text: 'Yes' });
  });

  /**
   * The console's live updates (GET /advisers/api/events, Server-Sent Events), as the page reads
   * them: the page fetches the conversation again on each `message` event for the one it shows.
   */
  async function openConsoleEvents(as: string) {
    const stop = new AbortController();
    const response = await fetch(`${url}/advisers/api/events`, { headers: { cookie: as }, signal: stop.signal });
    expect(response.status).toBe(200);
    const events: Array<{ type: string; handoffId?: string }> = [];
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (type && data) events.push({ type, ...(JSON.parse(data) as { handoffId?: string }) });
        }
      }
    })().catch(() => undefined);
    return {
      /** `message` events for this hand-off so far. */
      messagesFor: (handoffId: string) => events.filter((e) => e.type === 'message' && e.handoffId === handoffId).length,
      close: () => stop.abort(),
    };
  }

  it('STOP to one council\'s number stops that council\'s replies only, and shows in its open console at once (as does START)', async () => {
    const parent = '+447700900781';
    const texting = (to: string) => async (body: string) => (await sendWebhook(url, inboundParams({ from: parent, to, body }))).message;
    const toDerby = texting(DERBY_NUMBER);
    const toGeneric = texting(OUR_NUMBER);
    const sms = assistant.smsAdapter!;
    // The same parent with two councils: Derby (Dee) and the default council (Sam).
    await toDerby('can I talk to a person please');
    await toDerby('1');
    await toGeneric('can I talk to a person please');
    await toGeneric('1');
    const derby = (await assistant.store.findOpenHandoff(sms.conversationIdFor('derby', parent)))!;
    const generic = (await assistant.store.findOpenHandoff(sms.conversationIdFor('generic', parent)))!;
    expect(derby.tenant).toBe('derby');
    expect(generic.tenant).toBe('generic');
    expect((await console_(`/handoffs/${derby.id}/claim`, {}, deeCookie)).status).toBe(204);
    expect((await console_(`/handoffs/${generic.id}/claim`, {})).status).toBe(204);
    const lastLines = async (handoffId: string, as: string, n: number) =>
      ((await console_(`/handoffs/${handoffId}`, undefined, as)).json.lines as Array<{ from: string; text: string }>).slice(-n).map((l) => [l.from, l.text]);
    const sentTo = (mark: number) => api.requests.slice(mark).filter((r) => r.form.To === parent).map((r) => [r.form.From, r.form.Body]);

    const deeConsole = await openConsoleEvents(deeCookie);
    try {
      expect(await toDerby('STOP')).toBeUndefined();
      // Dee's open console hears of it without a reload, and what it then fetches shows the STOP.
      await expect.poll(() => deeConsole.messagesFor(derby.id)).toBe(1);
      expect(await lastLines(derby.id, deeCookie, 1)).toEqual([['person', 'STOP']]);

      let mark = api.requests.length;
      const refused = await console_(`/handoffs/${derby.id}/reply`, { text: 'Can I call you?' }, deeCookie);
      expect(refused.status).toBe(409);
      expect(refused.json.error.code).toBe('OptedOut');
      expect(refused.json.error.message).toMatch(/opted out of texts from this council's number/);
      // The other council's adviser still reaches them, from that council's number.
      expect((await console_(`/handoffs/${generic.id}/reply`, { text: 'Sam here, still with you.' })).status).toBe(204);
      await expect.poll(() => sentTo(mark)).toEqual([[OUR_NUMBER, 'Sam (adviser): Sam here, still with you.']]);
      expect(await toGeneric('thanks Sam')).toBeUndefined();
      expect(await lastLines(generic.id, cookie, 1)).toEqual([['person', 'thanks Sam']]);

      // START to Derby's number: back in for Derby, and Dee's console shows it at once, with the answer they got.
      expect(await toDerby('START')).toMatch(/you will get replies again/);
      await expect.poll(() => deeConsole.messagesFor(derby.id)).toBe(2);
      expect(await lastLines(derby.id, deeCookie, 2)).toEqual([
        ['person', 'START'],
        ['assistant', expect.stringMatching(/you will get replies again/)],
      ]);
      mark = api.requests.length;
      expect((await console_(`/handoffs/${derby.id}/reply`, { text: 'Can I call you?' }, deeCookie)).status).toBe(204);
      await expect.poll(() => sentTo(mark)).toEqual([[DERBY_NUMBER, 'Dee (adviser): Can I call you?']]);
    } finally {
      deeConsole.close();
    }
  });

  it('logs no phone number and nothing anyone wrote', () => {
    const all = logged.join('\n');
    expect(all).toContain('sms.opted_out');
    for (const secret of [
      PARENT, PARENT.slice(1), '07700 900777', '447700900779', '447700900780', '447700900781', '441332555123', 'talk to a person',
      'will not assess him', 'Sam here', 'what did the letter say', 'kill herself', 'phone you', 'call you', 'thanks Sam',
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});
