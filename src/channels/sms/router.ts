import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Storage } from 'botbuilder';
import { log as projectLog } from '../../log';
import { DEFAULT_SERVICE_NAME, helpText, keywordOf, optInText } from './keywords';
import { DEFAULT_SMS_LIMITS, StorageSmsState, checkLimits, limitNoticeText, type SmsLimits, type SmsState } from './limits';
import { SIGNATURE_HEADER, isValidSignature, webhookUrl, type WebhookParams } from './signature';
import { errorKind, type SmsAdapter, type SmsLog, type TurnLogic } from './smsAdapter';
import { fitToSegments } from './segments';
import { TWIML_CONTENT_TYPE, twimlResponse } from './twiml';

export const SMS_WEBHOOK_PATH = '/api/sms';
/** Twilio's own limit for one message's text, in characters. */
export const MAX_SMS_BODY_CHARS = 1600;
const MAX_REQUEST_BYTES = '64kb';
const E164 = /^\+[1-9]\d{7,14}$/;
const MESSAGE_SID = /^[A-Za-z0-9]{10,64}$/;

export interface SmsRouterOptions {
  adapter: SmsAdapter;
  logic: TurnLogic;
  /** The Twilio auth token that signs webhooks (TWILIO_AUTH_TOKEN). */
  authToken: string;
  /**
   * The public origin (and any path prefix) Twilio calls, e.g. https://assistant.example.gov.uk
   * (PUBLIC_BASE_URL): the signature covers the full URL Twilio was given.
   */
  publicBaseUrl: string;
  /** The council for the number written to (`To`); the default council for numbers not listed. */
  tenantForNumber: (to: string) => string;
  /** Where opt-outs, message ids, counts and addresses are kept (the project's store). */
  storage: Storage;
  limits?: Partial<SmsLimits>;
  log?: SmsLog;
  /** The service's name in the HELP and START answers, per council. */
  serviceName?: (tenant: string) => string;
  /** Replaces the Storage-backed state (tests). */
  state?: SmsState;
  now?: () => Date;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `POST /api/sms`: the webhook an SMS provider (Twilio, or one that speaks its dialect) calls for
 * each message received. In order:
 * 1. `application/x-www-form-urlencoded` only (415), at most 64 kB (413).
 * 2. `X-Twilio-Signature` must be valid for PUBLIC_BASE_URL + path over every parameter (403).
 * 3. From and To must be E.164, Body at most 1600 characters, MessageSid present (400).
 * 4. A MessageSid already seen gets an empty TwiML answer (200) and nothing else happens. The id
 *    is claimed before the limits are checked: a retry of a message is the same message, so it is
 *    neither counted again nor answered twice (and every answer below is a 200, which providers
 *    do not retry).
 * 5. Opt-out words (STOP…) are remembered and get no answer (during a hand-off the word is added to
 *    the transcript and the open adviser consoles are told, so the adviser sees it at once). An
 *    opt-out is from the number written to (`To`) only: STOP to one council's number leaves the
 *    person's texts with another council as they were. A number opted out of `To` gets no answer
 *    to anything but an opt-in word (START, YES, UNSTOP), and its messages are not processed.
 * 6. Rate limits per number (per minute, per day) and for everyone (per day): over one, nothing is
 *    processed; the first message over a number's limit gets one short notice (200 with TwiML,
 *    as providers send nothing from an error answer), later ones in that window an empty answer.
 * 7. An opt-in word from a number opted out of `To` opts back in to `To` (only) and is answered
 *    here (during a hand-off both go in the transcript, as in 5). HELP/INFO is
 *    answered here with who we are and how to stop, unless the conversation is queued for or with
 *    an adviser: then it goes to the conversation, so the adviser sees it. Anything else is a bot
 *    turn, answered in TwiML: an opt-in word from a number that never opted out is an ordinary
 *    message ("yes" answers the assistant's or the adviser's question).
 * Nothing is stored, and no turn runs, for a request refused at steps 1–3.
 */
