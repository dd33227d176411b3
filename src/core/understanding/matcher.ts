import { normaliseWords, vocabularyOf } from './normalise';
import { clauseKeys, compilePattern, patternMatches, viewOf, type CompiledPattern, type Concepts } from './patterns';

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

export class IntentMatcher {
  private readonly patterns: IndexedPattern[] = [];
  /** Scratch space for `candidates`: which patterns were already offered; reset after each use. */
  private seen = new Uint8Array(0);
  /** required word → the patterns filed under it */
  private readonly exact = new Map<string, number[]>();
  private readonly prefixes = new Map<string, number[]>();
  private readonly exampleWords = new Map<string, number[]>();
  private readonly examples: Array<{ id: string; norm: number }> = [];
  /** Every word the patterns and examples use, for spelling correction. */
  readonly vocabulary = new Set<string>();
  readonly patternCount: number;

  constructor(intents: IntentDefinition[], concepts?: Concepts) {
    let count = 0;
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
        const position = this.examples.push({ id: intent.id, norm: 0 }) - 1;
        for (const word of vocabularyOf(example)) this.vocabulary.add(word);
        for (const word of new Set(normaliseWords(example))) {
          if (STOPWORDS.has(word)) continue;
          const list = this.exampleWords.get(word) ?? [];
          list.push(position);
          this.exampleWords.set(word, list);
        }
      }
    }
    this.patternCount = count;
    this.buildIndex();
    this.computeExampleNorms();
  }

  private computeExampleNorms(): void {
    for (const [word, positions] of this.exampleWords) {
      const idf = this.idf(word);
      for (const position of positions) this.examples[position]!.norm += idf * idf;
    }
    for (const example of this.examples) example.norm = Math.sqrt(example.norm) || 1;
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
      const cost = (keys: string[]) => keys.reduce((sum, k) => sum + often(k) + (k.endsWith('*') ? 50 : 0), 0);
      const selective = byClause.reduce((best, keys) => (cost(keys) < cost(best) ? keys : best));
      for (const key of selective) {
        const map = key.endsWith('*') ? this.prefixes : this.exact;
        const name = key.endsWith('*') ? key.slice(0, -1) : key;
        const list = map.get(name) ?? [];
        list.push(index);
        map.set(name, list);
      }
    });
    this.seen = new Uint8Array(this.patterns.length);
  }

  private candidates(words: readonly string[]): IndexedPattern[] {
    const found: number[] = [];
    const mark = (entries: number[] | undefined) => {
      if (!entries) return;
      for (const index of entries) {
        if (this.seen[index]) continue;
        this.seen[index] = 1;
        found.push(index);
      }
    };
    for (const word of new Set(words)) {
      mark(this.exact.get(word));
      for (let end = 1; end <= word.length; end++) mark(this.prefixes.get(word.slice(0, end)));
    }
    for (const index of found) this.seen[index] = 0;
    return found.map((index) => this.patterns[index]!);
  }

  /**
   * Ranked intents by rule evidence: the strongest pattern, plus a share of the second. Counting
   * only two keeps a topic with many loose patterns from piling up points on a passing mention.
   */
  matchRules(words: readonly string[]): Candidate[] {
    const byIntent = new Map<string, number[]>();
    const view = viewOf(words);
    for (const pattern of this.candidates(words)) {
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
   * Similarity to the examples (IDF-weighted cosine over content words). Only examples that
   * share a word with the message are scored, so cost follows the overlap, not the corpus size.
   */
  matchExamples(words: readonly string[]): Candidate[] {
    const content = [...new Set(words.filter((w) => !STOPWORDS.has(w)))];
    if (content.length === 0) return [];
    const dot = new Map<number, number>();
    let queryNorm = 0;
    const tooCommon = Math.max(COMMON_WORD_MIN_POSTINGS, this.examples.length * COMMON_WORD_SHARE);
    for (const word of content) {
      const idf = this.idf(word);
      queryNorm += idf * idf;
      const postings = this.exampleWords.get(word) ?? [];
      // A word in a large share of the examples says little and would make the cost linear.
      if (postings.length > tooCommon) continue;
      for (const position of postings) dot.set(position, (dot.get(position) ?? 0) + idf * idf);
    }
    const best = new Map<string, number>();
    for (const [position, product] of dot) {
      const example = this.examples[position]!;
      const cosine = product / (Math.sqrt(queryNorm) * example.norm);
      if (cosine < FUZZY_MIN_SIMILARITY) continue;
      best.set(example.id, Math.max(best.get(example.id) ?? 0, cosine));
    }
    return [...best.entries()]
      .map(([id, similarity]) => ({
        id,
        score: (FUZZY_MAX_SCORE * (similarity - FUZZY_MIN_SIMILARITY)) / (1 - FUZZY_MIN_SIMILARITY),
        via: 'fuzzy' as const,
      }))
      .sort((a, b) => b.score - a.score);
  }

  private idf(word: string): number {
    const documents = this.exampleWords.get(word)?.length ?? 0;
    return Math.log(1 + this.examples.length / (1 + documents));
  }
}
