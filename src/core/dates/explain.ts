/**
 * Plain-English messages for the deadline conversation, and the calendar file for a deadline.
 * Framework-free: the dialog (dialogs/deadlineDialog.ts) decides when to say what; this file
 * decides the words. Every message has a full form (Web Chat, Teams, read aloud) and an SMS form
 * that fits in 3 segments (480 characters) and uses only GSM-7 characters (no curly quotes or
 * dashes, which would halve an SMS segment). Local contacts come from the tenant, never from here.
 */
import type { Tenant } from '../knowledge/schema';
import { fillPlaceholders } from '../knowledge/render';
import type { Choice, Reply } from '../replies';
import { WEEKDAY_NAMES, addDays, daysBetween, formatLong, formatShort, isAfter, weekday, type IsoDate } from './calendarDate';
import type { DeadlineKind, DeadlineResult, FactName } from './deadlines';

/** A reply of the deadline conversation: may carry a calendar file, and may say its own SMS answers. */
export interface DeadlineReply extends Reply {
  /** On SMS the text already says what to reply ("Reply 1 if that's right, 2 to change it"): no numbered list. */
  smsChoicesInText?: boolean;
  /** Files for Web Chat and Teams; never sent by SMS. */
  files?: CalendarFile[];
  /**
   * Shorter SMS forms, each made of whole sentences of `sms`, in the order to try them: a text
   * message that would be too long is sent in the first form that fits, never cut mid-sentence.
   */
  smsShorter?: string[];
}

/** How a date given out of turn was taken: kept, changed (a self-correction), or taken back with none instead. */
export type Noted = 'kept' | 'changed' | 'dropped';

export interface CalendarFile {
  name: string;
  contentType: 'text/calendar';
  /** RFC 5545 text, CRLF line ends. */
  content: string;
}

/** The five deadlines, as the person chooses between them. */
export const KIND_LABELS: Record<DeadlineKind, string> = {
  appeal: 'Appeal to the SEND Tribunal',
  'assessment-decision': 'The council deciding whether to assess',
  'final-plan': 'The final EHC plan',
  'draft-plan-comments': 'Commenting on a draft plan',
  'certificate-if-declined': 'Getting a mediation certificate after saying no to mediation',
};

/** What an appeal is about. Only a school-only appeal may skip the mediation adviser. */
export const APPEAL_DECISIONS = [
  'not-to-assess', 'not-to-issue', 'contents', 'not-to-amend', 'cease', 'school-only', 'not-sure',
] as const;
export type AppealDecision = (typeof APPEAL_DECISIONS)[number];

export const DECISION_LABELS: Record<AppealDecision, string> = {
  'not-to-assess': 'Not to assess',
  'not-to-issue': 'Not to issue a plan',
  contents: 'What the plan says',
  'not-to-amend': 'Not to change the plan',
  cease: 'To stop the plan',
  'school-only': 'Only the school named',
  'not-sure': "I'm not sure",
};

export const YES_LABEL = 'Yes';
export const CHANGE_LABEL = 'No, change it';
export const NO_CERTIFICATE_LABEL = "I don't have one yet";
export const NONE_OF_THESE_LABEL = 'None of these';
const SMS_CONFIRM = "Reply 1 if that's right, 2 to change it.";

/** Choices inside the deadline conversation: the dialog reads the answer itself. */
function inDialog(labels: readonly string[]): Choice[] {
  return labels.map((label) => ({ label, action: { kind: 'deadline' } }));
}

function plain(text: string, sms = text, choices: Choice[] = []): DeadlineReply {
  return { text, sms, choices, sources: [] };
}

const ASK_DATE: Record<FactName, string> = {
  decision_letter_date: 'What date is printed on the decision letter?',
  certificate_date: 'What date was the mediation certificate issued? It is printed on the certificate.',
  request_date:
    "What day did the council receive your request for an EHC needs assessment? If you emailed it or used the council's website, it is the day you sent it.",
  draft_served_date: 'What day was the draft EHC plan sent to you?',
  declined_date: 'What day did you tell the mediation adviser that you did not want mediation?',
};

