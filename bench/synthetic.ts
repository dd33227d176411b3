/**
 * Synthetic knowledge entries for the scaling benchmark: the knowledge grown "in the same domain".
 * Each synthetic topic is made from the real knowledge (real patterns, real example sentences) with
 * made-up rare tokens of its own worked in, so entries are plausible, share the domain's common
 * words, and still differ from each other and from the real topics:
 *  - a pattern is a real pattern with one clause replaced by the topic's rare tokens (a one-clause
 *    pattern gets a rare word beside each alternative). With the `shared` key model (the default)
 *    the clause the matcher indexes the pattern under is kept and another replaced, so synthetic
 *    patterns are looked up by the same words, as often, as the real ones: what a knowledge base
 *    growing within one domain looks like, and the hard case for an index. With `own`, the indexed
 *    clause is the one replaced, so the pattern is only looked up by the new topic's own words.
 *  - an example is a real example with one or two of its longer words replaced by rare tokens.
 * Deterministic: the same seed gives the same entries, and a larger set is a superset of a smaller one.
 */
import type { KnowledgeBase } from '../src/core/knowledge/load';
import type { Pattern, Topic } from '../src/core/knowledge/schema';
import { clausesOf, splitTopLevel } from './patternText';

/** mulberry32: a small seeded PRNG, so runs are comparable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['bra', 'quo', 'zen', 'vil', 'dor', 'mek', 'tal', 'rin', 'sho', 'plu', 'gav', 'nex',
  'tor', 'wim', 'fal', 'jor', 'kest', 'lum', 'parn', 'yst', 'cov', 'dre', 'hul', 'sav'];

function realWords(kb: KnowledgeBase): Set<string> {
  const words = new Set<string>();
  const add = (text: string) => {
    for (const w of text.toLowerCase().split(/[^a-z0-9]+/)) if (w) words.add(w);
  };
  for (const entry of [...kb.topics.values(), ...kb.controls.values()]) {
    entry.patterns.forEach((p) => add(`${p.match} ${p.unless ?? ''}`));
    entry.examples.forEach(add);
  }
  return words;
}

/**
 * How synthetic patterns are indexed:
 *  - `shared`: under the same (real) words as the real pattern they are made from: a knowledge base
 *    that grows within its domain, where new topics are cued by the same common words;
 *  - `own`: under the synthetic topic's own rare words: new topics with vocabulary of their own,
 *    the best case for an index.
 */
export type KeyModel = 'shared' | 'own';

