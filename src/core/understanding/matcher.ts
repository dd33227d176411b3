import { normaliseWords, vocabularyOf } from './normalise';
import { clauseKeys, compilePattern, patternMatches, viewOf, type CompiledPattern, type Concepts, type MessageView } from './patterns';

export interface IntentDefinition {
  id: string;
  patterns: Array<{ match: string; weight?: number; unless?: string }>;
  examples: string[];
}

export interface Candidate {
  id: string;
  /** Sum of evidence: rule weights, or a fuzzy similarity scaled to the same range. */
  score: number;
  via: 'rules' | 'fuzzy';
}

interface IndexedPattern extends CompiledPattern {
  intentId: string;
}

/** Words too common to point at any example when looking for fuzzy candidates. */
const STOPWORDS = new Set(
  ('a an the i me my we our you your he she it they them his her their is are was were be been am do does did ' +
    'to of in on at for with about from by and or but if so not no can could would should will what how when ' +
    'where who which why that this there have has had get got want need please hi hello just any some one').split(' '),
);

const SECOND_PATTERN_SHARE = 0.4;
/** Words in more than this share of examples (and more than the minimum) are not looked up. */
const COMMON_WORD_SHARE = 0.05;
const COMMON_WORD_MIN_POSTINGS = 200;
/** Fuzzy similarity only counts as evidence above this (1 = identical). */
const FUZZY_MIN_SIMILARITY = 0.55;
/** A fuzzy hit is weaker evidence than a rule: the best one is worth this many rule points. */
const FUZZY_MAX_SCORE = 2.5;

/** A trie of prefix keys by letter code; `key` is the id of the prefix ending here, or -1. */
interface KeyTrie {
  key: number;
  next?: Map<number, KeyTrie>;
}

/**
 * The examples' content words as an inverted index over term ids: each term's postings (the
 * examples holding it, in order) and IDF, each example's terms, norm and intent, all in flat arrays.
 */
class ExampleIndex {
  readonly termIds = new Map<string, number>();
  readonly termCount: number;
  readonly exampleCount: number;
  readonly idf: Float64Array;
  /** postings[postingStart[t] .. postingStart[t + 1]): the examples holding term t, ascending. */
  readonly postingStart: Int32Array;
  readonly postings: Int32Array;
  /** terms[termStart[e] .. termStart[e + 1]): the terms of example e. */
  readonly termStart: Int32Array;
  readonly terms: Int32Array;
  readonly norm: Float64Array;
  readonly intent: Int32Array;
  readonly intentIds: string[] = [];

  constructor(examples: ReadonlyArray<{ intent: string; words: readonly string[] }>) {
    this.exampleCount = examples.length;
    const intentOf = new Map<string, number>();
    this.intent = new Int32Array(examples.length);
    this.termStart = new Int32Array(examples.length + 1);
    const terms: number[] = [];
    const lists: number[][] = [];
    examples.forEach((example, e) => {
      let intent = intentOf.get(example.intent);
      if (intent === undefined) {
        intent = this.intentIds.push(example.intent) - 1;
        intentOf.set(example.intent, intent);
      }
      this.intent[e] = intent;
      for (const word of example.words) {
        let term = this.termIds.get(word);
        if (term === undefined) {
          term = lists.push([]) - 1;
          this.termIds.set(word, term);
        }
        lists[term]!.push(e);
        terms.push(term);
      }
      this.termStart[e + 1] = terms.length;
    });
    this.terms = Int32Array.from(terms);
    this.termCount = lists.length;
    this.postingStart = new Int32Array(lists.length + 1);
    this.postings = new Int32Array(terms.length);
    this.idf = new Float64Array(lists.length);
    this.norm = new Float64Array(examples.length);
    let at = 0;
    lists.forEach((list, term) => {
      this.postings.set(list, at);
      at += list.length;
      this.postingStart[term + 1] = at;
      const idf = Math.log(1 + examples.length / (1 + list.length));
      this.idf[term] = idf;
      // Summed term by term in order of first appearance, as the norms always have been.
      for (const e of list) this.norm[e] = this.norm[e]! + idf * idf;
    });
    for (let e = 0; e < examples.length; e++) this.norm[e] = Math.sqrt(this.norm[e]!) || 1;
  }

