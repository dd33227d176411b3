import { createHash, createHmac } from 'node:crypto';

/**
 * Ids for the SMS channel that never contain a phone number: keyed hashes (HMAC-SHA-256) of the
 * number. A plain hash of a phone number is easy to reverse by trying every number, so the key
 * must be secret and must never change: changing it gives every number new ids (new
 * conversations, and opt-outs kept under the old ids are lost).
 */
export class SmsIds {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 16) throw new RangeError('The SMS id secret must be at least 16 characters');
    this.key = Buffer.from(secret, 'utf8');
  }

  private hash(kind: string, ...parts: string[]): string {
    return createHmac('sha256', this.key).update([kind, ...parts].join('\n')).digest('hex').slice(0, 32);
  }

  /** The conversation of one number with one council; also the user's `from.id`. */
  conversationId(tenant: string, number: string): string {
    return `sms-${this.hash('conversation', tenant, number)}`;
  }

  /** One person's number, whatever the council: rate limits are kept under it. Safe to log. */
  numberKey(number: string): string {
    return `n-${this.hash('number', number)}`;
  }

  /**
   * One of our (the councils') numbers: an opt-out is kept per person's number and our number
   * they texted STOP to (see `smsStateKeys.optOut`). Safe to log.
   */
  ourNumberKey(number: string): string {
    return `o-${this.hash('our-number', number)}`;
  }
}

/**
 * A stable (but not secret) key for deployments that set no SMS id secret: derived from the
 * account SID, so it survives auth token rotation. Set a real secret before going live.
 */
export function fallbackIdSecret(accountSid: string): string {
  return createHash('sha256').update(`send-assistant-sms-ids\n${accountSid}`).digest('base64url');
}
