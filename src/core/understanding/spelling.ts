import Fuse from 'fuse.js';

/** fuse.js distance (0 = same) under which a misspelt word is read as a known one. */
const MAX_DISTANCE = 0.25;
const MIN_LENGTH = 5;

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
    const byLetter = new Map<string, string[]>();
    for (const word of vocabulary) {
      if (!word || word.includes('*')) continue;
      this.known.add(word);
      if (word.length < MIN_LENGTH - 1 || /\d/.test(word)) continue;
      const list = byLetter.get(word[0]!) ?? [];
      list.push(word);
      byLetter.set(word[0]!, list);
    }
    for (const [letter, words] of byLetter) {
      this.buckets.set(letter, new Fuse(words, { includeScore: true, threshold: MAX_DISTANCE }));
    }
  }

  readonly correct = (word: string): string => {
    if (word.length < MIN_LENGTH || this.known.has(word) || this.dictionary.has(word) || /\d/.test(word)) return word;
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const hit = this.buckets.get(word[0]!)?.search(word, { limit: 1 })[0];
    const corrected = hit && (hit.score ?? 1) <= MAX_DISTANCE ? hit.item : word;
    if (this.cache.size > 20_000) this.cache.clear();
    this.cache.set(word, corrected);
    return corrected;
  };
}
