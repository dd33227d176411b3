/**
 * TwiML for an immediate reply: `<Response><Message>…</Message>…</Response>`, or an empty
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

/** One `<Message>` per text: each arrives as its own SMS, so none is cut to fit another. */
export function twimlResponse(messages?: string | readonly string[]): string {
  const head = '<?xml version="1.0" encoding="UTF-8"?>';
  const list = (typeof messages === 'string' ? [messages] : messages ?? []).filter((m) => m.length > 0);
  if (list.length === 0) return `${head}<Response/>`;
  return `${head}<Response>${list.map((m) => `<Message>${xmlEscape(m)}</Message>`).join('')}</Response>`;
}
