/**
 * SMS segment arithmetic (GSM 03.38 / 3GPP TS 23.038) and cutting a reply to fit a number of
 * segments.
 *
 * - GSM-7: a single message holds 160 septets; a concatenated one 153 per segment (the rest is
 *   the user data header). Characters of the extension table (`^{}\[~]|€` and form feed) take two
 *   septets (escape + character), and the pair is never split between segments.
 * - UCS-2: as soon as one character is outside GSM-7, the whole message is UCS-2: 70 UTF-16 code
 *   units in a single message, 67 per segment when concatenated; a surrogate pair (an emoji) is
 *   never split between segments.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export const GSM_SINGLE = 160;
export const GSM_CONCAT = 153;
export const UCS2_SINGLE = 70;
export const UCS2_CONCAT = 67;

/** The GSM 03.38 default alphabet (without the escape character itself). */
const GSM_BASIC = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
      '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);
/** The GSM 03.38 extension table: each costs two septets. */
const GSM_EXTENDED = new Set(Array.from('^{}\\[~]|€\f'));

export function isGsm7(text: string): boolean {
  for (const char of text) {
    if (!GSM_BASIC.has(char) && !GSM_EXTENDED.has(char)) return false;
  }
  return true;
}

export function encodingOf(text: string): SmsEncoding {
  return isGsm7(text) ? 'GSM-7' : 'UCS-2';
}

/** What one character costs: septets in GSM-7, UTF-16 code units in UCS-2. */
function cost(char: string, encoding: SmsEncoding): number {
  if (encoding === 'UCS-2') return char.length;
  return GSM_EXTENDED.has(char) ? 2 : 1;
}

/** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
export function encodedLength(text: string, encoding: SmsEncoding = encodingOf(text)): number {
  let total = 0;
  for (const char of text) total += cost(char, encoding);
  return total;
}

/** How many segments the text is sent as (0 for an empty text). */
export function segmentCount(text: string): number {
  if (text.length === 0) return 0;
  const encoding = encodingOf(text);
  const single = encoding === 'GSM-7' ? GSM_SINGLE : UCS2_SINGLE;
  const concat = encoding === 'GSM-7' ? GSM_CONCAT : UCS2_CONCAT;
  if (encodedLength(text, encoding) <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const char of text) {
    const c = cost(char, encoding);
    if (used + c > concat) {
      segments += 1;
      used = 0;
    }
    used += c;
  }
  return segments;
}

export interface FittedText {
  text: string;
  encoding: SmsEncoding;
  segments: number;
  /** True when the text was cut (and ends with an ellipsis). */
  truncated: boolean;
}

/**
 * The bot's messages of one turn as one SMS text: trimmed, empty ones dropped, separated by a
 * blank line, Windows line ends made plain.
 */
export function joinMessages(texts: readonly string[]): string {
  return texts
    .map((text) => text.replace(/\r\n?/g, '\n').trim())
    .filter((text) => text.length > 0)
    .join('\n\n');
}

/**
 * The text unchanged when it fits in `maxSegments`, otherwise cut at a word boundary (a hard cut
 * only when a word boundary would lose more than half of what fits) with an ellipsis added.
 *
 * The ellipsis is "..." for GSM-7 text (the single character "…" is not in GSM-7 and would turn
 * the whole message into UCS-2, more than halving what each segment holds) and "…" for text that
 * is UCS-2 anyway.
 */
export function fitToSegments(text: string, maxSegments = 3): FittedText {
  if (!Number.isInteger(maxSegments) || maxSegments < 1) throw new RangeError('maxSegments must be a positive integer');
  const whole = segmentCount(text);
  if (whole <= maxSegments) return { text, encoding: encodingOf(text), segments: whole, truncated: false };

  const chars = Array.from(text);
  // Nothing longer than this many characters can fit (160 characters of GSM-7 per segment at most).
  const upper = Math.min(chars.length, GSM_SINGLE * maxSegments);
  const withEllipsis = (end: number): string => {
    const head = chars.slice(0, end).join('').replace(/[\s,;:.\-–—]+$/u, '');
    return head + (isGsm7(head) ? '...' : '…');
  };
  const fits = (end: number): boolean => segmentCount(withEllipsis(end)) <= maxSegments;

  // The longest hard cut that fits. Fitting is monotonic except where cutting drops the last
  // non-GSM character (UCS-2 → GSM-7, more room): scanning down from the top finds the longest.
  let hard = 0;
  for (let end = upper; end > 0; end -= 1) {
    if (fits(end)) {
      hard = end;
      break;
    }
  }
  // The longest cut at a word boundary (just before whitespace) that fits.
  let word = 0;
  for (let end = Math.min(upper, chars.length - 1); end > 0; end -= 1) {
    if (/\s/u.test(chars[end] ?? '') && !/\s/u.test(chars[end - 1] ?? '') && fits(end)) {
      word = end;
      break;
    }
  }
  const end = word > 0 && word * 2 >= hard ? word : hard;
  const cut = end > 0 ? withEllipsis(end) : '';
  return { text: cut, encoding: encodingOf(cut), segments: segmentCount(cut), truncated: true };
}