/** "…the letter was dated Friday 2 January 2026." */
const SAID: Record<FactName, (day: string) => string> = {
  decision_letter_date: (d) => `You said the letter was dated ${d}.`,
  certificate_date: (d) => `You said the mediation certificate was issued on ${d}.`,
  request_date: (d) => `You said the council received the request on ${d}.`,
  draft_served_date: (d) => `You said the draft plan was sent to you on ${d}.`,
  declined_date: (d) => `You said you told the mediation adviser on ${d} that you did not want mediation.`,
};

const FACT_WORDS: Record<FactName, string> = {
  decision_letter_date: 'the date on the decision letter',
  certificate_date: 'the date the certificate was issued',
  request_date: 'the day the council received your request',
  draft_served_date: 'the day the draft plan was sent to you',
  declined_date: 'the day you said no to mediation',
};

const WHERE_TO_FIND: Record<FactName, string> = {
  decision_letter_date:
    'The date is printed near the top of the decision letter. It is not the day the letter arrived.',
  certificate_date: 'The date it was issued is printed on the mediation certificate. The mediation adviser can tell you too.',
  request_date:
    "If you emailed the request or used the council's website, it is the day you sent it. If you posted it, ask the council's SEN team what day they received it.",
  draft_served_date: 'It is the day the council sent you the draft plan. Look at the date on the email it came with.',
  declined_date: 'It is the day you told the mediation adviser you did not want mediation. Your emails or calls may show it.',
};

/** Said when a reply gave a date instead of answering: the date is kept, and read back in its turn. */
const NOTED: Record<Noted, string> = {
  kept: "Thanks, I've kept that date and will check it with you. ",
  changed: "Thanks, I've changed that date and will check it with you. ",
  dropped: "OK, I won't use that date. I'll ask you for the right one. ",
};

/** "With a mediation certificate issued on …": the changed date of a what-if. */
const WITH_DATE: Record<FactName, string> = {
  decision_letter_date: 'a decision letter dated',
  certificate_date: 'a mediation certificate issued on',
  request_date: 'the request received on',
  draft_served_date: 'the draft plan sent on',
  declined_date: 'mediation declined on',
};

/** What each decision means, in the words of knowledge/topics/appeal-what.yaml. */
const DECISION_MEANS: Record<Exclude<AppealDecision, 'not-sure'>, string> = {
  'not-to-assess': 'the council decided not to carry out an EHC needs assessment or reassessment.',
  'not-to-issue': 'the council decided not to issue an EHC plan after an assessment.',
  contents: "you disagree with what is in the plan: the description of your child's special educational needs, the special educational help (provision), or changes (amendments) to these parts.",
  'not-to-amend': 'the council decided not to change (amend) the plan after a review or reassessment.',
  cease: 'the council decided to stop (cease to maintain) the plan.',
  'school-only': 'your appeal is only about the school or college named, the type of school, or that no school is named.',
};
const DECISION_MEANS_SMS: Record<Exclude<AppealDecision, 'not-sure'>, string> = {
  'not-to-assess': 'the council refuses to assess or reassess.',
  'not-to-issue': 'after an assessment, the council refuses to issue a plan.',
  contents: 'the needs or help written in the plan.',
  'not-to-amend': 'the council refuses to amend the plan.',
  cease: 'the council decides to stop the plan.',
  'school-only': 'only the school named in the plan.',
};

/** What each deadline is, as the rules in DEADLINES.md (and the deadline replies) put it. */
const KIND_MEANS: Record<DeadlineKind, string> = {
  appeal: "the last day for your appeal to reach the SEND Tribunal, if you disagree with the council's decision.",
  'assessment-decision': 'the council must tell you within 6 weeks of receiving your request whether it will carry out an EHC needs assessment.',
  'final-plan': 'the council must issue the final EHC plan within 20 weeks of receiving your request for an assessment.',
  'draft-plan-comments': 'you have 15 days from the day the draft plan was sent to you to comment and to say which school or college you want.',
  'certificate-if-declined': 'after you tell the mediation adviser you do not want mediation, they must issue your certificate within 3 working days.',
};
const KIND_MEANS_SMS: Record<DeadlineKind, string> = {
  appeal: 'last day to appeal a council decision.',
  'assessment-decision': 'council must decide within 6 weeks of your request whether to assess.',
  'final-plan': 'final plan due within 20 weeks of your request.',
  'draft-plan-comments': '15 days to comment on a draft plan.',
  'certificate-if-declined': 'certificate due 3 working days after you say no to mediation.',
};

