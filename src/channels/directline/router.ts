import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import express, {
  Router,
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { z } from 'zod';
import { ActivityTypes, type Activity } from 'botbuilder';
import { ConversationNotFoundError, type ActivityLog } from './activityLog';
import {
  WEBCHAT_CHANNEL_ID,
  channelAccount,
  conversationAccount,
  type DirectLineAdapter,
  type ErrorLogger,
  type TurnLogic,
} from './adapter';
import { RateLimiter } from './rateLimit';
import { RecentMap } from './recentMap';
import { DirectLineStreams } from './streams';
import { ConversationTokens, type IssuedToken, type TokenClaims } from './tokens';
import { isUnavailable } from './unavailable';

/**
 * The subset of the Direct Line 3.0 REST API that Web Chat 4.18 (botframework-directlinejs
 * 0.15.5) uses, plus `POST /api/webchat/token` for the page to get a token. With `streaming`
 * (see {@link createDirectLine}) conversations also get a `streamUrl` WebSocket (streams.ts).
 */

export interface DirectLineRouterOptions {
  adapter: DirectLineAdapter;
  logic: TurnLogic;
  log: ActivityLog;
  /** At least 32 characters; never sent to browsers. */
  tokenSecret: string;
  /** Web Chat refreshes every 15 minutes, so use at least 1200 (Direct Line uses 1800). */
  tokenTtlSeconds: number;
  /** Maps the name a page asks for to a tenant id, or undefined when there is no such council. */
  resolveTenant: (name?: string) => string | undefined;
  defaultTenant: string;
  botId: string;
  botName: string;
  /** Origins of other sites allowed to embed the chat (CORS). Same-origin needs nothing here. */
  allowedOrigins?: string[];
  logger?: ErrorLogger;
  /**
   * Turns on the `streamUrl` WebSocket: start and reconnect responses carry a `streamUrl`, and the
   * token response says `"webSocket": true`. Only with {@link createDirectLine}, whose caller
   * attaches the streams to its HTTP server.
   */
  streaming?: StreamingOptions;
  /** Limits `POST /api/webchat/token` per client address (429 with Retry-After beyond it). */
  tokenRateLimit?: { max: number; windowSeconds: number };
  /** The client's address for rate limits. Default `req.ip` (which honours express's trust proxy). */
  clientIp?: (req: Request) => string;
}

export interface StreamingOptions {
  maxPerConversation?: number;
  maxPerAddress?: number;
  keepAliveMs?: number;
  /** For the WebSocket upgrade, which never reaches express. Default: the socket's address. */
  clientAddress?: (req: IncomingMessage) => string;
}

export interface DirectLine {
  router: Router;
  /** Present with `streaming`: call `streams.attach(server)` once the HTTP server exists. */
  streams?: DirectLineStreams;
}

export const MAX_MESSAGE_LENGTH = 5000;
const MAX_BODY = '64kb';
const CORS_ALLOWED_HEADERS = 'authorization, content-type, x-ms-bot-agent, x-requested-with';

const tokenRequestSchema = z.object({ tenant: z.string().min(1).max(100).optional() });

const startConversationSchema = z.object({
  user: z.object({ id: z.string().min(1).max(128).optional() }).optional(),
  locale: z.string().min(1).max(20).optional(),
});

const clientActivitySchema = z.object({
  type: z.string().min(1).max(50),
  text: z.string().optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  locale: z.string().min(1).max(20).optional(),
  name: z.string().min(1).max(100).optional(),
  value: z.unknown().optional(),
  from: z.object({ id: z.string().min(1).max(128).optional(), name: z.string().max(100).optional() }).optional(),
  attachments: z.array(z.unknown()).optional(),
  channelData: z
    .object({ clientActivityID: z.string().max(100).optional(), clientTimestamp: z.string().max(50).optional() })
    .optional(),
  localTimestamp: z.string().max(50).optional(),
  localTimezone: z.string().max(64).optional(),
});
type ClientActivity = z.infer<typeof clientActivitySchema>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The REST router alone: no `streamUrl`, so clients poll (Web Chat with `webSocket: false`). */
export function createDirectLineRouter(options: DirectLineRouterOptions): Router {
  return createDirectLine({ ...options, streaming: undefined }).router;
}

export function createDirectLine(options: DirectLineRouterOptions): DirectLine {
  const { adapter, logic, log, resolveTenant, defaultTenant } = options;
  const logger = options.logger ?? console;
  const tokens = new ConversationTokens({ secret: options.tokenSecret, ttlSeconds: options.tokenTtlSeconds });
  const bot = channelAccount(options.botId, options.botName, 'bot');
  const json = express.json({ limit: MAX_BODY });
  const router = Router();
  const streams = options.streaming
    ? new DirectLineStreams({
        log,
        tokens,
        allowedOrigins: options.allowedOrigins,
        maxPerConversation: options.streaming.maxPerConversation,
        maxPerAddress: options.streaming.maxPerAddress,
        keepAliveMs: options.streaming.keepAliveMs,
        clientAddress: options.streaming.clientAddress,
        logger,
      })
    : undefined;
  const tokenLimiter = options.tokenRateLimit ? new RateLimiter(options.tokenRateLimit) : undefined;
  const clientIp = options.clientIp ?? ((req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown');

  router.use(['/api/webchat', '/v3/directline'], noStore, cors(options.allowedOrigins ?? []));

  /** Conversations known to be started: that never changes back, so they need no second look. */
  const started = new RecentMap<true>(10_000);

  function claimsFor(req: Request): TokenClaims {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match?.[1]) throw new HttpError(401, 'missing_token', 'An "Authorization: Bearer <token>" header is required.');
    const check = tokens.verify(match[1]);
    if (check.status === 'invalid') throw new HttpError(401, 'invalid_token', 'The token is not valid.');
    if (check.status === 'expired') throw new HttpError(403, 'token_expired', 'The token has expired.');
    return check.claims;
  }

  function forThisConversation(claims: TokenClaims, conversationId: string | undefined): string {
    if (conversationId !== claims.conversationId) {
      throw new HttpError(403, 'wrong_conversation', 'The token is for a different conversation.');
    }
    return conversationId;
  }

  async function requireConversation(claims: TokenClaims, conversationId = claims.conversationId): Promise<string> {
    forThisConversation(claims, conversationId);
    if (!(await log.exists(conversationId))) throw new ConversationNotFoundError(conversationId);
    return conversationId;
  }

  /** Runs the greeting turn the first time any caller starts the conversation, never again. */
  async function startOnce(claims: TokenClaims, userId: string, locale?: string): Promise<boolean> {
    if (started.has(claims.conversationId)) return false;
    if (!(await log.markStarted(claims.conversationId))) return false;
    started.set(claims.conversationId, true);
    const user = channelAccount(userId, undefined, 'user');
    void adapter.processActivity(
      {
        type: ActivityTypes.ConversationUpdate,
        id: randomUUID(),
        channelId: WEBCHAT_CHANNEL_ID,
        conversation: conversationAccount(claims.conversationId),
        from: user,
        recipient: bot,
        membersAdded: [user, bot],
        timestamp: new Date(),
        locale,
        channelData: { tenant: claims.tenant },
      },
      logic,
    );
    return true;
  }

  router.post(
    '/api/webchat/token',
    json,
    handle(async (req, res) => {
      const body = parse(tokenRequestSchema, req.body ?? {}, 'The body must be {} or {"tenant": "<council name>"}.');
      const tenant = body.tenant === undefined ? defaultTenant : resolveTenant(body.tenant);
      if (!tenant) throw new HttpError(400, 'unknown_tenant', 'There is no web chat for that council.');
      // Counts the conversations an address starts (a refused request costs nothing to store).
      const decision = tokenLimiter?.take(clientIp(req));
      if (decision && !decision.allowed) {
        res.setHeader('Retry-After', String(decision.retryAfterSeconds));
        throw new HttpError(429, 'too_many_requests', 'Too many new chats from this address. Please wait a little and try again.');
      }
      const conversationId = newConversationId();
      await log.create(conversationId, { tenant });
      adapter.conversationCreated(conversationId);
      // Tells this project's own pages (chat.js, widget.js) whether to ask Web Chat for a WebSocket.
      res.json({ ...tokenResponse(tokens.issue(conversationId, tenant)), ...(streams && { webSocket: true }) });
    }),
  );

  router.post(
    '/v3/directline/tokens/refresh',
    handle(async (req, res) => {
      const claims = claimsFor(req);
      await requireConversation(claims);
      res.json(tokenResponse(tokens.issue(claims.conversationId, claims.tenant)));
    }),
  );

  router.post(
    '/v3/directline/conversations',
    json,
    handle(async (req, res) => {
      const claims = claimsFor(req);
      const body = parse(startConversationSchema, req.body ?? {}, 'The body must be a conversation start request.');
      await requireConversation(claims);
      const started = await startOnce(claims, body.user?.id ?? defaultUserId(claims.conversationId), body.locale);
      recover(claims);
      res.status(started ? 201 : 200).json(conversationResponse(req, tokens.issue(claims.conversationId, claims.tenant)));
    }),
  );

  router.get(
    '/v3/directline/conversations/:conversationId',
    handle(async (req, res) => {
      const claims = claimsFor(req);
      await requireConversation(claims, req.params.conversationId);
      const watermark = parseWatermark(req.query.watermark);
      recover(claims);
      res.json(conversationResponse(req, tokens.issue(claims.conversationId, claims.tenant), watermark));
    }),
  );

  router.post(
    '/v3/directline/conversations/:conversationId/activities',
    json,
    handle(async (req, res) => {
      const claims = claimsFor(req);
      // Whether the conversation still exists is found out by storing the activity (404 if not).
      const conversationId = forThisConversation(claims, req.params.conversationId);
      const incoming = validateClientActivity(req.body);

      // Nothing in the web chat needs the user's typing indicator, so it is acknowledged and dropped.
      if (incoming.type === ActivityTypes.Typing) {
        await requireConversation(claims, conversationId);
        res.json({ id: '' });
        return;
      }

      const from = channelAccount(incoming.from?.id ?? defaultUserId(conversationId), incoming.from?.name, 'user');
      await startOnce(claims, from.id, incoming.locale);
      // Stored before the turn so the client sees its own message echoed (with its
      // clientActivityID) ahead of any reply.
      const userActivity = {
        type: incoming.type,
        text: incoming.text?.trim(),
        textFormat: incoming.textFormat,
        locale: incoming.locale,
        name: incoming.name,
        value: incoming.value,
        from,
        recipient: bot,
        conversation: conversationAccount(conversationId),
        channelId: WEBCHAT_CHANNEL_ID,
        channelData: incoming.channelData,
        localTimestamp: incoming.localTimestamp,
        localTimezone: incoming.localTimezone,
      };
      let stored: Awaited<ReturnType<ActivityLog['append']>>;
      try {
        stored = await log.append(conversationId, userActivity as Partial<Activity>);
      } catch (error) {
        // The store may have kept it all the same (the commit went through, its acknowledgement
        // was lost with the connection): then it is owed a turn, run once the store is back.
        if (isUnavailable(error)) adapter.retryOwedTurns(conversationId, logic, { tenant: claims.tenant });
        throw error;
      }
      started.set(conversationId, true); // by the greeting just now, or before: it exists
      // Its turn runs after any turns the conversation still owes (see DirectLineAdapter): were
      // the process to die before it ran, the next one runs it.
      void adapter.processStored(stored, logic, { tenant: claims.tenant });
      res.json({ id: stored.id });
    }),
  );

  router.post(
    '/v3/directline/conversations/:conversationId/upload',
    handle(async (req) => {
      await requireConversation(claimsFor(req), req.params.conversationId);
      throw new HttpError(400, 'attachments_not_accepted', 'Attachments are not accepted.');
    }),
  );

  router.get(
    '/v3/directline/conversations/:conversationId/activities',
    handle(async (req, res) => {
      const claims = claimsFor(req);
      const conversationId = await requireConversation(claims, req.params.conversationId);
      const page = await log.since(conversationId, parseWatermark(req.query.watermark));
      recover(claims);
      res.json({ activities: page.activities, watermark: String(page.watermark) });
    }),
  );

  router.use(['/api/webchat', '/v3/directline'], (_req: Request, res: Response) => {
    sendError(res, 404, 'not_found', 'There is no such endpoint.');
  });

  router.use(errorHandler(logger));

  /** After a restart, the first request to touch a conversation runs the turns a crash left owed. */
  function recover(claims: TokenClaims): void {
    void adapter.recover(claims.conversationId, logic, { tenant: claims.tenant });
  }

  /** Direct Line's start and reconnect responses; the stream URL carries the new token and the watermark. */
  function conversationResponse(req: Request, issued: IssuedToken, watermark?: number) {
    const response = tokenResponse(issued);
    if (!streams) return response;
    const host = publicHost(req);
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) {
      throw new HttpError(400, 'invalid_host', 'The Host header is not valid.');
    }
    const query = new URLSearchParams();
    if (watermark !== undefined) query.set('watermark', String(watermark));
    query.set('t', issued.token);
    const scheme = req.protocol === 'https' ? 'wss' : 'ws';
    const path = `/v3/directline/conversations/${encodeURIComponent(issued.conversationId)}/stream`;
    return { ...response, streamUrl: `${scheme}://${host}${path}?${query}` };
  }

  return { router, streams };
}

function validateClientActivity(body: unknown): ClientActivity {
  const activity = parse(clientActivitySchema, body, 'The body must be a JSON activity with a "type".');
  if (activity.attachments && activity.attachments.length > 0) {
    throw new HttpError(400, 'attachments_not_accepted', 'Attachments are not accepted.');
  }
  switch (activity.type) {
    case ActivityTypes.Message: {
      const text = activity.text?.trim() ?? '';
      if (text.length > MAX_MESSAGE_LENGTH) {
        throw new HttpError(400, 'text_too_long', `Messages can be at most ${MAX_MESSAGE_LENGTH} characters long.`);
      }
      if (text.length === 0 && activity.value === undefined) {
        throw new HttpError(400, 'empty_message', 'A message needs some text.');
      }
      return activity;
    }
    case ActivityTypes.Event:
      if (!activity.name) throw new HttpError(400, 'invalid_activity', 'An event needs a "name".');
      return activity;
    case ActivityTypes.Typing:
      return activity;
    default:
      throw new HttpError(400, 'unsupported_activity_type', 'Only message, event and typing activities are accepted.');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, message: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, 'invalid_request', message);
  return result.data;
}

function parseWatermark(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    throw new HttpError(400, 'invalid_watermark', 'The watermark must be a whole number.');
  }
  return Number(value);
}

