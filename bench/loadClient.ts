/**
 * The load generator of `npm run bench`: simulated Web Chat visitors on the Direct Line 3.0
 * endpoints (a token, start, the welcome, then a scripted conversation, each message waiting for
 * its reply), a bare POST loop for the express floor, and a check afterwards that every message
 * was answered exactly once. Replies are seen over the conversation's `streamUrl` WebSocket (as
 * Web Chat does when the token response says `webSocket: true`) or, with transport `poll`, by
 * GET …/activities?watermark= every `pollMs`. Talks to 127.0.0.1 only; every loop is bounded by
 * a deadline and a count.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { HOST } from './loadServers';
import { percentile } from './timing';

export type Transport = 'ws' | 'poll';

export interface Activity {
  id: string;
  type: string;
  text?: string;
  replyToId?: string;
  from?: { id?: string; role?: string };
}

/** The bot's reply to the conversation start (it answers no message of the visitor's). */
const WELCOME = '\u0000welcome';

export const APOLOGY_START = 'Sorry, something went wrong on our side';
export const NOT_UNDERSTOOD_START = "Sorry, I'm not sure what you're asking";

/** FAQ questions the assistant answers directly (no clarifying question); two per conversation. */
const FAQS = [
  'what is an EHC needs assessment',
  'how long do I have to appeal',
  'what is SENDIASS',
  'what is the local offer',
  'how do I ask for an EHC needs assessment',
  'how do I complain about the council',
  'what is a mediation certificate',
] as const;
const GREETINGS = ['hello', 'hi there', 'hello'] as const;
const THANKS = ['thanks', 'thank you'] as const;

/** A greeting, two FAQ questions, a word that gets a clarifying question, its first choice, thanks. */
export function script(n: number): string[] {
  const a = FAQS[n % FAQS.length]!;
  const b = FAQS[(n + 3) % FAQS.length]!;
  return [GREETINGS[n % GREETINGS.length]!, a, b, 'mediation', '1', THANKS[n % THANKS.length]!];
}

// ---- HTTP ----------------------------------------------------------------------------------------

class RequestFailed extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

/**
 * node:http with one keep-alive agent rather than fetch: fetch (undici) costs this process about
 * ten times the CPU per request, and on two cores the load generator would then be what limits
 * the fast servers (the express floor above all).
 */
const agent = new http.Agent({
  keepAlive: true,
  maxSockets: Infinity,
  maxFreeSockets: 1024,
  // Idle sockets are dropped here before the server's 5 s keep-alive timeout closes them, so a
  // request never goes out on a socket the server is closing (an ECONNRESET that is no fault of its).
  timeout: 4000,
});

function call(
  base: string,
  step: string,
  path: string,
  options: { method?: string; token?: string; body?: unknown; expect?: number[]; timeoutMs?: number } = {},
): Promise<any> {
  const url = new URL(path, base);
  if (url.hostname !== HOST) return Promise.reject(new RequestFailed(`${step}: not ${HOST}`));
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string | number> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? 'GET', headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => fail(`${step}: ${(error as { code?: string }).code ?? error.name}`));
        response.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString();
          const status = response.statusCode ?? 0;
          if (!(options.expect ?? [200]).includes(status)) {
            let code = '';
            try {
              code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
            } catch {
              // not JSON
            }
            reject(new RequestFailed(`${step}: HTTP ${status}${code ? ` ${code}` : ''}`));
            return;
          }
          try {
            resolve(text ? JSON.parse(text) : undefined);
          } catch {
            reject(new RequestFailed(`${step}: not JSON`));
          }
        });
      },
    );
    const fail = (key: string) => {
      clearTimeout(timer);
      request.destroy();
      reject(new RequestFailed(key));
    };
    const timer = setTimeout(() => fail(`${step}: timeout`), options.timeoutMs ?? 20_000);
    request.on('error', (error) => fail(`${step}: ${(error as { code?: string }).code ?? error.name}`));
    request.end(body);
  });
}

function failureKey(error: unknown): string {
  return error instanceof RequestFailed ? error.key : `client: ${(error as Error)?.name ?? 'error'}`;
}

// ---- one conversation ----------------------------------------------------------------------------

export interface Posted {
  id: string;
  text: string;
}

let userCounter = 0;

