import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { DeskEvent, HandoffDesk } from '../handoff/types';
import { errorFields, type log as defaultLog } from '../log';
import type { Handoff } from '../store/store';
import { normaliseUsername, verifyPassword, type AdviserAccounts } from './accounts';
import { AdviserAuth, SignInLimiter, type AdviserPrincipal, type SignInLimitOptions } from './session';
import { USERNAME_PATTERN, type AdviserToken } from './tokens';

/**
 * The adviser console at /advisers: the page (web/advisers), its assets, and a JSON API over the
 * hand-off desk, with live updates as Server-Sent Events. Mount it with
 * `app.use('/advisers', createAdviserRouter({...}))`.
 *
 * Every API route but sign-in needs a session cookie or a bearer token. The desk checks what each
 * adviser may see and do (and keeps the audit log); this router only turns the account into the
 * desk's AdviserIdentity and explains refusals. Everything a member of the public typed is sent as
 * JSON strings and the page puts it in the DOM as text.
 */

export type AdviserLog = typeof defaultLog;

export interface AdviserRouterOptions {
  desk: HandoffDesk;
  accounts: AdviserAccounts;
  /** ADVISER_TOKENS, parsed (config.ADVISER_TOKENS). */
  tokens?: readonly AdviserToken[];
  /** sessionSecretFor(config): ADVISER_SESSION_SECRET or one derived from the token secret. */
  sessionSecret: string;
  /** ADVISER_SESSION_HOURS (default 8). */
  sessionHours?: number;
  log: AdviserLog;
  /** Mark the session cookie Secure even on plain http (production behind TLS); it always is on https. */
  secureCookies?: boolean;
  now?: () => Date;
  /** Sign-in attempts per client address and per username (default 10 failures per 15 minutes). */
  signInLimit?: SignInLimitOptions;
  /** Server-Sent Events: a comment line this often (default 20 s) keeps proxies from closing the stream. */
  heartbeatMs?: number;
  /** Server-Sent Events: accounts.markSeen this often while a stream is open (default 60 s). */
  seenIntervalMs?: number;
  /** Open event streams one adviser may have (default 20); more get 429. */
  maxStreamsPerAdviser?: number;
}

export interface AdviserRouter extends Router {
  /** The sign-in checks, to protect other pages under /advisers (e.g. /advisers/insights). */
  auth: AdviserAuth;
  /** Needs a signed-in adviser (or a token); 401 JSON otherwise. `adviserOf(res)` is then who. */
  requireAdviser: RequestHandler;
  /** As requireAdviser, and the role must be manager (403 JSON otherwise). */
  requireManager: RequestHandler;
  /** Ends the open event streams and the desk subscription (before server.close()). */
  close(): Promise<void>;
}

const WEB_DIR = fileURLToPath(new URL('../../web/advisers/', import.meta.url));
const ASSETS = new Map([
  ['page.js', 'page.js'],
  ['advisers.js', 'advisers.js'],
  ['advisers.css', 'advisers.css'],
]);

/** Stricter than the rest of the site: nothing inline, nothing from elsewhere, never in a frame. */
export const ADVISER_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const MAX_REPLY_CHARACTERS = 2000;
const BODY_LIMIT = '16kb';
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:|-]{0,199}$/;
const ADVISER_ID_PATTERN = /^(console|teams):[A-Za-z0-9._@:-]{1,200}$/;

