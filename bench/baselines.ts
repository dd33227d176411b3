/**
 * The two baselines the matcher is compared with, built from the same knowledge:
 *  - fuse.js alone: fuzzy search over the FAQ questions and every example, each labelled with its
 *    entry; the best hit's entry is the prediction unless its score is worse than a threshold;
 *  - NLP.js: the English neural intent classifier, trained per topic/control on the examples and
 *    on utterances made by expanding the patterns' phrases.
 * Control ids that the real system reports as `clarify` (help, restart, cancel) are mapped the same way.
 */
import Fuse from 'fuse.js';
import { containerBootstrap } from '@nlpjs/core';
import { Nlp } from '@nlpjs/nlp';
import { LangEn } from '@nlpjs/lang-en-min';
import type { KnowledgeBase } from '../src/core/knowledge/load';
import { clausesOf } from './patternText';

/** Labels the evaluation never uses: the real system's `labelOf` reports them as `clarify`. */
const INTERRUPTIONS = new Set(['help', 'restart', 'cancel']);
export const asLabel = (id: string): string => (INTERRUPTIONS.has(id) ? 'clarify' : id);

// ---------------------------------------------------------------- fuse.js

/**
 * Fuse score (0 = exact, 1 = nothing alike) above which the best hit is not trusted: predict `clarify`.
 * Whole messages against whole example sentences score high even when they are about the same
 * thing, so fuse.js's own default (0.6) rejects almost everything. 0.8 is the knee on the dev
 * messages: below it fuse.js answers little, above it it answers nearly everything and wrong
 * answers jump (see the sweep the benchmark prints). Chosen on the dev messages, so if anything
 * flattering to fuse.js.
 */
export const FUSE_CLARIFY_ABOVE = 0.8;
export const FUSE_SWEEP = [0.6, 0.7, 0.75, 0.8, 0.85, 1];

export interface FuseDoc {
  text: string;
  id: string;
}

export function fuseDocuments(kb: KnowledgeBase): FuseDoc[] {
  const docs: FuseDoc[] = [];
  for (const topic of kb.topics.values()) {
    docs.push({ text: topic.question, id: topic.id });
    for (const example of topic.examples) docs.push({ text: example, id: topic.id });
  }
  for (const control of kb.controls.values()) {
    for (const example of control.examples) docs.push({ text: example, id: control.id });
  }
  return docs;
}

export interface FuseHit {
  id: string;
  score: number;
}

export class FuseBaseline {
  private readonly fuse: Fuse<FuseDoc>;
  readonly documents: number;

  constructor(kb: KnowledgeBase) {
    const docs = fuseDocuments(kb);
    this.documents = docs.length;
    // Plain fuzzy (Bitap) search; location ignored, since a question's key words can be anywhere in a
    // long message. Fuse's own threshold is 1 so the best hit is always seen; the decision is ours.
    this.fuse = new Fuse(docs, { keys: ['text'], includeScore: true, ignoreLocation: true, threshold: 1 });
  }

  best = (text: string): FuseHit | undefined => {
    const hit = this.fuse.search(text, { limit: 1 })[0];
    return hit ? { id: hit.item.id, score: hit.score ?? 1 } : undefined;
  };

  static decide(hit: FuseHit | undefined, clarifyAbove = FUSE_CLARIFY_ABOVE): string {
    return !hit || hit.score > clarifyAbove ? 'clarify' : asLabel(hit.id);
  }
}

// ---------------------------------------------------------------- NLP.js

/** NLP.js's own threshold: a top intent scoring below it comes back as `None`, read as `clarify`. */
export const NLPJS_THRESHOLD = 0.5;
/** At most this many utterances are made from one pattern. */
const UTTERANCES_PER_PATTERN = 12;

/** Utterances standing for a pattern: every alternative of every clause appears at least once (up to a cap). */
export function patternUtterances(
  match: string, concepts: ReadonlyMap<string, readonly string[]>, complete: (prefix: string) => string,
): string[] {
  const clauses = clausesOf(match, concepts)
    .map((clause) => clause.map((phrase) => phrase.split(' ').map((w) => (w.endsWith('*') ? complete(w.slice(0, -1)) : w)).join(' ')))
    .filter((clause) => clause.length > 0);
  if (clauses.length === 0) return [];
  const n = Math.min(UTTERANCES_PER_PATTERN, Math.max(...clauses.map((c) => c.length)));
  const out = new Set<string>();
  for (let k = 0; k < n; k++) out.add(clauses.map((c) => c[k % c.length]!).join(' '));
  return [...out];
}

/** Completes a pattern prefix ("exclu") to the commonest example word starting with it ("excluded"). */
function prefixCompleter(kb: KnowledgeBase): (prefix: string) => string {
  const counts = new Map<string, number>();
  for (const entry of [...kb.topics.values(), ...kb.controls.values()]) {
    for (const example of entry.examples) {
      for (const w of example.toLowerCase().split(/[^a-z0-9]+/)) if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return (prefix: string) => ranked.find(([w]) => w.startsWith(prefix.toLowerCase()))?.[0] ?? prefix;
}

export function trainingCorpus(kb: KnowledgeBase): Array<{ utterance: string; intent: string }> {
  const complete = prefixCompleter(kb);
  const corpus: Array<{ utterance: string; intent: string }> = [];
  for (const entry of [...kb.topics.values(), ...kb.controls.values()]) {
    const utterances = new Set<string>(entry.examples);
    for (const pattern of entry.patterns) {
      for (const u of patternUtterances(pattern.match, kb.concepts, complete)) utterances.add(u);
    }
    for (const utterance of utterances) corpus.push({ utterance, intent: entry.id });
  }
  return corpus;
}

/** Reaches into NLP.js's language managers to empty the per-utterance preparation cache. */
function clearPrepareCaches(nlp: Nlp): void {
  const managers = (nlp.nluManager as { domainManagers?: Record<string, { domains?: Record<string, { cache?: { results?: unknown } }> }> })
    .domainManagers ?? {};
  for (const manager of Object.values(managers)) {
    for (const domain of Object.values(manager.domains ?? {})) {
      if (domain.cache) domain.cache.results = {};
    }
  }
}

export class NlpjsBaseline {
  private constructor(private readonly nlp: Nlp, readonly utterances: number) {}

  static async train(kb: KnowledgeBase): Promise<NlpjsBaseline> {
    const container = await containerBootstrap();
    container.use(Nlp);
    container.use(LangEn);
    const nlp = container.get('nlp') as Nlp;
    Object.assign(nlp.settings, { autoSave: false, autoLoad: false, calculateSentiment: false, threshold: NLPJS_THRESHOLD });
    // No per-epoch training log.
    const nluSettings = (nlp.nluManager as { settings?: Record<string, unknown> }).settings;
    if (nluSettings) nluSettings.log = false;
    nlp.addLanguage('en');
    const corpus = trainingCorpus(kb);
    for (const { utterance, intent } of corpus) nlp.addDocument('en', utterance, intent);
    await nlp.train();
    return new NlpjsBaseline(nlp, corpus.length);
  }

  predict = async (text: string): Promise<string> => {
    const result = await this.nlp.process('en', text);
    if (!result.intent || result.intent === 'None' || result.score < NLPJS_THRESHOLD) return 'clarify';
    return asLabel(result.intent);
  };

  /** So that a pass sees every message for the first time, as the real system's passes do. */
  forget(): void {
    clearPrepareCaches(this.nlp);
  }
}
