/**
 * A second opinion beside the rules: how close a message is, word for word, to everything written
 * about each topic (its question, title and examples). TF-IDF vectors per topic, cosine similarity,
 * scored through an inverted index so cost follows the message's words, not the number of topics:
 * features and topics are numbered, postings and scores are flat typed arrays, and the topics a
 * message touches are sorted by a merge sort over those arrays (no Maps or comparator calls per message).
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
  private readonly featureIds = new Map<string, number>();
  private readonly idf: Float64Array;
  /** Topics (as indexes into `topicIds`) and weights of feature f: [postingStart[f], postingStart[f + 1]). */
  private readonly postingStart: Int32Array;
  private readonly postingTopics: Int32Array;
  private readonly postingWeights: Float64Array;
  private readonly topicIds: string[] = [];
  private readonly topicCount: number;
  /** Scratch space for `rank`, sized to the topics; every entry is back to 0 after each use. */
  private readonly scores: Float64Array;
  private readonly touched: Int32Array;
  private readonly order: Int32Array;
  private readonly queryStamp: Int32Array;
  private stamp = 0;

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
    const idf: number[] = [];
    for (const [f, df] of documentFrequency) {
      this.featureIds.set(f, idf.length);
      idf.push(Math.log(1 + topics.length / df));
    }
    this.idf = Float64Array.from(idf);
    const lists: Array<Array<{ topic: number; weight: number }>> = idf.map(() => []);
    for (const [id, tf] of counts) {
      const topic = this.topicIds.push(id) - 1;
      const weights = [...tf.entries()].map(([f, n]) => {
        const feature = this.featureIds.get(f)!;
        return [feature, (1 + Math.log(n)) * this.idf[feature]!] as const;
      });
      const norm = Math.sqrt(weights.reduce((sum, [, w]) => sum + w * w, 0)) || 1;
      for (const [f, w] of weights) lists[f]!.push({ topic, weight: w / norm });
    }
    this.postingStart = new Int32Array(lists.length + 1);
    const total = lists.reduce((sum, list) => sum + list.length, 0);
    this.postingTopics = new Int32Array(total);
    this.postingWeights = new Float64Array(total);
    let at = 0;
    lists.forEach((list, f) => {
      for (const { topic, weight } of list) {
        this.postingTopics[at] = topic;
        this.postingWeights[at] = weight;
        at++;
      }
      this.postingStart[f + 1] = at;
    });
    this.scores = new Float64Array(this.topicIds.length);
    this.touched = new Int32Array(this.topicIds.length);
    this.order = new Int32Array(this.topicIds.length);
    this.queryStamp = new Int32Array(idf.length);
  }

  /** Cosine similarity of the message to each topic that shares a word with it, best first. */
  rank(words: readonly string[]): Array<{ id: string; similarity: number }> {
    // The message's known features, each once, in order of first appearance.
    const query: number[] = [];
    if (++this.stamp > 0x3fffffff) {
      this.queryStamp.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    for (const f of featuresOf(words)) {
      const feature = this.featureIds.get(f);
      if (feature === undefined || this.queryStamp[feature] === stamp) continue;
      this.queryStamp[feature] = stamp;
      query.push(feature);
    }
    let sum = 0;
    for (const feature of query) sum += this.idf[feature]! * this.idf[feature]!;
    const norm = Math.sqrt(sum);
    if (norm === 0) return [];
    const { scores, touched } = this;
    let count = 0;
    const tooCommon = Math.max(COMMON_FEATURE_MIN_TOPICS, this.topicCount * COMMON_FEATURE_SHARE);
    for (const feature of query) {
      const start = this.postingStart[feature]!;
      const end = this.postingStart[feature + 1]!;
      // Shared by a large share of topics: little evidence, and looking it up would cost the most.
      if (end - start > tooCommon) continue;
      const w = this.idf[feature]!;
      for (let i = start; i < end; i++) {
        const topic = this.postingTopics[i]!;
        if (scores[topic] === 0) touched[count++] = topic;
        scores[topic] = scores[topic]! + (w / norm) * this.postingWeights[i]!;
      }
    }
    return this.sorted(count);
  }

  /**
   * The `count` touched topics, best first; equal similarities keep the order the topics were first
   * met in (a stable merge sort of topic indexes on the scratch arrays: no comparator calls).
   */
  private sorted(count: number): Array<{ id: string; similarity: number }> {
    const { scores } = this;
    let from = this.touched;
    let to = this.order;
    // Short runs by insertion, then merged in pairs; `>` (never `>=`) keeps equal ones in order.
    const RUN = 16;
    for (let lo = 0; lo < count; lo += RUN) {
      const hi = Math.min(count, lo + RUN);
      for (let i = lo + 1; i < hi; i++) {
        const topic = from[i]!;
        const score = scores[topic]!;
        let j = i - 1;
        while (j >= lo && score > scores[from[j]!]!) {
          from[j + 1] = from[j]!;
          j--;
        }
        from[j + 1] = topic;
      }
    }
    for (let width = RUN; width < count; width *= 2) {
      for (let lo = 0; lo < count; lo += 2 * width) {
        const mid = Math.min(count, lo + width);
        const hi = Math.min(count, lo + 2 * width);
        let i = lo;
        let j = mid;
        let k = lo;
        while (i < mid && j < hi) to[k++] = scores[from[j]!]! > scores[from[i]!]! ? from[j++]! : from[i++]!;
        while (i < mid) to[k++] = from[i++]!;
        while (j < hi) to[k++] = from[j++]!;
      }
      [from, to] = [to, from];
    }
    const ranked = new Array<{ id: string; similarity: number }>(count);
    for (let i = 0; i < count; i++) {
      const topic = from[i]!;
      ranked[i] = { id: this.topicIds[topic]!, similarity: scores[topic]! };
      scores[topic] = 0;
    }
    return ranked;
  }
}
