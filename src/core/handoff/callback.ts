/**
 * Reading the answers to a call-back request (out of hours, or when nobody is free): a name, a
 * phone number or email address, and a good time to call. Each reader cleans what was typed and
 * says what is wrong with it in a word the messages can explain. None of them throws, whatever it
 * is given (empty, huge, emoji, markup, any script, broken Unicode, not even a string).
 */
import { AFTER_DISCLOSURE_HOURS, withinAfterDisclosure } from '../understanding/safeguarding';
import { charCount, cleanLine } from './text';

export type Read<T, P extends string> = ({ ok: true } & T) | { ok: false; problem: P };

export type NameProblem = 'empty' | 'too-long' | 'not-a-name';
export type ContactProblem =
  | 'empty'
  | 'too-long'
  /** Neither a phone number nor an email address could be found. */
  | 'not-a-phone-or-email'
  /** Looks like a phone number, but has too many or too few digits for a UK one. */
  | 'phone-wrong-length'
  /** A number from another country, or a UK number an adviser cannot call back (premium rate…). */
  | 'phone-not-uk'
  | 'email-invalid';
export type BestTimeProblem = 'empty' | 'too-long';
export type CallbackProblem = NameProblem | ContactProblem | BestTimeProblem;
/** Which question an answer was for. */
export type CallbackField = 'name' | 'contact' | 'bestTime';

export const NAME_MAX = 80;
export const BEST_TIME_MAX = 120;
/** The longest email address SMTP allows; nothing longer is a phone number either. */
export const CONTACT_MAX = 254;

// ---------------------------------------------------------------------------------------------
// Name

