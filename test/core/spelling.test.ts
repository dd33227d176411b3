import Fuse from 'fuse.js';
import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../src/core/knowledge/load';
import { englishWords } from '../../src/core/understanding/englishWords';
import { vocabularyOf } from '../../src/core/understanding/normalise';
import { Spelling } from '../../src/core/understanding/spelling';
import { seededRandom as rng } from '../helpers/random';


/**
 * What Spelling did before it had an index: fuse.js over every known word of the same first
 * letter and about the same length. The index must only spare fuse.js work, never change an answer.
 */
function reference(vocabulary: readonly string[]): (word: string) => string {
  const known = new Set<string>();
  const byShape = new Map<string, string[]>();
  for (const word of vocabulary) {
    if (!word || word.includes('*')) continue;
    known.add(word);
    if (word.length < 4 || /\d/.test(word)) continue;
    const list = byShape.get(`${word[0]}${word.length}`) ?? [];
    list.push(word);
    byShape.set(`${word[0]}${word.length}`, list);
  }
  const buckets = new Map([...byShape].map(([shape, words]) => [shape, new Fuse(words, { includeScore: true, threshold: 0.25 })]));
  return (word) => {
    if (word.length < 5 || known.has(word) || /\d/.test(word)) return word;
    let hit: { item: string; score?: number } | undefined;
    for (let length = word.length - 1; length <= word.length + 1; length++) {
      const found = buckets.get(`${word[0]}${length}`)?.search(word, { limit: 1 })[0];
      if (found && (!hit || (found.score ?? 1) < (hit.score ?? 1))) hit = found;
    }
    return hit && (hit.score ?? 1) <= 0.25 ? hit.item : word;
  };
}

const knowledge = loadKnowledge();
const knowledgeWords = [...knowledge.topics.values(), ...knowledge.controls.values()].flatMap((entry) => [
  ...entry.patterns.flatMap((p) => vocabularyOf(`${p.match} ${p.unless ?? ''}`)),
  ...entry.examples.flatMap((e) => vocabularyOf(e)),
]);

/** Made-up words from a few syllables and suffixes: dense buckets, as a large knowledge base makes. */
function madeUpWords(count: number, random: () => number): string[] {
  const syllables = ['bra', 'quo', 'zen', 'vil', 'dor', 'mek', 'tal', 'rin', 'sho', 'plu', 'gav', 'nex', 'tor', 'wim',
    'fal', 'jor', 'kest', 'lum', 'parn', 'yst', 'cov', 'dre', 'hul', 'sav', 'ment', 'ion', 'at', 'er'];
  const suffixes = ['', 's', 'ing', 'ed', 'er', 'ment'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let word = '';
    const parts = 2 + Math.floor(random() * 3);
    for (let j = 0; j < parts; j++) word += syllables[Math.floor(random() * syllables.length)];
    out.push(word + suffixes[Math.floor(random() * suffixes.length)]);
  }
  return out;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** One to three random edits: a letter changed, added, dropped, or two swapped. */
function typo(word: string, random: () => number): string {
  let out = word;
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * out.length);
    const letter = LETTERS[Math.floor(random() * LETTERS.length)]!;
    switch (Math.floor(random() * 4)) {
      case 0: out = out.slice(0, at) + letter + out.slice(at + 1); break;
      case 1: out = out.slice(0, at) + letter + out.slice(at); break;
      case 2: out = out.length > 1 ? out.slice(0, at) + out.slice(at + 1) : out; break;
      default: out = at + 1 < out.length ? out.slice(0, at) + out[at + 1] + out[at] + out.slice(at + 2) : out;
    }
  }
  return out;
}

describe('spelling correction', () => {
  const spelling = new Spelling(knowledgeWords, englishWords());

  it('reads a typo of a knowledge-base word as that word', () => {
    expect(spelling.correct('tribnal')).toBe('tribunal');
    expect(spelling.correct('disagreemnt')).toBe('disagreement');
    expect(spelling.correct('ombudsmn')).toBe('ombudsman');
  });

  it('leaves known words, English words, short words and numbers alone', () => {
    expect(spelling.correct('tribunal')).toBe('tribunal');
    expect(spelling.correct('stuff')).toBe('stuff');
    expect(spelling.correct('medication')).toBe('medication');
    expect(spelling.correct('trib')).toBe('trib');
    expect(spelling.correct('12345')).toBe('12345');
  });

  it('leaves a word like nothing known alone', () => {
    expect(spelling.correct('xqzvwkj')).toBe('xqzvwkj');
  });

  it('gives the same answer as fuse.js over every known word of the same letter and about the same length', () => {
    const random = rng(20261123);
    // Words that repeat letter pairs, where the index must count a pair held twice as two.
    const repetitive = ['banana', 'bananas', 'aaaaaa', 'abababab', 'mississippi', 'hahahaha', 'tartaric', 'murmuring'];
    const vocabulary = [...knowledgeWords, ...madeUpWords(8000, random), ...repetitive];
    const indexed = new Spelling(vocabulary);
    const scan = reference(vocabulary);
    const distinct = [...new Set(vocabulary)].filter((w) => w.length >= 5);
    const queries: string[] = [];
    for (let i = 0; i < 3000; i++) queries.push(typo(distinct[Math.floor(random() * distinct.length)]!, random));
    for (let i = 0; i < 300; i++) {
      const length = 5 + Math.floor(random() * 12);
      let word = '';
      for (let j = 0; j < length; j++) word += LETTERS[Math.floor(random() * LETTERS.length)];
      queries.push(word);
    }
    for (const word of repetitive) for (let i = 0; i < 20; i++) queries.push(typo(word, random));
    for (let i = 0; i < 300; i++) {
      const length = 5 + Math.floor(random() * 12);
      let word = 'a';
      for (let j = 1; j < length; j++) word += 'abn'[Math.floor(random() * 3)];
      queries.push(word);
    }
    // Words too long for fuse.js to compare in one piece.
    queries.push('disagreementdisagreementdisagreement', `${'tribunal'.repeat(5)}x`);
    let corrected = 0;
    const differences: string[] = [];
    for (const word of queries) {
      const expected = scan(word);
      const actual = indexed.correct(word);
      if (expected !== word) corrected++;
      if (actual !== expected) differences.push(`${word}: ${actual} (expected ${expected})`);
    }
    expect(differences).toEqual([]);
    // The comparison means something only if many of the typos are corrected.
    expect(corrected).toBeGreaterThan(1000);
  });
});
