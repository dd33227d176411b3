/** Reading the knowledge's pattern syntax as text, for the baselines and the generator: the product's own parser. */
import { phrasesOf, splitTopLevel } from '../src/core/understanding/patterns';

export { splitTopLevel };

/** The clauses of a pattern, each as its list of alternative phrases (at most `cap` per clause). */
export function clausesOf(match: string, concepts: ReadonlyMap<string, readonly string[]>, cap = 64): string[][] {
  return phrasesOf(match, concepts).map((clause) => clause.filter(Boolean).slice(0, cap));
}
