import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import { startTcpProxy, viaProxy, type TcpProxy } from '../helpers/tcpProxy';
import {
  REPO_ROOT,
  TOKEN_SECRET,
  botMessages,
  describe as describeActivities,
  dropSchema,
  expectOrderedOnce,
  freshSchema,
  postgresTarget,
  sleep,
  type Activity,
} from './helpers';

/**
 * The database going away and coming back while people chat. The assistant runs in-process on
 * PostgreSQL through a TCP proxy; with conversations under way over Direct Line (REST polling and
 * streamUrl WebSockets), the proxy resets every connection and refuses new ones for a few
 * seconds, then lets them through again. During the outage requests fail fast with a 503 JSON
 * error and /readyz says 503; nothing hangs and nothing crashes. Afterwards, without a restart,
 * new conversations and messages work, every message that got a 2xx is answered exactly once,
 * and every stream has had every activity of its conversation exactly once, in order.
 */

const target = await postgresTarget();
if (target.skip) console.warn(`[faults.test] skipped: ${target.skip}`);

/** No request may take longer (the pools give up connecting after 10 s). */
const REQUEST_LIMIT_MS = 12_000;
const OUTAGE_MS = 4000;

interface Outcome {
  what: string;
  status: number | 'hung' | 'network-error';
  ms: number;
  at: number;
  json?: any;
}

interface SentMessage {
  conversationId: string;
  text: string;
  status: Outcome['status'];
  id?: string;
}

interface Chat {
  id: string;
  token: string;
  streamUrl?: string;
}

