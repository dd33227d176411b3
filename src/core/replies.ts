import type { KnowledgeBase } from './knowledge/load';
import type { FlowDecision, SourceRef, Tenant, Topic } from './knowledge/schema';
import { contactPhrase, fillPlaceholders } from './knowledge/render';

/** An option offered to the person; `action` says what choosing it does. */
export interface Choice {
  label: string;
  /** A few words for SMS, where every character counts. */
  short?: string;
  action:
    | { kind: 'topic'; topicId: string }
    | { kind: 'person' }
    | { kind: 'something-else' }
    // Deadline conversation (dialogs/deadlineDialog.ts): starts it (with the council decision when a
    // guided flow already knows it), or answers one of its questions.
    | { kind: 'deadline'; decision?: FlowDecision }
    // A guided flow (knowledge/flows, dialogs/flowDialog.ts): starts it.
    | { kind: 'flow'; flowId: string }
    // An answer to the question a dialog is asking (a flow step): that dialog reads it.
    | { kind: 'reply' }
    // "Did this help?"
    | { kind: 'feedback'; helpful: boolean };
}

/** One message, described once; channels decide how to show it. */
export interface Reply {
  /** The full text (light markdown: paragraphs, "- " bullets). */
  text: string;
  /** The plain-text form for SMS. */
  sms: string;
  choices: Choice[];
  /** Where the answer comes from, shown under it. */
  sources: string[];
  /** The same in a few words for SMS ("Source: SEND Code of Practice 11.45"), where it fits. */
  smsSource?: string;
}

const SAFEGUARDING_NATIONAL =
  'If anyone is in danger right now, call 999.\n\n' +
  '- Childline (for children and young people): 0800 1111, free, any time\n' +
  '- Samaritans (for anyone): 116 123, free, any time';

/** Who the assistant is talking to: families and young people (web chat, SMS), or council staff (Teams). */
export type Audience = 'public' | 'staff';

export interface SafeguardingOptions {
  audience?: Audience;
  /** The first message of the conversation: no welcome has said yet that this is not a person. */
  introduce?: boolean;
  /**
   * The message reads as written by a child or young person about themselves
   * (`writtenByYoungPerson`): the public reply speaks to them, not to a parent. Ignored for staff.
   */
  youngPerson?: boolean;
  /**
   * Who the risk is to, when it is the writer's own: `'self-adult'` is an adult (or someone whose age
   * is not said) writing about their own crisis or not feeling safe at home, with no child at risk
   * in it (`writtenAboutThemselves`): the public reply speaks to them, gently. `youngPerson` comes
   * first; ignored for staff.
   */
  writer?: 'self-adult';
}

const AUTOMATED_NOTE = "I'm an automated assistant, not a person.";
const AUTOMATED_NOTE_SMS = 'This is an automated assistant, not a person.';

/** "Derby City Council's", "your council's". */
function possessive(name: string): string {
  return /s$/i.test(name) ? `${name}'` : `${name}'s`;
}

/** National facts: true in every area of England. */
export const NATIONAL_CONTACTS = {
  emergency: '999',
  childline: '0800 1111',
  samaritans: '116 123',
  contactHelpline: '0808 808 3555',
};

export class ReplyComposer {
  constructor(readonly knowledge: KnowledgeBase) {}

  tenant(id: string | undefined): Tenant {
    const tenant = (id && this.knowledge.tenants.get(id)) || this.knowledge.tenants.get('generic');
    if (!tenant) throw new Error('no generic tenant in knowledge/tenants');
    return tenant;
  }

  topic(id: string): Topic {
    const topic = this.knowledge.topics.get(id);
    if (!topic) throw new Error(`unknown topic ${id}`);
    return topic;
  }

  /**
   * The council's own documents and national ones first; a topic that only another council's
   * document covers still cites it, saying whose it is, rather than citing nothing.
   */
  sourcesOf(topic: Topic, tenant: Tenant): string[] {
    return this.sourcesFor(topic.sources, topic.codeOfPractice, tenant);
  }

  /**
   * Where an answer comes from in a few words, for SMS: the Code of Practice paragraphs where there
   * are some (the same in every council), else the publisher of the council's own document.
   */
  smsSourceFor(sources: readonly SourceRef[], codeOfPractice: readonly string[], tenant: Tenant): string | undefined {
    if (codeOfPractice.length > 0) return `Source: SEND Code of Practice ${codeOfPractice.map((p) => p.replace('-', ' to ')).join(', ')}`;
    const docs = sources.map((ref) => this.knowledge.documents.get(ref.document)).filter((doc) => doc !== undefined);
    const doc = docs.find((d) => d.tenant === tenant.id) ?? docs[0];
    return doc ? `Source: ${doc.publisher}` : undefined;
  }

