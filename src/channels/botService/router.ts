import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import type { Activity } from 'botbuilder';
import { AuthenticationError } from 'botframework-connector';
import { type BotServiceAdapter, type BotServiceLog, type TurnLogic, errorName, label, withDates } from './adapter';

/** The Bot Framework messaging endpoint: what the Azure Bot resource's "Messaging endpoint" names. */
export const MESSAGES_PATH = '/api/messages';

/** Bot Framework activities are small; Teams caps a message at about 28 KB. */
const MAX_BODY = '256kb';

export interface BotServiceRouterOptions {
  adapter: BotServiceAdapter;
  logic: TurnLogic;
  /**
   * Whether an App ID is configured. Without one botbuilder accepts unauthenticated requests (for
   * the Bot Framework Emulator); this router then accepts them only from this machine, and sends
   * replies only to a serviceUrl on this machine.
   */
  authenticated: boolean;
  log: BotServiceLog;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly publicMessage: string,
  ) {
    super(publicMessage);
  }
}

function send(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** A loopback address (127.0.0.0/8, ::1, or either mapped into IPv6). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || isLoopbackAddress(host);
}

/** A JWT that does not verify, or botbuilder's refusal of one. */
function isAuthRefusal(error: unknown): boolean {
  if (error instanceof AuthenticationError) return error.statusCode === undefined || error.statusCode < 500;
  return error instanceof Error && ['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError'].includes(error.name);
}

/** The signing keys could not be fetched: nothing is wrong with the request itself. */
function isKeysUnavailable(error: unknown): boolean {
  if (error instanceof AuthenticationError) return (error.statusCode ?? 0) >= 500;
  return error instanceof Error && error.name === 'FetchError';
}

function readActivity(body: unknown, authenticated: boolean): Activity {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'BadRequest', 'The body must be a Bot Framework activity (a JSON object).');
  }
  const activity = body as Partial<Activity>;
  if (typeof activity.type !== 'string' || activity.type.trim() === '') {
    throw new HttpError(400, 'BadRequest', 'The activity has no type.');
  }
  if (typeof activity.channelId !== 'string' || activity.channelId.trim() === '') {
    throw new HttpError(400, 'BadRequest', 'The activity has no channelId.');
  }
  if (typeof activity.conversation?.id !== 'string' || activity.conversation.id.trim() === '') {
    throw new HttpError(400, 'BadRequest', 'The activity has no conversation id.');
  }
  if (activity.id !== undefined && typeof activity.id !== 'string') {
    throw new HttpError(400, 'BadRequest', 'The activity id must be a string.');
  }
  if (activity.text !== undefined && activity.text !== null && typeof activity.text !== 'string') {
    throw new HttpError(400, 'BadRequest', 'The activity text must be a string.');
  }
  let serviceUrl: URL;
  try {
    serviceUrl = new URL(String(activity.serviceUrl ?? ''));
  } catch {
    throw new HttpError(400, 'BadRequest', 'The activity has no valid serviceUrl.');
  }
  if (serviceUrl.protocol !== 'https:' && serviceUrl.protocol !== 'http:') {
    throw new HttpError(400, 'BadRequest', 'The activity has no valid serviceUrl.');
  }
  if (!authenticated && !isLoopbackUrl(serviceUrl)) {
    throw new HttpError(
      403,
      'Forbidden',
      'MicrosoftAppId is not set, so replies go only to a serviceUrl on this machine (the Bot Framework Emulator).',
    );
  }
  return withDates(activity as Activity);
}

/**
 * POST /api/messages for Azure Bot Service channels (Teams among them) and the Bot Framework
 * Emulator. Every bad request gets a clear 4xx and runs nothing: wrong method 405, not JSON 415,
 * malformed JSON or not an activity 400, no or a bad token 401 (with an App ID set), a request
 * from another machine 403 (without one). A turn's own failure is the adapter's (an apology).
 */
export function createBotServiceRouter(options: BotServiceRouterOptions): Router {
  const { adapter, logic, authenticated, log } = options;
  const router = express.Router();
  const json = express.json({ limit: MAX_BODY, strict: true, type: ['application/json', 'application/*+json'] });

  const guard = (req: Request, res: Response, next: () => void) => {
    if (!authenticated) {
      // The socket's own peer, whatever TRUST_PROXY says; a request relayed by a proxy on this
      // machine (it names the client in a forwarding header) came from elsewhere.
      const relayed = req.get('forwarded') !== undefined || req.get('x-forwarded-for') !== undefined;
      if (!isLoopbackAddress(req.socket.remoteAddress) || relayed) {
        log.warn('bot_service.remote_refused', { reason: 'no_app_id' });
        return send(
          res,
          403,
          'Forbidden',
          'MicrosoftAppId is not set: this endpoint accepts only the Bot Framework Emulator on this machine. Set MicrosoftAppId and its credentials to connect Azure Bot Service.',
        );
      }
    } else if (!/^Bearer [^\s]+$/.test(req.get('authorization') ?? '')) {
      log.warn('bot_service.auth_refused', { reason: req.get('authorization') ? 'malformed_header' : 'no_header' });
      res.set('WWW-Authenticate', 'Bearer');
      return send(res, 401, 'Unauthorized', 'A Bot Framework token is needed (Authorization: Bearer …).');
    }
    if (!req.is(['application/json', 'application/*+json'])) {
      return send(res, 415, 'UnsupportedMediaType', 'Send the activity as application/json.');
    }
    next();
  };

  router.post(MESSAGES_PATH, guard, json, (req: Request, res: Response, next: (error?: unknown) => void) => {
    let activity: Activity;
    try {
      activity = readActivity(req.body, authenticated);
    } catch (error) {
      next(error);
      return;
    }
    adapter
      .handle(req.get('authorization') ?? '', activity, logic)
      .then((invokeResponse) => {
        if (invokeResponse?.body !== undefined) res.status(invokeResponse.status ?? 200).json(invokeResponse.body);
        else res.status(invokeResponse?.status ?? 200).end();
      })
      .catch((error: unknown) => {
        if (isAuthRefusal(error)) {
          log.warn('bot_service.auth_refused', { reason: errorName(error), channelId: label(activity.channelId) });
          res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
          return send(res, 401, 'Unauthorized', 'The Bot Framework token is missing, invalid, expired or for another bot.');
        }
        if (isKeysUnavailable(error)) {
          log.error('bot_service.keys_unavailable', { errorName: errorName(error) });
          res.set('Retry-After', '30');
          return send(res, 503, 'Unavailable', 'The token could not be checked just now. Please try again.');
        }
        next(error);
      });
  });

  router.all(MESSAGES_PATH, (_req, res) => {
    res.set('Allow', 'POST');
    send(res, 405, 'MethodNotAllowed', 'Only POST is accepted here.');
  });

  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    if (error instanceof HttpError) return send(res, error.status, error.code, error.publicMessage);
    const status = typeof error?.status === 'number' ? error.status : 500;
    if (status === 413) return send(res, 413, 'PayloadTooLarge', 'The activity is too large.');
    if (status === 415) return send(res, 415, 'UnsupportedMediaType', 'Send the activity as UTF-8 JSON.');
    if (status >= 400 && status < 500) return send(res, 400, 'BadRequest', 'The body is not valid JSON.');
    // An error's message may quote the request: only its kind is logged.
    log.error('bot_service.request_failed', { errorName: errorName(error) });
    send(res, 500, 'ServerError', 'Something went wrong on our side.');
  };
  router.use(MESSAGES_PATH, onError);
  return router;
}