describe.skipIf(target.skip !== undefined)('the database going away and coming back', () => {
  const url = target.url!;
  const schema = freshSchema('faults_test');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-faults-'));
  const logLines: string[] = [];
  const faults: { kind: string; error: unknown }[] = [];
  const onRejection = (error: unknown) => faults.push({ kind: 'unhandledRejection', error });
  const onException = (error: unknown) => faults.push({ kind: 'uncaughtException', error });
  let proxy: TcpProxy;
  let assistant: Assistant;
  let server: Server;
  let base: string;

  const outcomes: Outcome[] = [];
  const turnRuns = new Map<string, { ok: number; failed: number }>();
  const sent: SentMessage[] = [];
  const chats = new Map<string, Chat>();

  async function request(what: string, pathname: string, options: { method?: string; token?: string; body?: unknown } = {}): Promise<Outcome> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const started = Date.now();
    let outcome: Outcome;
    try {
      const response = await fetch(base + pathname, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_LIMIT_MS),
      });
      const text = await response.text();
      let json: any;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = { unparsable: text.slice(0, 100) };
      }
      outcome = { what, status: response.status, ms: Date.now() - started, at: started, json };
    } catch (error) {
      const hung = (error as Error).name === 'TimeoutError';
      outcome = { what, status: hung ? 'hung' : 'network-error', ms: Date.now() - started, at: started };
    }
    outcomes.push(outcome);
    return outcome;
  }

  const ok = (outcome: Outcome) => typeof outcome.status === 'number' && outcome.status >= 200 && outcome.status < 300;

  /** Token, then start; tried again after a failure. */
  async function begin(stopped: () => boolean): Promise<Chat | undefined> {
    while (!stopped()) {
      const issued = await request('token', '/api/webchat/token', { method: 'POST', body: {} });
      if (ok(issued)) {
        for (let attempt = 0; attempt < 50; attempt += 1) {
          const started = await request('start', '/v3/directline/conversations', {
            method: 'POST',
            token: issued.json.token,
            body: { user: { id: 'r_tab' }, locale: 'en-GB' },
          });
          if (ok(started)) {
            const chat = { id: started.json.conversationId as string, token: started.json.token as string, streamUrl: started.json.streamUrl as string };
            chats.set(chat.id, chat);
            return chat;
          }
          await sleep(200);
        }
      }
      await sleep(200);
    }
    return undefined;
  }

  async function transcript(chat: Chat): Promise<Activity[] | undefined> {
    const page = await request('poll', `/v3/directline/conversations/${chat.id}/activities`, { token: chat.token });
    return ok(page) ? (page.json.activities as Activity[]) : undefined;
  }

  let counter = 0;

  /** Posts a message (recorded, whatever happens); with a 2xx, polls a while for its answer. */
  async function converse(chat: Chat, stopped: () => boolean): Promise<void> {
    const text = `zorblat ${++counter} quux`;
    const posted = await request('message', `/v3/directline/conversations/${chat.id}/activities`, {
      method: 'POST',
      token: chat.token,
      body: { type: 'message', text, textFormat: 'plain', locale: 'en-GB', from: { id: 'r_tab', role: 'user' } },
    });
    sent.push({ conversationId: chat.id, text, status: posted.status, id: ok(posted) ? (posted.json.id as string) : undefined });
    if (!ok(posted)) return;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && !stopped()) {
      const all = await transcript(chat);
      if (all && botMessages(all).some((m) => m.replyToId === posted.json.id)) return;
      await sleep(100);
    }
  }

  /** Someone chatting: a few messages per conversation, then a new conversation. */
  async function chatter(stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      const chat = await begin(stopped);
      if (!chat) return;
      for (let i = 0; i < 3 && !stopped(); i += 1) {
        await converse(chat, stopped);
        await sleep(50);
      }
    }
  }

  /** Web Chat with a WebSocket: one conversation, reconnecting as the client library does when dropped. */
  function streamer(stopped: () => boolean): { received: Activity[]; done: Promise<Chat | undefined> } {
    const received: Activity[] = [];
    const done = (async () => {
      const chat = await begin(stopped);
      if (!chat?.streamUrl) throw new Error('No streamUrl: streaming is off');
      let streamUrl = chat.streamUrl;
      let watermark: string | undefined;
      const closed: Promise<void>[] = [];
      let socket: WebSocket | undefined;
      const connect = () => {
        const ws = new WebSocket(streamUrl);
        socket = ws;
        ws.on('message', (data) => {
          const text = data.toString();
          if (!text) return;
          const frame = JSON.parse(text) as { activities: Activity[]; watermark: string };
          received.push(...frame.activities);
          watermark = frame.watermark;
        });
        ws.on('error', () => undefined);
        closed.push(once(ws, 'close').then(() => undefined));
        return once(ws, 'open').catch(() => undefined);
      };
      await connect();
      while (!stopped()) {
        if (socket?.readyState === WebSocket.CLOSED) {
          const query = watermark === undefined ? '' : `?watermark=${watermark}`;
          const again = await request('reconnect', `/v3/directline/conversations/${chat.id}${query}`, { token: chat.token });
          if (ok(again)) {
            streamUrl = again.json.streamUrl as string;
            await connect();
          }
        }
        await converse(chat, stopped);
        await sleep(100);
      }
      // Leaves the socket open: the final check waits for the last answers to arrive on it.
      streams.push({ socket: socket!, closed });
      return chat;
    })();
    return { received, done };
  }
  const streams: { socket: WebSocket; closed: Promise<void>[] }[] = [];

  beforeAll(async () => {
    configureLog('info', (line) => logLines.push(line));
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    const pgUrl = new URL(url);
    proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    const config = loadConfig({
      NODE_ENV: 'test',
      KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
      DATA_DIR: dataDir,
      DATABASE_URL: viaProxy(url, proxy),
      DATABASE_SCHEMA: schema,
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
      WEBCHAT_TOKEN_LIMIT: '100000',
    });
    assistant = await createAssistant(config, { retention: false });
    // Counts the turns run for each activity, and how they ended (on this adapter instance only).
    const internals = assistant.adapter as unknown as { runTurn: (conversationId: string, activity: { id?: string }, logic: unknown) => Promise<void> };
    const runTurn = internals.runTurn.bind(assistant.adapter);
    internals.runTurn = async (conversationId, activity, logic) => {
      const runs = turnRuns.get(activity.id ?? '') ?? { ok: 0, failed: 0 };
      turnRuns.set(activity.id ?? '', runs);
      try {
        await runTurn(conversationId, activity, logic);
        runs.ok += 1;
      } catch (error) {
        runs.failed += 1;
        throw error;
      }
    };
    server = assistant.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const { socket } of streams) socket.terminate();
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await assistant?.close({ drainMs: 2000 });
    await proxy?.close();
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    configureLog('silent');
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(url, schema);
  });

  it('fails cleanly during an outage and recovers without a restart, answering every accepted message once', async () => {
    expect(assistant.store.kind).toBe('postgres');
    expect((await request('readyz', '/readyz')).status).toBe(200);

    let stop = false;
    const stopped = () => stop;
    const chatters = Array.from({ length: 6 }, () => chatter(stopped));
    const streamers = [streamer(stopped), streamer(stopped)];

    // Load first, then the outage.
    await sleep(2500);
    const sentBeforeOutage = sent.filter((m) => ok({ status: m.status } as Outcome)).length;
    proxy.cut();
    const outageStarted = Date.now();
    await sleep(150);
    const readyDuringOutage: Outcome[] = [];
    while (Date.now() - outageStarted < OUTAGE_MS) {
      readyDuringOutage.push(await request('readyz', '/readyz'));
      await sleep(250);
    }
    proxy.restore();
    const outageEnded = Date.now();

    // Ready again, without a restart.
    let readyAgainAfterMs: number | undefined;
    while (Date.now() - outageEnded < 20_000) {
      if ((await request('readyz', '/readyz')).status === 200) {
        readyAgainAfterMs = Date.now() - outageEnded;
        break;
      }
      await sleep(200);
    }
    // More load after the recovery, then everyone stops.
    await sleep(3000);
    stop = true;
    await Promise.all(chatters);
    const streamChats = await Promise.all(streamers.map((s) => s.done));

    // The outage happened, while conversations were under way, and was seen.
    expect(sentBeforeOutage).toBeGreaterThan(2);
    expect(proxy.refused).toBeGreaterThan(0);
    expect(readyDuringOutage.length).toBeGreaterThan(5);
    expect(readyDuringOutage.map((o) => o.status)).toEqual(readyDuringOutage.map(() => 503));
    expect(readyAgainAfterMs, 'ready again after the outage').toBeDefined();

    // Nothing hung, nothing was cut off: every request got an answer within the limit...
    const broken = outcomes.filter((o) => typeof o.status !== 'number');
    expect(broken.map((o) => `${o.what}:${o.status}:${o.ms}ms`)).toEqual([]);
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(REQUEST_LIMIT_MS);
    // ...and every failure was a clear 503 with a JSON error, during (or just after) the outage.
    const failed = outcomes.filter((o) => !ok(o) && o.what !== 'readyz');
    expect(failed.length).toBeGreaterThan(0);
    for (const o of failed) {
      expect({ what: o.what, status: o.status, code: o.json?.error?.code }).toEqual({ what: o.what, status: 503, code: 'service_unavailable' });
      expect(o.at).toBeGreaterThanOrEqual(outageStarted - 1000);
      expect(o.at).toBeLessThan(outageEnded + 10_000);
    }

    // Every message that got a 2xx is answered exactly once; one that got a 503 at most once.
    // "Once" whatever the bot says to it: its turn ran to the end at most once, an apology (after a
    // failed turn) is the only answer when there is one, and no reply is there twice.
    const welcomeText = assistant.core.replies.welcomeBeforeAnswer('generic').text;
    const answersTo = (all: Activity[], id: string) => botMessages(all).filter((m) => m.replyToId === id && m.text !== welcomeText);
    const expectAnsweredOnce = (all: Activity[], id: string, what: string) => {
      const answers = answersTo(all, id);
      const runs = turnRuns.get(id) ?? { ok: 0, failed: 0 };
      const apologies = answers.filter((m) => m.text?.startsWith('Sorry, something went wrong'));
      const detail = `${what}: runs ${JSON.stringify(runs)}; ${describeActivities(all)}`;
      expect(answers.length, detail).toBeGreaterThan(0);
      expect(runs.ok, detail).toBeLessThanOrEqual(1);
      if (apologies.length > 0) expect(answers.length, detail).toBe(1);
      if (runs.ok === 1) expect(apologies, detail).toEqual([]);
      expect(new Set(answers.map((m) => m.text)).size, detail).toBe(answers.length);
    };
    const byConversation = new Map<string, SentMessage[]>();
    for (const message of sent) byConversation.set(message.conversationId, [...(byConversation.get(message.conversationId) ?? []), message]);
    const finals = new Map<string, Activity[]>();
    const deadline = Date.now() + 30_000;
    for (const [conversationId, messages] of byConversation) {
      const chat = chats.get(conversationId)!;
      const accepted = messages.filter((m) => m.id !== undefined);
      let all: Activity[] = [];
      while (Date.now() < deadline) {
        all = (await transcript(chat)) ?? [];
        if (accepted.every((m) => answersTo(all, m.id!).length > 0)) break;
        await sleep(200);
      }
      finals.set(conversationId, all);
    }
    await sleep(1500); // anything answered twice would turn up now
    let acceptedCount = 0;
    let refusedCount = 0;
    for (const [conversationId, messages] of byConversation) {
      const all = (await transcript(chats.get(conversationId)!))!;
      expect(all.slice(0, finals.get(conversationId)!.length)).toEqual(finals.get(conversationId));
      expectOrderedOnce(all, conversationId);
      const users = all.filter((a) => a.from.role === 'user');
      for (const message of messages) {
        const stored = users.filter((a) => a.text === message.text);
        expect(stored.length, `"${message.text}" stored once at most`).toBeLessThanOrEqual(1);
        if (message.id !== undefined) {
          acceptedCount += 1;
          expect(stored.map((a) => a.id)).toEqual([message.id]);
        } else {
          refusedCount += 1;
        }
      }
      // Every message in the transcript is answered once (also those whose 2xx never arrived).
      for (const user of users) expectAnsweredOnce(all, user.id, `"${user.text}"`);
    }
    expect(acceptedCount).toBeGreaterThan(sentBeforeOutage);
    expect(refusedCount).toBeGreaterThan(0);
    // The count of turns is real (the adapter still runs turns where this test looks).
    expect([...turnRuns.values()].reduce((sum, runs) => sum + runs.ok, 0)).toBeGreaterThan(acceptedCount / 2);

    // Each stream had every activity of its conversation exactly once, in order.
    for (const [index, chat] of streamChats.entries()) {
      const all = (await transcript(chat!))!;
      const deadlineStream = Date.now() + 20_000;
      while (streamers[index]!.received.length < all.length && Date.now() < deadlineStream) await sleep(100);
      expect(streamers[index]!.received.map((a) => a.id)).toEqual(all.map((a) => a.id));
    }

    // A new conversation works from the start.
    const fresh = await begin(() => false);
    const asked = await request('message', `/v3/directline/conversations/${fresh!.id}/activities`, {
      method: 'POST',
      token: fresh!.token,
      body: { type: 'message', text: 'zorblat fresh quux', from: { id: 'r_tab', role: 'user' } },
    });
    expect(asked.status).toBe(200);
    const freshDeadline = Date.now() + 10_000;
    let freshAll: Activity[] = [];
    while (Date.now() < freshDeadline) {
      freshAll = (await transcript(fresh!)) ?? [];
      if (answersTo(freshAll, asked.json.id).length > 0) break;
      await sleep(100);
    }
    expect(botMessages(freshAll)[0]?.replyToId).not.toBe(asked.json.id); // the welcome comes first
    expectAnsweredOnce(freshAll, asked.json.id, 'the new conversation\'s message');
    expect((await request('readyz', '/readyz')).status).toBe(200);

    // Nothing crashed, and nothing anyone typed reached the log.
    expect(faults.map((f) => `${f.kind}: ${(f.error as Error)?.stack ?? String(f.error)}`)).toEqual([]);
    const logged = logLines.join('\n');
    expect(logged).not.toMatch(/zorblat|r_tab/i);
  }, 120_000);
});
