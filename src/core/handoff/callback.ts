/**
 * Reading the answers to a call-back request (out of hours, or when nobody is free): a name, a
 * phone number or email address, and a good time to call. Each reader cleans what was typed and
 * says what is wrong with it in a word the messages can explain. None of them throws, whatever it
 * is given (empty, huge, emoji, markup, any script, broken Unicode, not even a string).
 */
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

/** The name an adviser should ask for: 1–80 characters of letters, spaces, hyphens, apostrophes and dots. */
export function readName(text: unknown): Read<{ value: string }, NameProblem> {
  const value = cleanLine(text);
  if (value === '') return { ok: false, problem: 'empty' };
  if (charCount(value) > NAME_MAX) return { ok: false, problem: 'too-long' };
  if (!NAME.test(value) || LOOKS_LIKE_DOMAIN.test(value)) return { ok: false, problem: 'not-a-name' };
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
