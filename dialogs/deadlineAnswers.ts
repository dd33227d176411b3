/**
 * Reading the person's replies in the deadline conversation: yes or no, "I don't know", "no
 * certificate", which deadline, which decision, and whether a message asks for a deadline to be
 * worked out. Plain functions of the text, so they are easy to test. Anything these cannot read is
 * left undefined and the dialog asks again: nothing here guesses a date.
 */
import type { DeadlineKind } from '../src/core/dates';
import type { AppealDecision } from '../src/core/dates/explain';

/** Lower case, straight apostrophes removed ("don't" → "dont"), other punctuation to spaces. */
export function clean(text: string): string {
  return text
    .toLowerCase()
    .replace(/[‘’'`]/g, '')
    .replace(/[^a-z0-9/ ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const YES_WORDS = new Set([
  'yes', 'yess', 'yesss', 'yeah', 'yea', 'yeh', 'yeth', 'yep', 'yup', 'yeap', 'ya', 'yah', 'yh', 'y', 'aye', 'ok', 'okay', 'okey',
  'k', 'kk', 'correct', 'right', 'true', 'confirm', 'confirmed', 'exactly', 'indeed', 'sure', 'fine', 'good',
  'absolutely', 'definitely', 'certainly', 'perfect', 'precisely', 'affirmative', 'agreed',
]);
const NO_WORDS = new Set(['no', 'nope', 'nah', 'naw', 'n', 'wrong', 'incorrect', 'change', 'not', 'false', 'mistake', 'nop', 'noo', 'nooo']);
const FILLER = new Set([
  'that', 'thats', 'is', 'it', 'its', 'the', 'date', 'please', 'pls', 'plz', 'thanks', 'thank', 'thx', 'you', 'ta', 'i', 'think', 'so',
  'a', 'was', 'this', 'one', 'yes', // "yes" is also a yes-word; listed so "yes yes" stays yes
  'sorry', 'mate', 'love', 'x', 'xx', 'lol', 'all', 'very', 'much', 'quite', 'totally', 'completely', 'entirely', 'all', 'oh', 'ah', 'um', 'erm',
]);
/** Whole phrases for yes and no ("spot on", "go ahead", "not quite"), read before single words. */
const YES_PHRASES = /\b(spot on|bang on|go on|go ahead|you got it|all good|sounds (right|good)|that will do|thatll do|of course|why not)\b/g;
const NO_PHRASES = /\b(not quite|not really|not exactly|no way|not at all)\b/g;
const BOTH = /\b(yes|yeah|yep|yup|yeh|correct)\b/;

/** Words that start a question: "what's…", "how…", "can I…", "is that…", "does it…". */
const QUESTION_START = /^(?:(?:ok|okay|so|and|but|um|erm|hmm|actually|sorry|wait|hang on|also|just|oh|right|hi|hello)\s+)*(?:what|whats|wat|wot|how|hows|why|whys|when|whens|where|wheres|which|who|whos|can (?:i|we|you|u|they|it)|could (?:i|we|you|u|they|it)|should (?:i|we)|shall (?:i|we)|do (?:i|we|you|u|they)|does|did (?:i|we|you|they)|is (?:it|that|this|there|the|my|a)|isnt|are (?:there|you|they|we)|will (?:it|that|i|we|they|you)|would (?:it|that|i|we|they|you)|have (?:i|we|you|they)|has (?:it|the)|may i|might)\b/;
/** "what about the tribunal one", "how about the 12th": a choice said as a question. */
const SUGGESTS = /^(?:(?:ok|okay|so|and|but|um|erm|hmm|actually)\s+)*(?:what|how) about\b/;

/**
 * A question rather than an answer: a question mark, or question words at the start ("whats the
 * difference…", "can I complain instead", "is that date right"). A question is never read as a
 * choice by its words, nor as a yes.
 */
export function isQuestion(text: string): boolean {
  const t = clean(text);
  if (t === '' || SUGGESTS.test(t)) return false;
  return /\?/.test(text) || QUESTION_START.test(t);
}

/** "yes", "that's right", "1" are read by the caller; here only the words. Undefined when unclear. */
export function yesOrNo(text: string): 'yes' | 'no' | undefined {
  // "is that right?", "is that date correct?": a question back is neither yes nor no ("yes?" alone still agrees).
  if (isQuestion(text) && clean(text).split(' ').length > 1) return undefined;
  const thumbs = text.replace(/\u{1F44D}[\u{1F3FB}-\u{1F3FF}]?/gu, ' yes ').replace(/\u{1F44E}[\u{1F3FB}-\u{1F3FF}]?/gu, ' no ');
  const phrased = clean(thumbs).replace(NO_PHRASES, ' no ').replace(YES_PHRASES, ' yes ');
  const words = phrased.split(' ').filter(Boolean);
  if (words.length === 0 || words.length > 8) return undefined;
  const saysNo = words.some((w) => NO_WORDS.has(w));
  const saysYes = words.some((w) => YES_WORDS.has(w));
  if (!words.every((w) => YES_WORDS.has(w) || NO_WORDS.has(w) || FILLER.has(w))) return undefined;
  // "no that's right"/"not right" read as no; "yes no" and "correct, not" are unclear.
  if (saysNo && BOTH.test(words.filter((w) => w !== 'right').join(' '))) return undefined;
  if (saysNo) return 'no';
  return saysYes ? 'yes' : undefined;
}

/** Said to a read-back ("You said the letter was dated …. Is that right?"): "that's it", "that's the one" agree too. */
const READ_BACK_YES = /^(?:(?:yes|yeah|yep|yeh|yup|ok|okay)\s+)?(?:thats|that is|it is|its|it was|that was)\s+(?:it|the one|the date|the day|the right (?:one|date|day))\b/;

/** A reply to a read-back: yes or no, with the phrases that only mean agreement there. */
export function confirmsReadBack(text: string): 'yes' | 'no' | undefined {
  if (isQuestion(text) && clean(text).split(' ').length > 1) return undefined;
  const answer = yesOrNo(text);
  if (answer !== undefined) return answer;
  const t = clean(text);
  if (READ_BACK_YES.test(t)) {
    const rest = t.replace(READ_BACK_YES, ' ');
    return rest.split(' ').filter(Boolean).every((w) => FILLER.has(w) || YES_WORDS.has(w)) ? 'yes' : undefined;
  }
  return undefined;
}

/** "I don't know", "not sure", "can't find the letter", "no idea". */
export function saysDontKnow(text: string): boolean {
  const t = clean(text);
  return (
    /\b(dont|do not|didnt) (know|remember|have (it|the (date|letter|certificate|email)))\b/.test(t) ||
    /\b(not sure|unsure|no idea|no clue|dunno|idk|not certain)\b/.test(t) ||
    /\b(cant|can not|cannot|couldnt) (remember|find|see|read|recall)\b/.test(t) ||
    /\b(lost|misplaced|forgot|forgotten|thrown away|threw away)\b/.test(t) ||
    /\bnot (to hand|with me)\b/.test(t) ||
    /\b(havent|have not|dont have|do not have|not got)( got)? the date\b/.test(t)
  );
}

/** "I don't know the date" of something they have, as against not having it at all. */
export function saysDontKnowTheDate(text: string): boolean {
  const t = clean(text);
  return saysDontKnow(text) && (/\b(date|when|day|it)\b/.test(t) || !/\b(have|got|had)\b/.test(t));
}

/** A reply to "Do you have a mediation certificate?" meaning no (not yet, on its way, booked). */
export function saysNoCertificate(text: string): boolean {
  const t = clean(text);
  if (mentionsNoCertificate(text)) return true;
  return (
    /^(no|nope|nah|not yet|none|no not yet|no i dont|no we dont|no i havent|no we havent|not got one|i havent|we havent)\b/.test(t) ||
    /\b(dont|do not) have (one|a certificate|it yet|one yet)\b/.test(t) ||
    /\b(havent|have not|not) (got|had) (one|a certificate|it)\b/.test(t) ||
    /\b(on (its|the) way|waiting for it|not (arrived|come) yet|not yet)\b/.test(t)
  );
}

/** A message that says there is no certificate yet (DEADLINES.md: booked or "on its way" means none). */
export function mentionsNoCertificate(text: string): boolean {
  const t = clean(text);
  return (
    /\b(no|not got|havent got|have not got|dont have|do not have|havent had|have not had|without|not had|not received|havent received|didnt get|not yet got)( a| the| my| our| any)?( mediation)? (certificate|cert)\b/.test(t) ||
    /\b(certificate|cert)\b.{0,30}\b(on (its|the) way|coming|not (arrived|come)|yet to|will be|is being|not yet)\b/.test(t) ||
    /\bwaiting (for|on)( a| the| my| our)?( mediation)? (certificate|cert)\b/.test(t)
  );
}

/** Which deadline a message is about, when it says so clearly; otherwise undefined (the dialog asks). */
export function detectKind(text: string): DeadlineKind | undefined {
  const t = clean(text);
  const declined = /\b(said no|say no|saying no|declined?|declining|dont want|do not want|didnt want|did not want|turned down|refused)\b.{0,30}\bmediation\b/.test(t);
  if (declined && /\bcertificate|cert\b/.test(t) && !/\b(appeal|tribunal)\b/.test(t)) return 'certificate-if-declined';
  if (/\bdraft\b/.test(t) && /\b(comment|comments|commenting|respond|response|reply|views|feedback)\b/.test(t)) return 'draft-plan-comments';
  if (/\b(appeal|appeals|appealing|tribunal)\b/.test(t)) return 'appeal';
  if (/\b(final (ehc |education health and care )?plan|final ehcp|20 weeks|twenty weeks)\b/.test(t)) return 'final-plan';
  if (/\b(6|six) weeks\b/.test(t) && /\b(assess|assessment|request)\b/.test(t)) return 'assessment-decision';
  if (/\b(decide|decision|decided|hear|answer|respond|reply)\b.{0,40}\b(whether|if)\b.{0,30}\bassess/.test(t)) return 'assessment-decision';
  if (/\b(decide|decision|decided|hear back|answer)\b.{0,25}\b(on|about)\b.{0,25}\bassess\w*\b.{0,10}\brequest/.test(t)) return 'assessment-decision';
  return undefined;
}

/**
 * The answer to "Which deadline shall I work out?" in the person's words: what {@link detectKind}
 * reads, or one loose word for exactly one of the five ("draft plan", "the tribunal one").
 */
export function kindFromReply(text: string): DeadlineKind | undefined {
  const strict = detectKind(text);
  const t = clean(text);
  const loose: Array<[DeadlineKind, RegExp]> = [
    ['appeal', /\b(appeal\w*|tribunal|sendist)\b/],
    ['draft-plan-comments', /\bdraft\b/],
    ['final-plan', /\bfinal\b|\b(20|twenty) weeks?\b/],
    ['assessment-decision', /\b(assess\w*|ehc ?na|(6|six) weeks?)\b/],
    ['certificate-if-declined', /\b(certificate|cert|mediation)\b/],
  ];
  const found = loose.filter(([, cue]) => cue.test(t)).map(([k]) => k);
  // "the draft or the final plan": two are named as choices, so neither is taken.
  if (found.length > 1 && /\b(or|and)\b/.test(t)) return undefined;
  if (strict) return strict;
  // "the council said they won't issue a plan", "they refused to assess him": a decision that can be
  // appealed, so the appeal deadline (not the wait for a decision, which has come).
  if (detectDecision(text) !== undefined && !found.includes('draft-plan-comments') && !found.includes('final-plan')) return 'appeal';
  if (found.length === 1) return found[0];
  return undefined;
}

/**
 * "Actually, can I just complain instead?", "forget the deadline, how do I…": the person has moved
 * on to something else, so the deadline conversation should hand the message back.
 */
export function changesSubject(text: string): boolean {
  const t = clean(text);
  return /\b(instead|rather|forget (it|that|the deadline|about)|never ?mind|nevermind|something else|different question|another question|change of plan|not the deadline|dont need (the|a) (deadline|date))\b/.test(t) ||
    /^(actually|no actually|ok actually|wait|hang on)\b.*\b(can|could|how|what|do|should|is)\b/.test(t);
}

/**
 * A reply to "Do you have a mediation certificate?" about the mediation itself, not a certificate:
 * "mediation meeting is on 10 December", "the mediation is booked for 14 January", "we've got mediation next week".
 */
export function talksAboutMediationMeeting(text: string): boolean {
  const t = clean(text);
  if (!/\bmediat(ion|or|ors)\b/.test(t)) return false;
  // "the mediator sent it on 5 Dec", "got the mediation certificate on…": about the certificate.
  if (/\b(sent|issued|emailed|posted|dated|gave|give|signed)\b/.test(t)) return false;
  if (/\b(cert|certificate)\b.{0,30}\b(came|arrived|got|received)\b|\b(got|received)\b.{0,30}\b(cert|certificate)\b/.test(t)) return false;
  if (!/\b(cert|certificate)\b/.test(t)) return true;
  return /\b(meeting|meet|meets|seeing|see us|session|booked|arranged|scheduled|planned|appointment|going to|having|is on|will be|is due|next|coming up|set up|took place|happened|attended)\b/.test(t);
}

/** "How long do I get…", "what's the deadline…", "by when…": a question about a time limit. */
export function asksHowLong(text: string): boolean {
  return /\b(how long|how many (days|weeks)|how much time|deadlines?|time limits?|last day|by when|cut off)\b/.test(clean(text));
}

const DECISION_CUES: Array<[AppealDecision, RegExp]> = [
  // The school or college named in the plan (section I), or the wrong one named: a school-only appeal.
  ['school-only', /\b(only|just)\b.{0,40}\b(school|college|placement|setting|section i)\b|\b(school|college|placement|setting)\b.{0,15}\bnamed\b|\bnamed?\b.{0,25}\b(school|college|placement|setting)\b|\bwrong (school|college|placement|setting)\b|\b(school|college|placement|setting) (they|the council|the la) (named|chose|picked|put)\b/],
  ['not-to-assess', /\b(refus\w*|wont|will not|not to|declined?|turned down|said no|rejected?)\b.{0,25}\b(assess\w*|ehc ?na)\b|\bnot assess/],
  ['not-to-issue', /\b(refus\w*|wont|will not|not to|declined?|turned down|said no|rejected?)\b.{0,25}\b(issue|give|make|write)\b.{0,20}\b(plan|ehcp)\b|\bno (ehc )?plan\b/],
  ['contents', /\b(contents?|wording|what the plan says|whats in (the|his|her|my|their) plan|sections? [a-k]|provision)\b/],
  ['not-to-amend', /\b(refus\w*|wont|will not|not to|declined?)\b.{0,25}\b(amend|change|update)\b/],
  ['cease', /\b(stop|stopping|cease|ceasing|end|ending|finish)\w*\b.{0,25}\b(plan|ehcp|maintaining)\b/],
];

/** What an appeal is about, when one reading is clear; two or more readings, or none, is undefined. */
export function detectDecision(text: string): AppealDecision | undefined {
  const t = clean(text);
  const found = DECISION_CUES.filter(([, cue]) => cue.test(t)).map(([d]) => d);
  return found.length === 1 ? found[0] : undefined;
}

/**
 * A question about the choices just offered, not a new question: "what do you mean which decision?",
 * "what does not to issue mean?", "whats the difference?", "how do I know which one?". It is
 * answered with what the choices mean, and the same question asked again.
 */
export function asksAboutChoices(text: string): boolean {
  const t = clean(text);
  if (!isQuestion(text) && !/^(i )?(dont|do not) (understand|get it|know what)|^(confused|explain|not sure what)/.test(t)) return false;
  if (changesSubject(text)) return false;
  return /\b(mean|means|meaning|difference|differences|explain|understand|confused|confusing)\b/.test(t) ||
    /\b(which|what) (one|ones|option|options|choice|choices)\b.{0,30}\b(pick|choose|mine|me|is it|should|do i|for)\b|\bhow (do|would|can) (i|we) (know|tell) which\b/.test(t);
}

/** "Work out my deadline", "calculate the date", "when is my deadline": a request for this person's own date. */
export function asksToWorkOut(text: string): boolean {
  const t = clean(text);
  return /\b(work|working|figure|figuring|sort|sorting)( it)? out\b.{0,30}\b(deadline|date|dates|last day|time limit)\b/.test(t) ||
    /\b(calculate|calculating|calc|compute|count|counting)\b.{0,30}\b(deadline|date|dates|last day|time limit)\b/.test(t) ||
    /\b(when|what)\b.{0,15}\b(my|our)\b.{0,12}\b(deadline|last day|time limit|cut off|date to appeal)\b/.test(t) ||
    /\b(deadline|last day)\b.{0,12}\b(for me|for us|in my case|in our case)\b/.test(t);
}
