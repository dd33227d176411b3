import { normaliseWords } from './normalise';

/**
 * Knowledge patterns: `clause & clause`, each clause `alternative | alternative`, each alternative
 * a word or phrase that may hold bracketed choices (`end (my | his) life`), optional ones with a
 * question mark (`call (me)? back`); `word*` matches any word starting with `word`.
 */

export interface Alternative {
  /** Normalised words; a trailing `*` on a word makes it a prefix. */
  words: string[];
}

export interface CompiledPattern {
  clauses: Alternative[][];
  unless: Alternative[];
  weight: number;
  source: string;
  /** The message must be one of the alternatives and nothing else, courtesy words aside. */
  alone: boolean;
}

/**
 * Words a short message may carry around what it says ("agent please", "just stop", "ok end it
 * now") that do not change it; an `alone` pattern ignores them in the message and in itself.
 */
const COURTESY = new Set(['please', 'just', 'now', 'ok', 'okay', 'right', 'then', 'can', 'could', 'i', 'me', 'a', 'an', 'the', 'to']);

export class PatternSyntaxError extends Error {}

/** Splits on a separator that is not inside brackets. */
export function splitTopLevel(text: string, separator: string, where = 'pattern'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new PatternSyntaxError(`${where}: a ")" has no "(" in "${text}"`);
    if (ch === separator && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (depth !== 0) throw new PatternSyntaxError(`${where}: a "(" is not closed in "${text}"`);
  parts.push(current);
  return parts;
}

const MAX_EXPANSIONS = 2000;

/** "end (my | his) (life | own life)" → every phrase it stands for. */
function expand(text: string, where: string): string[] {
  const open = text.indexOf('(');
  if (open === -1) return [text];
  let depth = 0;
  let close = -1;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    if (text[i] === ')' && --depth === 0) { close = i; break; }
  }
  if (close === -1) throw new PatternSyntaxError(`${where}: a "(" is not closed in "${text}"`);
  const before = text.slice(0, open);
  // "(me | us)?" may also be left out.
  const optional = text[close + 1] === '?';
  const after = text.slice(close + (optional ? 2 : 1));
  const inner = splitTopLevel(text.slice(open + 1, close), '|', where).flatMap((alt) => expand(alt, where));
  if (optional) inner.push('');
  const result = inner.flatMap((alt) => expand(`${before} ${alt} ${after}`, where));
  if (result.length > MAX_EXPANSIONS) throw new PatternSyntaxError(`${where}: too many combinations in "${text}"`);
  return result;
}

const phraseCache = new Map<string, string[]>();

/** Knowledge bases repeat the same phrases thousands of times: normalise each once. */
function normalisedPhrase(phrase: string): string[] {
  const key = phrase.trim();
  let words = phraseCache.get(key);
  if (!words) {
    words = normaliseWords(key);
    if (phraseCache.size > 100_000) phraseCache.clear();
    phraseCache.set(key, words);
  }
  return words;
}

/** A pattern's clauses as the plain phrases each stands for, before normalisation. */
export function phrasesOf(match: string, concepts?: Concepts, where = 'pattern'): string[][] {
  return splitTopLevel(expandConcepts(match, concepts, where), '&', where).map((clause) =>
    splitTopLevel(clause, '|', where).flatMap((alt) => expand(alt, where)).map((p) => p.trim().replace(/\s+/g, ' ')));
}

function compileAlternatives(text: string, where: string): Alternative[] {
  const phrases = splitTopLevel(text, '|', where).flatMap((alt) => expand(alt, where));
  const alternatives = phrases.map((phrase) => ({ words: normalisedPhrase(phrase) }));
  for (const alt of alternatives) {
    if (alt.words.length === 0) throw new PatternSyntaxError(`${where}: empty alternative in "${text}"`);
    if (alt.words.some((w) => w === '*' || (w.includes('*') && w.indexOf('*') !== w.length - 1))) {
      throw new PatternSyntaxError(`${where}: "*" must end a word, as in mediat*`);
    }
  }
  return alternatives;
}

/** Named word lists (`@school-staff`) that patterns can use in place of writing them out. */
export type Concepts = ReadonlyMap<string, readonly string[]>;

const CONCEPT_REFERENCE = /@([a-z][a-z0-9-]*)/g;

function expandConcepts(text: string, concepts: Concepts | undefined, where: string): string {
  return text.replace(CONCEPT_REFERENCE, (_whole, name: string) => {
    const words = concepts?.get(name);
    if (!words) throw new PatternSyntaxError(`${where}: unknown concept @${name}`);
    return `(${words.join(' | ')})`;
  });
}