export class Session {
  readonly posted: Posted[] = [];
  /** Activities the client received twice (same id), over the stream or polling. */
  deliveredTwice = 0;
  /** The stream ended while the conversation was going on (the client fell back to polling). */
  streamLost = false;
  private readonly seen = new Set<string>();
  private readonly firstReplyAt = new Map<string, bigint>();
  private waiting: { key: string; resolve: (at: bigint) => void } | undefined;
  private socket: WebSocket | undefined;
  private watermark: string | undefined;
  private closing = false;
  private clientActivityIds = 0;

  /** Milliseconds each step of {@link begin} took: token, start, stream (open). */
  readonly steps = { token: 0, start: 0, stream: 0 };

  private constructor(
    readonly base: string,
    readonly conversationId: string,
    readonly token: string,
    readonly userId: string,
    private readonly transport: Transport,
    private readonly pollMs: number,
  ) {}

  /** What Web Chat does: a token from the page's server, start the conversation, open the stream. */
  static async begin(base: string, transport: Transport, pollMs: number): Promise<Session> {
    const t0 = process.hrtime.bigint();
    const issued = await call(base, 'token', '/api/webchat/token', { method: 'POST', body: {} });
    const t1 = process.hrtime.bigint();
    const userId = `bench-${process.pid}-${++userCounter}`;
    const started = await call(base, 'start', '/v3/directline/conversations', {
      method: 'POST',
      token: issued.token,
      body: { user: { id: userId }, locale: 'en-GB' },
      expect: [201],
    });
    const t2 = process.hrtime.bigint();
    const session = new Session(base, started.conversationId, started.token, userId, transport, pollMs);
    session.steps.token = ms(t1 - t0);
    session.steps.start = ms(t2 - t1);
    if (transport === 'ws') {
      if (typeof started.streamUrl !== 'string') throw new RequestFailed('start: no streamUrl');
      await session.openStream(started.streamUrl);
      session.steps.stream = ms(process.hrtime.bigint() - t2);
    }
    return session;
  }

  private openStream(streamUrl: string): Promise<void> {
    const url = new URL(streamUrl);
    if (url.hostname !== HOST) throw new RequestFailed(`stream: not ${HOST}`);
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 20_000 });
      this.socket = socket;
      socket.on('message', (data) => {
        const text = data.toString();
        if (!text) return; // keep-alive
        try {
          const frame = JSON.parse(text) as { activities?: Activity[]; watermark?: string };
          this.received(frame.activities ?? [], process.hrtime.bigint());
          if (frame.watermark !== undefined) this.watermark = frame.watermark;
        } catch {
          // a malformed frame is left out; the transcript check will notice anything missing
        }
      });
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => {
        reject(new RequestFailed(`stream: HTTP ${res.statusCode ?? '?'}`));
        socket.terminate();
      });
      // Before 'open' an error fails the start; after it, 'close' follows and the client polls.
      socket.on('error', (error) => reject(new RequestFailed(`stream: ${(error as { code?: string }).code ?? error.name}`)));
      socket.once('close', () => {
        if (!this.closing) this.streamLost = true;
        this.socket = undefined;
      });
    });
  }

  private received(activities: Activity[], at: bigint): void {
    for (const activity of activities) {
      if (this.seen.has(activity.id)) {
        this.deliveredTwice += 1;
        continue;
      }
      this.seen.add(activity.id);
      if (activity.type !== 'message' || activity.from?.role !== 'bot') continue;
      const key = activity.replyToId ?? WELCOME;
      if (!this.firstReplyAt.has(key)) this.firstReplyAt.set(key, at);
      if (this.waiting?.key === key) this.waiting.resolve(at);
    }
  }

  /** Posts a message; returns the server's id for it. */
  async say(text: string): Promise<string> {
    const posted = await call(this.base, 'post', `/v3/directline/conversations/${this.conversationId}/activities`, {
      method: 'POST',
      token: this.token,
      body: {
        type: 'message',
        text,
        textFormat: 'plain',
        locale: 'en-GB',
        from: { id: this.userId, role: 'user' },
        channelData: { clientActivityID: `${this.conversationId.slice(0, 8)}-${++this.clientActivityIds}` },
      },
    });
    if (typeof posted?.id !== 'string' || !posted.id) throw new RequestFailed('post: no id');
    this.posted.push({ id: posted.id, text });
    return posted.id;
  }

  waitForWelcome(timeoutMs: number): Promise<bigint | undefined> {
    return this.waitFor(WELCOME, timeoutMs);
  }

  /** When the first bot reply to `key` was seen (hrtime), or undefined after `timeoutMs`. */
  async waitFor(key: string, timeoutMs: number): Promise<bigint | undefined> {
    const deadline = Date.now() + timeoutMs;
    const known = this.firstReplyAt.get(key);
    if (known !== undefined) return known;
    if (this.transport === 'ws' && this.socket) {
      const at = await new Promise<bigint | undefined>((resolve) => {
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        const finish = (value: bigint | undefined) => {
          clearTimeout(timer);
          this.socket?.off('close', onClose);
          this.waiting = undefined;
          resolve(value);
        };
        const onClose = () => finish(undefined);
        this.waiting = { key, resolve: finish };
        this.socket!.once('close', onClose);
      });
      if (at !== undefined || !this.streamLost) return at;
    }
    // Polling: the `poll` transport, or after the stream went away.
    while (Date.now() < deadline) {
      const page = await call(this.base, 'poll', this.activitiesPath(this.watermark), { token: this.token });
      this.received(page.activities ?? [], process.hrtime.bigint());
      if (typeof page.watermark === 'string') this.watermark = page.watermark;
      const at = this.firstReplyAt.get(key);
      if (at !== undefined) return at;
      await sleep(this.pollMs);
    }
    return this.firstReplyAt.get(key);
  }

  activitiesPath(watermark?: string): string {
    const query = watermark === undefined ? '' : `?watermark=${encodeURIComponent(watermark)}`;
    return `/v3/directline/conversations/${this.conversationId}/activities${query}`;
  }

  /** The whole transcript, as GET …/activities without a watermark gives it. */
  async transcript(): Promise<Activity[]> {
    const page = await call(this.base, 'transcript', this.activitiesPath(), { token: this.token, timeoutMs: 30_000 });
    return (page.activities ?? []) as Activity[];
  }

  close(): void {
    this.closing = true;
    this.socket?.close(1000);
    this.socket = undefined;
  }
}

