/**
 * The keywords SMS providers (and UK/US carriers) give a fixed meaning. A message that is only one
 * of these words may be handled by the channel instead of reaching the dialogs; when it is, is the
 * router's decision (an opt-in word only opts in a number that has opted out, for one).
 */

export type SmsKeyword = 'opt-out' | 'opt-in' | 'help';

export const OPT_OUT_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
export const OPT_IN_WORDS = ['START', 'YES', 'UNSTOP'] as const;
export const HELP_WORDS = ['HELP', 'INFO'] as const;

const MEANING = new Map<string, SmsKeyword>([
  ...OPT_OUT_WORDS.map((word) => [word, 'opt-out'] as const),
  ...OPT_IN_WORDS.map((word) => [word, 'opt-in'] as const),
  ...HELP_WORDS.map((word) => [word, 'help'] as const),
]);

/**
 * The keyword a message is, if it is nothing but one: case, surrounding spaces and punctuation
 * ("Stop.", " stop! ") and spaces inside ("STOP ALL") are ignored. "Stop texting me" is not a
 * keyword (providers match the whole message), so it goes to the dialogs.
 */
export function keywordOf(body: string): SmsKeyword | undefined {
  const word = body
    .normalize('NFKC')
    .replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '')
    .replace(/\s+/gu, '')
    .toUpperCase();
  if (word.length === 0 || word.length > 20) return undefined;
  return MEANING.get(word);
}

/** The answer to HELP/INFO: who this is and how to stop. One GSM-7 segment for a usual name. */
export function helpText(serviceName: string): string {
  return `${serviceName}: automated answers about SEND disagreements. Text your question. Reply STOP to stop texts, START to restart.`;
}

/** The answer to START/YES/UNSTOP from a number that had opted out. */
export function optInText(serviceName: string): string {
  return `${serviceName}: you will get replies again. Text your question. Reply STOP to stop texts.`;
}

export const DEFAULT_SERVICE_NAME = 'SEND advice service';
