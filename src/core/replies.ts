import type { KnowledgeBase } from './knowledge/load';
import type { Tenant, Topic } from './knowledge/schema';
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
    // Deadline conversation (dialogs/deadlineDialog.ts): starts it, or answers one of its questions.
    | { kind: 'deadline' };
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
}

const SAFEGUARDING_NATIONAL =
  'If anyone is in danger right now, call 999.\n\n' +
  '- Childline (for children and young people): 0800 1111, free, any time\n' +
  '- Samaritans (for anyone): 116 123, free, any time';

/** National facts: true in every area of England. */
export const NATIONAL_CONTACTS = {
  emergency: '999',
  childline: '0800 1111',
  samaritans: '116 123',
  contactHelpline: '0808 808 3555',
};

export class ReplyComposer {
  constructor(private readonly knowledge: KnowledgeBase) {}

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
    const refs = topic.sources
      .map((ref) => ({ ref, doc: this.knowledge.documents.get(ref.document)! }))
      .filter(({ doc }) => doc !== undefined);
    const local = refs.filter(({ doc }) => !doc.tenant || doc.tenant === tenant.id);
    const lines = local.length > 0
      ? local.map(({ ref, doc }) => `${doc.title} (${doc.publisher}), "${ref.section}"`)
      : refs.slice(0, 1).map(({ ref, doc }) => `General guidance published by ${doc.publisher}: ${doc.title}, "${ref.section}"`);
    if (topic.codeOfPractice.length > 0) {
      lines.push(`SEND Code of Practice, paragraph${topic.codeOfPractice.length > 1 ? 's' : ''} ${topic.codeOfPractice.join(', ')}`);
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

  welcome(tenantId: string | undefined): Reply {
    const tenant = this.tenant(tenantId);
    const where = tenant.generic ? 'SEND services in England' : `${tenant.councilName}'s SEND service`;
    const text =
      `Hello. I'm an automated assistant for ${where}, not a person. ` +
      'I can explain what you can do if you disagree with a school, college or the council about ' +
      'special educational needs: talking to the school, complaints, mediation, appeals and deadlines.\n\n' +
      "I can't give legal advice or make decisions. If you need a person, just say so.\n\n" +
      'What would you like to ask?';
    return {
      text,
      sms: `Hello, this is an automated SEND assistant for ${tenant.areaName}, not a person. Ask about disagreements, complaints, mediation or appeals. Reply PERSON for an adviser.`,
      choices: this.starterChoices(),
      sources: [],
    };
  }

  topicChoice(id: string): Choice {
    const topic = this.topic(id);
    return { label: topic.question, short: topic.title, action: { kind: 'topic', topicId: id } };
  }

  starterChoices(): Choice[] {
    return ['first-steps', 'appeal-deadline', 'mediation-advice-certificate']
      .filter((id) => this.knowledge.topics.has(id))
      .map((id) => this.topicChoice(id));
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

  safeguarding(tenantId: string | undefined): Reply {
    const tenant = this.tenant(tenantId);
    const council = tenant.childrensServices
      ? `\n- ${tenant.childrensServices.name}: ${contactPhrase(tenant.childrensServices, '')}`
      : `\n- ${tenant.councilName}'s children's services, through the council's website or switchboard`;
    const text = `I'm worried by what you've said. Your safety, and the child's, comes first.\n\n${SAFEGUARDING_NATIONAL}${council}`;
    return {
      text,
      sms: 'If anyone is in danger now call 999. Childline 0800 1111. Samaritans 116 123 (free, any time).',
      choices: [],
      sources: [],
    };
  }
}
