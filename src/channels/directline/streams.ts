import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { ConversationNotFoundError, type ActivityLog, type StoredActivity } from './activityLog';
import type { ErrorLogger } from './adapter';
import type { ConversationTokens, TokenClaims } from './tokens';

/**
 * Direct Line 3.0 `streamUrl` WebSockets: what botframework-directlinejs 0.15.5 (Web Chat 4.18)
 * opens when `webSocket` is on. The client takes the URL from `POST /conversations` and, after a
 * dropped socket, from `GET /conversations/:id?watermark=N`, so it names the conversation, the
 * client's watermark and a token (`t`). The server pushes `{"activities":[…],"watermark":"N"}`
 * frames and empty keep-alive frames; the client only ever sends empty frames.
 *
 * On (re)connection everything after the watermark is sent first; after that each connection
 * reads the log from its own watermark whenever the log announces an append for its conversation
 * (by any instance sharing the log), one read at a time. So a client that reconnects with the
 * last watermark it received gets every activity exactly once, in order. Announcements are best
 * effort, so every connection also re-reads the log at each keep-alive. An activity appended in
 * this process goes straight to the connections that have everything before it and are not
 * reading: the others read the log as above.
 */

export const STREAM_PATH = /^\/v3\/directline\/conversations\/([A-Za-z0-9_-]{1,128})\/stream$/;

export interface DirectLineStreamsOptions {
  log: ActivityLog;
  tokens: ConversationTokens;
  /** Other sites allowed to open streams from a browser (an `Origin` header), besides this host. */
  allowedOrigins?: string[];
  /** Open streams per conversation; more are refused with 429. Default 4. */
  maxPerConversation?: number;
  /** Open streams per client address; more are refused with 429. Default 50. */
  maxPerAddress?: number;
  /** Keep-alive frames, dead-peer checks and the re-read of the log happen this often. Default 15 s. */
  keepAliveMs?: number;
  /** How often streams are read when the log cannot announce appends. Default 1 s. */
  pollMs?: number;
  /** A client this far behind (bytes queued) is cut off; it reconnects with its watermark. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** The client's address for the per-address limit (e.g. honouring trusted proxies). */
  clientAddress?: (req: IncomingMessage) => string;
  logger?: ErrorLogger;
  now?: () => number;
}

/** Close codes: 1000 for an expired token or an ended conversation (the client asks for a new URL). */
const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;
const MAX_INCOMING_BYTES = 4096;
/**
 * After the log reports a gap in its notices (or a read fails), streams poll for this long: the
 * store's connection for notices may be down until a while after the database is back.
 */
const GAP_POLL_MS = 30_000;

class StreamConnection {
  watermark: number | undefined;
  alive = true;
  private reading = false;
  private again = false;
  expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: WebSocket,
    readonly conversationId: string,
    readonly address: string,
    watermark: number | undefined,
    private readonly streams: DirectLineStreams,
  ) {
    this.watermark = watermark;
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends what the log has after this connection's watermark; calls made meanwhile read again after. */
  async pump(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        if (!this.open) return;
        const page = await this.streams.read(this.conversationId, this.watermark);
        if (!this.open) return;
        if (page.activities.length > 0 && !this.send(frame(page.activities, page.watermark))) return;
        this.watermark = page.watermark;
      } while (this.again);
    } catch (error) {
      if (error instanceof ConversationNotFoundError) {
        this.close(CLOSE_NORMAL, 'conversation ended');
        return;
      }
      // Left for the next announcement or keep-alive; the client keeps its watermark meanwhile.
      this.streams.readFailed(error);
    } finally {
      this.reading = false;
    }
  }

  /**
   * Sends the activity numbered `seq` without reading the log when it is the very next one for
   * this connection and no read is under way (whose outcome would move the watermark after
   * this); otherwise reads the log, as for an announcement.
   */
  deliver(seq: number, frameOf: () => string): void {
    if (this.reading || this.watermark !== seq - 1) {
      if (this.watermark === undefined || seq > this.watermark) void this.pump();
      return;
    }
    if (this.open && this.send(frameOf())) this.watermark = seq;
  }

  /** False, with the socket cut off, for a client too far behind: it reconnects with its watermark. */
  private send(data: string): boolean {
    if (this.socket.bufferedAmount > this.streams.maxBufferedBytes) {
      this.socket.terminate();
      return false;
    }
    this.socket.send(data);
    return true;
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }
}

type Rejection = { status: number; code: string; message: string; retryAfter?: number };