// ---- load phases ---------------------------------------------------------------------------------

export interface LatencySummary {
  samples: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  max_ms: number;
}

export function summarise(samplesMs: number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    samples: sorted.length,
    p50_ms: r(percentile(sorted, 50)),
    p95_ms: r(percentile(sorted, 95)),
    p99_ms: r(percentile(sorted, 99)),
    mean_ms: r(sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length)),
    max_ms: r(sorted[sorted.length - 1] ?? 0),
  };
}

export interface Check {
  conversations_checked: number;
  messages_posted: number;
  /** Posted messages with no bot reply in the transcript. */
  lost: number;
  /** Bot replies beyond the first to one message, over all messages. */
  duplicated: number;
  welcome_lost: number;
  welcome_duplicated: number;
  /** Replies that are the adapter's apology for a failed turn. */
  apologies: number;
  /** Replies saying the message was not understood (none are expected with this script). */
  not_understood: number;
  /** Activities the client was sent twice (same id). */
  delivered_twice: number;
  /** Transcripts that could not be read. */
  unreadable: number;
}

export interface DirectLinePhaseResult {
  concurrency: number;
  transport: Transport;
  elapsed_s: number;
  turns: number;
  turns_per_s: number;
  conversations_started: number;
  conversations_completed: number;
  latency: LatencySummary;
  /** Token, start, stream open and the welcome seen. */
  start_latency: LatencySummary;
  /** The steps of the start: POST token, POST conversations, the WebSocket handshake, then the welcome. */
  start_steps: { token: LatencySummary; start: LatencySummary; stream: LatencySummary; welcome: LatencySummary };
  errors: Record<string, number>;
  check: Check;
}

export interface DirectLinePhaseOptions {
  base: string;
  concurrency: number;
  seconds: number;
  transport: Transport;
  pollMs: number;
  /** A message with no reply after this long is given up on (and counted). */
  replyTimeoutMs: number;
  /** Upper bound on conversations started in the phase, whatever the time. */
  maxConversations: number;
  /** Pause between a reply and the next message (0 for as fast as possible). */
  thinkMs?: number;
  /** Conversations are numbered from here, so each phase varies the questions. */
  firstConversation?: number;
  /** Called after each turn (for the soak's per-minute figures). */
  onTurn?: (latencyMs: number) => void;
  /** Keeps every session for the exactly-once check; false keeps only counts (soak). */
  keepSessions?: boolean;
  /** Called when the load itself ends, before the transcripts are read back. */
  onLoadEnd?: () => void;
}