  /** The same, for any list of document references (a topic, a flow step or ending). */
  sourcesFor(sources: readonly SourceRef[], codeOfPractice: readonly string[], tenant: Tenant): string[] {
    const refs = sources
      .map((ref) => ({ ref, doc: this.knowledge.documents.get(ref.document)! }))
      .filter(({ doc }) => doc !== undefined);
    const local = refs.filter(({ doc }) => !doc.tenant || doc.tenant === tenant.id);
    const lines = local.length > 0
      ? local.map(({ ref, doc }) => `${doc.title} (${doc.publisher}), "${ref.section}"`)
      : refs.slice(0, 1).map(({ ref, doc }) => `General guidance published by ${doc.publisher}: ${doc.title}, "${ref.section}"`);
    if (codeOfPractice.length > 0) {
      const several = codeOfPractice.length > 1 || codeOfPractice.some((p) => p.includes('-'));
      const listed = codeOfPractice.map((p) => p.replace('-', ' to '));
      const text = listed.length > 1 ? `${listed.slice(0, -1).join(', ')} and ${listed[listed.length - 1]}` : listed[0];
      lines.push(`SEND Code of Practice, paragraph${several ? 's' : ''} ${text}`);
    }
    return [...new Set(lines)];
  }

  answer(topicId: string, tenantId: string | undefined): Reply {
    const tenant = this.tenant(tenantId);
    const topic = this.topic(topicId);
    const choices: Choice[] = topic.followUps.map((id) => this.topicChoice(id));
    return {
      text: fillPlaceholders(topic.answer, tenant).trim(),
      sms: fillPlaceholders(topic.sms, tenant).trim(),
      choices,
      sources: this.sourcesOf(topic, tenant),
      smsSource: this.smsSourceFor(topic.sources, topic.codeOfPractice, tenant),
    };
  }

  control(id: string, tenantId: string | undefined, choices: Choice[] = []): Reply {
    const tenant = this.tenant(tenantId);
    const control = this.knowledge.controls.get(id);
    if (!control) throw new Error(`unknown control ${id}`);
    return {
      text: fillPlaceholders(control.answer, tenant).trim(),
      sms: fillPlaceholders(control.sms, tenant).trim(),
      choices,
      sources: [],
    };
  }

  /**
   * The first message of every conversation: who this is (an automated assistant of the council,
   * not a person), what it can and cannot do, how to reach a person, and a short privacy line.
   */
  welcome(tenantId: string | undefined): Reply {
    const tenant = this.tenant(tenantId);
    const where = tenant.generic ? 'SEND services in England' : `${tenant.councilName}'s SEND service`;
    const privacy = tenant.privacyNoticeUrl ? ` How we use your information: ${tenant.privacyNoticeUrl}` : '';
    const text =
      `Hello. I'm an automated assistant for ${where}. I'm not a person.\n\n` +
      'I can explain your options if you disagree with a school, college or the council about support for ' +
      'special educational needs and disabilities (SEND): talking to the school, free advice, complaints, ' +
      'mediation, appeals and deadlines.\n\n' +
      "I can't give legal advice, make decisions or see your child's records. If you'd like a person, just say so.\n\n" +
      `Please don't type names or contact details.${privacy}\n\n` +
      'What would you like to ask?';
    const who = tenant.generic ? 'an automated SEND assistant' : `${tenant.councilName}'s automated SEND assistant`;
    const sms =
      `Hello, this is ${who}, not a person. I explain options if you disagree about SEND support. ` +
      `I can't give legal advice. Ask for a person any time. Please don't send names.` +
      (tenant.privacyNoticeUrl ? ` Privacy: ${tenant.privacyNoticeUrl}` : '') +
      ' Type your question, or:';
    return { text, sms, choices: this.starterChoices(), sources: [] };
  }

  /**
   * The welcome when someone's first message already asks something (SMS has no "conversation
   * started" event): no choices, so the answer that follows is the only list to reply to.
   */
  welcomeBeforeAnswer(tenantId: string | undefined): Reply {
    const welcome = this.welcome(tenantId);
    return {
      ...welcome,
      text: welcome.text.replace(/\n\nWhat would you like to ask\?$/, ''),
      sms: welcome.sms.replace(/ Type your question, or:$/, ''),
      choices: [],
    };
  }

