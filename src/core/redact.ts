/**
 * Removes what identifies a person from a message before it is kept (unanswered questions,
 * feedback comments): phone numbers, email addresses, postcodes, dates of birth, long reference
 * numbers, street addresses and personal names. Each becomes a marker such as [phone] or [name],
 * so what was asked still reads sensibly. Framework-free and deterministic.
 *
 * Names are found by rules, so some are missed and some ordinary words are taken for names; it
 * errs towards removing. The rules:
 * - the words after "my name is", "is called", "named", "Mr", "Mrs", "Dr"…;
 * - a word after "my son", "my daughter"… that is capitalised, or is not an English word;
 * - a capitalised word that does not start a sentence and is not a known term (SEND words, days,
 *   months, the council's own names…), and one that does start a sentence but is followed by
 *   another name or by "'s".
 */
import { englishWords } from './understanding/englishWords';

export type Redactor = (text: string) => string;

export interface RedactOptions {
  /** More words that are never names (a council's and its services' names); any case. */
  knownTerms?: Iterable<string>;
}

/** Words that are capitalised for reasons other than being someone's name. */
const KNOWN_TERMS = (
  // days, months, times
  'monday tuesday wednesday thursday friday saturday sunday january february march april may june july august ' +
  'september october november december today tomorrow yesterday christmas easter summer autumn winter spring term ' +
  // people and places in general
  'mr mrs ms miss mx dr prof i mum mummy mom dad daddy nan nana nanny grandma gran grandad grandpa english england british britain uk wales welsh scotland ' +
  'scottish ireland irish london god ok okay sir madam dear hi hello hey thanks thank please sorry yes no ' +
  // SEND and education
  'send sen senco sendco sendiass sendias iass ias ehc ehcp ehcps ehcna education educational health care plan plans need needs ' +
  'assessment assessments reassessment tribunal tribunals first-tier first tier council councils county city borough local authority ' +
  'la offer code practice mediation mediator mediators disagreement disagreements resolution service services team support special ' +
  'disability disabilities disabled school schools primary secondary infant junior academy academies trust college colleges nursery ' +
  'preschool pre-school university sixth form head headteacher head-teacher teacher teachers deputy governor governors board ' +
  'integrated commissioning group ombudsman government department social worker section sections appendix annual review ' +
  'year reception key stage nhs icb ccg camhs cahms gp paediatrician ipsea coram contact childline samaritans ofsted dfe gov ' +
  'adhd add autism autistic asd asc down downs syndrome dyslexia dyslexic dyspraxia ocd pda sensory processing speech language ' +
  'occupational therapy therapist physio physiotherapy psychologist educational-psychologist ep salt ot ta lsa hlta senior ' +
  'legal centre children childrens family families information advice act law hmcts chapter paragraph part appeal appeals ' +
  'complaint complaints form forms letter pupil pupils student students child young person people parent parents carer carers ' +
  'global prime ace derby milton keynes mk mkc worcestershire herefordshire county-council local-offer mediation-certificate certificate ' +
  // words that start questions and sentences (capitalised after a colon or in headings)
  'the a an my our your his her their its it this that these those what when where why who whom which how can could would ' +
  'should will shall do does did is are was were be been have has had may might must not and or but if so then there here ' +
  'we you he she they me him them us also just still please because after before while during since until about'
).split(' ');

/** Relations after which a word is probably a name ("my son Jaden"). */
const RELATIONS = 'son|daughter|child|kid|boy|girl|grandson|granddaughter|brother|sister|nephew|niece|husband|wife|partner|friend|stepson|stepdaughter|foster child|twins?';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const URL = /\bhttps?:\/\/\S+/gi;
const POSTCODE = /\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b/gi;
const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DATE_TEXT =
  `(?:\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}|\\d{4}-\\d{2}-\\d{2}|\\d{1,2}(?:st|nd|rd|th)?(?: of)? ${MONTH}\\.?(?:,? \\d{2,4})?|${MONTH}\\.? \\d{1,2}(?:st|nd|rd|th)?(?:,? \\d{2,4})?|${MONTH} \\d{4}|\\d{4})`;