export function compilePattern(
  spec: { match: string; weight?: number; unless?: string; alone?: boolean },
  where: string,
  concepts?: Concepts,
): CompiledPattern {
  const match = expandConcepts(spec.match, concepts, where);
  const clauses = splitTopLevel(match, '&', where).map((clause) => compileAlternatives(clause, where));
  const alone = spec.alone === true;
  if (alone) {
    if (clauses.length > 1) throw new PatternSyntaxError(`${where}: an "alone" pattern is one message, so it cannot have "&" clauses`);
    if (spec.unless) throw new PatternSyntaxError(`${where}: an "alone" pattern matches the whole message, so "unless" has nothing to cancel`);
    for (const alt of clauses[0]!) {
      alt.words = alt.words.filter((w) => !COURTESY.has(w));
      if (alt.words.length === 0) throw new PatternSyntaxError(`${where}: "${spec.match}" has an alternative of courtesy words only`);
    }
  }
  return {
    clauses,
    unless: spec.unless ? compileAlternatives(expandConcepts(spec.unless, concepts, where), where) : [],
    weight: spec.weight ?? 1,
    source: spec.match,
    alone,
  };
}

function wordMatches(patternWord: string, word: string): boolean {
  return patternWord.endsWith('*') ? word.startsWith(patternWord.slice(0, -1)) : word === patternWord;
}

/** A message prepared once for matching many patterns against it. */
export interface MessageView {
  words: readonly string[];
  set: ReadonlySet<string>;
  /** Where each word stands, so a phrase is only tried where its first word is. */
  positions: ReadonlyMap<string, readonly number[]>;
}

export function viewOf(words: readonly string[]): MessageView {
  const positions = new Map<string, number[]>();
  words.forEach((word, i) => {
    const list = positions.get(word);
    if (list) list.push(i);
    else positions.set(word, [i]);
  });
  return { words, set: new Set(words), positions };
}

function followsFrom(alt: Alternative, words: readonly string[], start: number): boolean {
  if (start + alt.words.length > words.length) return false;
  for (let j = 1; j < alt.words.length; j++) {
    if (!wordMatches(alt.words[j]!, words[start + j]!)) return false;
  }
  return true;
}

export function alternativeOccurs(alt: Alternative, message: readonly string[] | MessageView): boolean {
  const view = Array.isArray(message) ? viewOf(message as readonly string[]) : (message as MessageView);
  const first = alt.words[0]!;
  // A plain first word: only where it stands (one plain word is just a set lookup).
  if (!first.endsWith('*')) {
    if (alt.words.length === 1) return view.set.has(first);
    return (view.positions.get(first) ?? []).some((i) => followsFrom(alt, view.words, i));
  }
  const { words } = view;
  for (let i = 0; i + alt.words.length <= words.length; i++) {
    if (wordMatches(first, words[i]!) && followsFrom(alt, words, i)) return true;
  }
  return false;
}

/** The message, courtesy words aside, is exactly this alternative. */
function isAlone(alt: Alternative, words: readonly string[]): boolean {
  let j = 0;
  for (const word of words) {
    if (COURTESY.has(word)) continue;
    if (j >= alt.words.length || !wordMatches(alt.words[j]!, word)) return false;
    j++;
  }
  return j === alt.words.length;
}

export function patternMatches(pattern: CompiledPattern, message: readonly string[] | MessageView): boolean {
  const view = Array.isArray(message) ? viewOf(message as readonly string[]) : (message as MessageView);
  if (pattern.alone) return pattern.clauses[0]!.some((alt) => isAlone(alt, view.words));
  if (!pattern.clauses.every((clause) => clause.some((alt) => alternativeOccurs(alt, view)))) return false;
  return !pattern.unless.some((alt) => alternativeOccurs(alt, view));
}

/**
 * For each clause, one required word of each alternative (the rarest, by `frequency`): a clause
 * cannot hold unless the message has one of them, so the index only offers patterns that can match.
 */
export function clauseKeys(pattern: CompiledPattern, frequency: (word: string) => number = () => 0): string[][] {
  return pattern.clauses.map((clause) => [...new Set(clause.map((alt) => {
    const plain = alt.words.filter((w) => !w.endsWith('*'));
    const pool = plain.length > 0 ? plain : alt.words;
    return pool.reduce((rarest, w) => (frequency(w) < frequency(rarest) ? w : rarest));
  }))]);
}