  /** After a welcome without choices, a bare "hello" gets the choices. */
  starterPrompt(): Reply {
    return {
      text: 'You can type your question, or choose one of these:',
      sms: 'Type your question, or:',
      choices: this.starterChoices(),
      sources: [],
    };
  }

  topicChoice(id: string): Choice {
    const topic = this.topic(id);
    return { label: topic.question, short: topic.title, action: { kind: 'topic', topicId: id } };
  }

  /** A guided flow as a choice; `label` when it is offered under another answer. */
  flowChoice(id: string, label?: string): Choice {
    const flow = this.knowledge.flows.get(id);
    if (!flow) throw new Error(`unknown flow ${id}`);
    return label
      ? { label, short: label, action: { kind: 'flow', flowId: id } }
      : { label: flow.title, short: flow.short ?? flow.title, action: { kind: 'flow', flowId: id } };
  }

  /** "Help me work out what to do" (the starter flow, when there is one), then the commonest topics. */
  starterChoices(): Choice[] {
    const starter = [...this.knowledge.flows.values()].find((f) => f.starter);
    const topics = ['first-steps', 'appeal-deadline', 'mediation-advice-certificate']
      .filter((id) => this.knowledge.topics.has(id))
      .map((id) => this.topicChoice(id));
    return starter ? [this.flowChoice(starter.id), ...topics] : topics;
  }

  /** "Did this help?": two choices shown after an answer (a card on Web Chat and Teams, numbers on SMS). */
  feedbackChoices(): Choice[] {
    return [
      { label: 'Yes', short: 'Yes', action: { kind: 'feedback', helpful: true } },
      { label: 'No', short: 'No', action: { kind: 'feedback', helpful: false } },
    ];
  }

  /** The reply to "Did this help?". */
  feedbackThanks(helpful: boolean, tenantId: string | undefined): Reply {
    const tenant = this.tenant(tenantId);
    if (helpful) {
      const text = "Thank you. I'm glad it helped. You can ask me something else at any time.";
      return { text, sms: text, choices: [], sources: [] };
    }
    const how = contactPhrase(tenant.sendiass, `through ${tenant.councilName}'s website`);
    const text =
      "Thank you for telling me. I'm sorry it didn't help. You could ask in a different way, " +
      `or talk to a person: ${tenant.sendiass.name} ${how}.`;
    return {
      text,
      sms: `Thank you for telling me. Sorry it didn't help. Try asking another way, or contact ${tenant.sendiass.name} ${how}.`,
      choices: [{ label: 'Talk to a person', action: { kind: 'person' } }],
      sources: [],
    };
  }

  clarify(candidateIds: string[]): Reply {
    const choices: Choice[] = candidateIds.map((id) => ({ label: this.topic(id).title, action: { kind: 'topic', topicId: id } }));
    choices.push({ label: 'Something else', action: { kind: 'something-else' } });
    return {
      text: "I want to be sure I give you the right information. Which of these is closest to what you're asking?",
      sms: 'To be sure I give the right information, which is closest?',
      choices,
      sources: [],
    };
  }

  /**
   * After something urgent, the question asked alongside it, offered (not answered at once, so the
   * urgent help stays what is read): "You also asked about …", with the topic as a choice.
   */
  alsoAsked(topicId: string): Reply {
    const title = this.topic(topicId).title;
    // "What mediation is" → "what mediation is"; "SENDIASS free advice" keeps its capitals.
    const about = /^\p{Lu}\p{Ll}/u.test(title) ? title.charAt(0).toLowerCase() + title.slice(1) : title;
    return {
      text: `You also asked about ${about}. I can tell you about that whenever you're ready.`,
      sms: `You also asked about ${about}. I can tell you about it when you're ready.`,
      choices: [this.topicChoice(topicId)],
      sources: [],
    };
  }

  notUnderstood(): Reply {
    return {
      text:
        "Sorry, I'm not sure what you're asking. Could you say it another way? " +
        'For example: "How do I complain about my child\'s school?" or "How long do I have to appeal?"',
      sms: 'Sorry, I did not understand. Try another way, e.g. "how do I appeal?"',
      choices: [...this.starterChoices(), { label: 'Talk to a person', action: { kind: 'person' } }],
      sources: [],
    };
  }

  /** A number that is none of the choices just offered: the same choices again. */
  pickANumber(choices: Choice[]): Reply {
    return {
      text: `Please choose one of these (1 to ${choices.length}), or type your question.`,
      sms: `Please reply with a number from 1 to ${choices.length}, or type your question.`,
      choices,
      sources: [],
    };
  }