export class DirectLineStreams {
  readonly maxBufferedBytes: number;
  private readonly log: ActivityLog;
  private readonly tokens: ConversationTokens;
  private readonly allowedOrigins: Set<string>;
  private readonly maxPerConversation: number;
  private readonly maxPerAddress: number;
  private readonly keepAliveMs: number;
  private readonly pollMs: number;
  private readonly clientAddress: (req: IncomingMessage) => string;
  private readonly logger: ErrorLogger;
  private readonly now: () => number;
  private readonly wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_INCOMING_BYTES,
  });
  private readonly byConversation = new Map<string, Set<StreamConnection>>();
  /** Counted from the moment a request is accepted for checking, so parallel requests cannot overshoot. */
  private readonly perAddress = new Map<string, number>();
  private readonly perConversation = new Map<string, number>();
  private watching: Promise<boolean> | undefined;
  /** True once the log announces appends; until then (or without watch()) streams poll. */
  private announced = false;
  private unwatch: (() => Promise<void>) | undefined;
  private readonly stopLocalAppends: (() => void) | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Until then streams poll even though the log announces appends (see {@link GAP_POLL_MS}). */
  private pollUntil = 0;
  private readonly servers = new Set<Server>();
  private closed = false;
  private lastReadErrorLog = 0;

  constructor(options: DirectLineStreamsOptions) {
    this.log = options.log;
    this.tokens = options.tokens;
    this.allowedOrigins = new Set(options.allowedOrigins ?? []);
    this.maxPerConversation = options.maxPerConversation ?? 4;
    this.maxPerAddress = options.maxPerAddress ?? 50;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
    this.pollMs = options.pollMs ?? 1000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.clientAddress = options.clientAddress ?? ((req) => req.socket.remoteAddress ?? 'unknown');
    this.logger = options.logger ?? console;
    this.now = options.now ?? Date.now;
    this.stopLocalAppends = this.log.onLocalAppend?.((conversationId, activity, seq) => this.onLocalAppend(conversationId, activity, seq));
  }

  /** Open streams, over all conversations. */
  get size(): number {
    let count = 0;
    for (const set of this.byConversation.values()) count += set.size;
    return count;
  }

  /**
   * Handles WebSocket upgrades on `server` for stream paths. Other upgrade requests are refused
   * with 404 unless something else listens for upgrades too.
   */
  attach(server: Server): void {
    if (this.servers.has(server)) return;
    this.servers.add(server);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.handleUpgrade(req, socket, head)) return;
      if (server.listenerCount('upgrade') === 1) reject(socket, { status: 404, code: 'not_found', message: 'There is no such endpoint.' });
    });
  }

  /** Takes the upgrade if it is for a stream (true), whatever the outcome; false leaves it alone. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = parseUrl(req.url);
    const match = url && STREAM_PATH.exec(url.pathname);
    if (!url || !match) return false;
    socket.on('error', () => undefined); // a client that vanishes mid-handshake is no error of ours
    void this.accept(req, socket, head, match[1]!, url.searchParams);
    return true;
  }

  /**
   * Closes every open stream with 1001 ("going away"): clients fetch a new streamUrl and reconnect,
   * to another instance if there is one. New streams are still accepted; see close().
   */
  goingAway(): void {
    for (const set of this.byConversation.values()) {
      for (const connection of set) connection.close(CLOSE_GOING_AWAY, 'server shutting down');
    }
  }

  /** Closes every stream (1001), refuses new ones (503) and stops listening for appends. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAliveTimer);
    clearInterval(this.pollTimer);
    this.stopLocalAppends?.();
    this.goingAway();
    await this.watching?.catch(() => false);
    await this.unwatch?.().catch(() => undefined);
    this.unwatch = undefined;
  }

  /**
   * Ends the streams of one conversation (e.g. when it is deleted): closed with 1000, or with
   * `abrupt` dropped without a closing handshake, as a failing network would. Returns how many.
   */
  disconnect(conversationId: string, options: { abrupt?: boolean } = {}): number {
    const connections = [...(this.byConversation.get(conversationId) ?? [])];
    for (const connection of connections) {
      if (options.abrupt) connection.socket.terminate();
      else connection.close(CLOSE_NORMAL, 'conversation ended');
    }
    return connections.length;
  }

  /** Open streams of one conversation. */
  count(conversationId: string): number {
    return this.byConversation.get(conversationId)?.size ?? 0;
  }

  /** @internal */
  read(conversationId: string, watermark: number | undefined) {
    return this.log.since(conversationId, watermark);
  }

  /** @internal At most one log line a minute: a database outage would otherwise flood the log. */
  readFailed(error: unknown): void {
    this.gap();
    const now = this.now();
    if (now - this.lastReadErrorLog < 60_000) return;
    this.lastReadErrorLog = now;
    this.logger.error('Direct Line streams could not read or watch the activity log', {
      errorName: error instanceof Error ? error.name : typeof error,
    });
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer, conversationId: string, query: URLSearchParams): Promise<void> {
    const checked = this.check(req, conversationId, query);
    if ('status' in checked) return reject(socket, checked);

    const address = this.clientAddress(req);
    if ((this.perAddress.get(address) ?? 0) >= this.maxPerAddress) {
      return reject(socket, { status: 429, code: 'too_many_streams', message: 'Too many open chats from this address.', retryAfter: 30 });
    }
    if ((this.perConversation.get(conversationId) ?? 0) >= this.maxPerConversation) {
      return reject(socket, { status: 429, code: 'too_many_streams', message: 'Too many open streams for this conversation.', retryAfter: 30 });
    }
    increment(this.perAddress, address);
    increment(this.perConversation, conversationId);
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      decrement(this.perAddress, address);
      decrement(this.perConversation, conversationId);
    };

    try {
      if (!(await this.log.exists(conversationId))) {
        release();
        return reject(socket, { status: 404, code: 'conversation_not_found', message: 'The conversation does not exist or has ended.' });
      }
      // Announcements must flow before the first read, or an append in between would wait for a sweep.
      await this.startWatching();
    } catch (error) {
      release();
      this.readFailed(error);
      return reject(socket, { status: 503, code: 'unavailable', message: 'The chat is unavailable for a moment.', retryAfter: 5 });
    }
    if (this.closed || socket.destroyed) {
      release();
      if (!socket.destroyed) reject(socket, { status: 503, code: 'unavailable', message: 'The server is shutting down.', retryAfter: 5 });
      return;
    }

    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new StreamConnection(ws, conversationId, address, checked.watermark, this);
      this.register(connection, release, checked.claims.expiresAt);
    });
  }

  /** Token checks as for the REST calls: 401 without a valid token, 403 expired or for another conversation. */
  private check(
    req: IncomingMessage,
    conversationId: string,
    query: URLSearchParams,
  ): Rejection | { claims: TokenClaims; watermark: number | undefined } {
    if (this.closed) return { status: 503, code: 'unavailable', message: 'The server is shutting down.', retryAfter: 5 };
    if (req.method !== 'GET') return { status: 405, code: 'method_not_allowed', message: 'Streams are opened with GET.' };
    const origin = req.headers.origin;
    // Only browsers send Origin, and they cannot set X-Forwarded-Host: a proxy's is as good as Host.
    const forwardedHost = String(req.headers['x-forwarded-host'] ?? '').split(',')[0]!.trim();
    if (origin !== undefined && !this.allowedOrigins.has(origin) && !sameHost(origin, req.headers.host) && !sameHost(origin, forwardedHost)) {
      return { status: 403, code: 'origin_not_allowed', message: 'This site may not open the chat.' };
    }
    const token = query.get('t') ?? bearer(req);
    if (!token) return { status: 401, code: 'missing_token', message: 'A token ("t") is required.' };
    const check = this.tokens.verify(token);
    if (check.status === 'invalid') return { status: 401, code: 'invalid_token', message: 'The token is not valid.' };
    if (check.status === 'expired') return { status: 403, code: 'token_expired', message: 'The token has expired.' };
    if (check.claims.conversationId !== conversationId) {
      return { status: 403, code: 'wrong_conversation', message: 'The token is for a different conversation.' };
    }
    const watermark = parseWatermark(query.get('watermark'));
    if (watermark === null) return { status: 400, code: 'invalid_watermark', message: 'The watermark must be a whole number.' };
    return { claims: check.claims, watermark };
  }

  private register(connection: StreamConnection, release: () => void, expiresAtSeconds: number): void {
    const { socket, conversationId } = connection;
    let set = this.byConversation.get(conversationId);
    if (!set) {
      set = new Set();
      this.byConversation.set(conversationId, set);
    }
    set.add(connection);
    this.ensureTimers();

    connection.expiryTimer = setTimeout(() => connection.close(CLOSE_NORMAL, 'token expired'), expiryDelayMs(expiresAtSeconds, this.now()));
    connection.expiryTimer.unref();

    // The client only sends empty frames (its own keep-alive): nothing to read.
    socket.on('message', () => {
      connection.alive = true;
    });
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('error', () => undefined); // followed by 'close'
    socket.on('close', () => {
      clearTimeout(connection.expiryTimer);
      const current = this.byConversation.get(conversationId);
      current?.delete(connection);
      if (current && current.size === 0) this.byConversation.delete(conversationId);
      release();
    });

    void connection.pump();
  }

  /** Called for every append in any instance: only this conversation's streams read the log. */
  private onAppend(conversationId: string, seq: number): void {
    for (const connection of this.byConversation.get(conversationId) ?? []) {
      if (connection.watermark === undefined || seq > connection.watermark) void connection.pump();
    }
  }

  /**
   * Called synchronously for every append in this process, before its announcement: so a stream
   * sent the activity here has moved its watermark past it by the time the announcement comes.
   */
  private onLocalAppend(conversationId: string, activity: StoredActivity, seq: number): void {
    const connections = this.byConversation.get(conversationId);
    if (!connections) return;
    let data: string | undefined;
    const frameOf = () => (data ??= frame([activity], seq));
    for (const connection of connections) connection.deliver(seq, frameOf);
  }

  /**
   * Resolves once the log announces appends to this hub, or once that has failed: then the streams
   * poll the log every `pollMs` until a later connection manages to start watching. Never rejects.
   */
  private async startWatching(): Promise<void> {
    if (!this.log.watch) return;
    if (!this.watching) {
      const attempt = this.log
        .watch(
          (conversationId, seq) => this.onAppend(conversationId, seq),
          () => this.gap(),
        )
        .then(async (unwatch) => {
          if (this.closed) {
            await unwatch().catch(() => undefined);
            return false;
          }
          this.unwatch = unwatch;
          this.announced = true;
          if (!this.polling) {
            clearInterval(this.pollTimer);
            this.pollTimer = undefined;
          }
          return true;
        });
      this.watching = attempt;
      attempt.catch((error: unknown) => {
        if (this.watching === attempt) this.watching = undefined;
        this.readFailed(error);
      });
    }
    await this.watching.catch(() => false);
  }

  /** Notices may have been missed: every stream re-reads the log every `pollMs` for a while. */
  private gap(): void {
    if (this.closed) return;
    this.pollUntil = this.now() + GAP_POLL_MS;
    if (this.byConversation.size > 0) this.ensureTimers();
  }

  private get polling(): boolean {
    return !this.announced || this.now() < this.pollUntil;
  }

  private ensureTimers(): void {
    if (this.closed) return;
    if (!this.keepAliveTimer) {
      this.keepAliveTimer = setInterval(() => this.keepAlive(), this.keepAliveMs);
      this.keepAliveTimer.unref();
    }
    if (this.polling && !this.pollTimer) {
      this.pollTimer = setInterval(() => this.sweep(), this.pollMs);
      this.pollTimer.unref();
    }
  }

  private keepAlive(): void {
    for (const set of this.byConversation.values()) {
      for (const connection of set) {
        if (!connection.alive) {
          connection.socket.terminate();
          continue;
        }
        connection.alive = false;
        if (!connection.open) continue;
        connection.socket.ping();
        connection.socket.send('');
      }
    }
    this.sweep();
  }

  private sweep(): void {
    if (this.pollTimer && !this.polling) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
    for (const set of this.byConversation.values()) {
      for (const connection of set) void connection.pump();
    }
  }
}