/** Letters (any script, with their accents), then letters, spaces, hyphens, apostrophes and dots. */
const NAME = /^[\p{L}\p{M}][\p{L}\p{M} '’.\-‐]*$/u;
/** Something that reads as a web address rather than a name ("www.x", "example.co.uk"). */
const LOOKS_LIKE_DOMAIN = /(?:^|[\s.])www\.|\p{L}\.(?:com|org|net|uk|gov|nhs|io|co|info|biz|me|app|dev|xyz|ly|tv|ai)(?![\p{L}\p{M}])/iu;

/** Words around a name that are not part of it ("my name is Mo", "it's Jo please"). */
const NAME_LEAD = /^(?:(?:hi|hello|hey|yes|yeah|yep|ok|okay|sure|um|erm)[\s,.!]+)*(?:(?:my name is|my name['’]?s|my names|name is|name['’]?s|it is|it['’]?s|its|i am|i['’]m|this is|call me|ask for|you can ask for|they can ask for|just ask for|just)\s+)?/iu;
/** "im jo": only in lower case, as texted; "Im" is also a Korean family name ("Im Ji-hoon"). */
const IM_LEAD = /^im\s+/u;
const NAME_TAIL = /(?:[\s,]+(?:please|pls|plz|thanks|thank you|thx|ta|x+))+[.!]*$|!+$/iu;
/**
 * Words that are (all but) never part of a person's name, in English sentences ("no thanks i dont
 * want anyone calling the house"). Short words that are also names or name parts somewhere (Do,
 * An, My, To, He, Im, No, Will, May, Hope, de, la, van, bin, al…) are deliberately not here.
 */
const SENTENCE_WORDS = new Set([
  'i', 'ive', 'id', 'you', 'youre', 'your', 'they', 'theyll', 'theyre', 'them', 'their', 'we', 'us', 'our', 'she', 'shes', 'hes',
  'him', 'his', 'it', 'its', 'is', 'are', 'was', 'were', 'am', 'be', 'been', 'dont', 'doesnt', 'didnt', 'cant', 'wont', 'isnt',
  'arent', 'wasnt', 'not', 'nope', 'yes', 'yeah', 'yep', 'okay', 'ok', 'thanks', 'thank', 'please', 'pls', 'want', 'wanted',
  'wants', 'need', 'needs', 'would', 'should', 'could', 'the', 'of', 'in', 'on', 'at', 'for', 'with', 'from', 'this', 'that',
  'what', 'why', 'how', 'who', 'when', 'where', 'which', 'anyone', 'someone', 'anybody', 'somebody', 'nobody', 'anything',
  'something', 'nothing', 'call', 'calling', 'called', 'ring', 'ringing', 'phone', 'phoning', 'number', 'email', 'text',
  'house', 'home', 'name', 'safe', 'hear', 'know', 'tell', 'telling', 'help', 'just', 'really', 'here', 'there', 'about',
  'because', 'have', 'has', 'had', 'get', 'got', 'like', 'think', 'sorry', 'sure', 'school', 'put', 'say', 'said', 'give',
  'if', 'or', 'but', 'me', 'mine',
]);
/** One-word answers that are not names. */
const NOT_NAMES = new Set([
  'no', 'nope', 'nah', 'yes', 'yeah', 'yep', 'ok', 'okay', 'hi', 'hello', 'hey', 'thanks', 'thx', 'why', 'what', 'who', 'how',
  'idk', 'dunno', 'none', 'nothing', 'nobody', 'noone', 'anonymous', 'unknown', 'maybe', 'back', 'later', 'sure', 'please',
  'help', 'stop', 'cancel', 'start', 'same', 'here', 'this', 'that', 'me', 'you', 'name', 'test', 'whatever', 'skip', 'pass',
]);
/** At most this many words: long names of every culture fit ("María de los Ángeles García López"). */
const NAME_MAX_WORDS = 8;

/** Whether words that passed the character check read as a sentence rather than a name. */
function readsAsSentence(value: string): boolean {
  const words = value.toLowerCase().replace(/['’]/gu, '').split(' ').map((w) => w.replace(/[.\-‐]+$/u, '')).filter(Boolean);
  if (words.length > NAME_MAX_WORDS) return true;
  if (words.length === 1) return NOT_NAMES.has(words[0]!);
  const sentenceWords = words.filter((w) => SENTENCE_WORDS.has(w)).length;
  return sentenceWords >= 2 || (sentenceWords >= 1 && words.length >= 4);
}

/**
 * The name an adviser should ask for: 1–80 characters of letters (any script), spaces, hyphens,
 * apostrophes and dots, at most 8 words, and not a sentence ("no thanks i dont want anyone
 * calling"). Words around it are dropped ("my name is Mo" → "Mo", "Jo please" → "Jo").
 */
export function readName(text: unknown): Read<{ value: string }, NameProblem> {
  const cleaned = cleanLine(text);
  if (cleaned === '') return { ok: false, problem: 'empty' };
  if (charCount(cleaned) > NAME_MAX) return { ok: false, problem: 'too-long' };
  const value = cleaned.replace(NAME_TAIL, '').replace(NAME_LEAD, '').replace(IM_LEAD, '').trim() || cleaned;
  if (!NAME.test(value) || LOOKS_LIKE_DOMAIN.test(value) || readsAsSentence(value)) return { ok: false, problem: 'not-a-name' };
  return { ok: true, value };
}

// ---------------------------------------------------------------------------------------------
// Phone number or email address

export type ContactKind = 'phone' | 'email';

/** Separators people type inside phone numbers. */
const PHONE_SEPARATORS = /[\s().\-‐–\/]/gu;
/** A whole answer that is a phone number: digits, separators and perhaps a leading +. */
const PHONE_ONLY = /^\+?[\d\s().\-‐–\/]+$/u;
/** A phone number inside other words ("my mobile is 07700 900123"). */
const PHONE_IN_TEXT = /(?:\+|\b0)[\d\s().\-]{7,22}\d/gu;
/** An email address inside other words ("email me at jo@example.com please"). */
const EMAIL_IN_TEXT = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/gu;

/** First digits of UK national numbers an adviser could call: geographic, 03, 05, mobiles, 08. */
const CALLABLE_FIRST_DIGIT = /^[123578]/;

function readPhone(raw: string): Read<{ kind: 'phone'; value: string }, ContactProblem> {
  const digits = raw.replace(/^tel:/i, '').replace(PHONE_SEPARATORS, '');
  if (!/^\+?\d+$/.test(digits)) return { ok: false, problem: 'not-a-phone-or-email' };
  let national: string;
  if (digits.startsWith('+')) {
    if (!digits.startsWith('+44')) return { ok: false, problem: 'phone-not-uk' };
    national = digits.slice(3);
  } else if (digits.startsWith('0044')) {
    national = digits.slice(4);
  } else if (digits.startsWith('00')) {
    return { ok: false, problem: 'phone-not-uk' };
  } else if (digits.startsWith('0')) {
    national = digits.slice(1);
  } else if (digits.startsWith('44') && (digits.length === 12 || digits.length === 13)) {
    national = digits.slice(2);
  } else {
    return { ok: false, problem: 'phone-wrong-length' };
  }
  // "+44 (0)1332 641414": the trunk 0 written after the country code.
  if (national.startsWith('0') && (national.length === 11 || national.length === 10)) national = national.slice(1);
  const rightLength = national.length === 10 || (national.length === 9 && national.startsWith('1'));
  if (!rightLength) return { ok: false, problem: 'phone-wrong-length' };
  if (!CALLABLE_FIRST_DIGIT.test(national)) return { ok: false, problem: 'phone-not-uk' };
  return { ok: true, kind: 'phone', value: `+44${national}` };
}

const EMAIL_LOCAL = /^[\p{L}\p{N}_%+'\-]+(?:\.[\p{L}\p{N}_%+'\-]+)*$/u;
const EMAIL_LABEL = /^(?!-)[\p{L}\p{N}\-]{1,63}(?<!-)$/u;
const EMAIL_TLD = /^(?:\p{L}{2,63}|xn--[a-z0-9\-]{1,59})$/iu;

function readEmail(raw: string): Read<{ kind: 'email'; value: string }, ContactProblem> {
  const text = raw.replace(/^mailto:/i, '');
  const at = text.lastIndexOf('@');
  if (at <= 0 || text.indexOf('@') !== at) return { ok: false, problem: 'email-invalid' };
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).replace(/\.$/, '').toLowerCase();
  if (charCount(local) > 64 || !EMAIL_LOCAL.test(local)) return { ok: false, problem: 'email-invalid' };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => EMAIL_LABEL.test(label)) || !EMAIL_TLD.test(labels[labels.length - 1]!)) {
    return { ok: false, problem: 'email-invalid' };
  }
  const value = `${local}@${domain}`;
  if (charCount(value) > CONTACT_MAX) return { ok: false, problem: 'too-long' };
  return { ok: true, kind: 'email', value };
}

