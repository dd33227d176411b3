/**
 * One normaliser for everything the assistant reads: messages, knowledge patterns, examples and
 * interruption words. Output is lower-case words separated by single spaces, with SMS shorthand
 * expanded, common misspellings corrected and domain synonyms folded to one term each.
 */

/** Single words people type in texts, mapped to what they mean. */
const SHORTHAND: Record<string, string> = {
  u: 'you', ur: 'your', r: 'are', y: 'why', n: 'and', pls: 'please', plz: 'please', plse: 'please',
  thx: 'thanks', thnx: 'thanks', thanx: 'thanks', ty: 'thank you', tq: 'thank you', cheers: 'thanks',
  k: 'ok', kk: 'ok', okk: 'ok', okey: 'okay', okie: 'okay', oki: 'okay', okies: 'okay',
  hlo: 'hello', helo: 'hello', hllo: 'hello', hallo: 'hello',
  wot: 'what', wat: 'what', wht: 'what', whats: 'what is', wen: 'when', wer: 'where', hw: 'how',
  cud: 'could', cld: 'could', wud: 'would', shud: 'should', cn: 'can', dnt: 'dont', dont: 'do not',
  cant: 'can not', cannot: 'can not', wont: 'will not', didnt: 'did not', doesnt: 'does not',
  isnt: 'is not', havent: 'have not', hasnt: 'has not', wasnt: 'was not', werent: 'were not', arent: 'are not',
  couldnt: 'could not', wouldnt: 'would not', shouldnt: 'should not', aint: 'is not', im: 'i am', ive: 'i have', id: 'i would', ill: 'i will',
  theyre: 'they are', theyve: 'they have', hes: 'he is', shes: 'she is', its: 'it is', thats: 'that is',
  somebody: 'someone', some1: 'someone', sum1: 'someone', any1: 'anyone', every1: 'everyone', no1: 'no one',
  '2': 'to', '4': 'for', b4: 'before', abt: 'about', bout: 'about', ppl: 'people', msg: 'message',
  txt: 'text', tmrw: 'tomorrow', tmr: 'tomorrow', '2day': 'today', '2moro': 'tomorrow', yr: 'year', yrs: 'years',
  wk: 'week', wks: 'weeks', mth: 'month', mths: 'months', mnth: 'month', mnths: 'months', mo: 'month',
  info: 'information', appt: 'appointment', asap: 'as soon as possible', govt: 'government',
  mum: 'parent', mam: 'parent', mom: 'parent', dad: 'parent', mother: 'parent', father: 'parent',
  carer: 'parent', parents: 'parent', carers: 'parent', grandparent: 'parent', guardian: 'parent',
  son: 'child', daughter: 'child', sons: 'child', daughters: 'child', grandson: 'child', granddaughter: 'child',
  stepson: 'child', stepdaughter: 'child', nephew: 'child', niece: 'child', kid: 'child', kids: 'child', children: 'child', childs: 'child',
  dauter: 'child', dawter: 'child', daugter: 'child', daughte: 'child', daugther: 'child', dauther: 'child',
  duaghter: 'child', daugher: 'child', doughter: 'child', grandaughter: 'child', grandaughters: 'child', granddaughters: 'child', grandsons: 'child',
  ds: 'child', dd: 'child', boy: 'child', girl: 'child', lo: 'child', toddler: 'child',
  // frequent misspellings
  tribual: 'tribunal', tribunel: 'tribunal', tribunial: 'tribunal', tribunl: 'tribunal', tribunals: 'tribunal',
  appel: 'appeal', apeal: 'appeal', appea: 'appeal', apeals: 'appeal', appele: 'appeal', apeel: 'appeal', appeals: 'appeal', appealing: 'appeal', appealed: 'appeal',
  apel: 'appeal', apels: 'appeal', appeall: 'appeal', apealing: 'appeal', apelling: 'appeal', apealed: 'appeal', apelled: 'appeal',
  mediaton: 'mediation', meditation: 'mediation', mediaion: 'mediation', medation: 'mediation',
  certifcate: 'certificate', certficate: 'certificate', certificat: 'certificate', cert: 'certificate',
  certs: 'certificate', certificates: 'certificate',
  complant: 'complaint', complain: 'complaint', complaining: 'complaint',
  complaints: 'complaint', compliant: 'complaint',
  asessment: 'assessment', assesment: 'assessment', assessmnt: 'assessment', assesed: 'assessed',
  assesses: 'assess', asses: 'assess', assessments: 'assessment',
  asesment: 'assessment', assesement: 'assessment', asessmant: 'assessment', assesmant: 'assessment',
  excluded: 'exclusion', exclude: 'exclusion', excluding: 'exclusion', exclusions: 'exclusion',
  expelled: 'exclusion', expel: 'exclusion', suspended: 'exclusion', suspension: 'exclusion',
  deadlne: 'deadline', dedline: 'deadline', deadlines: 'deadline',
  schol: 'school', skool: 'school', scool: 'school', schools: 'school',
  councel: 'council', counsil: 'council', councils: 'council',
  recieved: 'received', recieve: 'receive', wich: 'which', becuase: 'because', becos: 'because',
  cos: 'because', coz: 'because', bc: 'because', definately: 'definitely', seperate: 'separate',
  advisor: 'adviser', advisers: 'adviser', advisors: 'adviser',
  organization: 'organisation', organisations: 'organisation', organizations: 'organisation',
  nurseries: 'nursery',
};

