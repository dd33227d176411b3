import { describe, expect, it } from 'vitest';
import { rng, expandedKnowledge, syntheticTopics } from '../../bench/synthetic';
import { loadKnowledge, type KnowledgeBase } from '../../src/core/knowledge/load';
import { IntentMatcher, type Candidate, type IntentDefinition } from '../../src/core/understanding/matcher';
import { normaliseWords } from '../../src/core/understanding/normalise';
import { compilePattern, patternMatches, viewOf, type Concepts } from '../../src/core/understanding/patterns';
import { featuresOf, stem, TopicSimilarity } from '../../src/core/understanding/similarity';

/**
 * The matcher and the topic similarity answer through indexes (patterns filed under their rarest
 * words and checked clause by clause against the keys a message holds; examples and topics as
 * postings over term ids, with the commonest terms only scored, not walked). These tests hold them
 * to the plain scans they replace, result for result and figure for figure, on the real knowledge
 * and on knowledge grown with synthetic topics that share its words.
 */

const STOPWORDS = new Set(
  ('a an the i me my we our you your he she it they them his her their is are was were be been am do does did ' +
    'to of in on at for with about from by and or but if so not no can could would should will what how when ' +
    'where who which why that this there have has had get got want need please hi hello just any some one').split(' '),
);

/** Every pattern tried on every message: the rules as they read. */
function scanRules(intents: IntentDefinition[], concepts?: Concepts): (words: readonly string[]) => Candidate[] {
  const patterns = intents.flatMap((intent) =>
    intent.patterns.map((spec, i) => ({ id: intent.id, pattern: compilePattern(spec, `${intent.id}: patterns[${i}]`, concepts) })));
  return (words) => {
    const view = viewOf(words);
    const byIntent = new Map<string, number[]>();
    for (const { id, pattern } of patterns) {
      if (patternMatches(pattern, view)) byIntent.set(id, [...(byIntent.get(id) ?? []), pattern.weight]);
    }
    return [...byIntent.entries()]
    .map(([id, weights]) => {
      weights.sort((a, b) => b - a);
      return { id, score: weights[0]! + 0.4 * (weights[1] ?? 0), via: 'rules' as const };
    })
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  };
}

/** The example cosine as first written: a Map of postings, every looked-up posting scored. */
function scanExamples(intents: IntentDefinition[]): (words: readonly string[]) => Candidate[] {
  const postings = new Map<string, number[]>();
  const examples: Array<{ id: string; norm: number }> = [];
  for (const intent of intents) {
    for (const example of intent.examples) {
      const position = examples.push({ id: intent.id, norm: 0 }) - 1;
      for (const word of new Set(normaliseWords(example))) {
        if (STOPWORDS.has(word)) continue;
        postings.set(word, [...(postings.get(word) ?? []), position]);
      }
    }
  }
  const idf = (word: string) => Math.log(1 + examples.length / (1 + (postings.get(word)?.length ?? 0)));
  for (const [word, list] of postings) {
    const weight = idf(word);
    for (const position of list) examples[position]!.norm += weight * weight;
  }
  for (const example of examples) example.norm = Math.sqrt(example.norm) || 1;
  return (words) => {
    const content = [...new Set(words.filter((w) => !STOPWORDS.has(w)))];
    const dot = new Map<number, number>();
    let queryNorm = 0;
    const tooCommon = Math.max(200, examples.length * 0.05);
    for (const word of content) {
      const weight = idf(word);
      queryNorm += weight * weight;
      const list = postings.get(word) ?? [];
      if (list.length > tooCommon) continue;
      for (const position of list) dot.set(position, (dot.get(position) ?? 0) + weight * weight);
    }
    const best = new Map<string, number>();
    for (const [position, product] of dot) {
      const example = examples[position]!;
      const cosine = product / (Math.sqrt(queryNorm) * example.norm);
      if (cosine < 0.55) continue;
      best.set(example.id, Math.max(best.get(example.id) ?? 0, cosine));
    }
    return [...best.entries()]
      .map(([id, similarity]) => ({ id, score: (2.5 * (similarity - 0.55)) / (1 - 0.55), via: 'fuzzy' as const }))
      .sort((a, b) => b.score - a.score);
  };
}