  postingCount(term: number): number {
    return this.postingStart[term + 1]! - this.postingStart[term]!;
  }
}

export class IntentMatcher {
  private readonly patterns: IndexedPattern[] = [];
  /**
   * Every required word of every clause ("key": see `clauseKeys`) has an id. Plain keys are looked
   * up by word, prefix keys (`mediat*`) by walking a trie of their letters, so finding the keys a
   * message holds costs a lookup per word and a step per letter, whatever the number of patterns.
   */
  private readonly exactKeys = new Map<string, number>();
  private readonly prefixKeys: KeyTrie = { key: -1 };
  /** key id → the patterns filed under it (under their most selective clause's keys) */
  private readonly filed: number[][] = [];
  /** pattern → for each clause, the ids of its keys: a clause cannot hold unless the message has one. */
  private readonly clauseKeyIds: Int32Array[][] = [];
  /** Scratch space for `matchRules`: patterns already offered, and keys present (as `stamp`). */
  private seen = new Uint8Array(0);
  private present = new Int32Array(0);
  private stamp = 0;
  private readonly exampleIndex: ExampleIndex;
  /** Scratch space for `matchExamples`, sized to the index; every entry is back to 0 after each use. */
  private readonly scratch: { partial: Float64Array; found: Int32Array; querySlot: Int32Array };
  /** Every word the patterns and examples use, for spelling correction. */
  readonly vocabulary = new Set<string>();
  readonly patternCount: number;

  constructor(intents: IntentDefinition[], concepts?: Concepts) {
    let count = 0;
    const examples: Array<{ intent: string; words: string[] }> = [];
    for (const intent of intents) {
      intent.patterns.forEach((spec, i) => {
        const compiled: IndexedPattern = {
          ...compilePattern(spec, `${intent.id}: patterns[${i}]`, concepts),
          intentId: intent.id,
        };
        this.patterns.push(compiled);
        for (const word of vocabularyOf(`${spec.match} ${spec.unless ?? ''}`)) this.vocabulary.add(word);
        count++;
      });
      for (const example of intent.examples) {
        for (const word of vocabularyOf(example)) this.vocabulary.add(word);
        examples.push({ intent: intent.id, words: [...new Set(normaliseWords(example))].filter((w) => !STOPWORDS.has(w)) });
      }
    }
    this.patternCount = count;
    this.buildIndex();
    this.exampleIndex = new ExampleIndex(examples);
    this.scratch = {
      partial: new Float64Array(this.exampleIndex.exampleCount),
      found: new Int32Array(this.exampleIndex.exampleCount),
      querySlot: new Int32Array(this.exampleIndex.termCount),
    };
  }

  /**
   * Each pattern is filed under the required words of its most selective clause (the one whose
   * words are rarest across the knowledge base), so a message only meets patterns it could match.
   */
  private buildIndex(): void {
    const frequency = new Map<string, number>();
    for (const pattern of this.patterns) {
      for (const clause of pattern.clauses) for (const alt of clause) for (const w of alt.words) frequency.set(w, (frequency.get(w) ?? 0) + 1);
    }
    const often = (word: string) => frequency.get(word) ?? 0;
    this.patterns.forEach((pattern, index) => {
      const byClause = clauseKeys(pattern, often);
      this.clauseKeyIds.push(byClause.map((keys) => Int32Array.from(keys, (key) => this.keyId(key))));
      const cost = (keys: string[]) => keys.reduce((sum, k) => sum + often(k) + (k.endsWith('*') ? 50 : 0), 0);
      const selective = byClause.reduce((best, keys) => (cost(keys) < cost(best) ? keys : best));
      for (const key of selective) this.filed[this.keyId(key)]!.push(index);
    });
    this.seen = new Uint8Array(this.patterns.length);
    this.present = new Int32Array(this.filed.length);
  }

