/**
 * Small text helpers for the hand-off: what people type (and what advisers type) is cleaned here
 * before it is checked, stored or shown. None of them throws, whatever it is given.
 */

/** A UTF-16 surrogate with no partner: cannot be stored as UTF-8 and shows as garbage. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** C0 and C1 control characters (tabs and newlines included) and the Unicode line/paragraph separators. */
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
/**
 * Invisible characters that change how text around them is shown (bidirectional embeddings,
 * overrides and isolates, which can make "moc.elpmaxe" read as "example.com") and zero-width
 * spaces or byte-order marks. Right-to-left scripts themselves are kept.
 */
const INVISIBLE = /[\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\u061C\uFEFF]/g;

/** The input as a string; anything that is not one counts as empty. */
export function asText(input: unknown): string {
  return typeof input === 'string' ? input : '';
}

/** Without lone surrogates (so it is valid Unicode). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '');
}

/**
 * One line of text: control characters and line breaks become spaces, invisible direction
 * controls and lone surrogates go, runs of white space become one space, ends are trimmed.
 */
export function cleanLine(input: unknown): string {
  const text = wellFormed(asText(input)).replace(CONTROL, ' ').replace(INVISIBLE, '');
  let normalised = text;
  try {
    normalised = text.normalize('NFC');
  } catch {
    // normalize never throws on well-formed text; kept as it was if it ever did.
  }
  return normalised.replace(/\s+/gu, ' ').trim();
}

/**
 * Several lines, for messages (an adviser's words): line breaks are kept (at most one blank line
 * in a row), other control characters become spaces.
 */
export function cleanMessage(input: unknown): string {
  const text = wellFormed(asText(input)).replace(/\r\n?/g, '\n').replace(INVISIBLE, '');
  return text
    .split('\n')
    .map((line) => line.replace(CONTROL, ' ').replace(/[^\S\n]+/gu, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Length in characters as a person counts them (code points, so an emoji is one). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * At most `max` characters (code points), cut at the last space when there is one in the last
 * part, with an ellipsis ("…", or "..." when `ascii`). The result, ellipsis included, is at most
 * `max` characters long; text that already fits is returned as it is.
 */
export function shorten(text: string, max: number, ascii = false): string {
  const limit = Math.max(0, Math.floor(Number.isFinite(max) ? max : 0));
  const chars = Array.from(text);
  if (chars.length <= limit) return text;
  const ellipsis = ascii ? '...' : '…';
  const room = limit - ellipsis.length;
  if (room <= 0) return ellipsis.slice(0, limit);
  const head = chars.slice(0, room + 1);
  // Prefer a word boundary, unless it would throw away more than a third of what fits.
  let cut = room;
  for (let i = room; i >= Math.floor(room * 0.66) && i > 0; i--) {
    if (/\s/u.test(head[i]!)) {
      cut = i;
      break;
    }
  }
  const kept = head.slice(0, cut).join('').replace(/[\s,;:.\-–—]+$/u, '');
  return `${kept}${ellipsis}`;
}

/** Characters that light markdown would read as formatting, escaped so a name shows as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>#|~])/g, '\\$1');
}
