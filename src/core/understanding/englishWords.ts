import { createRequire } from 'node:module';

let words: Set<string> | undefined;

/** Ordinary English words (~275,000): never "corrected" into a knowledge-base word. */
export function englishWords(): ReadonlySet<string> {
  words ??= new Set(createRequire(import.meta.url)('an-array-of-english-words') as string[]);
  return words;
}