/**
 * `concurrency` visitors, each going through conversations one after another until `seconds` have
 * passed (a visitor finishes the message it is waiting on, then stops). Visitors start spread over
 * the first half second. Then every transcript is read back and checked.
 */
export async function runDirectLinePhase(options: DirectLinePhaseOptions): Promise<DirectLinePhaseResult> {
  const errors: Record<string, number> = {};
  const count = (key: string) => {
    errors[key] = (errors[key] ?? 0) + 1;
  };
  const latencies: number[] = [];
  const startLatencies: number[] = [];
  const steps = { token: [] as number[], start: [] as number[], stream: [] as number[], welcome: [] as number[] };
  const sessions: Session[] = [];
  let started = 0;
  let completed = 0;
  let turns = 0;
  const begin = process.hrtime.bigint();
  const deadline = Date.now() + options.seconds * 1000;
  const spread = Math.min(500, options.seconds * 100);

  const visitor = async (index: number) => {
    await sleep(Math.floor((index * spread) / options.concurrency));
    while (Date.now() < deadline && started < options.maxConversations) {
      const number = (options.firstConversation ?? 0) + started++;
      const t0 = process.hrtime.bigint();
      let session: Session;
      try {
        session = await Session.begin(options.base, options.transport, options.pollMs);
      } catch (error) {
        count(failureKey(error));
        await sleep(100);
        continue;
      }
      if (options.keepSessions !== false) sessions.push(session);
      let finished = false;
      try {
        const welcomed = await session.waitForWelcome(options.replyTimeoutMs);
        if (welcomed === undefined) {
          count('welcome: no reply in time');
          continue;
        }
        startLatencies.push(ms(welcomed - t0));
        steps.token.push(session.steps.token);
        steps.start.push(session.steps.start);
        steps.stream.push(session.steps.stream);
        steps.welcome.push(ms(welcomed - t0) - session.steps.token - session.steps.start - session.steps.stream);
        finished = true;
        for (const text of script(number)) {
          if (Date.now() >= deadline) {
            finished = false;
            break;
          }
          const sent = process.hrtime.bigint();
          const id = await session.say(text);
          const at = await session.waitFor(id, options.replyTimeoutMs);
          if (at === undefined) {
            count('reply: none in time');
            finished = false;
            break;
          }
          const latency = ms(at - sent);
          latencies.push(latency);
          turns += 1;
          options.onTurn?.(latency);
          if (options.thinkMs) await sleep(options.thinkMs);
        }
      } catch (error) {
        count(failureKey(error));
        finished = false;
      } finally {
        if (session.streamLost) count('stream: closed by the server mid-conversation');
        session.close();
      }
      if (finished) completed += 1;
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => visitor(i)));
  const elapsed = Number(process.hrtime.bigint() - begin) / 1e9;
  options.onLoadEnd?.();
  await sleep(300); // late replies (to messages given up on) have a moment to land before the check
  const check = await checkTranscripts(sessions);
  return {
    concurrency: options.concurrency,
    transport: options.transport,
    elapsed_s: Math.round(elapsed * 100) / 100,
    turns,
    turns_per_s: Math.round((turns / elapsed) * 10) / 10,
    conversations_started: started,
    conversations_completed: completed,
    latency: summarise(latencies),
    start_latency: summarise(startLatencies),
    start_steps: {
      token: summarise(steps.token),
      start: summarise(steps.start),
      stream: summarise(steps.stream),
      welcome: summarise(steps.welcome),
    },
    errors,
    check,
  };
}

/** Reads every transcript back (10 at a time) and counts the bot's replies per posted message. */
export async function checkTranscripts(sessions: Session[]): Promise<Check> {
  const check: Check = {
    conversations_checked: 0,
    messages_posted: 0,
    lost: 0,
    duplicated: 0,
    welcome_lost: 0,
    welcome_duplicated: 0,
    apologies: 0,
    not_understood: 0,
    delivered_twice: 0,
    unreadable: 0,
  };
  let next = 0;
  const worker = async () => {
    while (next < sessions.length) {
      const session = sessions[next++]!;
      check.delivered_twice += session.deliveredTwice;
      let activities: Activity[];
      try {
        activities = await session.transcript();
      } catch {
        check.unreadable += 1;
        continue;
      }
      check.conversations_checked += 1;
      const replies = new Map<string, number>();
      for (const activity of activities) {
        if (activity.type !== 'message' || activity.from?.role !== 'bot') continue;
        const key = activity.replyToId ?? WELCOME;
        replies.set(key, (replies.get(key) ?? 0) + 1);
        if (activity.text?.startsWith(APOLOGY_START)) check.apologies += 1;
        if (activity.text?.startsWith(NOT_UNDERSTOOD_START)) check.not_understood += 1;
      }
      const welcomes = replies.get(WELCOME) ?? 0;
      if (welcomes === 0) check.welcome_lost += 1;
      if (welcomes > 1) check.welcome_duplicated += welcomes - 1;
      for (const posted of session.posted) {
        check.messages_posted += 1;
        const n = replies.get(posted.id) ?? 0;
        if (n === 0) check.lost += 1;
        if (n > 1) check.duplicated += n - 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(10, sessions.length) }, () => worker()));
  return check;
}