/**
 * How an adviser can reach the person: a UK phone number (landline or mobile; spaces, brackets,
 * +44 or 0 are all fine), given back in E.164 form (+441332641414), or an email address with its
 * domain in lower case. A single number or address inside other words is found too.
 */
export function readContact(text: unknown): Read<{ kind: ContactKind; value: string }, ContactProblem> {
  const value = cleanLine(text);
  if (value === '') return { ok: false, problem: 'empty' };
  if (charCount(value) > CONTACT_MAX) return { ok: false, problem: 'too-long' };
  const bare = value.replace(/^<(.*)>$/u, '$1').replace(/[.!]$/u, '');
  if (bare.includes('@') && !/\s/u.test(bare)) return readEmail(bare);
  if (PHONE_ONLY.test(bare) || /^tel:/i.test(bare)) return readPhone(bare);
  // Inside other words: only when there is exactly one candidate, so nothing is guessed.
  const emails = value.match(EMAIL_IN_TEXT) ?? [];
  const phones = value.match(PHONE_IN_TEXT) ?? [];
  if (emails.length === 1 && phones.length === 0) return readEmail(emails[0]!.replace(/[.!?]+$/u, ''));
  if (phones.length === 1 && emails.length === 0) return readPhone(phones[0]!);
  if (emails.length + phones.length > 1) return { ok: false, problem: 'not-a-phone-or-email' };
  if (value.includes('@')) return { ok: false, problem: 'email-invalid' };
  // Mostly digits but not a number we could read ("7700 900123", "12345").
  const digitCount = (value.match(/\d/g) ?? []).length;
  if (digitCount >= 5 && digitCount >= charCount(value.replace(/\s/gu, '')) / 2) return { ok: false, problem: 'phone-wrong-length' };
  return { ok: false, problem: 'not-a-phone-or-email' };
}