export const deadlineMessages = {
  whichDeadline(retry = false, noted?: Noted | boolean): DeadlineReply {
    const ask = 'Which deadline shall I work out?';
    const lead = noted ? NOTED[noted === true ? 'kept' : noted] : retry ? 'Sorry, I did not understand. ' : '';
    return plain(
      retry || noted ? `${lead}${ask} Choose one of these.` : ask,
      `${lead}${ask}`,
      inDialog(Object.values(KIND_LABELS)),
    );
  },

  whichDecision(retry = false, noted?: Noted | boolean): DeadlineReply {
    const ask = 'Which decision are you appealing against?';
    const lead = noted ? NOTED[noted === true ? 'kept' : noted] : retry ? 'Sorry, I did not understand. ' : '';
    return plain(
      retry || noted ? `${lead}${ask} Choose one of these.` : ask,
      `${lead}${ask}`,
      inDialog(APPEAL_DECISIONS.map((d) => DECISION_LABELS[d])),
    );
  },

  /** "18 December 2025 was a Thursday, not a Friday. Which date do you mean?" (the dates are the choices). */
  weekdayClashQuestion(date: IsoDate, named: number, hasAlternatives: boolean, today?: IsoDate): string {
    const tense = today !== undefined && isAfter(date, today) ? 'is' : 'was';
    const clash = `${formatShort(date)} ${tense} a ${WEEKDAY_NAMES[weekday(date)]}, not a ${WEEKDAY_NAMES[named]}.`;
    return hasAlternatives ? `${clash} Which date do you mean?` : `${clash} Which date do you mean? If it is not this one, type the date.`;
  },

  /** The read-back of a what-if's date: "You asked about a mediation certificate issued on …. Is that right?" */
  whatIfReadBack(fact: FactName, date: IsoDate): string {
    return `You asked about ${WITH_DATE[fact]} ${formatLong(date)}. Is that right?`;
  },

  askDate(fact: FactName, how: 'first' | 'retry' | 'change' = 'first'): DeadlineReply {
    const lead = how === 'retry' ? 'Sorry, I could not find a date in that. ' : how === 'change' ? 'OK. ' : '';
    const example = 'You can type it like 2 January 2026. If you do not know it, say "I don\'t know".';
    return plain(`${lead}${ASK_DATE[fact]} ${example}`, `${lead}${ASK_DATE[fact]} For example: 2 January 2026.`);
  },

  /** A question that `assignRoles` raised, asked as it is ("The letter came on … What date is printed on it?"). */
  askAgain(question: string, retry = false): DeadlineReply {
    const text = retry ? `Sorry, I did not understand. ${question}` : question;
    return plain(text);
  },

  askCertificate(retry = false): DeadlineReply {
    const ask = 'Do you have a mediation certificate? If so, what date was it issued?';
    const lead = retry ? 'Sorry, I did not understand. ' : '';
    return {
      ...plain(`${lead}${ask}`, `${lead}${ask} If you don't have one yet, reply 1.`, inDialog([NO_CERTIFICATE_LABEL])),
      smsChoicesInText: true,
    };
  },

  pickDate(question: string, dates: IsoDate[], retry = false): DeadlineReply {
    const lead = retry ? 'Sorry, I did not understand. ' : '';
    return plain(`${lead}${question}`, `${lead}${question}`, inDialog([...dates.map(formatLong), NONE_OF_THESE_LABEL]));
  },

  /** After "yes, the council told me the date it received my posted request". */
  ackDateQuestion: 'What date did the council say it received your request?',

  /** When a reply holds several dates and none is clearly the one asked for. */
  whichDateQuestion(fact: FactName): string {
    return `Which of these is ${FACT_WORDS[fact]}?`;
  },

  /** The read-back: every date is confirmed before any deadline is given. */
  confirm(fact: FactName, date: IsoDate, question?: string, retry = false): DeadlineReply {
    const lead = retry ? 'Sorry, I did not understand. ' : '';
    const said = question ?? `${SAID[fact](formatLong(date))} Is that right?`;
    const smsSaid = question ?? SAID[fact](formatLong(date));
    return {
      ...plain(`${lead}${said}`, `${lead}${smsSaid} ${SMS_CONFIRM}`, inDialog([YES_LABEL, CHANGE_LABEL])),
      smsChoicesInText: true,
    };
  },

  /**
   * A question back at a read-back ("is that date right?"): it is not a yes. Where to find the date,
   * then the same read-back.
   */
  readBackQuestion(fact: FactName, date: IsoDate, question?: string): DeadlineReply {
    const lead = `I can only go by the date you give me, so please check it. ${WHERE_TO_FIND[fact]}`;
    const said = question ?? `${SAID[fact](formatLong(date))} Is that right?`;
    const smsSaid = question ?? SAID[fact](formatLong(date));
    return {
      ...plain(`${lead}\n\n${said}`, `Please check it: ${WHERE_TO_FIND[fact]} ${smsSaid} ${SMS_CONFIRM}`, inDialog([YES_LABEL, CHANGE_LABEL])),
      smsChoicesInText: true,
      smsShorter: [`Please check the date. ${smsSaid} ${SMS_CONFIRM}`],
    };
  },

  /**
   * A mediation meeting's date given for the certificate's. The mediator issues the certificate
   * after the meeting (the councils' documents: "When the meeting has finished the mediator issues
   * you with a certificate within 3 working days"). A meeting still to come means no certificate yet.
   */
  meetingNotCertificate(toCome: boolean): DeadlineReply {
    const what = 'A mediation meeting is not a mediation certificate. When the meeting has finished, the mediator issues you with a certificate within 3 working days.';
    const text = toCome
      ? `${what} So you do not have a certificate yet, and I will work out your deadline without one.`
      : `That sounds like the date of the mediation meeting. ${what}`;
    const sms = toCome
      ? 'A mediation meeting is not a certificate. The mediator issues the certificate within 3 working days after the meeting. So for now I will work it out without one.'
      : 'That sounds like the mediation meeting. The mediator issues the certificate within 3 working days after the meeting.';
    return plain(text, sms);
  },

  /** A certificate dated before the decision letter cannot be right: asked again, never used. */
  certificateBeforeLetter(certificate: IsoDate, letter: IsoDate): DeadlineReply {
    const text =
      `A mediation certificate comes after the council's decision, so it cannot be dated before the decision letter. ` +
      `You said the certificate was issued on ${formatLong(certificate)}, and the letter was dated ${formatLong(letter)}. ` +
      'Please check the date printed on the certificate and type it. If you do not have a certificate yet, say so.';
    const sms =
      `A mediation certificate comes after the decision, so it cannot be dated ${formatShort(certificate)}, before the letter (${formatShort(letter)}). ` +
      "Please check the certificate and text its date. If you don't have one yet, reply 1.";
    return { ...plain(text, sms, inDialog([NO_CERTIFICATE_LABEL])), smsChoicesInText: true };
  },

  /**
   * "What if the certificate comes on 20 Jan?" at the certificate question: there is no certificate
   * yet, so the deadline without one comes first; the date asked about is read back after it.
   */
  certificateWhatIfFirst: plain(
    "You don't have the certificate yet, so first here is your deadline without one. Then I'll work it out with the certificate date you asked about.",
    "No certificate yet, so first your deadline without one, then with the date you asked about.",
  ),

  /** Before the read-back of the date asked about at the certificate question. */
  nowYourQuestion: 'Now your question.',

  /** What the choices at "Which decision are you appealing against?" mean (knowledge/topics/appeal-what.yaml). */
  decisionsExplained(only?: AppealDecision): DeadlineReply {
    const named = only && only !== 'not-sure' ? [only] : APPEAL_DECISIONS.filter((d) => d !== 'not-sure');
    const text = named.map((d) => `- ${DECISION_LABELS[d]}: ${DECISION_MEANS[d]}`).join('\n');
    const sms = named.map((d) => `${DECISION_LABELS[d]}: ${DECISION_MEANS_SMS[d]}`).join(' ');
    const lead = named.length === 1 ? '' : 'Your decision letter says what the council decided. The choices mean:\n';
    const smsLead = named.length === 1 ? '' : 'The choices mean: ';
    const unsure = named.length === 1 ? '' : `\n- ${DECISION_LABELS['not-sure']}: I can still work out the date.`;
    return plain(`${lead}${text}${unsure}`, `${smsLead}${sms}`);
  },

  /** What the choices at "Which deadline shall I work out?" mean. */
  kindsExplained(): DeadlineReply {
    const kinds = Object.keys(KIND_LABELS) as DeadlineKind[];
    return plain(
      `The choices mean:\n${kinds.map((k) => `- ${KIND_LABELS[k]}: ${KIND_MEANS[k]}`).join('\n')}`,
      `The choices mean: ${kinds.map((k, i) => `${i + 1} ${KIND_MEANS_SMS[k]}`).join(' ')}`,
    );
  },

  futureDate(fact: FactName, date: IsoDate): DeadlineReply {
    const text = `${formatLong(date)} is in the future, so it cannot be ${FACT_WORDS[fact]}. Please check and type the date again.`;
    return plain(text);
  },

  /** "I don't know the date": where to find it, an offer to carry on, and SENDIASS. Never a guess. */
  dontKnow(fact: FactName, tenant: Tenant): DeadlineReply {
    const where = WHERE_TO_FIND[fact];
    const text =
      `That's OK. ${where}\n\n` +
      "I won't guess the date, because a wrong date could mean a missed deadline. When you have it, type it here and I'll carry on.\n\n" +
      'If you need help, contact {{sendiass}} {{sendiass.contact}}. It is free.';
    const sms = `That's OK. ${where} I won't guess it. When you have it, text the date and I'll carry on. Free help: {{sendiass}} {{sendiass.contact}}`;
    return plain(fill(text, tenant), fill(sms, tenant));
  },

  /** After a second "I don't know": stop, and say how to come back. */
  comeBackLater(tenant: Tenant): DeadlineReply {
    const text =
      'No problem. When you have the date, ask me to work out your deadline and we can carry on. ' +
      'For free help, contact {{sendiass}} {{sendiass.contact}}.';
    return plain(fill(text, tenant));
  },

  /** After repeated replies it cannot read: a person, not another guess. */
  offerPerson(tenant: Tenant): DeadlineReply {
    const text =
      "Sorry, I'm still not sure what you mean, and I don't want to get your dates wrong. " +
      'A person can help you work out your deadline: contact {{sendiass}} {{sendiass.contact}}. ' +
      'It is free, impartial and confidential.';
    const choices: Choice[] = [{ label: 'Talk to a person', action: { kind: 'person' } }];
    return plain(fill(text, tenant), fill(text, tenant), choices);
  },

  calendarNote(file: CalendarFile): DeadlineReply {
    return { ...plain('You can save this date in your calendar. Open the file below to add it.'), files: [file] };
  },
};