  private keyId(key: string): number {
    if (!key.endsWith('*')) {
      let id = this.exactKeys.get(key);
      if (id === undefined) {
        id = this.filed.push([]) - 1;
        this.exactKeys.set(key, id);
      }
      return id;
    }
    let node = this.prefixKeys;
    for (let i = 0; i < key.length - 1; i++) {
      node.next ??= new Map();
      const code = key.charCodeAt(i);
      let child = node.next.get(code);
      if (!child) {
        child = { key: -1 };
        node.next.set(code, child);
      }
      node = child;
    }
    if (node.key < 0) node.key = this.filed.push([]) - 1;
    return node.key;
  }

  /**
   * The patterns filed under a key the message holds, each once. On the way, every key the message
   * holds is marked present (`present[key] === stamp`) for `couldMatch`.
   */
  private candidates(words: readonly string[]): number[] {
    if (++this.stamp > 0x3fffffff) {
      this.present.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    const found: number[] = [];
    const mark = (key: number) => {
      if (this.present[key] === stamp) return;
      this.present[key] = stamp;
      for (const index of this.filed[key]!) {
        if (this.seen[index]) continue;
        this.seen[index] = 1;
        found.push(index);
      }
    };
    for (const word of words) {
      const exact = this.exactKeys.get(word);
      if (exact !== undefined) mark(exact);
      let node: KeyTrie | undefined = this.prefixKeys;
      for (let i = 0; i < word.length; i++) {
        node = node.next?.get(word.charCodeAt(i));
        if (!node) break;
        if (node.key >= 0) mark(node.key);
      }
    }
    for (const index of found) this.seen[index] = 0;
    return found;
  }

  /**
   * False when some clause of the pattern has none of its keys in the message (marked by the last
   * `candidates`), so it cannot match: each of a clause's alternatives needs its key word, and
   * checking ids is far cheaper than trying the alternatives. Only a quick "no": a true still needs
   * `patternMatches`.
   */
  private couldMatch(index: number): boolean {
    const stamp = this.stamp;
    for (const keys of this.clauseKeyIds[index]!) {
      let any = false;
      for (let k = 0; k < keys.length; k++) {
        if (this.present[keys[k]!] === stamp) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    return true;
  }

  /**
   * Ranked intents by rule evidence: the strongest pattern, plus a share of the second. Counting
   * only two keeps a topic with many loose patterns from piling up points on a passing mention.
   */
  matchRules(words: readonly string[]): Candidate[] {
    const byIntent = new Map<string, number[]>();
    let view: MessageView | undefined;
    for (const index of this.candidates(words)) {
      if (!this.couldMatch(index)) continue;
      const pattern = this.patterns[index]!;
      view ??= viewOf(words);
      if (!patternMatches(pattern, view)) continue;
      const weights = byIntent.get(pattern.intentId) ?? [];
      weights.push(pattern.weight);
      byIntent.set(pattern.intentId, weights);
    }
    const ranked: Candidate[] = [];
    for (const [id, weights] of byIntent) {
      weights.sort((a, b) => b - a);
      const score = weights[0]! + SECOND_PATTERN_SHARE * (weights[1] ?? 0);
      ranked.push({ id, score, via: 'rules' });
    }
    return ranked.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  }

  /**
   * Similarity to the examples (IDF-weighted cosine over content words), through an inverted index
   * over term ids, so cost follows the overlap, not the corpus size. Two things keep long messages
   * cheap: words in a large share of the examples are not looked up at all (they say little, and
   * would make the cost linear), and of the rest, the most common ones only count towards examples
   * the rarer ones already found. An example sharing nothing but words whose squared weights add up
   * to less than FUZZY_MIN_SIMILARITY² of the message's cannot reach that similarity (its cosine is
   * at most √(shared / message), since its own norm is at least √shared), so those words' postings
   * need not be walked to find candidates. Every candidate is then scored exactly as a full scan
   * would score it, adding the weights in the message's word order: the same figures, bit for bit.
   */
  matchExamples(words: readonly string[]): Candidate[] {
    const index = this.exampleIndex;
    const content = [...new Set(words.filter((w) => !STOPWORDS.has(w)))];
    if (content.length === 0) return [];
    const tooCommon = Math.max(COMMON_WORD_MIN_POSTINGS, index.exampleCount * COMMON_WORD_SHARE);
    const unseenIdf = Math.log(1 + index.exampleCount);
    // The message's looked-up terms, in its word order: term id and squared weight.
    const terms: number[] = [];
    const weights: number[] = [];
    let queryNorm = 0;
    for (const word of content) {
      const term = index.termIds.get(word);
      const idf = term === undefined ? unseenIdf : index.idf[term]!;
      queryNorm += idf * idf;
      if (term === undefined || index.postingCount(term) > tooCommon) continue;
      terms.push(term);
      weights.push(idf * idf);
    }
    if (terms.length === 0) return [];

    // The commonest terms, while their squared weights add up to less than the bound, need not be walked.
    const byWeight = terms.map((_, q) => q).sort((a, b) => weights[a]! - weights[b]!);
    const bound = FUZZY_MIN_SIMILARITY * FUZZY_MIN_SIMILARITY * queryNorm * (1 - 1e-9);
    const walk = new Uint8Array(terms.length);
    let skipped = 0;
    for (const q of byWeight) {
      if (skipped + weights[q]! < bound) skipped += weights[q]!;
      else walk[q] = 1;
    }

    // Candidates: the examples holding a walked term, with the part of their product it gives.
    const { partial, found, querySlot } = this.scratch;
    const { postings, postingStart } = index;
    let count = 0;
    for (let q = 0; q < terms.length; q++) {
      if (!walk[q]) continue;
      const w = weights[q]!;
      for (let i = postingStart[terms[q]!]!, end = postingStart[terms[q]! + 1]!; i < end; i++) {
        const example = postings[i]!;
        if (partial[example] === 0) found[count++] = example;
        partial[example] = partial[example]! + w;
      }
    }

    terms.forEach((term, q) => { querySlot[term] = q + 1; });
    const shared = new Uint8Array(terms.length);
    const rootNorm = Math.sqrt(queryNorm);
    const bestByIntent = new Map<number, { similarity: number; order: number }>();
    for (let c = 0; c < count; c++) {
      const example = found[c]!;
      // At most the walked part plus every skipped term: most candidates stop here.
      const most = partial[example]! + skipped;
      partial[example] = 0;
      if (most < FUZZY_MIN_SIMILARITY * rootNorm * index.norm[example]! * (1 - 1e-9)) continue;
      for (let i = index.termStart[example]!, end = index.termStart[example + 1]!; i < end; i++) {
        const q = querySlot[index.terms[i]!]!;
        if (q) shared[q - 1] = 1;
      }
      let product = 0;
      let first = -1;
      for (let q = 0; q < terms.length; q++) {
        if (!shared[q]) continue;
        shared[q] = 0;
        product += weights[q]!;
        if (first < 0) first = q;
      }
      const cosine = product / (rootNorm * index.norm[example]!);
      if (cosine < FUZZY_MIN_SIMILARITY) continue;
      // Where a full scan would first have met this example: ties between intents keep that order.
      const order = first * index.exampleCount + example;
      const intent = index.intent[example]!;
      const best = bestByIntent.get(intent);
      if (!best) bestByIntent.set(intent, { similarity: cosine, order });
      else {
        best.similarity = Math.max(best.similarity, cosine);
        best.order = Math.min(best.order, order);
      }
    }
    for (const term of terms) querySlot[term] = 0;

    return [...bestByIntent.entries()]
      .map(([intent, { similarity, order }]) => ({
        candidate: {
          id: index.intentIds[intent]!,
          score: (FUZZY_MAX_SCORE * (similarity - FUZZY_MIN_SIMILARITY)) / (1 - FUZZY_MIN_SIMILARITY),
          via: 'fuzzy' as const,
        },
        order,
      }))
      .sort((a, b) => b.candidate.score - a.candidate.score || a.order - b.order)
      .map(({ candidate }) => candidate);
  }
}