/** The host the client used: Host, or X-Forwarded-Host from a trusted proxy (as express's req.hostname, port kept). */
function publicHost(req: Request): string {
  const trust = req.app.get('trust proxy fn') as ((address: string, hop: number) => boolean) | undefined;
  const forwarded = req.get('x-forwarded-host');
  if (forwarded && trust?.(req.socket.remoteAddress ?? '', 0)) return forwarded.split(',')[0]!.trim();
  return req.get('host') ?? '';
}

function tokenResponse(issued: IssuedToken) {
  return { conversationId: issued.conversationId, token: issued.token, expires_in: issued.expiresIn };
}

function newConversationId(): string {
  return randomBytes(16).toString('base64url');
}

/** Conversation-scoped, so user state is never shared between people who send no user id. */
function defaultUserId(conversationId: string): string {
  return `user-${conversationId}`;
}

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function handle(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch(next);
  };
}

function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}

function cors(allowedOrigins: string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (!origin || !allowedOrigins.includes(origin)) return next();
    res.vary('Origin');
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (req.method !== 'OPTIONS') {
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
      return next();
    }
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
    res.sendStatus(204);
  };
}

/** How long a client is asked to wait after a 503 while the database is unreachable. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * body-parser errors carry a `type` and a 4xx `status`; an unreachable database is 503 (the
 * client tries again); everything else is our fault.
 */