function fill(text: string, tenant: Tenant): string {
  return fillPlaceholders(text, tenant).trim();
}

export interface ExplainContext {
  today: IsoDate;
  tenant: Tenant;
  /** For appeals: what the appeal is about (decides the mediation step). */
  decision?: AppealDecision;
  /** A what-if: the date that was changed, said first ("With a mediation certificate issued on …, your …"). */
  whatIf?: { fact: FactName; date: IsoDate };
  /** For appeals: mediation is arranged but has not happened, so there is no certificate yet. */
  mediationArranged?: boolean;
}

/** "That is 20 days from today." */
function whenFromToday(due: IsoDate, today: IsoDate): string {
  const days = daysBetween(today, due);
  if (days < 0) return 'That date has passed.';
  if (days === 0) return 'That is today.';
  if (days === 1) return 'That is tomorrow.';
  return `That is ${days} days from today.`;
}

const SOURCES: Record<DeadlineKind, string[]> = {
  appeal: [
    'The Tribunal Procedure (First-tier Tribunal) (Health, Education and Social Care Chamber) Rules 2008, rules 12 and 20',
    'SEND Code of Practice, chapter 11 (mediation and appeals)',
  ],
  'assessment-decision': [
    'The Special Educational Needs and Disability Regulations 2014, regulations 4 and 5',
    'SEND Code of Practice, chapter 9 (EHC needs assessments and plans)',
  ],
  'final-plan': [
    'The Special Educational Needs and Disability Regulations 2014, regulation 13',
    'SEND Code of Practice, chapter 9 (EHC needs assessments and plans)',
  ],
  'draft-plan-comments': [
    'The Special Educational Needs and Disability Regulations 2014, regulation 13',
    'SEND Code of Practice, chapter 9 (EHC needs assessments and plans)',
  ],
  'certificate-if-declined': [
    'The Special Educational Needs and Disability Regulations 2014, regulation 34',
    'Children and Families Act 2014, section 55',
    'SEND Code of Practice, chapter 11 (mediation and appeals)',
  ],
};

