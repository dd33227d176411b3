/**
 * "Did this help?" without nagging: when to ask, and how to read the answer. Plain functions of
 * plain data, so the policy is easy to test and to move to another bot framework.
 */

/** What a conversation remembers about asking for feedback. Kept in conversation state. */
export interface FeedbackMemory {
  /** Subjects (topic ids, "flow:<id>/<ending>") already asked about: each is asked about once. */
  asked: string[];
  /** Answers shown since feedback was last asked for. */
  answersSince: number;
  /** The subject of the question just asked; cleared by the next message, whatever it is. */
  pending?: string;
  /** Never ask again in this conversation (someone may be at risk). */
  off?: boolean;
}

/** At most one "Did this help?" in this many answers. */
export const FEEDBACK_EVERY = 3;

export function emptyFeedbackMemory(): FeedbackMemory {
  return { asked: [], answersSince: 0 };
}

/** Counts one more answer and says whether to ask about it. */
export function shouldAskFeedback(memory: FeedbackMemory, subject: string): boolean {
  memory.answersSince += 1;
  if (memory.off) return false;
  if (memory.asked.includes(subject)) return false;
  // The first answer of a conversation may be asked about; after that, one in every few.
  return memory.asked.length === 0 || memory.answersSince >= FEEDBACK_EVERY;
}

/** Records that the question went out with this answer. */
export function markFeedbackAsked(memory: FeedbackMemory, subject: string): void {
  memory.asked.push(subject);
  memory.answersSince = 0;
  memory.pending = subject;
}

/** After a safeguarding reply: no more feedback questions in this conversation. */
export function stopFeedback(memory: FeedbackMemory): void {
  memory.off = true;
  memory.pending = undefined;
}

export interface FeedbackAnswer {
  helpful: boolean;
  /** The words after "yes"/"no", if any ("no, I wanted to know about transport"). */
  comment?: string;
}

const YES = [
  'yes', 'yeah', 'yea', 'yep', 'yup', 'ya', 'y', 'yes it did', 'it did', 'it helped', 'that helped', 'it has',
  'helpful', 'very helpful', 'really helpful', 'that was helpful', 'thats helpful', 'that is helpful', 'a lot',
  'definitely', 'sort of', 'kind of', 'a bit', 'somewhat', 'mostly', 'thumbs up', '👍',
];
const NO = [
  'no', 'nope', 'nah', 'n', 'no it didnt', 'no it did not', 'it didnt', 'it did not', 'didnt help', 'did not help',
  'not really', 'not at all', 'not much', 'not helpful', 'unhelpful', 'no help', 'not that helpful', 'no not really',
  'thumbs down', '👎',
];
/** Words that add nothing as a comment. */
const FILLER = /^(thanks|thank you|thankyou|ta|cheers|it did|it didnt|it did not|thx|ok|okay|really|very much|much|please|sorry)?$/;

function tidy(text: string): string {
  return text.toLowerCase().replace(/[‘’'`]/g, '').replace(/[^a-z0-9👍👎 ]+/gu, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Reads a reply to "Did this help?": a yes or no at the start, and any words after it as a
 * comment. Anything else (a new question) is undefined, and is handled as a new message.
 */
export function readFeedback(text: string): FeedbackAnswer | undefined {
  const said = tidy(text);
  if (!said) return undefined;
  const starts = (phrases: string[]) =>
    phrases.filter((p) => said === p || said.startsWith(`${p} `)).sort((a, b) => b.length - a.length)[0];
  const yes = starts(YES);
  const no = starts(NO);
  // "no" wins a tie with "yes" only when it is the longer reading ("no it didnt" against "n").
  const lead = no && (!yes || no.length >= yes.length) ? no : yes;
  if (!lead) return undefined;
  const helpful = lead === yes && lead !== no;
  // The comment keeps the person's own words (and case), after the yes or no.
  const words = text.trim().split(/\s+/);
  const leadWords = lead.split(' ').length;
  const rest = words.slice(leadWords).join(' ').replace(/^[\s,.;:!?-]+/, '').trim();
  const comment = FILLER.test(tidy(rest)) ? undefined : rest;
  return comment ? { helpful, comment } : { helpful };
}