function errorHandler(logger: ErrorLogger): ErrorRequestHandler {
  let lastUnavailableLog = 0;
  let unlogged = 0;
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof HttpError) return sendError(res, error.status, error.code, error.message);
    if (error instanceof ConversationNotFoundError) {
      return sendError(res, 404, 'conversation_not_found', 'The conversation does not exist or has ended.');
    }

    const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
    if (type === 'entity.too.large') return sendError(res, 413, 'body_too_large', `The body must be at most ${MAX_BODY}.`);
    if (type === 'entity.parse.failed') return sendError(res, 400, 'invalid_json', 'The body is not valid JSON.');
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendError(res, status, 'bad_request', 'The request could not be read.');
    }
    if (isUnavailable(error)) {
      // One line every 10 s at most: during an outage every request fails so.
      const now = Date.now();
      if (now - lastUnavailableLog >= 10_000) {
        logger.error('Direct Line unavailable: the store cannot be reached', {
          errorName: error instanceof Error ? error.name : typeof error,
          alsoFailed: unlogged,
        });
        lastUnavailableLog = now;
        unlogged = 0;
      } else {
        unlogged += 1;
      }
      res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      return sendError(res, 503, 'service_unavailable', 'The chat is unavailable for a moment. Please try again shortly.');
    }

    logger.error('Direct Line request failed', {
      errorName: error instanceof Error ? error.name : typeof error,
      stack: error instanceof Error ? (error.stack ?? '').split('\n').slice(1).join('\n') : undefined,
    });
    sendError(res, 500, 'internal_error', 'Something went wrong on our side.');
  };
}