function headline(result: DeadlineResult): string {
  const due = formatLong(result.due);
  switch (result.kind) {
    case 'appeal':
      return `Your appeal deadline is ${due}. The Tribunal must receive your appeal by 5pm on that day.`;
    case 'assessment-decision':
      return `The council must tell you by ${due} whether it will carry out an EHC needs assessment.`;
    case 'final-plan':
      return `The council must send you the final EHC plan by ${due}.`;
    case 'draft-plan-comments':
      return `Your last day to comment on the draft plan is ${due}. By then, send the council your comments and say which school or college you want named.`;
    case 'certificate-if-declined':
      return `The mediation adviser must send you your mediation certificate by ${due}.`;
  }
}

function mediationStep(result: DeadlineResult, decision: AppealDecision | undefined, today: IsoDate, arranged = false): { text: string; sms: string } {
  const contact = 'Contact {{mediation}} {{mediation.contact}}.';
  if (decision === 'school-only') {
    const text = 'Your appeal is only about the school or college named in the plan, so you do not need to contact a mediation adviser first.';
    return { text, sms: text };
  }
  if (result.facts.certificate_date && isAfter(result.facts.certificate_date, today)) {
    const text = 'When you have your mediation certificate, you can send your appeal.';
    return { text, sms: text };
  }
  if (result.facts.certificate_date) {
    const text = 'You have your mediation certificate, so you can send your appeal now.';
    return { text, sms: text };
  }
  const later = 'If you get a certificate later, your deadline may move later: ask me again then.';
  if (arranged) {
    return {
      // The note before the deadline has said when the mediator issues the certificate: not said twice.
      text: 'When you get the certificate, your deadline may move later: ask me again with the date it was issued.',
      sms: 'When you get the certificate, your deadline may move later: ask me again then.',
    };
  }
  if (decision === 'not-sure' || decision === undefined) {
    return {
      text:
        'If your appeal is only about the school or college named in the plan, you do not need mediation advice first. ' +
        'For any other appeal, you must contact the mediation adviser before you appeal, within 2 months of the date on the decision letter. ' +
        `${contact} ${later}`,
      sms: `Unless it is only about the school named, contact the mediation adviser first, within 2 months of the letter date. ${contact}`,
    };
  }
  return {
    text:
      'Before you can appeal, you must contact the mediation adviser to get a mediation certificate. ' +
      `Do this within 2 months of the date on the decision letter. ${contact} ${later}`,
    sms: `First contact the mediation adviser for a certificate, within 2 months of the letter date. ${contact}`,
  };
}

