import { createHash } from 'node:crypto';
import { normaliseWords } from '../core/understanding/normalise';
import { featuresOf } from '../core/understanding/similarity';

/**
 * Unanswered questions grouped by similarity, so an editor sees what is asked most that the
 * knowledge base lacks. Deterministic: the same questions always give the same groups.
 *
 * Each question becomes a TF-IDF vector of its content words (normalised as the matcher reads
 * them: spelling and SMS variants, synonyms; common words dropped; crude stems): sublinear term
 * frequency (1 + ln tf) and an IDF over the questions being grouped, smoothed as if there were
 * {@link IDF_PRIOR} more questions sharing none of their words (1 + ln((N + prior) / (df + 1))): the
 * words a group shares still count when that group is a large share of a few questions, and words
 * common to many questions count for little when there are many.
 * Oldest first (ties by id), each question joins the group whose centroid it is most like (cosine
 * similarity) when that is at least {@link GROUP_SIMILARITY}, or starts a new group. Then, until
 * nothing moves (at most {@link MAX_ROUNDS} rounds): groups whose centroids are that alike merge,
 * and every question moves to the group whose centroid it is most like, if that is alike enough.
 * Texts arrive already redacted.
 */

export const GROUP_SIMILARITY = 0.35;
export const MAX_ROUNDS = 10;
export const IDF_PRIOR = 100;

export interface QuestionInput {
  id: string;
  text: string;
  createdAt: string;
}

export interface QuestionGroup {
  /** Stable for the same members: a hash of their ids. */
  key: string;
  count: number;
  /** The question most like the rest of its group. */
  example: string;
  /** Up to three more, different, questions from the group, most typical first. */
  others: string[];
  /** Every member's id (for marking the group). */
  ids: string[];
}

type Vector = Map<string, number>;

/** Content features of a question; redaction markers ([name], [phone]…) say nothing about what was asked. */
export function questionFeatures(text: string): string[] {
  return featuresOf(normaliseWords(text.replace(/\[[a-z ]+\]/gi, ' ')));
}

function normalised(vector: Vector): Vector {
  let sum = 0;
  for (const w of vector.values()) sum += w * w;
  const norm = Math.sqrt(sum);
  if (norm === 0) return vector;
  const out: Vector = new Map();
  for (const [f, w] of vector) out.set(f, w / norm);
  return out;
}

function cosine(a: Vector, b: Vector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [f, w] of small) {
    const other = large.get(f);
    if (other !== undefined) dot += w * other;
  }
  return dot;
}

export function groupUnanswered(questions: readonly QuestionInput[], threshold = GROUP_SIMILARITY): QuestionGroup[] {
  const ordered = [...questions].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const termCounts = ordered.map((q) => {
    const tf = new Map<string, number>();
    for (const f of questionFeatures(q.text)) tf.set(f, (tf.get(f) ?? 0) + 1);
    return tf;
  });
  const documentFrequency = new Map<string, number>();
  for (const tf of termCounts) for (const f of tf.keys()) documentFrequency.set(f, (documentFrequency.get(f) ?? 0) + 1);
  const n = ordered.length;
  const vectors = termCounts.map((tf) => {
    const v: Vector = new Map();
    for (const [f, count] of tf) v.set(f, (1 + Math.log(count)) * (1 + Math.log((n + IDF_PRIOR) / (documentFrequency.get(f)! + 1))));
    return normalised(v);
  });

  interface Building {
    members: number[];
    sum: Vector;
    centroid: Vector;
    /** Questions with no content words at all group by their text. */
    wordless?: string;
  }
  const groups: Building[] = [];
  const wordless = new Map<string, Building>();
  ordered.forEach((question, index) => {
    const vector = vectors[index]!;
    if (vector.size === 0) {
      const key = question.text.trim().toLowerCase();
      let group = wordless.get(key);
      if (!group) {
        group = { members: [], sum: new Map(), centroid: new Map(), wordless: key };
        wordless.set(key, group);
        groups.push(group);
      }
      group.members.push(index);
      return;
    }
    let best: Building | undefined;
    let bestScore = -1;
    for (const group of groups) {
      if (group.wordless !== undefined) continue;
      const score = cosine(vector, group.centroid);
      if (score > bestScore) {
        best = group;
        bestScore = score;
      }
    }
    if (!best || bestScore < threshold) {
      best = { members: [], sum: new Map(), centroid: new Map() };
      groups.push(best);
    }
    best.members.push(index);
    for (const [f, w] of vector) best.sum.set(f, (best.sum.get(f) ?? 0) + w);
    best.centroid = normalised(best.sum);
  });

  // Refine: what the first pass split by the order questions came in comes together.
  let worded = groups.filter((g) => g.wordless === undefined);
  const rebuild = (group: Building) => {
    group.sum = new Map();
    for (const index of group.members) for (const [f, w] of vectors[index]!) group.sum.set(f, (group.sum.get(f) ?? 0) + w);
    group.centroid = normalised(group.sum);
  };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changed = false;
    // Merge alike groups, the most alike pair first.
    for (;;) {
      let pair: [number, number] | undefined;
      let pairScore = threshold;
      for (let i = 0; i < worded.length; i++) {
        for (let j = i + 1; j < worded.length; j++) {
          const score = cosine(worded[i]!.centroid, worded[j]!.centroid);
          if (score >= pairScore && (pair === undefined || score > pairScore)) {
            pair = [i, j];
            pairScore = score;
          }
        }
      }
      if (!pair) break;
      const [keep, drop] = [worded[pair[0]]!, worded[pair[1]]!];
      keep.members = [...keep.members, ...drop.members].sort((a, b) => a - b);
      rebuild(keep);
      worded = worded.filter((g) => g !== drop);
      changed = true;
    }
    // Move each question to the group it is most like.
    const home = new Map<number, Building>();
    for (const group of worded) for (const index of group.members) home.set(index, group);
    const next = new Map<Building, number[]>(worded.map((g) => [g, []]));
    for (const [index, current] of [...home].sort((a, b) => a[0] - b[0])) {
      let target = current;
      let targetScore = cosine(vectors[index]!, current.centroid);
      for (const group of worded) {
        const score = cosine(vectors[index]!, group.centroid);
        if (score > targetScore + 1e-12 && score >= threshold) {
          target = group;
          targetScore = score;
        }
      }
      if (target !== current) changed = true;
      next.get(target)!.push(index);
    }
    worded = worded.filter((g) => next.get(g)!.length > 0);
    for (const group of worded) {
      group.members = next.get(group)!;
      rebuild(group);
    }
    if (!changed) break;
  }

  return [...worded, ...groups.filter((g) => g.wordless !== undefined)]
    .map((group) => {
      // Most typical first: closest to the centroid, then oldest.
      const ranked = group.members
        .map((index) => ({ index, score: group.wordless !== undefined ? 1 : cosine(vectors[index]!, group.centroid) }))
        .sort((a, b) => b.score - a.score || a.index - b.index);
      const example = ordered[ranked[0]!.index]!.text;
      const seen = new Set([example.trim().toLowerCase()]);
      const others: string[] = [];
      for (const { index } of ranked) {
        if (others.length >= 3) break;
        const text = ordered[index]!.text;
        const key = text.trim().toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        others.push(text);
      }
      const ids = group.members.map((index) => ordered[index]!.id);
      const key = createHash('sha256').update([...ids].sort().join('\n')).digest('hex').slice(0, 16);
      return { key, count: ids.length, example, others, ids };
    })
    .sort((a, b) => b.count - a.count || (a.example < b.example ? -1 : a.example > b.example ? 1 : a.key < b.key ? -1 : 1));
}
