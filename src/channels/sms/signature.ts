import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';

/**
 * Twilio's request signature (`X-Twilio-Signature`): HMAC-SHA1 with the account's auth token over
 * the webhook's full public URL followed by every POST parameter, name then value, sorted by name.
 * Checked with the `twilio` package's own validator, so it follows Twilio's rules exactly
 * (including its handling of ports and query strings).
 */

export const SIGNATURE_HEADER = 'x-twilio-signature';

/**
 * The URL Twilio was told to call: the public base URL (scheme, host, any path prefix a proxy
 * adds) and the path and query string as this server received them.
 */
export function webhookUrl(publicBaseUrl: string, originalUrl: string): string {
  return publicBaseUrl.replace(/\/+$/, '') + originalUrl;
}

export type WebhookParams = Record<string, string | string[]>;

/** False for a missing or empty signature as well as a wrong one. */
export function isValidSignature(authToken: string, signature: string | undefined, url: string, params: WebhookParams): boolean {
  if (!authToken) throw new Error('The Twilio auth token is not set');
  if (typeof signature !== 'string' || signature.trim() === '') return false;
  try {
    return validateRequest(authToken, signature.trim(), url, params);
  } catch {
    // A URL the validator cannot parse cannot have been signed.
    return false;
  }
}
