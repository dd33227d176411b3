import Fuse from 'fuse.js';

/** fuse.js distance (0 = same) under which a misspelt word is read as a known one. */
const MAX_DISTANCE = 0.25;
const MIN_LENGTH = 5;
const MAX_LENGTH_CHANGE = 1;

function shapeOf(first: string, length: number): string {
  return `${first}${length}`;
}

/**
 * Typos: a word that is neither English nor used by the knowledge base is read as the closest
 * word the knowledge base does use, found by fuse.js among known words that start with the same
 * letter. Real words ("stuff", "medication"), short words and numbers are left alone.
 */
export class Spelling {
  private readonly known = new Set<string>();
  private readonly buckets = new Map<string, Fuse<string>>();
  private readonly cache = new Map<string, string>();

  constructor(vocabulary: Iterable<string>, private readonly dictionary: ReadonlySet<string> = new Set()) {
    const byShape = new Map<string, string[]>();
    for (const word of vocabulary) {
      if (!word || word.includes('*')) continue;
      this.known.add(word);
      if (word.length < MIN_LENGTH - 1 || /\d/.test(word)) continue;
      const list = byShape.get(shapeOf(word[0]!, word.length)) ?? [];
      list.push(word);
      byShape.set(shapeOf(word[0]!, word.length), list);
    }
    for (const [shape, words] of byShape) {
      this.buckets.set(shape, new Fuse(words, { includeScore: true, threshold: MAX_DISTANCE }));
    }
  }

  readonly correct = (word: string): string => {
    if (word.length < MIN_LENGTH || this.known.has(word) || this.dictionary.has(word) || /\d/.test(word)) return word;
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    // A typo changes the length by a letter or two: only known words of about the same length,
    // starting with the same letter, are compared, so the cost stays flat as the vocabulary grows.
    let hit: { item: string; score?: number } | undefined;
    for (let length = word.length - MAX_LENGTH_CHANGE; length <= word.length + MAX_LENGTH_CHANGE; length++) {
      const found = this.buckets.get(shapeOf(word[0]!, length))?.search(word, { limit: 1 })[0];
      if (found && (!hit || (found.score ?? 1) < (hit.score ?? 1))) hit = found;
    }
    const corrected = hit && (hit.score ?? 1) <= MAX_DISTANCE ? hit.item : word;
    if (this.cache.size > 20_000) this.cache.clear();
    this.cache.set(word, corrected);
    return corrected;
  };
}