/**
 * Multi-word domain terms folded to one token. Longer phrases are applied first.
 * The folded token is what patterns and examples use after normalisation.
 */
const PHRASES: Array<[string, string]> = [
  ['education health and care needs assessment', 'ehcna'],
  ['education health care needs assessment', 'ehcna'],
  ['ehc needs assessment', 'ehcna'],
  ['ehcp needs assessment', 'ehcna'],
  ['needs assessment', 'ehcna'],
  ['statutory assessment', 'ehcna'],
  ['education health and care plan', 'ehcp'],
  ['education health care plan', 'ehcp'],
  ['education and health care plan', 'ehcp'],
  ['ehc plan', 'ehcp'],
  ['e h c p', 'ehcp'],
  ['send information advice and support service', 'sendiass'],
  ['special educational needs and disability information advice and support service', 'sendiass'],
  ['send information advice support service', 'sendiass'],
  ['information advice and support service', 'sendiass'],
  ['information advice and support', 'sendiass'],
  ['parent partnership', 'sendiass'],
  ['special educational needs coordinator', 'senco'],
  ['special educational needs co ordinator', 'senco'],
  ['sen coordinator', 'senco'],
  ['sen co ordinator', 'senco'],
  ['send coordinator', 'senco'],
  ['special educational needs and disability', 'send'],
  ['special educational needs and disabilities', 'send'],
  ['special educational needs', 'sen'],
  ['first tier tribunal', 'tribunal'],
  ['first-tier tribunal', 'tribunal'],
  ['send tribunal', 'tribunal'],
  ['sen tribunal', 'tribunal'],
  ['integrated care board', 'icb'],
  ['clinical commissioning group', 'icb'],
  ['health commissioners', 'icb'],
  ['health commissioner', 'icb'],
  ['local authority', 'council'],
  ['local authorities', 'council'],
  ['local education authority', 'council'],
  ['code of practice', 'cop'],
  ['local offer', 'localoffer'],
  ['disagreement resolution', 'dr'],
  ['dispute resolution', 'dr'],
  ['head teacher', 'headteacher'],
  ['head of year', 'headteacher'],
  ['the head', 'the headteacher'],
  ['social worker', 'socialworker'],
  ['social care', 'socialcare'],
  ['social services', 'socialcare'],
  ['annual review', 'annualreview'],
  ['sen support', 'sensupport'],
  ['phone number', 'phonenumber'],
  ['information and advice service', 'sendiass'],
  ['send information and advice', 'sendiass'],
  ['one to one', 'onetoone'],
  ['1 1', 'onetoone'],
  ['1 to 1', 'onetoone'],
  ['teaching assistant', 'teachingassistant'],
  ['learning support assistant', 'teachingassistant'],
  ['call back', 'callback'],
  ['ring back', 'callback'],
  ['real person', 'human'],
  ['real human', 'human'],
  ['actual person', 'human'],
  ['live person', 'human'],
  ['human being', 'human'],
];