const DATE_OF_BIRTH = new RegExp(
  `\\b((?:date of birth|d\\.?o\\.?b\\.?|born(?: on| in)?|birthday)(?:\\s*(?:is|was|:|-))?\\s*)${DATE_TEXT}`,
  'gi',
);
/** UK numbers: 01332 641414, (01332) 641414, 07700 900123, +44 7700 900123, 0800 1111 stays (a helpline is not personal). */
const PHONE = /(?<![\w/])(?:\+44[\s-]?\(?0?\)?[\s-]?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?![\w/])/g;
/** Other long numbers (NHS numbers, reference numbers): seven digits or more, spaces allowed. */
const LONG_NUMBER = /(?<![\w/.])\d(?:[ -]?\d){6,}(?![\w/])/g;
/** "12 High Street": a number, a capitalised name, a kind of road. */
const STREET = /\b\d{1,4}[a-zA-Z]? [A-Z][a-z]+(?: [A-Z][a-z]+)? (?:[Ss]treet|St|[Rr]oad|Rd|[Aa]venue|Ave|[Ll]ane|[Cc]lose|[Dd]rive|[Ww]ay|[Cc]rescent|[Cc]ourt|[Pp]lace|[Gg]ardens|[Gg]rove|[Tt]errace|[Ww]alk|[Rr]ow|[Ss]quare|[Hh]ill|[Vv]iew|[Mm]ews|[Pp]ark)\b/g;
const NAME_CUES = new RegExp(
  String.raw`\b((?:(?:my|our|his|her|their) (?:(?:${RELATIONS})(?:'s|s)? )?name(?:'s| is| was)|(?:is|was|are|am|i'm|im|he's|she's|they're) (?:called|named)|(?:${RELATIONS}) (?:called|named)|(?:mr|mrs|ms|miss|mx|dr|prof)\.?|dear|signed|from|regards,?|thanks,?|i'm|i am|this is)\s+)([A-Za-z][a-z'-]*)`,
  'gi',
);
const RELATION_THEN_WORD = new RegExp(String.raw`\b((?:my|our|his|her) (?:${RELATIONS}),? )([A-Za-z][a-z'-]+)`, 'gi');
const CAPITALISED = /(?<![\w'’-])[A-Z][a-z]+(?:[-'’][A-Z][a-z]+)*(?![\w-])/g;

export function createRedactor(options: RedactOptions = {}): Redactor {
  const known = new Set(KNOWN_TERMS);
  for (const term of options.knownTerms ?? []) {
    for (const word of term.toLowerCase().split(/[^a-z'’-]+/)) if (word) known.add(word.replace(/[’']s$/, ''));
  }
  const isKnown = (word: string) => known.has(word.toLowerCase().replace(/[’']s$/, ''));
  const dictionary = englishWords();
  const cueCapitalOnly = new Set(["i'm", 'i am', 'this is', 'from', 'thanks', 'thanks,', 'regards', 'regards,', 'signed']);

  return (input: string): string => {
    if (typeof input !== 'string' || input.length === 0) return '';
    let text = input;
    text = text.replace(URL, '[link]');
    text = text.replace(EMAIL, '[email]');
    text = text.replace(DATE_OF_BIRTH, (_whole, cue: string) => `${cue}[date of birth]`);
    text = text.replace(PHONE, (match) => (match.replace(/\D/g, '').length >= 10 ? '[phone]' : match));
    // Not "Y6 2nd": an ordinal is not the end of a postcode.
    text = text.replace(POSTCODE, (match) => (/\d(st|nd|rd|th)$/i.test(match) ? match : '[postcode]'));
    text = text.replace(STREET, '[address]');
    // Freephone and helpline numbers (0800…, 0808…, 116…) are not anyone's own.
    text = text.replace(LONG_NUMBER, (match) => (/^(08|116)/.test(match) ? match : '[number]'));

    // Words after a cue ("my son's name is…", "Mrs…"): a name, whatever its case, unless plainly not one.
    text = text.replace(NAME_CUES, (whole, cue: string, word: string) => {
      if (cueCapitalOnly.has(cue.trim().toLowerCase()) && !/^[A-Z]/.test(word)) return whole;
      return isKnown(word) ? whole : `${cue}[name]`;
    });
    // "my son Jaden", "my daughter jaden": capitalised, or not an English word.
    text = text.replace(RELATION_THEN_WORD, (whole, lead: string, word: string) => {
      if (isKnown(word)) return whole;
      if (/^[A-Z]/.test(word) || !dictionary.has(word.toLowerCase())) return `${lead}[name]`;
      return whole;
    });
    // Capitalised words that do not start a sentence and are not known terms.
    text = text.replace(CAPITALISED, (word: string, offset: number, whole: string) => {
      if (isKnown(word)) return word;
      const before = whole.slice(0, offset);
      const startsSentence = /(^|[.!?]["')\]]?\s+|\n\s*|^["'(\[]\s*)$/.test(before);
      if (!startsSentence) return '[name]';
      // At the start of a sentence only with "'s" after it ("Jaden's school…").
      return /^[’']s\b/.test(whole.slice(offset + word.length)) ? '[name]' : word;
    });
    // A first name starting a sentence before a surname: "Jaden [name] has…".
    text = text.replace(/(?<![\w'’-])([A-Z][a-z]+) \[name\]/g, (whole, word: string) => (isKnown(word) ? whole : '[name]'));
    // One marker for a run of names.
    text = text.replace(/\[name\](?:\s+\[name\])+/g, '[name]');
    return text;
  };
}

/** With the built-in known terms only. */
export const redact: Redactor = createRedactor();