export interface ExpressPhaseResult {
  concurrency: number;
  elapsed_s: number;
  requests: number;
  rps: number;
  latency: LatencySummary;
  errors: Record<string, number>;
}

/** `concurrency` clients POSTing a message-sized JSON body and reading the JSON answer, back to back. */
export async function runExpressPhase(options: {
  base: string;
  concurrency: number;
  seconds: number;
  maxRequests: number;
}): Promise<ExpressPhaseResult> {
  const errors: Record<string, number> = {};
  const latencies: number[] = [];
  let requests = 0;
  let sent = 0;
  const begin = process.hrtime.bigint();
  const deadline = Date.now() + options.seconds * 1000;
  const spread = Math.min(500, options.seconds * 100);
  const client = async (index: number) => {
    await sleep(Math.floor((index * spread) / options.concurrency));
    while (Date.now() < deadline && sent < options.maxRequests) {
      const number = sent++;
      const texts = script(number);
      const t0 = process.hrtime.bigint();
      try {
        const answer = await call(options.base, 'express', '/api/echo', {
          method: 'POST',
          body: { type: 'message', text: texts[number % texts.length], textFormat: 'plain', locale: 'en-GB', from: { id: 'bench' } },
        });
        if (typeof answer?.text !== 'string') throw new RequestFailed('express: bad answer');
        latencies.push(ms(process.hrtime.bigint() - t0));
        requests += 1;
      } catch (error) {
        const key = failureKey(error);
        errors[key] = (errors[key] ?? 0) + 1;
        await sleep(50);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => client(i)));
  const elapsed = Number(process.hrtime.bigint() - begin) / 1e9;
  return {
    concurrency: options.concurrency,
    elapsed_s: Math.round(elapsed * 100) / 100,
    requests,
    rps: Math.round((requests / elapsed) * 10) / 10,
    latency: summarise(latencies),
    errors,
  };
}

export function ms(nanoseconds: bigint): number {
  return Number(nanoseconds) / 1e6;
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export interface HeldConversations {
  sessions: Session[];
  opened: number;
  answered: number;
  elapsed_s: number;
  errors: Record<string, number>;
}

/**
 * Opens `count` conversations (`concurrency` at a time), each with its stream (WebSocket
 * transport), its welcome and one message answered, and leaves them open: the caller reads the
 * server's memory, then checks and closes them. Bounded by `maxSeconds` as well as by count.
 */
export async function openConversations(options: {
  base: string;
  count: number;
  concurrency: number;
  transport: Transport;
  pollMs: number;
  replyTimeoutMs: number;
  maxSeconds: number;
}): Promise<HeldConversations> {
  const errors: Record<string, number> = {};
  const sessions: Session[] = [];
  let next = 0;
  let answered = 0;
  const begin = process.hrtime.bigint();
  const deadline = Date.now() + options.maxSeconds * 1000;
  const worker = async () => {
    while (next < options.count && Date.now() < deadline) {
      const number = next++;
      try {
        const session = await Session.begin(options.base, options.transport, options.pollMs);
        sessions.push(session);
        if ((await session.waitForWelcome(options.replyTimeoutMs)) === undefined) throw new RequestFailed('welcome: no reply in time');
        const id = await session.say(script(number)[1]!);
        if ((await session.waitFor(id, options.replyTimeoutMs)) === undefined) throw new RequestFailed('reply: none in time');
        answered += 1;
      } catch (error) {
        const key = failureKey(error);
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  return {
    sessions,
    opened: sessions.length,
    answered,
    elapsed_s: Math.round((Number(process.hrtime.bigint() - begin) / 1e9) * 100) / 100,
    errors,
  };
}