function nextSteps(result: DeadlineResult, ctx: ExplainContext): { text: string; sms: string; smsShorter?: string[] } {
  const passed = daysBetween(ctx.today, result.due) < 0;
  const help = 'For free, impartial help, contact {{sendiass}} {{sendiass.contact}}.';
  const smsHelp = 'Free help: {{sendiass}} {{sendiass.contact}}';
  const act = 'Do not leave it to the last few days. Give yourself time to fill in the forms and send them.';
  switch (result.kind) {
    case 'appeal': {
      // Once the deadline has gone, "within 2 months" is no longer something to do: say so plainly.
      const mediation = passed && !result.facts.certificate_date && ctx.decision !== 'school-only'
        ? {
          text: 'You would normally need a mediation certificate before appealing. If you have not had mediation advice, say so when you ask the Tribunal.',
          sms: 'No mediation certificate? Say so when you ask the Tribunal.',
        }
        : mediationStep(result, ctx.decision, ctx.today, ctx.mediationArranged);
      const late = 'If you have missed it, you can still ask the Tribunal to accept your appeal. Say why it is late, and get advice straight away.';
      return {
        text: [mediation.text, passed ? late : act, help].join('\n\n'),
        sms: [mediation.sms, passed ? 'Missed it? You can still ask the Tribunal to accept it late.' : "Don't wait until the last days.", smsHelp].join(' '),
        smsShorter: passed ? [] : [[mediation.sms, smsHelp].join(' ')],
      };
    }
    case 'assessment-decision':
    case 'final-plan': {
      const what = result.kind === 'final-plan' ? 'the final plan' : 'their decision';
      const chase = `If you have not had ${what} by then, contact {{senTeam}} {{senTeam.contact}}.`;
      const exceptions = 'In a few cases, such as long school closures, the law lets the council take longer.';
      return {
        text: [`${chase} ${exceptions}`, 'Keep a note of this date.', help].join('\n\n'),
        sms: [chase, smsHelp].join(' '),
      };
    }
    case 'draft-plan-comments':
      return {
        text: [
          passed
            ? 'If you have not sent your comments yet, send them now and ask the council to take them into account.'
            : 'Send your comments well before that day. You can ask for a meeting with the council to talk about the draft plan.',
          help,
        ].join('\n\n'),
        sms: [passed ? 'Not sent them yet? Send them now.' : 'Send them well before that day.', smsHelp].join(' '),
      };
    case 'certificate-if-declined':
      return {
        text: [
          'When you have it, you can appeal. Your appeal deadline is then 1 month from the date on the certificate, or 2 months from the decision letter if that is later. I can work it out for you then.',
          'If the certificate does not come, contact the mediation adviser.',
          help,
        ].join('\n\n'),
        sms: ['Then you can appeal: 1 month from the certificate date, or 2 months from the letter if later.', smsHelp].join(' '),
      };
  }
}

