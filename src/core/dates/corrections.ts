/**
 * Self-corrections in a message: "sorry I meant the 12th not the 21st", "not the 21st, the 12th",
 * "it's the 12th instead of the 21st", "the 21st was a typo, it's the 12th". The date taken back
 * (retracted) is never used and never offered; the other date is the one meant.
 */
import type { FoundDate } from './extract';

export interface Correction {
  /** Dates the person took back: never to be used or offered. */
  retracted: FoundDate[];
  /** The other dates, in order. */
  kept: FoundDate[];
  /** The message corrects something said before ("I meant…", "sorry", "not…", "typo"). */
  correcting: boolean;
}

/** Words that put a date just after them out of use: "not the 21st", "wasn't dated 3 May", "never on the 5th". */
const NEGATED_BEFORE = /\b(?:not|isn'?t|wasn'?t|aren'?t|weren'?t|never|instead\s+of|rather\s+than|in\s+place\s+of)\s+(?:(?:on|dated|from|for|it|the\s+date)\s+)?(?:the\s+)?$/i;
/** "…the 21st was a typo", "21/11 is wrong", "the 21st should be the 12th", "the 21st, sorry, I mean…". */
const WRONG_AFTER = /^\s*(?:(?:was|is|were|'s)\s+(?:a\s+|my\s+)?(?:wrong|typo|mistake|incorrect|not\s+right|an?\s+error)|should\s+(?:have\s+)?(?:been|be|say|said|read)\b|(?:,\s*)?(?:sorry|oops)\b[^.?!]{0,20}\b(?:i\s+)?(?:mean|meant)\b|by\s+mistake|in\s+error|(?:but|when)\s+i\s+meant)/i;
/** "I typed the 21st but…", "I put 21/11 by mistake". */
const TYPED_BEFORE = /\bi\s+(?:typed|put|wrote|said|entered|gave(?:\s+you)?)\s+(?:the\s+)?$/i;
const CORRECTING = /\b(?:i\s+meant|i\s+mean|meant\s+to\s+(?:say|type|put|write)|sorry|oops|typo|mistake|my\s+bad|should\s+(?:have\s+)?(?:said|been|be|read)|correction|i\s+got\s+(?:it|that|the\s+date)\s+wrong|wrong\s+date|not\s+the|instead|rather\s+than)\b/i;

/** Which dates a message takes back, and whether it corrects what was said before. */
export function readCorrection(text: string, dates: FoundDate[]): Correction {
  const retracted = dates.filter((d, i) => {
    const before = text.slice(dates[i - 1]?.end ?? 0, d.start);
    const after = text.slice(d.end, dates[i + 1]?.start ?? text.length);
    if (NEGATED_BEFORE.test(before)) return true;
    if (WRONG_AFTER.test(after)) return true;
    // "I typed the 21st but meant the 12th": taken back only when another date is given instead.
    return TYPED_BEFORE.test(before) && dates.length > 1 && /^\s*(?:by\s+mistake|in\s+error|but|instead|,?\s*sorry)/i.test(after);
  });
  // A message that takes back every date but one says which is meant; all of them taken back is a plain "no".
  const kept = dates.filter((d) => !retracted.includes(d));
  return { retracted, kept, correcting: retracted.length > 0 || CORRECTING.test(text) };
}