const SINGLE_SYNONYMS: Record<string, string> = {
  ehcps: 'ehcp', ehc: 'ehcp', echp: 'ehcp', ehp: 'ehcp', ehcnas: 'ehcna',
  la: 'council', lea: 'council', las: 'council', sw: 'socialworker', yp: 'young person', lsa: 'teachingassistant',
  sendist: 'tribunal', ftt: 'tribunal', sendis: 'tribunal',
  ccg: 'icb', ccgs: 'icb', icbs: 'icb', nhs: 'icb',
  sendco: 'senco', sendcos: 'senco', sencos: 'senco',
  sendias: 'sendiass', iass: 'sendiass', ias: 'sendiass', iasservice: 'sendiass',
  headmaster: 'headteacher', headmistress: 'headteacher', principal: 'headteacher',
  compliments: 'compliment',
};

const PHRASE_LIST = [...PHRASES].sort((a, b) => b[0].split(' ').length - a[0].split(' ').length);

/**
 * Emoji and text faces that say something on their own, as the word they stand for: "👍" after an
 * answer is "ok", "😢" is "sad". Every other emoji is dropped with the rest of the punctuation.
 */
const EMOJI_WORDS: Array<[RegExp, string]> = [
  [/[\u{1F44D}\u{1F44C}\u{2705}\u{2714}\u{1F197}\u{1F64C}\u{1F44F}\u{1F642}\u{1F60A}\u{263A}\u{1F600}\u{1F603}\u{1F604}]/gu, ' ok '],
  [/[\u{1F64F}\u{2764}\u{1F495}\u{1F496}\u{1F497}\u{1F60D}\u{1F970}\u{1F499}\u{1F49C}\u{1F49A}\u{1F49B}\u{1F9E1}]/gu, ' thanks '],
  [/[\u{1F622}\u{1F62D}\u{1F61E}\u{1F614}\u{2639}\u{1F641}\u{1F61F}\u{1F625}\u{1F63F}\u{1F494}\u{1F629}\u{1F62B}\u{1F623}\u{1F616}\u{1F97A}\u{1F630}]/gu, ' sad '],
  [/[\u{1F621}\u{1F620}\u{1F92C}\u{1F624}]/gu, ' angry '],
  // :( :-( :'( and :) :-) written with punctuation, on their own or after a word
  [/(^|\s):'?-?\(+(?=\s|$)/g, '$1 sad '],
  [/(^|\s):-?\)+(?=\s|$)/g, '$1 ok '],
];

/**
 * Words that only say how someone feels ("this council is a f***ing joke"): dropped, so the rest
 * of the message is read for what it asks. Masked words ("f***", "sh*t") are dropped the same way.
 */
const SWEARING = new Set([
  'fuck', 'fucks', 'fucking', 'fuckin', 'fucked', 'fcking', 'fking', 'fkin', 'fkn', 'fck', 'fcuk', 'fcking', 'effing', 'frigging', 'friggin',
  'shit', 'shite', 'shitty', 'bullshit', 'crap', 'crappy', 'damn', 'dammit', 'bloody', 'wtf', 'ffs', 'omfg', 'arse', 'arsed',
]);
const MASKED = /^\p{L}*\*+\p{L}+\**$|^\p{L}*\*{2,}$|^\*+$/u;

