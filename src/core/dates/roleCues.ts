/**
 * Word lists that say what a date in a message is about. They are general English cues, not phrases
 * from particular messages: an *entity* (what the date belongs to) and an *event* (what happened then).
 */
export type Entity = 'letter' | 'certificate' | 'request' | 'draft' | 'mediation' | 'other';
export type EventCue = 'dated' | 'created' | 'sent' | 'posted' | 'received' | 'declined' | 'pending' | 'occasion' | 'contact';

export interface CueHit<T> {
  cue: T;
  start: number;
  end: number;
}

export const ENTITY_CUES: ReadonlyArray<readonly [Entity, RegExp]> = [
  ['certificate', /\bcert(?:ificate)?s?\b/gi],
  ['draft', /\bdraft\b/gi],
  ['mediation', /\bmediat(?:ion|ors?)\b/gi],
  ['request', /\b(?:request(?:s|ed|ing)?|appl(?:y|ied|ication)|acknowledg\w*|asked\s+(?:the\s+council\s+)?for\s+(?:an?\s+|the\s+)?(?:ehc|assessment|needs))\b/gi],
  ['letter', /\b(?:letter|decision|notice|notification|(?:final|amended|finalised)\s+(?:amended\s+)?(?:ehc\s*plan|ehcp|plan))\b/gi],
  // The council refusing or turning down (not the family declining mediation).
  ['letter', /\b(?:refus(?:al|ed|es|ing|e)|turn(?:ed|s|ing)\s+(?:\w+\s+)?down)\b(?!\s+(?:to\s+(?:go\s+to\s+|have\s+|try\s+)?)?(?:the\s+)?mediation)/gi],
  ['letter', /\b(?:they|council|la|authority)\s+(?:have\s+|has\s+)?(?:said|say|says|saying)\s+no\b(?!\s+to\s+(?:the\s+)?mediation)/gi],
  ['letter', /\b(?:won'?t|will\s+not|not\s+to|decided\s+not\s+to|refus\w*\s+to|declined\s+to)\s+(?:assess|issue|carry\s+out|amend|make|do\s+an?)\b/gi],
  ['other', /\b(?:birthdays?|b'?day|born|meeting|appointment|appt|review|hearing|visit|holidays?|christmas|half[- ]term|term|exams?|operation|surgery|party|trip|clos(?:e|es|ed|ing|ure)|start(?:s|ed|ing)?|turn(?:s|ed|ing)?\s+\d+|met|panel)\b/gi],
];

export const EVENT_CUES: ReadonlyArray<readonly [EventCue, RegExp]> = [
  ['dated', /\b(?:dated|written|date\s+(?:on|of)\s+the\s+letter)\b/gi],
  // A letter's own "Date: 18 November 2026" (or "Date of letter:", "Letter date -"), "the date printed on it".
  ['dated', /\b(?:(?:letter\s+)?date(?:\s+of\s+(?:the\s+)?letter)?\s*(?::|[-–]\s)|date\s+(?:printed|at\s+the\s+top))/gi],
  // "a letter of 1 October", "the decision from the 3rd": the date belongs to the document.
  ['dated', /\b(?:letter|decision|notice|certificate)\s+(?:of|from)\b(?=\s+(?:the\s+)?(?:\d|(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)))/gi],
  ['created', /\b(?:issued?|signed|made|finali[sz]ed|sent\s+out|produced)\b/gi],
  ['sent', /\b(?:sent|send|emailed|e-mailed|submitted|submit|went\s+in|gone\s+in|put\s+in|uploaded|lodged|applied|online|(?:via|through|on)\s+(?:the|their|its)\s+(?:online\s+)?portal)\b/gi],
  ['posted', /\b(?:posted|by\s+post|recorded\s+delivery|first\s+class|second\s+class)\b/gi],
  ['received', /\b(?:received|receive[sd]?|arriv(?:ed|es|e)|came|come|got|gotten|landed|turned\s+up|delivered|through\s+the\s+door|acknowledg\w*|receipt|logged|reached)\b/gi],
  ['declined', /\b(?:declin\w*|refus\w*|turn(?:ed|ing)?\s+(?:it\s+)?down|opt(?:ed|ing)?\s+out|said\s+no|say\s+no|saying\s+no|no\s+to\s+(?:the\s+)?mediation|no\s+thanks|(?:don'?t|didn'?t|do\s+not|did\s+not|doesn'?t|does\s+not|not)\s+(?:want|wish)(?:ed)?|(?:won'?t|will\s+not|wouldn'?t|not)\s+(?:be\s+)?(?:do|doing|hav(?:e|ing)|go(?:ing)?\s+(?:to|ahead)|us(?:e|ing)|attend(?:ing)?|try(?:ing)?|tak(?:e|ing)\s+part|proceed(?:ing)?)\b|not\s+interested|not\s+to\s+(?:go\s+ahead|proceed|mediate|have\s+mediation|use\s+mediation|try\s+mediation)|told\s+[^.;]{0,40}?\bno\b)/gi],
  ['pending', /\b(?:will|going\s+to|booked|scheduled|due|expect\w*|on\s+(?:its|it's)\s+way|coming|upcoming|planned|arranged|hopefully|not\s+yet|hasn'?t|haven'?t|isn'?t)\b/gi],
  ['occasion', /\b(?:took\s+place|take\s+place|taking\s+place|held|happened|meeting|session|appointment|attended)\b/gi],
  ['contact', /\b(?:told|tell|phoned|rang|called|contacted|spoke|spoken|informed|messaged|texted|emailed|let\s+(?:\w+\s+){1,4}know)\b/gi],
];

/** The label in front of a date in a pasted letter: "Date: 18 November 2026", "Date of letter - 18/11/2026". */
export const DATE_LABEL_BEFORE = /(?:^|[\n,.;]|\b(?:carer|parent|sir|madam))\s*(?:letter\s+)?date(?:\s+of\s+(?:the\s+)?letter)?\s*(?::|[-–])\s*$/i;

/** A message that is (or holds) a pasted letter: "Dear Parent/Carer", "Yours sincerely". */
export const LETTER_TEXT = /\bdear\s+(?:parent|carer|mr|mrs|ms|miss|dr|sir|madam|family|\w+\s*[,\n])|\byours\s+(?:sincerely|faithfully)\b|\bour\s+ref(?:erence)?\b/i;

/** "the letter says it was received…": the letter reports the date; it is not what the date belongs to. */
export const REPORTER_AFTER = /^\s*(?:says|said|states|stated|confirms|confirmed|shows|showed|mentions|mentioned|told\s+me|tells\s+me)\b/i;

/** Clause boundaries: sentence ends, semicolons, commas, dashes and joining words. */
export const CLAUSE_BOUNDARY = /[.!?]+(?=\s|$)|[;\n,()]|\s[–—-]\s|\s(?:and|but|while|whereas|although|though|however|because|which|then|so)\s/gi;
export const SENTENCE_BOUNDARY = /[.!?]+(?=\s|$)|\n/g;

export function findCues<T>(text: string, cues: ReadonlyArray<readonly [T, RegExp]>): CueHit<T>[] {
  const hits: CueHit<T>[] = [];
  for (const [cue, pattern] of cues) {
    for (const m of text.matchAll(pattern)) hits.push({ cue, start: m.index, end: m.index + m[0].length });
  }
  return hits.sort((a, b) => a.start - b.start);
}