function resultChoices(kind: DeadlineKind): Choice[] {
  const person: Choice = { label: 'Talk to a person', action: { kind: 'person' } };
  return kind === 'appeal' || kind === 'certificate-if-declined'
    ? [{ label: 'How to appeal', action: { kind: 'topic', topicId: 'appeal-how' } }, person]
    : [person];
}

/**
 * The deadline, said once its dates are confirmed: the date with its weekday, the rule in one
 * sentence, the 5pm limit for appeals, what must happen by then, the mediation step, a nudge to act
 * early, and SENDIASS. Two messages, so each fits in an SMS.
 */
export function explainDeadline(result: DeadlineResult, ctx: ExplainContext): DeadlineReply[] {
  const when = whenFromToday(result.due, ctx.today);
  let said = headline(result);
  if (ctx.whatIf) said = `With ${WITH_DATE[ctx.whatIf.fact]} ${formatLong(ctx.whatIf.date)}, ${said.charAt(0).toLowerCase()}${said.slice(1)}`;
  // Shorter SMS forms drop whole sentences: first "That is N days from today", then the long form of the rule.
  const rules = [result.rule, ...(result.shortRule ? [result.shortRule] : [])];
  const smsForms = rules.flatMap((rule) => [`${said} ${when}\nWhy: ${rule}`, `${said}\nWhy: ${rule}`]);
  const first: DeadlineReply = {
    text: `${said} ${when}\n\nHow I worked it out: ${result.rule}`,
    sms: smsForms[0]!,
    smsShorter: smsForms.slice(1),
    choices: [],
    sources: SOURCES[result.kind],
  };
  const steps = nextSteps(result, ctx);
  const second: DeadlineReply = {
    text: fill(steps.text, ctx.tenant),
    sms: fill(steps.sms, ctx.tenant),
    smsShorter: (steps.smsShorter ?? []).map((sms) => fill(sms, ctx.tenant)),
    choices: resultChoices(result.kind),
    sources: [],
  };
  return [first, second];
}