function foldWords(text: string): string {
  let folded = text.normalize('NFKC');
  for (const [emoji, word] of EMOJI_WORDS) folded = folded.replace(emoji, word);
  // A run of the same face ("😭😭😭") says it once.
  folded = folded.replace(/ (ok|thanks|sad|angry) (?:[\s\u{FE0F}\u{200D}\u{1F3FB}-\u{1F3FF}]*\1 )+/gu, ' $1 ');
  return folded
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`']/g, '') // don't → dont, so apostrophes never split words
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}*]+/gu, ' ')
    .split(' ')
    .filter((word) => !SWEARING.has(word) && !MASKED.test(word))
    .join(' ')
    .trim();
}

const TIME_UNITS = new Set(['day', 'days', 'week', 'weeks', 'wk', 'wks', 'month', 'months', 'mth', 'mths', 'mnth', 'mnths', 'year', 'years', 'yr', 'yrs', 'working', 'pm', 'am']);

/**
 * "14yo", "13yrold", "14y/o" (read as "14y o"): an age, as "14 year old". "2yrs" is left alone:
 * it is as often how long as how old.
 */
const AGE_WORD = /^(\d{1,2})(?:yo|yro|yrold|yrsold|yearold|yearsold|y)$/;
const AGE_SUFFIX = new Set(['yo', 'yro']);

function expandShorthand(words: string[]): string[] {
  const out: string[] = [];
  words.forEach((word, i) => {
    const age = AGE_WORD.exec(word);
    const slashed = words[i + 1] === 'o'; // "14y/o", "14 y/o"
    if (age && (!word.endsWith('y') || slashed)) {
      out.push(age[1]!, 'year', 'old');
      return;
    }
    const afterNumber = /^\d{1,2}$/.test(words[i - 1] ?? '');
    if (afterNumber && (AGE_SUFFIX.has(word) || (word === 'y' && slashed))) {
      out.push('year', 'old');
      return;
    }
    // The "o" of "y/o" after an age already read.
    if (word === 'o' && /^(\d{1,2}y|y)$/.test(words[i - 1] ?? '') && /\d/.test((words[i - 1] === 'y' ? words[i - 2] : words[i - 1]) ?? '')) return;
    // "2 months" is a number; "want 2 appeal" is shorthand.
    const isNumber = /^\d+$/.test(word) && TIME_UNITS.has(words[i + 1] ?? '');
    const mapped = isNumber ? word : (SHORTHAND[word] ?? SINGLE_SYNONYMS[word] ?? word);
    out.push(...mapped.split(' '));
  });
  return out;
}

/** Phrases by their first word, longest first, so a message only tries phrases it could hold. */
const PHRASES_BY_FIRST_WORD = new Map<string, Array<{ words: string[]; token: string }>>();
for (const [phrase, token] of PHRASE_LIST) {
  const words = phrase.split(' ');
  const list = PHRASES_BY_FIRST_WORD.get(words[0]!) ?? [];
  list.push({ words, token });
  PHRASES_BY_FIRST_WORD.set(words[0]!, list);
}

function foldPhrases(words: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < words.length) {
    const phrase = PHRASES_BY_FIRST_WORD.get(words[i]!)?.find((p) => p.words.every((w, j) => words[i + j] === w));
    if (phrase) {
      out.push(...phrase.token.split(' '));
      i += phrase.words.length;
    } else {
      out.push(words[i]!);
      i++;
    }
  }
  return out;
}

const MAX_INPUT = 4000;

/** Reads a word the knowledge base does not use as the known word it was probably meant to be. */
export type SpellingCorrector = (word: string) => string;

/**
 * Returns the normalised words of a message. Never throws, whatever the input. Spelling is
 * corrected before phrases are folded, so "disagrement resolution" still becomes one term.
 */
export function normaliseWords(input: string, correct?: SpellingCorrector): string[] {
  if (typeof input !== 'string' || input.length === 0) return [];
  const bounded = input.length > MAX_INPUT ? input.slice(0, MAX_INPUT) : input;
  const words = foldWords(bounded).split(' ').filter(Boolean);
  // Phrases are folded twice: once on raw words ("ehc plan") and once after shorthand expansion.
  const expanded = expandShorthand(foldPhrases(words));
  return foldPhrases(correct ? expandShorthand(expanded.map(correct)) : expanded);
}

/** Every word a text can contribute, before and after phrase folding: the spelling vocabulary. */
export function vocabularyOf(text: string): string[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const words = foldWords(text).split(' ').filter(Boolean);
  return [...new Set([...expandShorthand(words), ...normaliseWords(text)])];
}

export function normalise(input: string): string {
  return normaliseWords(input).join(' ');
}