/**
 * How long until a stream's token expires, rounded up to whole seconds (tokens expire on a second
 * anyway). Node keeps a list of timers per distinct duration, and when an unref'd timer is cleared
 * its list is left in place, empty, until that duration has passed: with a duration to the
 * millisecond, every stream that closes before its token expires would leave a list behind for
 * the token's lifetime (up to a day), so the heap would grow with the streams served. In whole
 * seconds there are at most as many lists as the lifetime has seconds, however many streams.
 */
export function expiryDelayMs(expiresAtSeconds: number, nowMs: number): number {
  return Math.ceil(Math.max(0, expiresAtSeconds * 1000 - nowMs) / 1000) * 1000;
}

function frame(activities: StoredActivity[], watermark: number): string {
  return JSON.stringify({ activities, watermark: String(watermark) });
}

function reject(socket: Duplex, rejection: Rejection): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code: rejection.code, message: rejection.message } });
  const headers = [
    `HTTP/1.1 ${rejection.status} ${STATUS_CODES[rejection.status] ?? 'Error'}`,
    'Connection: close',
    'Cache-Control: no-store',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(rejection.retryAfter !== undefined ? [`Retry-After: ${rejection.retryAfter}`] : []),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

function parseUrl(raw: string | undefined): URL | undefined {
  if (!raw || raw.length > 4096) return undefined;
  try {
    return new URL(raw, 'http://stream.invalid');
  } catch {
    return undefined;
  }
}

/** undefined when absent, null when malformed. */
function parseWatermark(value: string | null): number | undefined | null {
  if (value === null || value === '') return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : null;
}

function bearer(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function decrement(counts: Map<string, number>, key: string): void {
  const next = (counts.get(key) ?? 1) - 1;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

/**
 * The client's address as express's `req.ip` works it out (proxy-addr's rule): walking from the
 * socket's peer back along `X-Forwarded-For`, the first address that `trust` does not vouch for.
 * Pass express's compiled `app.get('trust proxy fn')`; without it, the socket's peer.
 */
export function clientAddress(req: IncomingMessage, trust?: (address: string, hop: number) => boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trust) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .reverse();
  const chain = [peer, ...forwarded];
  for (let hop = 0; hop < chain.length - 1; hop++) {
    if (!trust(chain[hop]!, hop)) return chain[hop]!;
  }
  return chain[chain.length - 1]!;
}
