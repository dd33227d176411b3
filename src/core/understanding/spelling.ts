import Fuse from 'fuse.js';

/** fuse.js distance (0 = same) under which a misspelt word is read as a known one. */
const MAX_DISTANCE = 0.25;
const MIN_LENGTH = 5;
const MAX_LENGTH_CHANGE = 1;
/** Longest word fuse.js compares in one piece (its bitap works on 32-bit masks); longer ones it splits. */
const FUSE_MAX_PATTERN = 32;
/** Words remembered, corrected or not, so a word typed again costs a look-up. */
const CACHE_LIMIT = 20_000;
const FUSE_OPTIONS = { includeScore: true, threshold: MAX_DISTANCE } as const;

function shapeOf(first: string, length: number): string {
  return `${first}${length}`;
}

/**
 * The pairs of adjacent characters in a word (UTF-16 units, as fuse.js reads them), each as a
 * number, with how many times the word holds it.
 */
function bigramsOf(word: string): Map<number, number> {
  const grams = new Map<number, number>();
  for (let i = 0; i + 1 < word.length; i++) {
    const gram = word.charCodeAt(i) * 65536 + word.charCodeAt(i + 1);
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

/**
 * The most edits fuse.js can allow a pattern of this length under MAX_DISTANCE: its score is at
 * least errors / length (plus a penalty for where the match starts), and it counts errors as edits
 * (a letter changed, added or dropped) between the pattern and some stretch of the known word.
 */
function maxErrors(length: number): number {
  let errors = 0;
  while (errors + 1 < length && (errors + 1) / length <= MAX_DISTANCE) errors++;
  return errors;
}

/** A posting: a word's position in its bucket and how many times it holds the pair, in one number. */
const TIMES = 256;

/** Known words of one first letter and one length, with an index of the letter pairs they hold. */
class Bucket {
  readonly words: string[] = [];
  /** letter pair → (position × TIMES + times held) of the words holding it, ascending */
  private readonly postings = new Map<number, number[]>();

  add(word: string): void {
    const position = this.words.push(word) - 1;
    for (const [gram, times] of bigramsOf(word)) {
      const posting = position * TIMES + Math.min(times, TIMES - 1);
      const list = this.postings.get(gram);
      if (list) list.push(posting);
      else this.postings.set(gram, [posting]);
    }
  }

  /**
   * The words sharing at least `least` of the word's letter pairs (a pair held twice by both
   * counts twice), in bucket order. A word that shares none of a set of pairs making up more than
   * (all − least) of the word's pairs shares too few: the words are found through the postings
   * of the rarest pairs, until they make up that much, and then checked against the other pairs'
   * postings (ascending, so by binary search). `counts` is scratch space at least as long as the
   * bucket, all zero, and is left all zero.
   */
  sharing(grams: ReadonlyMap<number, number>, least: number, counts: Uint16Array): string[] {
    const lists: Array<{ times: number; list: readonly number[] }> = [];
    let all = 0;
    for (const [gram, times] of grams) {
      lists.push({ times, list: this.postings.get(gram) ?? NONE });
      all += times;
    }
    lists.sort((a, b) => a.list.length - b.list.length);
    const touched: number[] = [];
    let probed = 0;
    let probe = 0;
    while (probe < lists.length && probed <= all - least) {
      const { times, list } = lists[probe++]!;
      probed += times;
      for (const posting of list) {
        const position = Math.floor(posting / TIMES);
        const count = counts[position]!;
        if (count === 0) touched.push(position);
        counts[position] = count + Math.min(times, posting % TIMES);
      }
    }
    const found: number[] = [];
    for (const position of touched) {
      let count = counts[position]!;
      counts[position] = 0;
      let left = all - probed;
      for (let i = probe; i < lists.length && count < least && count + left >= least; i++) {
        const { times, list } = lists[i]!;
        left -= times;
        count += Math.min(times, heldTimes(list, position));
      }
      if (count >= least) found.push(position);
    }
    return found.sort((a, b) => a - b).map((position) => this.words[position]!);
  }
}

const NONE: readonly number[] = [];

/** How many times the word at `position` holds the pair whose (ascending) postings these are. */
function heldTimes(list: readonly number[], position: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = Math.floor(list[mid]! / TIMES);
    if (at === position) return list[mid]! % TIMES;
    if (at < position) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/**
 * Typos: a word that is neither English nor used by the knowledge base is read as the closest
 * word the knowledge base does use, found by fuse.js among known words that start with the same
 * letter. Real words ("stuff", "medication"), short words and numbers are left alone.
 *
 * fuse.js only compares the word with known words that could pass its threshold. It allows k
 * edits between the word and some stretch of a known word (k ≤ a quarter of the word's length),
 * and k edits spoil at most 2k of the word's (length − 1) letter pairs, so a known word within
 * its reach shares at least (length − 1 − 2k) of them. An index of letter pairs finds those words
 * without looking at the others, and fuse.js then scores only them. The answer is the one fuse.js
 * gives over every known word of that letter and about that length (test/core/spelling.test.ts
 * checks it): the words left out are ones it would reject, and the rest keep their order, which
 * settles ties. The cost follows how many known words share letter pairs with the word, not how
 * many words the knowledge base has, and a word like nothing known needs no fuse.js search.
 */
export class Spelling {
  private readonly known = new Set<string>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly cache = new Map<string, string>();
  /** Scratch space for Bucket.sharing, as long as the largest bucket. */
  private readonly counts: Uint16Array;
  /** One fuse.js instance, given each look-up's candidates in turn. */
  private readonly fuse = new Fuse<string>([], FUSE_OPTIONS);

  constructor(vocabulary: Iterable<string>, private readonly dictionary: ReadonlySet<string> = new Set()) {
    for (const word of vocabulary) {
      if (!word || word.includes('*') || this.known.has(word)) continue;
      this.known.add(word);
      if (word.length < MIN_LENGTH - 1 || /\d/.test(word)) continue;
      const shape = shapeOf(word[0]!, word.length);
      let bucket = this.buckets.get(shape);
      if (!bucket) this.buckets.set(shape, (bucket = new Bucket()));
      bucket.add(word);
    }
    const largest = Math.max(0, ...[...this.buckets.values()].map((b) => b.words.length));
    this.counts = new Uint16Array(largest);
  }

  readonly correct = (word: string): string => {
    if (word.length < MIN_LENGTH || this.known.has(word) || this.dictionary.has(word) || /\d/.test(word)) return word;
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    // fuse.js splits a word too long for one piece, and finds the best piece: no bound on the whole.
    const unbounded = word.length > FUSE_MAX_PATTERN;
    const grams = bigramsOf(word.toLowerCase());
    // At least length/2 − 1, so never below 2 for the words corrected.
    const least = word.length - 1 - 2 * maxErrors(word.length);
    // A typo changes the length by a letter or two: only known words of about the same length,
    // starting with the same letter, are compared. They go to fuse.js in one list, shorter words
    // first: it ranks by score and then by position, so of equally close words the shortest wins.
    const candidates: string[] = [];
    for (let length = word.length - MAX_LENGTH_CHANGE; length <= word.length + MAX_LENGTH_CHANGE; length++) {
      const bucket = this.buckets.get(shapeOf(word[0]!, length));
      if (!bucket) continue;
      for (const known of unbounded ? bucket.words : bucket.sharing(grams, least, this.counts)) candidates.push(known);
    }
    let hit: { item: string; score?: number } | undefined;
    if (candidates.length > 0) {
      this.fuse.setCollection(candidates);
      hit = this.fuse.search(word, { limit: 1 })[0];
    }
    const corrected = hit && (hit.score ?? 1) <= MAX_DISTANCE ? hit.item : word;
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(word, corrected);
    return corrected;
  };
}
