/**
 * npx tsx bench/profileTail.ts [entries] [passes]
 *
 * Where the slowest messages spend their time, with the knowledge expanded to `entries` (default
 * 2,000, as in bench:matcher) by the same synthetic topics. Each pass empties the spelling cache
 * first, so every message is seen for the first time; each message's fastest pass is kept. For the
 * ten slowest messages it prints the total, the time in spelling correction (and the words that
 * took longest), and the time of each later step run on its own: the safeguarding check, the
 * control and topic rules, the example and topic similarity. A diagnostic, not a figure to report:
 * it reaches into the Understander's private parts, so it may need updating when they change.
 */
import { readFileSync } from 'node:fs';
import { loadKnowledge } from '../src/core/knowledge/load';
import type { Candidate } from '../src/core/understanding/matcher';
import { normaliseWords } from '../src/core/understanding/normalise';
import { suggestsRisk } from '../src/core/understanding/safeguarding';
import { Understander } from '../src/core/understanding/understand';
import { expandedKnowledge, syntheticTopics } from './synthetic';

interface Parts {
  spelling: { correct: (word: string) => string; cache: Map<string, string> };
  controls: { matchRules(words: readonly string[]): Candidate[] };
  topics: { matchRules(words: readonly string[]): Candidate[]; matchExamples(words: readonly string[]): Candidate[] };
  similarity: { rank(words: readonly string[]): unknown[] };
}

const size = Number(process.argv[2] ?? 2000);
const passes = Number(process.argv[3] ?? 5);
const kb = loadKnowledge();
const real = kb.topics.size + kb.controls.size;
const knowledge = size > real ? expandedKnowledge(kb, syntheticTopics(kb, size - real, 'shared'), size - real) : kb;
const texts = readFileSync('/work/shared/eval/dev.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text as string);
const understander = new Understander(knowledge);
const parts = understander as unknown as Parts;
const correct = parts.spelling.correct;

let spellingUs = 0;
const lookups: Array<{ word: string; us: number; out: string }> = [];
const timed = (word: string) => {
  const start = process.hrtime.bigint();
  const out = correct(word);
  const us = Number(process.hrtime.bigint() - start) / 1000;
  spellingUs += us;
  lookups.push({ word, us, out });
  return out;
};
(parts.spelling as { correct: (w: string) => string }).correct = timed;

const time = (fn: () => unknown) => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1000;
};
const STEPS = ['risk', 'controls', 'rules', 'examples', 'similarity'] as const;

for (const text of texts.slice(0, 40)) understander.understand(text);
const best = texts.map(() => ({ total: Infinity, spelling: 0, words: [] as typeof lookups, steps: STEPS.map(() => Infinity) }));
for (let pass = 0; pass < passes; pass++) {
  parts.spelling.cache.clear();
  texts.forEach((text, i) => {
    spellingUs = 0;
    lookups.length = 0;
    const total = time(() => understander.understand(text));
    const b = best[i]!;
    if (total < b.total) Object.assign(b, { total, spelling: spellingUs, words: [...lookups] });
    // The steps after spelling, each on its own (the corrections are cached by now).
    const words = normaliseWords(text, timed);
    const raw = normaliseWords(text);
    const steps = [
      time(() => suggestsRisk(raw) || suggestsRisk(words)),
      time(() => parts.controls.matchRules(words)),
      time(() => parts.topics.matchRules(words)),
      time(() => parts.topics.matchExamples(words)),
      time(() => parts.similarity.rank(words)),
    ];
    steps.forEach((us, s) => { b.steps[s] = Math.min(b.steps[s]!, us); });
  });
}

const totals = best.map((b) => b.total).sort((a, b) => a - b);
const at = (p: number) => totals[Math.min(totals.length - 1, Math.ceil((p / 100) * totals.length) - 1)]!;
const allTime = totals.reduce((s, x) => s + x, 0);
const allSpelling = best.reduce((s, b) => s + b.spelling, 0);
console.log(`${size} entries, ${texts.length} messages, best of ${passes} first-seen passes: p50 ${at(50).toFixed(0)} µs, p99 ${at(99).toFixed(0)} µs`);
console.log(`spelling correction: ${((allSpelling / allTime) * 100).toFixed(1)}% of all time`);
console.log(`${'total'.padStart(7)} ${'spell'.padStart(6)} ${STEPS.map((s) => s.padStart(10)).join('')}  message | slow look-ups (µs)`);
const slowest = best.map((b, i) => ({ ...b, i })).sort((a, b) => b.total - a.total).slice(0, 10);
for (const o of slowest) {
  const slow = o.words.filter((w) => w.us > 20).map((w) => `${w.word}→${w.out} ${w.us.toFixed(0)}`).join(', ');
  console.log(`${o.total.toFixed(0).padStart(7)} ${o.spelling.toFixed(0).padStart(6)} ${o.steps.map((s) => s.toFixed(0).padStart(10)).join('')}  ` +
    `${texts[o.i]!.slice(0, 50)} | ${slow}`);
}