export function createSmsRouter(options: SmsRouterOptions): Router {
  const { adapter, logic, tenantForNumber } = options;
  if (!options.authToken) throw new Error('createSmsRouter: authToken (TWILIO_AUTH_TOKEN) is required');
  let base: URL;
  try {
    base = new URL(options.publicBaseUrl);
  } catch {
    throw new Error('createSmsRouter: publicBaseUrl (PUBLIC_BASE_URL) must be an absolute URL');
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error('createSmsRouter: publicBaseUrl must be http(s)');
  const limits = checkLimits({ ...DEFAULT_SMS_LIMITS, ...options.limits });
  const log = options.log ?? projectLog;
  const now = options.now ?? (() => new Date());
  const serviceName = options.serviceName ?? (() => DEFAULT_SERVICE_NAME);
  const state = options.state ?? new StorageSmsState(options.storage);
  adapter.attachState(state);

  const form = express.urlencoded({ extended: false, limit: MAX_REQUEST_BYTES, parameterLimit: 200 });
  const router = Router();

  const requireForm: RequestHandler = (req, _res, next) => {
    if (!req.is('application/x-www-form-urlencoded')) {
      next(new HttpError(415, 'unsupported_media_type', 'Send the message as application/x-www-form-urlencoded.'));
      return;
    }
    next();
  };

  router.post(
    SMS_WEBHOOK_PATH,
    requireForm,
    form,
    handle(async (req, res) => {
      const params = formParams(req.body);
      const url = webhookUrl(options.publicBaseUrl, req.originalUrl);
      if (!isValidSignature(options.authToken, req.get(SIGNATURE_HEADER), url, params)) {
        log.warn('sms.signature_refused', { present: Boolean(req.get(SIGNATURE_HEADER)) });
        throw new HttpError(403, 'invalid_signature', 'The request signature is missing or wrong.');
      }
      const message = readMessage(params);
      const tenant = tenantForNumber(message.to);
      const numberKey = adapter.ids.numberKey(message.from);
      // Opt-outs are per our number too (see SmsState); rate limits per the person's number only.
      const ourNumberKey = adapter.ids.ourNumberKey(message.to);
      const at = now();
      const fields = { numberKey, tenant, messageSid: message.messageSid };

      if (!(await state.claimMessage(message.messageSid, at))) {
        log.info('sms.repeat_ignored', fields);
        return twiml(res, 200);
      }

      const keyword = keywordOf(message.body);
      if (keyword === 'opt-out') {
        await state.setOptedOut(numberKey, ourNumberKey, true, at);
        await adapter.recordOptOut({ ...message, tenant });
        log.info('sms.opted_out', fields);
        // The provider sends its own confirmation of an opt-out; we send nothing more.
        return twiml(res, 200);
      }
      const optedOut = await state.isOptedOut(numberKey, ourNumberKey);
      if (optedOut && keyword !== 'opt-in') {
        log.info('sms.ignored_opted_out', fields);
        return twiml(res, 200);
      }

      const verdict = await state.consume(numberKey, limits, at);
      if (!verdict.allowed) {
        log.warn('sms.rate_limited', { ...fields, reason: verdict.reason, noticeSent: verdict.noticeDue });
        const notice = verdict.noticeDue && verdict.reason !== 'global-day' ? limitNoticeText(verdict.reason) : undefined;
        return twiml(res, 200, notice);
      }

      if (optedOut) {
        await state.setOptedOut(numberKey, ourNumberKey, false, at);
        const reply = fitToSegments(optInText(serviceName(tenant))).text;
        await adapter.recordOptIn({ ...message, tenant }, reply);
        log.info('sms.opted_in', fields);
        return twiml(res, 200, reply);
      }
      if (keyword === 'help' && !(await adapter.hasOpenHandoff(adapter.conversationIdFor(tenant, message.from)))) {
        log.info('sms.help', fields);
        return twiml(res, 200, fitToSegments(helpText(serviceName(tenant))).text);
      }
      if (message.body.trim() === '') {
        // A picture or an empty text: nothing for the bot to read.
        log.info('sms.empty_ignored', fields);
        return twiml(res, 200);
      }

      const result = await adapter.processInbound({ ...message, tenant }, logic);
      log.info('sms.answered', { ...fields, conversationId: result.conversationId, failed: result.failed, replied: result.replies.length });
      return twiml(res, 200, result.replies);
    }),
  );

  router.all(SMS_WEBHOOK_PATH, (_req, res) => {
    res.set('Allow', 'POST');
    sendError(res, 405, 'method_not_allowed', 'Only POST is accepted here.');
  });

  const onError: ErrorRequestHandler = (error, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof HttpError) {
      sendError(res, error.status, error.code, error.message);
      return;
    }
    const status = typeof error?.status === 'number' ? error.status : 500;
    if (status === 413) {
      sendError(res, 413, 'too_large', 'The request is too large.');
    } else if (status === 415) {
      sendError(res, 415, 'unsupported_charset', 'Send the form as UTF-8.');
    } else if (status >= 400 && status < 500) {
      sendError(res, 400, 'bad_request', 'The request could not be read.');
    } else {
      log.error('sms.webhook_failed', errorKind(error));
      sendError(res, 500, 'server_error', 'Something went wrong on our side.');
    }
  };
  router.use(SMS_WEBHOOK_PATH, onError);
  return router;
}

function handle(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch(next);
  };
}

function twiml(res: Response, status: number, message?: string | readonly string[]): void {
  res.status(status).set('Content-Type', TWIML_CONTENT_TYPE).set('Cache-Control', 'no-store').send(twimlResponse(message));
}

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).set('Cache-Control', 'no-store').json({ error: { code, message } });
}

/** Every POST parameter as the provider sent it (all of them are signed). */
function formParams(body: unknown): WebhookParams {
  const params: WebhookParams = {};
  if (!body || typeof body !== 'object') return params;
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string') params[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) params[name] = value as string[];
  }
  return params;
}

interface WebhookMessage {
  from: string;
  to: string;
  body: string;
  messageSid: string;
}

function single(params: WebhookParams, name: string): string | undefined {
  const value = params[name];
  if (Array.isArray(value)) throw new HttpError(400, 'repeated_field', `${name} must be sent once.`);
  return value;
}

function readMessage(params: WebhookParams): WebhookMessage {
  const fields = { From: single(params, 'From'), To: single(params, 'To'), Body: single(params, 'Body'), MessageSid: single(params, 'MessageSid') };
  const missing = Object.entries(fields).filter(([, value]) => value === undefined).map(([name]) => name);
  const { From: from, To: to, Body: body, MessageSid: messageSid } = fields;
  if (from === undefined || to === undefined || body === undefined || messageSid === undefined) {
    throw new HttpError(400, 'missing_field', `Missing: ${missing.join(', ')}.`);
  }
  // The values are never echoed: they are phone numbers and what a person wrote.
  if (!E164.test(from)) throw new HttpError(400, 'invalid_from', 'From must be an E.164 phone number such as +447700900123.');
  if (!E164.test(to)) throw new HttpError(400, 'invalid_to', 'To must be an E.164 phone number such as +447700900123.');
  if (!MESSAGE_SID.test(messageSid)) throw new HttpError(400, 'invalid_message_sid', 'MessageSid must be 10 to 64 letters and digits.');
  if (Array.from(body).length > MAX_SMS_BODY_CHARS) {
    throw new HttpError(413, 'body_too_long', `Body must be at most ${MAX_SMS_BODY_CHARS} characters.`);
  }
  return { from, to, body, messageSid };
}