export function createAdviserRouter(options: AdviserRouterOptions): AdviserRouter {
  const { desk, accounts, log } = options;
  const tokens = options.tokens ?? [];
  const auth = new AdviserAuth({
    accounts,
    tokens,
    sessionSecret: options.sessionSecret,
    sessionHours: options.sessionHours,
    secureCookies: options.secureCookies,
    now: options.now,
  });
  const limiter = new SignInLimiter({ now: () => auth.now(), ...options.signInLimit });
  const hub = new DeskEventHub(desk, log);
  const streams = new Set<Response>();
  const streamsByAdviser = new Map<string, number>();
  const heartbeatMs = options.heartbeatMs ?? 20_000;
  const seenIntervalMs = options.seenIntervalMs ?? 60_000;
  const maxStreams = options.maxStreamsPerAdviser ?? 20;

  void signInPossible(accounts, tokens).then(
    (possible) => {
      if (!possible) log.warn('adviser_console_no_accounts', { hint: 'npm run advisers -- add' });
    },
    () => undefined,
  );

  const router = Router() as AdviserRouter;
  const requireAdviserHere = requireAdviser(auth);

  // ---- The page and its assets ------------------------------------------------------------------
  router.get(['/', '/index.html'], (_req, res, next) => {
    res.setHeader('Content-Security-Policy', ADVISER_PAGE_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    sendFile(res, path.join(WEB_DIR, 'index.html'), next);
  });
  router.get('/assets/:file', (req, res, next) => {
    const file = ASSETS.get(req.params.file ?? '');
    if (!file) return next();
    sendFile(res, path.join(WEB_DIR, file), next);
  });

  // ---- The API ----------------------------------------------------------------------------------
  const api = Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(requireJsonForChanges);
  const json = express.json({ limit: BODY_LIMIT, strict: true, type: () => true });

  // Sign in: {username, password} → 204 and the session cookie.
  api.post('/session', json, objectBody, route(async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const rawUsername = body.username;
    const password = body.password;
    if (typeof rawUsername !== 'string' || typeof password !== 'string' || !rawUsername.trim() || !password) {
      return sendError(res, 400, 'BadRequest', 'Enter your username and password.');
    }
    if (rawUsername.length > 200 || password.length > 1024) {
      return sendError(res, 401, 'SignInFailed', 'The username or password is not right.');
    }
    const decision = limiter.attempt([`ip:${req.ip ?? 'unknown'}`, `user:${rawUsername.trim().toLowerCase()}`]);
    if (!decision.allowed) {
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      const minutes = Math.ceil(decision.retryAfterSeconds / 60);
      log.warn('adviser_sign_in_limited', { retryAfterSeconds: decision.retryAfterSeconds });
      return sendError(res, 429, 'TooManyAttempts', `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
    }
    const username = normaliseUsername(rawUsername);
    const account = username ? await accounts.get(username) : undefined;
    // Checked even when there is no such account (against a dummy hash): the same time either way.
    const matches = await verifyPassword(password, account?.passwordHash);
    if (!account || !matches) {
      log.info('adviser_sign_in_failed', {});
      return sendError(res, 401, 'SignInFailed', 'The username or password is not right.');
    }
    decision.succeeded();
    auth.startSession(req, res, account);
    // Signed in means at work: a hand-off asked for now can go to the queue (the live stream keeps it so).
    await accounts.markSeen(account.id).catch((error: unknown) => log.warn('adviser_mark_seen_failed', errorFields(error)));
    log.info('adviser_signed_in', { adviser: `console:${account.id}` });
    res.status(204).end();
  }));

  // Sign out: clears the cookie (also when the session has already ended, then with 401).
  api.delete('/session', route(async (req, res) => {
    const result = await auth.authenticate(req);
    auth.endSession(req, res);
    if (!result.ok) return unauthorised(res, result.reason);
    if (result.principal.via === 'session') log.info('adviser_signed_out', { adviser: result.principal.identity.id });
    res.status(204).end();
  }));

  // Who is signed in. Without a session the 401 also says whether anyone can sign in at all.
  api.get('/me', route(async (req, res) => {
    const result = await auth.authenticate(req);
    if (!result.ok) {
      if (result.reason !== 'missing') res.append('Set-Cookie', auth.cookie(req, '', { maxAgeSeconds: 0, expires: new Date(0) }));
      const possible = await signInPossible(accounts, tokens).catch(() => true);
      return unauthorised(res, result.reason, {
        signIn: possible
          ? { available: true }
          : {
              available: false,
              message:
                'No one can sign in yet: there are no adviser accounts. An administrator can add one on the server with ' +
                'npm run advisers -- add <username> --name "Full name" --tenant <council>.',
            },
      });
    }
    const principal = result.principal;
    res.json({
      id: principal.identity.id,
      username: principal.username,
      name: principal.identity.name,
      role: principal.identity.role,
      tenants: principal.identity.tenants,
      via: principal.via,
      expiresAt: principal.expiresAt === undefined ? null : new Date(principal.expiresAt).toISOString(),
    });
  }));

  // Everything below needs an adviser.
  api.use(requireAdviserHere);
  api.use(json, objectBody);

  api.get('/queue', route(async (_req, res) => {
    const items = await desk.queue(adviserOf(res).identity);
    res.json({ items: items.map((item) => ({ ...item, handoff: forConsole(item.handoff) })) });
  }));

  api.get('/mine', route(async (_req, res) => {
    const handoffs = await desk.mine(adviserOf(res).identity);
    res.json({ handoffs: handoffs.map(forConsole) });
  }));

  api.get('/handoffs/:id', route(async (req, res) => {
    const id = validId(req.params.id);
    const view = id === undefined ? undefined : await desk.view(adviserOf(res).identity, id);
    if (!view) return notFound(res);
    res.json({ handoff: forConsole(view.handoff), lines: view.lines });
  }));

  api.post('/handoffs/:id/claim', route(async (req, res) => {
    const id = validId(req.params.id);
    const adviser = adviserOf(res).identity;
    if (id === undefined) return notFound(res);
    if (await desk.claim(adviser, id)) return void res.status(204).end();
    const view = await desk.view(adviser, id);
    if (!view) return notFound(res);
    const { handoff } = view;
    if (handoff.status === 'claimed' && handoff.claimedBy === adviser.id) return void res.status(204).end();
    if (handoff.status === 'closed') return sendError(res, 409, 'Closed', 'This conversation has already ended.');
    if (handoff.status === 'claimed') return sendError(res, 409, 'AlreadyClaimed', 'Another adviser has already taken this conversation.');
    return sendError(res, 409, 'NotClaimed', 'This conversation could not be claimed. Refresh the queue and try again.');
  }));

  api.post('/handoffs/:id/reply', route(async (req, res) => {
    const id = validId(req.params.id);
    const adviser = adviserOf(res).identity;
    if (id === undefined) return notFound(res);
    const text = (req.body as Record<string, unknown>).text;
    if (typeof text !== 'string' || !text.trim()) return sendError(res, 400, 'BadRequest', 'Write a reply first: "text" must be a non-empty string.');
    if (text.length > MAX_REPLY_CHARACTERS) {
      return sendError(res, 400, 'TooLong', `A reply can be at most ${MAX_REPLY_CHARACTERS} characters; this one has ${text.length}.`);
    }
    if (text.includes('\u0000')) return sendError(res, 400, 'BadRequest', 'The reply contains a character that cannot be sent.');
    let replied: boolean;
    try {
      replied = await desk.reply(adviser, id, text);
    } catch (error) {
      // Nothing was sent, and the desk records a reply only once it is delivered: nothing to undo.
      if (isOptedOut(error)) return sendError(res, 409, 'OptedOut', OPTED_OUT_MESSAGE);
      if (isAddressUnknown(error)) return sendError(res, 409, 'NoNumber', NO_NUMBER_MESSAGE);
      throw error;
    }
    if (replied) return void res.status(204).end();
    return explainRefusal(res, adviser.id, await desk.view(adviser, id), 'reply to');
  }));

  api.post('/handoffs/:id/transfer', route(async (req, res) => {
    const id = validId(req.params.id);
    const adviser = adviserOf(res).identity;
    if (id === undefined) return notFound(res);
    const to = adviserIdFrom((req.body as Record<string, unknown>).to);
    if (!to) {
      return sendError(res, 400, 'BadRequest', '"to" must be an adviser id: a console username such as sam.jones (or console:sam.jones, or teams:<id>).');
    }
    if (to === adviser.id) return sendError(res, 400, 'BadRequest', 'You already hold this conversation: name another adviser.');
    let target: { tenants: string[] } | undefined;
    if (to.startsWith('console:')) {
      const username = to.slice('console:'.length);
      target = (await accounts.get(username)) ?? tokens.find((t) => t.id === username);
      if (!target) return sendError(res, 400, 'UnknownAdviser', 'There is no adviser with that id.');
    }
    if (await desk.transfer(adviser, id, to)) return void res.status(204).end();
    const view = await desk.view(adviser, id);
    if (view && target && target.tenants.length > 0 && !target.tenants.includes(view.handoff.tenant)) {
      return sendError(res, 409, 'AdviserNotForCouncil', 'That adviser does not work for this council, so cannot take this conversation.');
    }
    return explainRefusal(res, adviser.id, view, 'transfer');
  }));

  api.post('/handoffs/:id/close', route(async (req, res) => {
    const id = validId(req.params.id);
    const adviser = adviserOf(res).identity;
    if (id === undefined) return notFound(res);
    if (await desk.close(adviser, id)) return void res.status(204).end();
    return explainRefusal(res, adviser.id, await desk.view(adviser, id), 'close');
  }));

  api.get('/callbacks', route(async (_req, res) => {
    res.json({ callbacks: await desk.callbacks(adviserOf(res).identity) });
  }));

  api.post('/callbacks/:id/done', route(async (req, res) => {
    const id = validId(req.params.id);
    if (id === undefined || !(await desk.markCallbackDone(adviserOf(res).identity, id))) {
      return sendError(res, 404, 'NotFound', 'There is no open call-back request with that id.');
    }
    res.status(204).end();
  }));

  // Live updates: `event: queue|handoff|message|callbacks` with the DeskEvent as JSON; refetch on each.
  api.get('/events', route(async (req, res) => {
    const principal = adviserOf(res);
    const adviserId = principal.identity.id;
    const open = streamsByAdviser.get(adviserId) ?? 0;
    if (open >= maxStreams) {
      res.setHeader('Retry-After', '30');
      return sendError(res, 429, 'TooManyStreams', 'Too many open consoles for this adviser. Close a tab and try again.');
    }
    streamsByAdviser.set(adviserId, open + 1);
    let ended = false;
    const timers: NodeJS.Timeout[] = [];
    let removeListener: (() => void) | undefined;
    const end = (finish = true) => {
      if (ended) return;
      ended = true;
      for (const timer of timers) clearInterval(timer);
      removeListener?.();
      streams.delete(res);
      const left = (streamsByAdviser.get(adviserId) ?? 1) - 1;
      if (left > 0) streamsByAdviser.set(adviserId, left);
      else streamsByAdviser.delete(adviserId);
      if (finish && !res.writableEnded) res.end();
    };
    // The response closes when the client goes away (or when router.close() ends it).
    res.on('close', () => end());
    try {
      removeListener = await hub.add((event) => {
        if (!ended && mayHear(principal, event)) res.write(`event: ${event.type}\ndata: ${JSON.stringify(deskEventFields(event))}\n\n`);
      });
    } catch (error) {
      end(false);
      log.warn('adviser_events_unavailable', errorFields(error));
      if (!res.headersSent) sendError(res, 503, 'Unavailable', 'Live updates are not available just now. Try again shortly.');
      return;
    }
    if (ended) {
      // The client left while the subscription was starting.
      removeListener();
      return;
    }
    streams.add(res);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setTimeout(0);
    res.write('retry: 5000\n: connected\n\n');
    const seen = async () => {
      // The session is checked again too: a removed account or a changed password ends the stream.
      const again = await auth.authenticate(req).catch(() => undefined);
      if (again !== undefined && !again.ok) return end();
      await accounts.markSeen(principal.username).catch((error: unknown) => log.warn('adviser_mark_seen_failed', errorFields(error)));
    };
    void seen();
    timers.push(setInterval(() => void seen(), seenIntervalMs));
    timers.push(setInterval(() => { if (!ended) res.write(': heartbeat\n\n'); }, heartbeatMs));
    if (principal.expiresAt !== undefined) {
      timers.push(setTimeout(() => end(), Math.min(Math.max(0, principal.expiresAt - auth.now()), 2 ** 31 - 1)));
    }
  }));

  api.use((_req, res) => notFound(res, 'There is nothing at this address.'));
  router.use('/api', api);
  router.use(jsonErrors(log));

  router.auth = auth;
  router.requireAdviser = requireAdviserHere;
  router.requireManager = requireManager(auth);
  router.close = async () => {
    for (const res of [...streams]) res.end();
    streams.clear();
    await hub.close();
  };
  return router;
}

// ---- Authentication for this page and others under /advisers ----------------------------------

/** Who made the request, after requireAdviser / requireManager. */
export function adviserOf(res: Response): AdviserPrincipal {
  const principal = res.locals.adviser as AdviserPrincipal | undefined;
  if (!principal) throw new Error('adviserOf: requireAdviser has not run for this request');
  return principal;
}

export interface RequireOptions {
  /** For pages: send a browser without a session to the sign-in page (303 to /advisers) instead of 401 JSON. */
  page?: boolean;
}

/**
 * Needs a session cookie or a bearer token; 401 JSON otherwise (or, with `page`, a redirect to the
 * sign-in page). Sets `res.locals.adviser` (see {@link adviserOf}).
 */
export function requireAdviser(auth: AdviserAuth, options: RequireOptions = {}): RequestHandler {
  return (req, res, next) => {
    auth.authenticate(req).then((result) => {
      if (result.ok) {
        res.locals.adviser = result.principal;
        return next();
      }
      if (result.reason !== 'missing' && req.headers.authorization === undefined) {
        res.append('Set-Cookie', auth.cookie(req, '', { maxAgeSeconds: 0, expires: new Date(0) }));
      }
      if (options.page && (req.method === 'GET' || req.method === 'HEAD')) return res.redirect(303, '/advisers');
      unauthorised(res, result.reason);
    }, next);
  };
}

/** As {@link requireAdviser}, and only managers (403 JSON otherwise). */
export function requireManager(auth: AdviserAuth, options: RequireOptions = {}): RequestHandler {
  const adviser = requireAdviser(auth, options);
  return (req, res, next) => {
    adviser(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (adviserOf(res).identity.role !== 'manager') return sendError(res, 403, 'Forbidden', 'Only managers can see this.');
      next();
    });
  };
}

/**
 * State-changing requests (anything but GET, HEAD, OPTIONS) must say `Content-Type:
 * application/json`, else 415. Together with the SameSite=Strict session cookie this is the
 * defence against cross-site request forgery: another site's page can only send a JSON content
 * type with fetch/XHR, which the browser first asks this server about (a CORS preflight) and
 * this server never allows; an HTML form or a "simple" request can carry only
 * text/plain, multipart/form-data or application/x-www-form-urlencoded, which are refused here.
 * SameSite=Strict already keeps the cookie off cross-site requests; this holds even where a
 * browser ignores SameSite or a sibling subdomain counts as the same site.
 */
export const requireJsonForChanges: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    return sendError(res, 415, 'UnsupportedMediaType', 'Send the request as JSON, with Content-Type: application/json.');
  }
  next();
};

// ---- Inside ---------------------------------------------------------------------------------

/** Anyone can sign in when there are tokens, or accounts (or the accounts cannot say). */
async function signInPossible(accounts: AdviserAccounts, tokens: readonly AdviserToken[]): Promise<boolean> {
  if (tokens.length > 0) return true;
  if (!accounts.hasAny) return true;
  return accounts.hasAny();
}

const objectBody: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  if (req.body === undefined) req.body = {};
  if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
    return sendError(res, 400, 'BadRequest', 'The request body must be a JSON object.');
  }
  next();
};

function route(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    handler(req, res).catch(next);
  };
}

function sendError(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ error: { code, message }, ...extra });
}

function notFound(res: Response, message = 'There is no conversation with that id that you can see.'): void {
  sendError(res, 404, 'NotFound', message);
}

function unauthorised(res: Response, reason: 'missing' | 'invalid' | 'expired', extra: Record<string, unknown> = {}): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="adviser console"');
  const message =
    reason === 'expired'
      ? 'Your sign-in has ended. Sign in again.'
      : reason === 'invalid'
        ? 'The sign-in or token is not valid. Sign in again.'
        : 'Sign in to the adviser console first.';
  sendError(res, 401, reason === 'expired' ? 'SessionExpired' : 'SignInRequired', message, extra);
}

function explainRefusal(
  res: Response,
  adviserId: string,
  view: { handoff: Handoff } | undefined,
  action: 'reply to' | 'transfer' | 'close',
): void {
  if (!view) return notFound(res);
  const { handoff } = view;
  if (handoff.status === 'closed') return sendError(res, 409, 'Closed', 'This conversation has already ended.');
  if (handoff.status === 'queued' && action !== 'close') {
    return sendError(res, 409, 'NotClaimed', `Claim this conversation before you ${action} it.`);
  }
  if (handoff.status === 'claimed' && handoff.claimedBy !== adviserId) {
    return sendError(res, 409, 'NotYours', `Another adviser has this conversation, so you cannot ${action} it.`);
  }
  sendError(res, 409, 'Refused', `The conversation could not be ${action === 'reply to' ? 'replied to' : `${action}d`} just now. Refresh and try again.`);
}

const OPTED_OUT_MESSAGE =
  'Your reply was not sent. This person has opted out of texts from this council\'s number (they texted STOP), so replies by text cannot be sent. ' +
  'They will get texts again only if they text START to it.';

/** The SMS channel refused to send: the person has opted out (SmsOptedOutError, by name to keep this layer free of channels). */
function isOptedOut(error: unknown): boolean {
  return error instanceof Error && error.name === 'SmsOptedOutError';
}

const NO_NUMBER_MESSAGE =
  'Your reply was not sent. The number this person texted from is no longer held (their details may have been deleted), ' +
  'so a text cannot be sent. If they text again, you can reply then.';

/** The SMS channel has no number for the conversation any more (SmsAddressUnknownError, by name as above). */
function isAddressUnknown(error: unknown): boolean {
  return error instanceof Error && error.name === 'SmsAddressUnknownError';
}

function validId(value: string | undefined): string | undefined {
  return typeof value === 'string' && ID_PATTERN.test(value) ? value : undefined;
}

function adviserIdFrom(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (ADVISER_ID_PATTERN.test(trimmed)) {
    if (!trimmed.startsWith('console:')) return trimmed;
    const username = normaliseUsername(trimmed.slice('console:'.length));
    return username ? `console:${username}` : undefined;
  }
  const username = normaliseUsername(trimmed);
  return username && USERNAME_PATTERN.test(username) ? `console:${username}` : undefined;
}

/** Advisers never need the channel's routing details (the conversation reference). */
function forConsole(handoff: Handoff): Handoff {
  const { reference: _reference, ...rest } = handoff as Handoff & { reference?: unknown };
  return rest as Handoff;
}

function mayHear(principal: AdviserPrincipal, event: DeskEvent): boolean {
  const tenants = principal.identity.tenants;
  return tenants.length === 0 || tenants.includes(event.tenant);
}

function deskEventFields(event: DeskEvent): DeskEvent {
  return event.type === 'handoff' || event.type === 'message'
    ? { type: event.type, handoffId: event.handoffId, tenant: event.tenant }
    : { type: event.type, tenant: event.tenant };
}

function sendFile(res: Response, file: string, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.sendFile(file, { headers: { 'Cache-Control': 'no-cache' } }, (error) => {
    if (error) next(error);
  });
}

/** Errors as JSON: unreadable or too-large bodies are 400/413; anything unexpected is 500 and logged. */
function jsonErrors(log: AdviserLog): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const type = typeof error?.type === 'string' ? (error.type as string) : '';
    const status = typeof error?.status === 'number' ? (error.status as number) : typeof error?.statusCode === 'number' ? (error.statusCode as number) : 500;
    if (type === 'entity.too.large' || status === 413) return sendError(res, 413, 'TooLarge', 'The request is too large (at most 16 KB).');
    if (type === 'entity.parse.failed') return sendError(res, 400, 'BadRequest', 'The request body is not valid JSON.');
    if (type === 'charset.unsupported' || type === 'encoding.unsupported' || status === 415) {
      return sendError(res, 415, 'UnsupportedMediaType', 'Send the request as UTF-8 JSON.');
    }
    if (error instanceof Error && error.name === 'HandoffAccessError') return notFound(res);
    if (status === 404 && (error as { code?: string })?.code === 'ENOENT') return notFound(res, 'There is nothing at this address.');
    if (status >= 400 && status < 500) return sendError(res, status, 'BadRequest', 'The request could not be read.');
    log.error('adviser_console_failed', errorFields(error));
    sendError(res, 500, 'ServerError', 'Something went wrong on our side.');
  };
}

/**
 * One subscription to the desk for all the open event streams of this router (started with the
 * first stream, kept until close), fanned out to each.
 */
class DeskEventHub {
  private readonly listeners = new Set<(event: DeskEvent) => void>();
  private subscription: Promise<() => Promise<void>> | undefined;

  constructor(
    private readonly desk: HandoffDesk,
    private readonly log: AdviserLog,
  ) {}

  async add(listener: (event: DeskEvent) => void): Promise<() => void> {
    if (!this.subscription) {
      const subscribing = this.desk.subscribe((event) => this.deliver(event));
      this.subscription = subscribing;
      subscribing.catch(() => {
        if (this.subscription === subscribing) this.subscription = undefined;
      });
    }
    await this.subscription;
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    this.listeners.clear();
    if (subscription) {
      const unsubscribe = await subscription.catch(() => undefined);
      await unsubscribe?.().catch((error: unknown) => this.log.warn('adviser_events_unsubscribe_failed', errorFields(error)));
    }
  }

  private deliver(event: DeskEvent): void {
    if (!event || typeof event !== 'object') return;
    if (!['queue', 'handoff', 'message', 'callbacks'].includes(event.type) || typeof event.tenant !== 'string') return;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.log.warn('adviser_event_listener_failed', errorFields(error));
      }
    }
  }
}
