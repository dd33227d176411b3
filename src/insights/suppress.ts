/**
 * The disclosure rule for every figure insights publish (page, JSON, CSV). Aggregates only, and no
 * count small enough to point at a person:
 *
 * 1. Primary suppression: a count below {@link THRESHOLD} (0, 1, 2, 3 or 4) is never published;
 *    it is shown as "fewer than 5" (status `fewer-than-5`, value null).
 * 2. Complementary suppression, for a breakdown whose total is published as well (conversations
 *    per day against all conversations; what became of hand-offs against all hand-offs; call-backs
 *    done and open against all call-backs): when the suppressed parts add up to 1–4, a small part
 *    could be worked out as the total minus the parts shown, so the smallest part still shown
 *    (the first in order on a tie) is hidden too (status `hidden`, value null), and again until
 *    the hidden parts add up to 0 or to 5 or more, or nothing is left to hide.
 * 3. Times (median, 90th percentile) are published only when they are drawn from at least
 *    {@link THRESHOLD} hand-offs or call-backs; how many they were drawn from is not published.
 *
 * Breakdowns without a published total (topics, turn outcomes, "did this help?" answers,
 * unanswered question groups) get primary suppression only.
 */

/** Counts below this are never published. */
export const THRESHOLD = 5;

export type CellStatus = 'shown' | 'fewer-than-5' | 'hidden';

/** One published count: the value, or null when it is suppressed. */
export interface Cell {
  value: number | null;
  status: CellStatus;
}

/** A count with primary suppression. */
export function cell(count: number): Cell {
  return count >= THRESHOLD ? { value: count, status: 'shown' } : { value: null, status: 'fewer-than-5' };
}

/**
 * The parts of a breakdown, suppressed. With `totalPublished`, complementary suppression applies
 * (see the module comment): pass true whenever the sum of the parts is published next to them.
 */
export function breakdown(counts: readonly number[], totalPublished: boolean): Cell[] {
  const cells = counts.map(cell);
  if (!totalPublished) return cells;
  for (;;) {
    let suppressedSum = 0;
    for (let i = 0; i < counts.length; i++) if (cells[i]!.status !== 'shown') suppressedSum += counts[i]!;
    if (suppressedSum === 0 || suppressedSum >= THRESHOLD) return cells;
    let smallest = -1;
    for (let i = 0; i < counts.length; i++) {
      if (cells[i]!.status === 'shown' && (smallest < 0 || counts[i]! < counts[smallest]!)) smallest = i;
    }
    if (smallest < 0) return cells;
    cells[smallest] = { value: null, status: 'hidden' };
  }
}

export interface Durations {
  /** `fewer-than-5` when drawn from fewer than THRESHOLD cases (or none). */
  status: 'shown' | 'fewer-than-5';
  /** Whole seconds, rounded. */
  medianSeconds: number | null;
  p90Seconds: number | null;
}

/**
 * The p-th percentile (0–1) of the values, by linear interpolation between the closest ranks
 * (as numpy's default and spreadsheets' PERCENTILE.INC): the median of an even count is the mean
 * of the middle two.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Median and 90th percentile of durations in milliseconds, as whole seconds; suppressed under THRESHOLD cases. */
export function durations(milliseconds: readonly number[]): Durations {
  if (milliseconds.length < THRESHOLD) return { status: 'fewer-than-5', medianSeconds: null, p90Seconds: null };
  return {
    status: 'shown',
    medianSeconds: Math.round(percentile(milliseconds, 0.5) / 1000),
    p90Seconds: Math.round(percentile(milliseconds, 0.9) / 1000),
  };
}