  /** After repeated misunderstanding, or when asked: how to reach a person (hand-off comes later). */
  person(tenantId: string | undefined, reason: 'asked' | 'not-understood'): Reply {
    const tenant = this.tenant(tenantId);
    const lead = reason === 'asked'
      ? 'You can talk to a person at'
      : "I'm sorry, I can't answer that with confidence. A person can help: contact";
    const how = contactPhrase(tenant.sendiass, `through ${tenant.councilName}'s website`);
    const text = `${lead} ${tenant.sendiass.name} ${how}. It is free, impartial and confidential.` +
      (tenant.sendiass.hours ? ` Opening hours: ${tenant.sendiass.hours}.` : '');
    return { text, sms: text, choices: [], sources: [] };
  }

  /**
   * The urgent reply to a disclosure, before anything else. For the public (web chat, SMS): 999,
   * Childline, Samaritans and the council's children's services. For council staff (Teams), who
   * are reporting a concern about a child rather than asking for help for themselves: 999, their
   * council's safeguarding procedure (designated safeguarding lead, children's services front door),
   * and that telling the assistant is not a referral. `introduce` (a first message, sent before any
   * welcome) adds that this is an automated assistant, after the urgent lines.
   */
  safeguarding(tenantId: string | undefined, options: SafeguardingOptions = {}): Reply {
    const tenant = this.tenant(tenantId);
    // Staff are told in the reply itself that the assistant is automated (and not a referral).
    if (options.audience === 'staff') return this.safeguardingForStaff(tenant);
    const reply = options.youngPerson
      ? this.safeguardingForYoungPerson(tenant)
      : options.writer === 'self-adult' ? this.safeguardingForWriter() : this.safeguardingForPublic(tenant);
    if (!options.introduce) return reply;
    return {
      ...reply,
      text: `${reply.text}

${AUTOMATED_NOTE}`,
      sms: `${reply.sms} ${AUTOMATED_NOTE_SMS}`,
    };
  }

  /** The council's children's services as a bullet: the tenant's contact, or where to find it. */
  private childrensServicesLine(tenant: Tenant): string {
    return tenant.childrensServices
      ? `\n- ${tenant.childrensServices.name}: ${contactPhrase(tenant.childrensServices, '')}`
      : `\n- ${tenant.councilName}'s children's services, through the council's website or switchboard`;
  }

  private safeguardingForPublic(tenant: Tenant): Reply {
    const text = `I'm worried by what you've said. Your safety, and the child's, comes first.\n\n${SAFEGUARDING_NATIONAL}${this.childrensServicesLine(tenant)}`;
    return {
      text,
      sms: 'If anyone is in danger now call 999. Childline 0800 1111. Samaritans 116 123 (free, any time).',
      choices: [],
      sources: [],
    };
  }

  /**
   * For a child or young person telling us about themselves: spoken to them, Childline first (free,
   * for anyone under 19), and a nudge to tell an adult they trust. Only national numbers and the
   * council's own children's services, as for every public reply.
   */
  private safeguardingForYoungPerson(tenant: Tenant): Reply {
    const { emergency, childline, samaritans } = NATIONAL_CONTACTS;
    const text =
      "I'm worried by what you've said. Your safety comes first, and you were right to say something.\n\n" +
      `If you are in danger right now, call ${emergency}.\n\n` +
      `- Childline: ${childline}. Free, any time, for anyone under 19. They will listen.\n` +
      `- Samaritans: ${samaritans}. Free, any time.` +
      this.childrensServicesLine(tenant) +
      '\n\nIf you can, tell an adult you trust too.';
    return {
      text,
      sms: `If you are in danger now call ${emergency}. Childline ${childline}: free for under-19s, any time. Samaritans ${samaritans}.`,
      choices: [],
      sources: [],
    };
  }

  /**
   * For an adult writing about their own crisis ("I can't cope anymore", "I just want it all to
   * stop", "I don't feel safe at home"): kind and short, 999 if they might hurt themselves or are in
   * danger, Samaritans (free, any time, for anyone), Childline in case they are under 19 (their age is
   * not known), and that a person will be asked for (the hand-off follows). No child is at risk in the
   * message, so no children's services line. One SMS segment, with the automated-assistant note too.
   */
  private safeguardingForWriter(): Reply {
    const { emergency, childline, samaritans } = NATIONAL_CONTACTS;
    const text =
      "That sounds really hard, and I'm sorry you're going through it. You don't have to deal with it on your own.\n\n" +
      `If you might hurt yourself, or you're in danger, call ${emergency} now.\n\n` +
      `- Samaritans: ${samaritans}. Free, any time, day or night. They will listen.\n` +
      `- If you're under 19, Childline: ${childline}. Free, any time.\n\n` +
      "I'll also ask for a person to talk to you.";
    return {
      text,
      // Childline too: "I don't feel safe at home" may come from someone under 19 who gave no age.
      sms: `That sounds so hard. If you might hurt yourself or are in danger, call ${emergency}. Samaritans ${samaritans}, free, any time. Under 19: Childline ${childline}.`,
      choices: [],
      sources: [],
    };
  }