/** `count` synthetic topics with about as many patterns and examples per topic as the real ones. */
export function syntheticTopics(kb: KnowledgeBase, count: number, keys: KeyModel = 'shared', seed = 20240601): Topic[] {
  const random = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

  const known = realWords(kb);
  const realExamples = [...kb.topics.values()].flatMap((t) => t.examples);
  const realTopics = [...kb.topics.values()];
  const realPatterns = realTopics.flatMap((t) => t.patterns);
  const avgPatterns = realPatterns.length / realTopics.length;
  const avgExamples = realTopics.reduce((s, t) => s + t.examples.length, 0) / realTopics.length;

  const used = new Set<string>();
  const rareToken = (): string => {
    for (;;) {
      const parts = between(2, 3);
      let token = '';
      for (let i = 0; i < parts; i++) token += pick(SYLLABLES);
      if (token.length >= 5 && !used.has(token) && !known.has(token)) {
        used.add(token);
        return token;
      }
    }
  };

  const topics: Topic[] = [];
  for (let n = 0; n < count; n++) {
    const id = `synthetic-${String(n).padStart(4, '0')}`;
    const rare = [rareToken(), rareToken(), rareToken()] as const;
    const [r1] = rare;
    /** As many distinct rare alternatives as asked for: the tokens, their inflections, then pairs of those. */
    const forms = rare.flatMap((r) => ['', 's', 'ing', 'ed', 'er', 'ment'].map((suffix) => `${r}${suffix}`));
    const rareAlternatives = (size: number): string[] => {
      const out = [...forms];
      for (let i = 0; out.length < size; i++) out.push(`${forms[i % forms.length]} ${forms[Math.floor(i / forms.length) % forms.length]}`);
      return out.slice(0, Math.max(1, size));
    };
    const patterns: Pattern[] = [];
    const patternCount = Math.max(3, Math.round(avgPatterns + between(-3, 3)));
    for (let i = 0; i < patternCount; i++) {
      const real = pick(realPatterns);
      const clauses = splitTopLevel(real.match, '&');
      const sizes = clausesOf(real.match, kb.concepts, 500).map((c) => c.length);
      let match: string;
      // The matcher indexes a pattern under its clause with the fewest alternatives (the first such).
      const keyAt = sizes.indexOf(Math.min(...sizes));
      if (clauses.length === 1) {
        const alternatives = splitTopLevel(clauses[0]!, '|').map((alt) => alt.trim());
        match = alternatives.map((alt) => (keys === 'shared' ? `${alt} ${pick(rare)}` : `${pick(rare)} ${alt}`)).join(' | ');
      } else if (keys === 'own') {
        const rareClause = ` (${rareAlternatives(sizes[keyAt]!).join(' | ')}) `;
        match = clauses.map((clause, j) => (j === keyAt ? rareClause : clause)).join('&').trim();
      } else {
        let replaceAt = -1;
        sizes.forEach((size, j) => { if (j !== keyAt && (replaceAt < 0 || size > sizes[replaceAt]!)) replaceAt = j; });
        const size = Math.max(sizes[replaceAt]!, sizes[keyAt]! + 1);
        const rareClause = ` (${rareAlternatives(size).join(' | ')}) `;
        match = clauses.map((clause, j) => (j === replaceAt ? rareClause : clause)).join('&').trim();
      }
      const pattern: Pattern = { match, weight: real.weight };
      if (real.unless) pattern.unless = real.unless;
      patterns.push(pattern);
    }
    const examples: string[] = [];
    const exampleCount = Math.max(3, Math.round(avgExamples + between(-3, 3)));
    for (let i = 0; i < exampleCount; i++) {
      const words = pick(realExamples).split(' ');
      const content = words.map((w, j) => (w.replace(/[^a-z]/gi, '').length >= 5 ? j : -1)).filter((j) => j >= 0);
      const replacements = between(1, 2);
      for (let k = 0; k < replacements; k++) {
        if (content.length === 0) {
          words.push(pick(rare));
          break;
        }
        const at = content.splice(Math.floor(random() * content.length), 1)[0]!;
        const trailing = words[at]!.match(/[^a-z]*$/i)?.[0] ?? '';
        words[at] = `${pick(rare)}${trailing}`;
      }
      examples.push(words.join(' '));
    }
    topics.push({
      id,
      title: `Synthetic ${n}`,
      question: examples[0]!,
      answer: `Synthetic answer about ${rare.join(', ')}.`,
      sms: `Synthetic answer about ${r1}.`,
      sources: [{ document: 'synthetic', section: r1 }],
      codeOfPractice: [],
      followUps: [],
      patterns,
      examples,
    });
  }
  return topics;
}

/** A copy of `kb` with the first `extra` of `pool` added as topics. */
export function expandedKnowledge(kb: KnowledgeBase, pool: readonly Topic[], extra: number): KnowledgeBase {
  const topics = new Map(kb.topics);
  for (const topic of pool.slice(0, extra)) topics.set(topic.id, topic);
  return { ...kb, topics, controls: new Map(kb.controls), topicOrder: [...kb.topicOrder] };
}

export function knowledgeStats(kb: KnowledgeBase): { entries: number; topics: number; controls: number; patterns: number; examples: number } {
  const all = [...kb.topics.values(), ...kb.controls.values()];
  return {
    entries: all.length,
    topics: kb.topics.size,
    controls: kb.controls.size,
    patterns: all.reduce((s, e) => s + e.patterns.length, 0),
    examples: all.reduce((s, e) => s + e.examples.length, 0),
  };
}