/** Topic similarity as first written: Maps of features, a comparator sort of every topic touched. */
function scanSimilarity(topics: Array<{ id: string; texts: string[][] }>): (words: readonly string[]) => Array<{ id: string; similarity: number }> {
  const tfs = new Map<string, Map<string, number>>();
  const df = new Map<string, number>();
  for (const topic of topics) {
    const tf = new Map<string, number>();
    for (const words of topic.texts) for (const f of featuresOf(words)) tf.set(f, (tf.get(f) ?? 0) + 1);
    tfs.set(topic.id, tf);
    for (const f of tf.keys()) df.set(f, (df.get(f) ?? 0) + 1);
  }
  const idf = new Map([...df].map(([f, n]) => [f, Math.log(1 + topics.length / n)]));
  const postings = new Map<string, Array<{ id: string; weight: number }>>();
  for (const [id, tf] of tfs) {
    const weights = [...tf.entries()].map(([f, n]) => [f, (1 + Math.log(n)) * idf.get(f)!] as const);
    const norm = Math.sqrt(weights.reduce((sum, [, w]) => sum + w * w, 0)) || 1;
    for (const [f, w] of weights) postings.set(f, [...(postings.get(f) ?? []), { id, weight: w / norm }]);
  }
  return (words) => {
    const query = new Map<string, number>();
    for (const f of featuresOf(words)) if (idf.has(f)) query.set(f, idf.get(f)!);
    const norm = Math.sqrt([...query.values()].reduce((sum, w) => sum + w * w, 0));
    if (norm === 0) return [];
    const scores = new Map<string, number>();
    const tooCommon = Math.max(30, topics.length * 0.1);
    for (const [f, w] of query) {
      const list = postings.get(f) ?? [];
      if (list.length > tooCommon) continue;
      for (const p of list) scores.set(p.id, (scores.get(p.id) ?? 0) + (w / norm) * p.weight);
    }
    return [...scores.entries()].map(([id, similarity]) => ({ id, similarity })).sort((a, b) => b.similarity - a.similarity);
  };
}

/** Messages: every `every`th example, title or question as written, and `count` long ones stitched from two to four of them. */
function messagesFrom(kb: KnowledgeBase, count: number, every: number): string[][] {
  const random = rng(7);
  const texts = [
    ...[...kb.topics.values()].flatMap((t) => [...t.examples, t.title, t.question]),
    ...[...kb.controls.values()].flatMap((c) => c.examples),
  ];
  const stitched = Array.from({ length: count }, () =>
    Array.from({ length: 2 + Math.floor(random() * 3) }, () => texts[Math.floor(random() * texts.length)]!).join('. '));
  return [...texts.filter((_, i) => i % every === 0), ...stitched].map((text) => normaliseWords(text));
}

function similarityTopics(kb: KnowledgeBase) {
  return [...kb.topics.values()].map((t) => ({ id: t.id, texts: [t.question, t.title, ...t.examples].map((text) => normaliseWords(text)) }));
}

const real = loadKnowledge();
const realEntries = real.topics.size + real.controls.size;
const grown = expandedKnowledge(real, syntheticTopics(real, 400 - realEntries, 'shared'), 400 - realEntries);