  /**
   * One line after an answer to a message that told of harm to oneself as long past and over ("he
   * used to self-harm years ago but he's fine now"; `resolvedInThePast`): where to get help if things
   * change. Not the urgent block, and no hand-off. One SMS segment.
   */
  safeguardingIfThingsChange(tenantId: string | undefined, audience: Audience = 'public'): Reply {
    const tenant = this.tenant(tenantId);
    const { emergency, childline, samaritans } = NATIONAL_CONTACTS;
    if (audience === 'staff') {
      const text = `If there is ever a new concern, follow ${possessive(tenant.councilName)} safeguarding procedure, and call ${emergency} if anyone is in danger.`;
      return { text, sms: `If there is a new concern, follow your safeguarding procedure. In danger: ${emergency}.`, choices: [], sources: [] };
    }
    return {
      text:
        `If you're ever worried again that someone is at risk, call ${emergency} in an emergency. ` +
        `Childline (${childline}, for children and young people) and Samaritans (${samaritans}, for anyone) are free, any time.`,
      sms: `If you're ever worried again that someone is at risk: ${emergency} in an emergency. Childline ${childline}. Samaritans ${samaritans}.`,
      choices: [],
      sources: [],
    };
  }

  private safeguardingForStaff(tenant: Tenant): Reply {
    const { emergency, childline, samaritans } = NATIONAL_CONTACTS;
    const procedure = `${possessive(tenant.councilName)} safeguarding procedure`;
    // Where staff report a concern: the council's children's services, if its file gives them.
    const referral = tenant.childrensServices;
    const how = referral ? contactPhrase(referral, '') : '';
    const frontDoor = referral
      ? `${referral.name}${how ? ` ${how}` : ''}`
      : `${possessive(tenant.councilName)} children's services front door, as your procedure says`;
    const text =
      `This sounds like a safeguarding concern. Please follow ${procedure} now.\n\n` +
      `- If a child or anyone else is in danger right now, call ${emergency}.\n` +
      '- Tell your designated safeguarding lead straight away.\n' +
      `- If you can't reach them, contact ${frontDoor}.\n\n` +
      "I'm an automated assistant: telling me is not a referral, and I can't pass this on to children's services.\n\n" +
      `Free helplines, any time: Childline ${childline} (children and young people), Samaritans ${samaritans} (anyone, including you).`;
    const sms =
      `If anyone is in danger now call ${emergency}. Follow ${procedure}: tell your designated safeguarding lead now. ` +
      'Telling me is not a referral.';
    return { text, sms, choices: [], sources: [] };
  }

  /**
   * The short line for a message after a disclosure that is not a SEND question ("im scared",
   * "she's locked herself in"): 999 and the right crisis line, not the whole block again. A person
   * is offered after it (the hand-off). One SMS segment.
   */
  safeguardingFollowUp(tenantId: string | undefined, audience: Audience = 'public'): Reply {
    const tenant = this.tenant(tenantId);
    const { emergency, childline, samaritans } = NATIONAL_CONTACTS;
    if (audience === 'staff') {
      const text =
        `If anyone is in danger right now, call ${emergency}. Follow ${possessive(tenant.councilName)} safeguarding procedure: ` +
        "tell your designated safeguarding lead, or children's services. Telling me is not a referral.";
      return {
        text,
        sms: `If anyone is in danger now call ${emergency}. Tell your designated safeguarding lead now. Telling me is not a referral.`,
        choices: [],
        sources: [],
      };
    }
    return {
      text:
        `If you or anyone else is in danger right now, call ${emergency}.\n\n` +
        `Childline (for children and young people): ${childline}. Samaritans (for anyone): ${samaritans}. Both free, any time.`,
      sms: `If anyone is in danger now call ${emergency}. Childline ${childline}. Samaritans ${samaritans}. Free, any time.`,
      choices: [],
      sources: [],
    };
  }
}