// ---------------------------------------------------------------------------------------------
// Calendar file (RFC 5545): one all-day VEVENT, CRLF line ends, lines folded at 75 octets.

const SUMMARIES: Record<DeadlineKind, string> = {
  appeal: 'SEND Tribunal appeal deadline (by 5pm)',
  'assessment-decision': 'Council decision on EHC needs assessment due',
  'final-plan': 'Final EHC plan due from the council',
  'draft-plan-comments': 'Last day to comment on the draft EHC plan',
  'certificate-if-declined': 'Mediation certificate due',
};

/** A reminder this many days before, for deadlines the family must meet. */
const REMINDER_DAYS: Partial<Record<DeadlineKind, number>> = { appeal: 14, 'draft-plan-comments': 3 };

function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

const encoder = new TextEncoder();

/** Splits a content line into lines of at most 75 octets, never inside a character (RFC 5545 3.1). */
export function foldLine(line: string): string[] {
  const lines: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = encoder.encode(ch).length;
    const limit = lines.length === 0 ? 75 : 74; // continuation lines start with one space
    if (octets + size > limit) {
      lines.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  lines.push(current);
  return lines.map((l, i) => (i === 0 ? l : ` ${l}`));
}

const compact = (iso: IsoDate) => iso.replace(/-/g, '');

function utcStamp(instant: Date): string {
  return instant.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The deadline as an all-day calendar event; `now` gives DTSTAMP. */
export function calendarFile(result: DeadlineResult, now: Date, tenant: Tenant): CalendarFile {
  const factPart = Object.values(result.facts).map((v) => (v ? compact(v) : 'none')).join('-');
  const description = [
    headline(result),
    `How it was worked out: ${result.rule}`,
    fill('Free, impartial help: {{sendiass}} {{sendiass.contact}}.', tenant),
  ].join('\n');
  const event = [
    'BEGIN:VEVENT',
    `UID:${result.kind}-${compact(result.due)}-${factPart}@send-triage-assistant`,
    `DTSTAMP:${utcStamp(now)}`,
    `DTSTART;VALUE=DATE:${compact(result.due)}`,
    `DTEND;VALUE=DATE:${compact(addDays(result.due, 1))}`,
    `SUMMARY:${escapeText(SUMMARIES[result.kind])}`,
    `DESCRIPTION:${escapeText(description)}`,
    'TRANSP:TRANSPARENT',
  ];
  const reminder = REMINDER_DAYS[result.kind];
  if (reminder !== undefined) {
    event.push(
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      `DESCRIPTION:${escapeText(`${SUMMARIES[result.kind]}: ${formatLong(result.due)}`)}`,
      `TRIGGER:-P${reminder}D`,
      'END:VALARM',
    );
  }
  event.push('END:VEVENT');
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//SEND triage assistant//Deadlines//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    ...event,
    'END:VCALENDAR',
  ];
  return {
    name: `${result.kind}-deadline-${result.due}.ics`,
    contentType: 'text/calendar',
    content: `${lines.flatMap(foldLine).join('\r\n')}\r\n`,
  };
}