describe.each([
  ['the real knowledge', real, 300, 1],
  ['400 entries, synthetic ones sharing the real words', grown, 150, 10],
])('indexes answer as the scans they replace: %s', (_name, kb, stitched, every) => {
  const intents = [...kb.topics.values()];
  const matcher = new IntentMatcher(intents, kb.concepts);
  const controls = [...kb.controls.values()];
  const controlMatcher = new IntentMatcher(controls, kb.concepts);
  const messages = messagesFrom(kb, stitched, every);

  it('rules: the same intents and scores as trying every pattern', () => {
    const scanTopics = scanRules(intents, kb.concepts);
    const scanControls = scanRules(controls, kb.concepts);
    for (const words of messages) {
      expect(matcher.matchRules(words)).toEqual(scanTopics(words));
      expect(controlMatcher.matchRules(words)).toEqual(scanControls(words));
    }
  });

  it('examples: the same similarities, bit for bit and in the same order, as scoring every posting', () => {
    const scan = scanExamples(intents);
    let found = 0;
    for (const words of messages) {
      const expected = scan(words);
      found += expected.length;
      expect(matcher.matchExamples(words)).toStrictEqual(expected);
    }
    expect(found).toBeGreaterThan(messages.length / 2);
  });

  it('topic similarity: the same ranking, bit for bit, ties in the order first met', () => {
    const topics = similarityTopics(kb);
    const similarity = new TopicSimilarity(topics);
    const scan = scanSimilarity(topics);
    for (const words of messages) expect(similarity.rank(words)).toStrictEqual(scan(words));
  });
});

describe('rules through the key index', () => {
  const intents: IntentDefinition[] = [
    { id: 'prefix', patterns: [{ match: 'mediat* & (refus* | turn* down)' }, { match: 'appeal* deadline*', weight: 2 }], examples: [] },
    { id: 'phrase', patterns: [{ match: 'end (my | his | her) life' }, { match: 'call (me)? back', unless: 'do not call' }], examples: [] },
    { id: 'plain', patterns: [{ match: 'tribunal & (date | hearing)' }, { match: 'tribunal', weight: 0.5 }], examples: [] },
  ];
  const matcher = new IntentMatcher(intents);
  const scan = scanRules(intents);
  it.each([
    'mediation was refused',
    'the mediator turned it down',
    'mediators refusing again',
    'mediation refused by the mediators',
    'when is the appeal deadline',
    'appeals deadlines',
    'the deadline for an appeal',
    'he wants to end his life',
    'end life',
    'please call me back',
    'call back please',
    'do not call me back, call back tomorrow',
    'tribunal hearing date tribunal',
    'tribunal',
    'refused turned down deadline',
    '',
  ])('%s', (text) => {
    const words = normaliseWords(text);
    expect(matcher.matchRules(words)).toEqual(scan(words));
  });
});

describe('topic similarity ties', () => {
  // More than the merge sort's first runs (16), fewer than the 30 topics a feature may be shared by.
  it('keeps topics of equal similarity in the order they were first met, however many', () => {
    const same = ['mediation', 'certificate', 'deadline'];
    const topics = [
      { id: 'other', texts: [['annual', 'review']] },
      ...Array.from({ length: 25 }, (_, i) => ({ id: `same-${String(24 - i).padStart(2, '0')}`, texts: [same] })),
      { id: 'closest', texts: [['mediation', 'certificate', 'deadline', 'tribunal']] },
    ];
    const similarity = new TopicSimilarity(topics);
    const words = ['mediation', 'certificate', 'deadline', 'tribunal'];
    const ranked = similarity.rank(words);
    expect(ranked).toStrictEqual(scanSimilarity(topics)(words));
    expect(ranked[0]!.id).toBe('closest');
    expect(ranked.slice(1, 26).map((r) => r.id)).toEqual(topics.slice(1, 26).map((t) => t.id));
    expect(new Set(ranked.slice(1, 26).map((r) => r.similarity)).size).toBe(1);
  });
});

describe('similarity features', () => {
  it('stems crudely but consistently', () => {
    expect(stem('appeals')).toBe('appeal');
    expect(stem('parties')).toBe('party');
    expect(featuresOf(['the', 'appealing', 'a', 'x'])).toEqual(['appeal']);
  });
});
