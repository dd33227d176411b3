import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';

/**
 * A stand-in for Twilio in tests, on 127.0.0.1 only:
 * - {@link FakeTwilioApi}: the Messages REST API (`POST /2010-04-01/Accounts/{sid}/Messages.json`),
 *   recording each request and answering as Twilio does (201 with the message's JSON).
 * - {@link sendWebhook}: delivers an inbound SMS to our webhook the way Twilio does: a form post
 *   with Twilio's usual parameters, signed with the `twilio` package's own signature function over
 *   the public URL Twilio was configured with.
 */

export const TEST_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const TEST_AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
/** What Twilio is told to call; the tests reach the same server on 127.0.0.1 (as behind a proxy). */
export const TEST_PUBLIC_BASE_URL = 'https://assistant.council.example';

export interface RecordedApiRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  form: Record<string, string>;
}

export class FakeTwilioApi {
  readonly requests: RecordedApiRequest[] = [];
  private failures: { status: number; code: number; message: string }[] = [];
  private count = 0;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeTwilioApi> {
    let api: FakeTwilioApi | undefined;
    const server = createServer((req, res) => {
      void api!.handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    api = new FakeTwilioApi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return api;
  }

  /** The next send is refused with this status and Twilio error (whose message quotes the number, as Twilio's do). */
  failNext(status: number, code: number, message: string): void {
    this.failures.push({ status, code, message });
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    this.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      form,
    });
    const failure = this.failures.shift();
    if (failure) return { status: failure.status, body: { code: failure.code, message: failure.message, status: failure.status } };
    const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return { status: 404, body: { code: 20404, message: 'Not found', status: 404 } };
    this.count += 1;
    const sid = `SM${String(this.count).padStart(32, '0')}`;
    return {
      status: 201,
      body: { sid, account_sid: match[1], from: form.From, to: form.To, body: form.Body, status: 'queued', num_segments: '1' },
    };
  }

  async close(): Promise<void> {
    this.server.close();
    this.server.closeAllConnections();
  }
}

let sidCount = 0;

/** A fresh Twilio-style message SID. */
export function newMessageSid(): string {
  sidCount += 1;
  return `SM${process.pid.toString(16).padStart(8, '0')}${String(sidCount).padStart(24, '0')}`;
}

export interface InboundSms {
  from: string;
  to: string;
  body: string;
  messageSid?: string;
}

/** The parameters Twilio posts for an inbound SMS (all of them are signed). */
export function inboundParams(sms: InboundSms): Record<string, string> {
  const sid = sms.messageSid ?? newMessageSid();
  return {
    ToCountry: 'GB',
    ToState: '',
    SmsMessageSid: sid,
    NumMedia: '0',
    ToCity: '',
    FromZip: '',
    SmsSid: sid,
    FromState: '',
    SmsStatus: 'received',
    FromCity: '',
    Body: sms.body,
    FromCountry: 'GB',
    To: sms.to,
    ToZip: '',
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: TEST_ACCOUNT_SID,
    From: sms.from,
    ApiVersion: '2010-04-01',
  };
}

export function signatureFor(params: Record<string, string>, path = '/api/sms', authToken = TEST_AUTH_TOKEN): string {
  return getExpectedTwilioSignature(authToken, TEST_PUBLIC_BASE_URL + path, params);
}

export interface WebhookOptions {
  /** The signature to send; null sends none. Default: the right one. */
  signature?: string | null;
  contentType?: string;
  /** A body to send instead of the form-encoded params. */
  rawBody?: string;
  path?: string;
  method?: string;
}

export interface WebhookResponse {
  status: number;
  contentType: string;
  text: string;
  /** The reply's text from its `<Message>`s, unescaped and joined; undefined for an empty `<Response/>`. */
  message: string | undefined;
  /** Each `<Message>` on its own: one SMS each. */
  messages: string[];
  headers: Headers;
}

/** Posts to our webhook at `serverUrl` (e.g. http://127.0.0.1:1234) as Twilio would. */
export async function sendWebhook(serverUrl: string, params: Record<string, string>, options: WebhookOptions = {}): Promise<WebhookResponse> {
  const path = options.path ?? '/api/sms';
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/x-www-form-urlencoded' };
  const signature = options.signature === undefined ? signatureFor(params, path) : options.signature;
  if (signature !== null) headers['x-twilio-signature'] = signature;
  const method = options.method ?? 'POST';
  const response = await fetch(serverUrl + path, {
    method,
    headers,
    ...(method !== 'GET' && { body: options.rawBody ?? new URLSearchParams(params).toString() }),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text,
    message: messageOf(text),
    messages: messagesOf(text),
    headers: response.headers,
  };
}

/** The texts of the `<Message>`s in a TwiML response, unescaped: each is one SMS. */
export function messagesOf(twiml: string): string[] {
  return [...twiml.matchAll(/<Message>([\s\S]*?)<\/Message>/g)].map((m) =>
    (m[1] ?? '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&'));
}

/** Everything a TwiML response says, its messages one after another; undefined for none. */
export function messageOf(twiml: string): string | undefined {
  const messages = messagesOf(twiml);
  return messages.length === 0 ? undefined : messages.join('\n\n');
}
