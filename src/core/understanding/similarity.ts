/**
 * A second opinion beside the rules: how close a message is, word for word, to everything written
 * about each topic (its question, title and examples). TF-IDF vectors per topic, cosine similarity,
 * scored through an inverted index so cost follows the message's words, not the number of topics.
 */

const STOPWORDS = new Set(
  ('a an the i me my we our you your he she it they them his her their is are was were be been am do does did ' +
    'to of in on at for with about from by and or but if so not no can could would should will what how when ' +
    'where who which why that this there have has had get got want need please hi hello just any some one ' +
    'child parent know think really now still also very much more all as up out into than then its im ive').split(' '),
);

/** Crude suffix stripping so "appeals", "appealing" and "appealed" meet; enough for similarity. */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  for (const suffix of ['ments', 'ment', 'ings', 'ing', 'ied', 'ies', 'ed', 'es', 'ly', 's']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) {
      return suffix === 'ied' || suffix === 'ies' ? `${word.slice(0, -3)}y` : word.slice(0, -suffix.length);
    }
  }
  return word;
}

export function featuresOf(words: readonly string[]): string[] {
  return words.filter((w) => !STOPWORDS.has(w) && w.length > 1).map(stem);
}

const COMMON_FEATURE_SHARE = 0.1;
const COMMON_FEATURE_MIN_TOPICS = 30;

export class TopicSimilarity {
  private readonly postings = new Map<string, Array<{ id: string; weight: number }>>();
  private readonly idf = new Map<string, number>();
  private readonly topicCount: number;

  constructor(topics: Array<{ id: string; texts: string[][] }>) {
    this.topicCount = topics.length;
    const counts = new Map<string, Map<string, number>>();
    const documentFrequency = new Map<string, number>();
    for (const topic of topics) {
      const tf = new Map<string, number>();
      for (const words of topic.texts) for (const f of featuresOf(words)) tf.set(f, (tf.get(f) ?? 0) + 1);
      counts.set(topic.id, tf);
      for (const f of tf.keys()) documentFrequency.set(f, (documentFrequency.get(f) ?? 0) + 1);
    }
    for (const [f, df] of documentFrequency) this.idf.set(f, Math.log(1 + topics.length / df));
    for (const [id, tf] of counts) {
      const weights = [...tf.entries()].map(([f, n]) => [f, (1 + Math.log(n)) * this.idf.get(f)!] as const);
      const norm = Math.sqrt(weights.reduce((sum, [, w]) => sum + w * w, 0)) || 1;
      for (const [f, w] of weights) {
        const list = this.postings.get(f) ?? [];
        list.push({ id, weight: w / norm });
        this.postings.set(f, list);
      }
    }
  }

  /** Cosine similarity of the message to each topic that shares a word with it, best first. */
  rank(words: readonly string[]): Array<{ id: string; similarity: number }> {
    const query = new Map<string, number>();
    for (const f of featuresOf(words)) if (this.idf.has(f)) query.set(f, this.idf.get(f)!);
    const norm = Math.sqrt([...query.values()].reduce((sum, w) => sum + w * w, 0));
    if (norm === 0) return [];
    const scores = new Map<string, number>();
    const tooCommon = Math.max(COMMON_FEATURE_MIN_TOPICS, this.topicCount * COMMON_FEATURE_SHARE);
    for (const [f, w] of query) {
      const postings = this.postings.get(f) ?? [];
      // Shared by a large share of topics: little evidence, and looking it up would cost the most.
      if (postings.length > tooCommon) continue;
      for (const posting of postings) {
        scores.set(posting.id, (scores.get(posting.id) ?? 0) + (w / norm) * posting.weight);
      }
    }
    return [...scores.entries()].map(([id, similarity]) => ({ id, similarity })).sort((a, b) => b.similarity - a.similarity);
  }
}
