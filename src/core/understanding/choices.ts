import { normalise } from './normalise';

const NUMBER_WORDS: Record<string, number> = {
  one: 1, first: 1, '1st': 1, two: 2, second: 2, '2nd': 2, to: 2, too: 2,
  three: 3, third: 3, '3rd': 3, four: 4, fourth: 4, '4th': 4, for: 4, five: 5, fifth: 5, '5th': 5,
};

/** "7", "option 7", "no. 7", "7)": a choice's number, as people type it. */
const CHOICE_NUMBER = /^(?:option\s*|no\.?\s*|number\s*)?(\d{1,2})[.)!]?$/i;

/**
 * Which offered choice a reply picks: "2", "two", "option 2", "the second one", or the choice's
 * own words (any of its names). Returns the zero-based index, or undefined for anything else.
 */
export function pickChoice(reply: string, labels: ReadonlyArray<string | readonly (string | undefined)[]>): number | undefined {
  if (labels.length === 0) return undefined;
  const digits = reply.trim().match(CHOICE_NUMBER);
  let index: number | undefined;
  if (digits) index = Number(digits[1]) - 1;
  else {
    const spoken = normalise(reply).split(' ').filter((w) => !['option', 'number', 'the', 'please', 'choice'].includes(w));
    if (spoken.length === 1 && NUMBER_WORDS[spoken[0]!] !== undefined) index = NUMBER_WORDS[spoken[0]!]! - 1;
    else if (spoken.length === 2 && spoken[1] === 'one' && NUMBER_WORDS[spoken[0]!] !== undefined) index = NUMBER_WORDS[spoken[0]!]! - 1;
  }
  if (index !== undefined) return index >= 0 && index < labels.length ? index : undefined;
  const said = normalise(reply);
  if (said.length === 0) return undefined;
  const exact = labels.findIndex((names) =>
    (typeof names === 'string' ? [names] : names).some((name) => name !== undefined && normalisedLabel(name) === said));
  return exact >= 0 ? exact : undefined;
}

/** "7", "option 7", "no. 7": a reply that is a choice's number, whether or not there is such a choice. */
export function isChoiceNumber(reply: string): boolean {
  return CHOICE_NUMBER.test(reply.trim());
}

/** Choice labels come from the knowledge and the replies, so the same few recur on every turn. */
const LABEL_CACHE_SIZE = 2000;
const normalisedLabels = new Map<string, string>();

function normalisedLabel(label: string): string {
  let normalised = normalisedLabels.get(label);
  if (normalised === undefined) {
    normalised = normalise(label);
    if (normalisedLabels.size >= LABEL_CACHE_SIZE) normalisedLabels.clear();
    normalisedLabels.set(label, normalised);
  }
  return normalised;
}

/** The offered choice a reply picks (see {@link pickChoice}), by its label or its short name. */
export function pickOffered<T extends { label: string; short?: string }>(reply: string, choices: readonly T[]): T | undefined {
  const index = pickChoice(reply, choices.map((c) => [c.label, c.short]));
  return index === undefined ? undefined : choices[index];
}