/** What looks wrong with a contact answer that could not be used, to say so; never the answer itself. */
export type ContactHint =
  | { kind: 'phone'; digits: number }
  | { kind: 'email'; issue: 'two-at' | 'several-at' | 'nothing-before-at' | 'nothing-after-at' | 'no-dot' | 'space' };

/**
 * A closer look at a contact answer that {@link readContact} could not use: how many digits a
 * number has, or what is wrong with an email address ("sj@@example": two @ signs). Undefined when
 * there is nothing more specific to say.
 */
export function contactHint(text: unknown): ContactHint | undefined {
  const value = cleanLine(text).replace(/^mailto:/i, '').replace(/[.!]$/u, '');
  if (value === '' || charCount(value) > CONTACT_MAX) return undefined;
  const ats = (value.match(/@/g) ?? []).length;
  if (ats > 0) {
    const words = value.split(' ').filter((w) => w.includes('@'));
    if (words.length > 1) return undefined; // several addresses: the general words fit
    if (ats === 2) return { kind: 'email', issue: 'two-at' };
    if (ats > 2) return { kind: 'email', issue: 'several-at' };
    if (/\s/u.test(value) && /\S\s+@|@\s+\S/u.test(value)) return { kind: 'email', issue: 'space' };
    const [local, domain] = words[0]!.split('@') as [string, string];
    if (local === '') return { kind: 'email', issue: 'nothing-before-at' };
    if (domain === '') return { kind: 'email', issue: 'nothing-after-at' };
    if (!domain.includes('.')) return { kind: 'email', issue: 'no-dot' };
    return undefined;
  }
  const digits = (value.match(/\d/g) ?? []).length;
  const phoneish = /^\+?[\d\s().\-‐–\/]+$/u.test(value);
  return phoneish && digits > 0 ? { kind: 'phone', digits } : undefined;
}

/**
 * Whether an answer is nothing but a phone number or an email address that reads correctly (no
 * other words): after the call-back stopped for want of one, only such a message, sent straight
 * after, is taken as the corrected contact.
 */
export function isBareContact(text: unknown): boolean {
  const value = cleanLine(text).replace(/^<(.*)>$/u, '$1').replace(/[.!]$/u, '');
  if (value === '' || !readContact(value).ok) return false;
  return (value.includes('@') && !/\s/u.test(value)) || /^(?:tel:)?\+?[\d\s().\-‐–\/]+$/iu.test(value);
}

// ---------------------------------------------------------------------------------------------
// Saying no

/**
 * Why someone does not want a call-back: 'no' (no thanks, don't ring), or 'worried' (it is not
 * safe, someone will hear, don't call the house), which after a disclosure may mean danger.
 */
export type Refusal = 'no' | 'worried';

