/**
 * How long someone in the hand-off queue is likely to wait, said honestly: rounded up, never
 * made to sound shorter than it is.
 */

export interface WaitInput {
  /** Place in the queue; 1 is next. */
  position: number;
  /** Advisers signed in and taking chats for this tenant now. */
  advisersOnline: number;
  /** How long recent hand-off conversations took, in minutes. */
  recentHandleMinutes: readonly number[];
}

export interface WaitEstimate {
  /** Rounded up to 5 minutes (at least 5). */
  minutes: number;
  /** "a few minutes", "about 10 minutes", "about an hour", "over 2 hours"… */
  text: string;
}

/** Minutes per conversation when there are too few recent ones to go on. */
export const DEFAULT_HANDLE_MINUTES = 12;
/** Fewer recent conversations than this and the default is used. */
export const MIN_SAMPLES = 3;
/** A conversation longer than this is left out as a mistake (an adviser who forgot to close). */
const LONGEST_SAMPLE_MINUTES = 8 * 60;
/** No estimate goes beyond this: it would not be an estimate any more. */
const MAX_MINUTES = 24 * 60;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function wholeAtLeast(value: unknown, min: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(min, Math.floor(value)) : min;
}

/** The wait in words, from minutes already rounded to 5. */
export function describeWait(minutes: number): string {
  if (minutes < 60) return `about ${Math.max(5, minutes)} minutes`;
  if (minutes === 60) return 'about an hour';
  if (minutes < 90) return 'over an hour';
  if (minutes === 90) return 'about an hour and a half';
  if (minutes < 120) return 'nearly 2 hours';
  if (minutes === 120) return 'about 2 hours';
  return 'over 2 hours';
}

/**
 * Position × typical minutes per conversation (the median of recent ones, or 12 with fewer than
 * three) ÷ advisers online (at least 1), rounded up to 5 minutes. Next in the queue with an adviser
 * online is "a few minutes". Odd input (negative, NaN, not numbers) is read as the nearest sense.
 */
export function estimateWait(input: WaitInput): WaitEstimate {
  const position = wholeAtLeast(input?.position, 1);
  const advisers = wholeAtLeast(input?.advisersOnline, 0);
  const samples = Array.isArray(input?.recentHandleMinutes)
    ? input.recentHandleMinutes.filter((m): m is number => typeof m === 'number' && Number.isFinite(m) && m > 0 && m <= LONGEST_SAMPLE_MINUTES)
    : [];
  const perConversation = samples.length >= MIN_SAMPLES ? median(samples) : DEFAULT_HANDLE_MINUTES;
  const raw = (position * perConversation) / Math.max(1, advisers);
  const minutes = Math.min(MAX_MINUTES, Math.max(5, Math.ceil(raw / 5 - 1e-9) * 5));
  const text = position === 1 && advisers >= 1 ? 'a few minutes' : describeWait(minutes);
  return { minutes, text };
}
