/**
 * The one Twilio REST call the SMS channel makes: sending a message
 * (`POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth with the account
 * SID and auth token, form fields From, To, Body). The base URL is configurable so tests use a
 * local fake and never the internet.
 */

export const DEFAULT_TWILIO_API_BASE_URL = 'https://api.twilio.com';

export interface OutgoingSms {
  from: string;
  to: string;
  body: string;
}

export interface SentSms {
  sid: string;
  status?: string;
}

/** Anything that can send an SMS (the REST client, or a fake in tests). */
export interface SmsSender {
  sendMessage(message: OutgoingSms): Promise<SentSms>;
}

export interface TwilioRestClientOptions {
  accountSid: string;
  authToken: string;
  /** Default https://api.twilio.com; no trailing slash needed. */
  apiBaseUrl?: string;
  /** Default 10 s. */
  timeoutMs?: number;
}

/**
 * A refused or failed send. The message names the HTTP status and Twilio's numeric error code
 * only: Twilio's own error text can quote the phone number.
 */
export class TwilioRestError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
  ) {
    super(`Twilio refused the message: HTTP ${status}${code !== undefined ? `, error ${code}` : ''}`);
    this.name = 'TwilioRestError';
  }
}

export class TwilioRestClient implements SmsSender {
  private readonly url: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;

  constructor(options: TwilioRestClientOptions) {
    if (!/^AC[0-9a-zA-Z]{32}$/.test(options.accountSid)) throw new Error('The Twilio account SID must look like AC followed by 32 characters');
    if (!options.authToken) throw new Error('The Twilio auth token is not set');
    const base = (options.apiBaseUrl ?? DEFAULT_TWILIO_API_BASE_URL).replace(/\/+$/, '');
    const parsed = new URL(base);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('The Twilio API base URL must be http(s)');
    this.url = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`, 'utf8').toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async sendMessage(message: OutgoingSms): Promise<SentSms> {
    const body = new URLSearchParams({ From: message.from, To: message.to, Body: message.body });
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          accept: 'application/json',
        },
        body: body.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const failure = new Error('Could not reach the Twilio API');
      failure.name = error instanceof Error && error.name === 'TimeoutError' ? 'TwilioTimeoutError' : 'TwilioNetworkError';
      throw failure;
    }
    const text = await response.text();
    let json: { sid?: unknown; status?: unknown; code?: unknown } = {};
    try {
      json = text ? (JSON.parse(text) as typeof json) : {};
    } catch {
      json = {};
    }
    if (!response.ok) throw new TwilioRestError(response.status, typeof json.code === 'number' ? json.code : undefined);
    if (typeof json.sid !== 'string') throw new TwilioRestError(response.status, undefined);
    return { sid: json.sid, ...(typeof json.status === 'string' && { status: json.status }) };
  }
}