/** Whole answers that say no ("no", "no thanks", "rather not", "never mind"), with words around them that change nothing. */
const NO_ALONE = /^(?:no|nope|nah|no no|no way|no thanks|no thank you|no ta|no thx|no sorry|sorry no|not now|not really|not interested|no need|no dont|no do not|no please|please no|no call|no calls|no call back|no callback|no phone call|no phone calls|never mind|nevermind|forget it|leave it|cancel|cancel it|cancel that|stop|stop it|stop that|stop this|dont bother|do not bother|i dont want one|i dont want it|i dont want that|i dont want to|i do not want to|rather not|id rather not|i would rather not|prefer not|id prefer not|i would prefer not|i prefer not|prefer not to say|rather not say|id rather not say|i changed my mind|changed my mind)(?: (?:thanks|thank you|thx|ta|please|sorry|its ok|its fine|im ok|im fine|x+))*$/u;
/** A refusal anywhere in a short message: "i dont want anyone calling", "please don't ring". */
const NO_IN_TEXT: RegExp[] = [
  // "don't call", "do not ring", "never phone", but not a time to avoid ("don't ring before 10", "dont call on mondays").
  /\b(?:dont|do not|please dont|please do not|never)(?: (?:you|u|anyone|anybody|them))? (?:call|ring|phone|text|email|contact|message)\b(?! (?:me |us |here |back )?(?:before|after|until|till|til|at|on|in|during|between|from|when|while|by|around|past|mornings?|afternoons?|evenings?|weekends?|weekdays?|today|tomorrow|tonight|lunch|school|work|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)/u,
  /\b(?:dont|do not|dont really|do not really|dont actually) (?:want|need|like)(?: (?:a|an|any|the))? (?:call|calls|call back|callback|phone call|phone calls|ringing|anyone|anybody|someone|somebody|you|them|an adviser|a person|people|to be called|to be rung|to be phoned|to be contacted|to give|to say|to share|to leave)\b/u,
  /\b(?:no ?one|nobody) (?:to )?(?:call|ring|phone|text|email|contact)\b/u,
  /\b(?:id|i would|i d) (?:rather|prefer)(?: you)? (?:not|didnt|did not)\b/u,
];
/** Fear of being overheard or found out, or of a call at home: 'worried'. */
const WORRIED_IN_TEXT: RegExp[] = [
  /\b(?:not safe|isnt safe|is not safe|wont be safe|will not be safe|unsafe|not allowed)\b/u,
  // "they'll hear", "he might find out", "my stepdad will see" (a modal is needed: "they know my number" is an answer).
  /\b(?:they|he|she|someone|somebody|mum|mom|dad|stepdad|stepmum|stepmom|my \p{L}+)(?: ll| will| might| may| could| would| d|ll) (?:hear|see|find out|know|read|check|listen)\b/u,
  /\b(?:theyll|hell|shell|theyd|hed|shed) (?:hear|see|find out|know|read|check|listen)\b/u,
  /\b(?:checks|reads|goes through|looks at|look at|read|check) my (?:phone|texts|messages|emails|email|mobile)\b/u,
  // Not at home: "don't ring the house", "i dont want anyone calling the house" (but "call the home number" is an answer).
  /\b(?:dont|do not|not|never|no one|noone|nobody|cant|cannot|shouldnt)\b[\p{L} ]{0,30}\b(?:call|calling|ring|ringing|phone|phoning|contact|contacting|come|coming|visit|visiting)\b[\p{L} ]{0,12}\b(?:the house|my house|our house|home)\b(?! (?:number|phone|landline|line))/u,
  /\b(?:scared|frightened|terrified)\b/u,
];
/**
 * Whether an answer to a call-back question says no, or a worry, rather than answering: "no",
 * "no thanks", "i dont want anyone calling", "don't ring", "not safe", "they'll hear". Never an
 * answer with digits or an @ in it (a number or address typed out is an answer), and only in a
 * message of at most 30 words. A time to avoid ("don't ring before 10") is an answer too.
 */
export function readRefusal(text: unknown): Refusal | undefined {
  const raw = cleanLine(text);
  if (raw === '' || /[\d@]/u.test(raw)) return undefined;
  const words = raw.toLowerCase().replace(/['’]/gu, '').replace(/[^\p{L}\s]/gu, ' ').replace(/\s+/gu, ' ').trim();
  if (words === '' || words.split(' ').length > 30) return undefined;
  if (WORRIED_IN_TEXT.some((pattern) => pattern.test(words))) return 'worried';
  if (NO_ALONE.test(words) || NO_IN_TEXT.some((pattern) => pattern.test(words))) return 'no';
  return undefined;
}

/**
 * Signs, in any message, that a phone call could put someone at risk: someone would hear or find
 * out, someone goes through their phone, "don't ring the house", "I can't talk now". Narrower than
 * a refusal's worries: "scared" or "not safe" in a disclosure is about the harm, not the phone.
 */
const CALL_WOULD_BE_OVERHEARD: RegExp[] = [
  /\b(?:they|he|she|someone|somebody|mum|mom|dad|stepdad|stepmum|stepmom|my \p{L}+)(?: ll| will| might| may| could| would| d|ll) (?:hear|find out|listen|check my phone|see my phone|see my messages|read my messages|read my texts)\b(?! (?:back|from|about|anything|nothing|soon)\b)/u,
  /\b(?:theyll|hell|shell|theyd|hed|shed) (?:hear|find out|listen)\b(?! (?:back|from|about|anything|nothing|soon)\b)/u,
  /\b(?:checks|reads|goes through|looks at|look through|go through) my (?:phone|texts|messages|emails|email|mobile)\b/u,
  /\b(?:dont|do not|not|never|no one|noone|nobody|cant|cannot|shouldnt)\b[\p{L} ]{0,30}\b(?:call|calling|ring|ringing|phone|phoning)\b[\p{L} ]{0,12}\b(?:the house|my house|our house|home)\b(?! (?:number|phone|landline|line))/u,
  /\b(?:please dont|please do not|dont|do not|never)(?: (?:anyone|anybody))? (?:call|ring|phone) (?:me|us|here)\b(?! (?:back )?(?:before|after|until|till|til|at|on|in|during|between|from|when|while|by|around|past|mornings?|afternoons?|evenings?|weekends?|weekdays?|today|tomorrow|tonight|lunch|school|work|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)/u,
  /\bi (?:cant|can not|cannot) (?:talk|speak)(?: (?:now|right now|out loud|on the phone|here))?\b(?! (?:to|about|with|for|english)\b)/u,
];

/**
 * Whether a message (a disclosure, say) shows a call could be overheard or found out: then no
 * call-back is offered for a day ({@link CALLS_UNSAFE_HOURS}), as when the call-back's own
 * questions are answered that way. Only whether, never what was said, is kept.
 */
export function saysCallsUnsafe(text: unknown): boolean {
  const raw = cleanLine(text);
  if (raw === '' || raw.length > 5000) return false;
  const words = raw.toLowerCase().replace(/['’]/gu, '').replace(/[^\p{L}\p{N}\s]/gu, ' ').replace(/\s+/gu, ' ').trim();
  return CALL_WOULD_BE_OVERHEARD.some((pattern) => pattern.test(words));
}

/**
 * How long after someone said a call is not safe (a 'worried' {@link readRefusal}) no call-back is
 * offered again: the same day as after a disclosure.
 */
export const CALLS_UNSAFE_HOURS = AFTER_DISCLOSURE_HOURS;

/**
 * Whether calls count as unsafe at `now`: the person said so (at `since`, an ISO time) less than
 * {@link CALLS_UNSAFE_HOURS} ago. Nothing about what they said is needed, only when.
 */
export function callsUnsafe(since: string | undefined, now: Date): boolean {
  return withinAfterDisclosure(since, now);
}

// ---------------------------------------------------------------------------------------------
// Best time

const ANY_TIME = /^(?:any|any ?time|any time at all|whenever|whenever is fine|whenever suits|don'?t mind|do not mind|no preference|not fussy|anytime is fine|any time is fine)[.!]?$/iu;

/**
 * When to call: free text of 1–120 characters, control characters removed. "any", "anytime",
 * "whenever" and the like become "Any time".
 */
export function readBestTime(text: unknown): Read<{ value: string }, BestTimeProblem> {
  const value = cleanLine(text);
  if (value === '') return { ok: false, problem: 'empty' };
  if (charCount(value) > BEST_TIME_MAX) return { ok: false, problem: 'too-long' };
  if (ANY_TIME.test(value.replace(/[’]/g, "'"))) return { ok: true, value: 'Any time' };
  return { ok: true, value };
}

// ---------------------------------------------------------------------------------------------
// "This number": the number the person is texting from

/** Words around the answer that change nothing ("yes, use this one please"). */
const LEADING_FILLER = /^(?:(?:yes|yeah|yep|yup|ok|okay|sure|please|pls|plz|just|oh|um|erm|so|you can|u can|can you|could you|use|call|ring|phone|text|txt|contact|reach|get me|me|on|at|via|it s|its|it is|thats|that s|it ll be|itll be|try|the best is|best is)\s+)+/u;
const TRAILING_FILLER = /(?:\s+(?:please|pls|plz|thanks|thank you|thx|ta|cheers|is fine|is ok|is okay|is best|is good|will do|is the best|x+))+$/u;

/** The thing named: "number", "one", "phone", "mobile"… */
const NOUN = String.raw`(?:(?:phone |mobile |mob |cell )?(?:number|no|num|numb)|one|1|phone|mobile|mob|cell|fone)`;
/** "I'm texting from", "I am using", "i text from"… */
const TEXTING = String.raw`(?:i m|im|i am|iam|i|am|that i m|that im|that i am)? ?(?:texting|txting|texing|messaging|msging|writing|sending|using|on|text|texted|message|messaged)(?: (?:you|u|this|these|this message|these messages|with))?(?: (?:from|on|with|now))?`;

const THIS_NUMBER: RegExp[] = [
  // "this number", "this one", "same number", "the same one", "that one", "this number I'm texting from"
  new RegExp(String.raw`^(?:the )?(?:this|that|same|the same|same as this|same as this one)(?: ${NOUN})?(?: (?:as (?:this|this one|here|i m texting from|im texting from)|${TEXTING}))?$`, 'u'),
  // "the number I'm texting from", "the one I am using", "number im texting on"
  new RegExp(String.raw`^(?:the |my )?${NOUN} ${TEXTING}$`, 'u'),
  // "the number this is from", "the number these texts are from"
  new RegExp(String.raw`^(?:the )?${NOUN} (?:this|this text|this message|these texts|these messages|my texts|my messages) (?:is|are|came|come|is coming|are coming|is sent|are sent)? ?(?:from|coming from|sent from)$`, 'u'),
  // "my number", "my mobile", "my own number"
  new RegExp(String.raw`^my (?:own )?(?:phone |mobile |mob )?(?:number|no|num|mobile|phone)$`, 'u'),
  // "the number you have", "the one you've got", "you have it", "you've got my number"
  new RegExp(String.raw`^(?:the )?${NOUN} (?:(?:you|u) (?:have|ve got|have got|got|can see|are texting|re texting|texted)|youve got|uve got)$`, 'u'),
  /^(?:(?:you|u) (?:have|ve got|have got|got|already have|can see)|youve got|uve got) (?:it|it already|my number|my no|that|this|this number)$/u,
  // "here", "this", "same", "same as this", "this phone", "texting from this"
  /^(?:here|this|same|same here|same as this|this phone|this mobile|the one i m on|the one im on)$/u,
];

/**
 * Whether an answer to "what number or email should the adviser use?" means "the number I'm
 * texting from" ("this number", "this one", "same number", "the number im texting from", "SAME").
 * Only a whole answer that says nothing else counts, and never one with digits or an @ in it (a
 * number or address typed out is read as one).
 */
export function saysThisNumber(text: unknown): boolean {
  const raw = cleanLine(text);
  if (raw === '' || charCount(raw) > 80 || /[\d@]/u.test(raw.replace(/\bthis 1\b|\bsame 1\b|\bthat 1\b/giu, ''))) return false;
  const words = raw
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(LEADING_FILLER, '')
    .replace(TRAILING_FILLER, '')
    .trim();
  return words !== '' && THIS_NUMBER.some((pattern) => pattern.test(words));
}

/** The last `count` digits of a phone number, to say it back without saying all of it. */
export function lastDigits(phone: string, count = 3): string {
  const digits = phone.replace(/\D/gu, '');
  return digits.length > count ? digits.slice(-count) : '';
}
