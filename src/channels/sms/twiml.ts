/**
 * TwiML for an immediate reply: `<Response><Message>…</Message></Response>`, or an empty
 * `<Response/>` for no reply at all.
 */

export const TWIML_CONTENT_TYPE = 'text/xml; charset=utf-8';

/**
 * Text for XML character data and attributes: `& < > " '` escaped, and characters XML 1.0 cannot
 * carry at all (most control characters, lone surrogates, U+FFFE/U+FFFF) removed.
 */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function twimlResponse(message?: string): string {
  const head = '<?xml version="1.0" encoding="UTF-8"?>';
  if (message === undefined || message.length === 0) return `${head}<Response/>`;
  return `${head}<Response><Message>${xmlEscape(message)}</Message></Response>`;
}
