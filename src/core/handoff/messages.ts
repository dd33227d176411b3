/**
 * Everything the assistant says around a hand-off to a human adviser, as `Reply` objects: asking
 * to pass on the conversation, the queue, an adviser joining and their words, the assistant coming
 * back, and out of hours a call-back request. Written for a worried parent on a phone late at
 * night: short, warm, plain, and never promising what the service cannot do (no exact times, no
 * adviser when there is none). These are product words; every council fact (names, numbers,
 * hours) comes from the tenant.
 *
 * Choices are `{ kind: 'reply' }`: pressing one sends its label as the person's message, so the
 * dialog reads a press and a typed answer the same way. The labels are in {@link HANDOFF_LABELS}.
 */
import type { KnowledgeBase } from '../knowledge/load';
import type { Tenant } from '../knowledge/schema';
import { contactPhrase } from '../knowledge/render';
import { NATIONAL_CONTACTS, type Audience, type Choice, type Reply } from '../replies';
import type { CallbackField, CallbackProblem, ContactHint } from './callback';
import { describeAdviserHours, describeNextOpening, type AdviserAvailability } from './hours';
import type { HandoffReason } from './summary';
import { cleanLine, cleanMessage, escapeMarkdown, shorten } from './text';

/** The labels of the choices offered here; a dialog compares what the person sent with these. */
export const HANDOFF_LABELS = {
  consentYes: 'Yes, pass it on',
  consentNo: 'No, start afresh',
  leaveQueue: 'Leave queue',
  callback: 'Ask for a call-back',
  noCallback: 'No thanks',
  helpedYes: 'Yes, it helped',
  helpedNo: "No, it didn't",
  anyTime: 'Any time',
  storeYes: 'Yes, keep my details',
  storeNo: "No, don't keep them",
} as const;

/** What the person types to leave the queue (also the label of the choice that does it). */
export const LEAVE_QUEUE_WORDS = 'leave queue';

/** Two SMS segments, as for every other reply. */
export const HANDOFF_SMS_MAX = 320;

export type TenantRef = Tenant | string | undefined;

function choice(label: string, short?: string): Choice {
  return short ? { label, short, action: { kind: 'reply' } } : { label, action: { kind: 'reply' } };
}

/** At most {@link HANDOFF_SMS_MAX} UTF-16 units (what SMS limits count), cut at a word if need be. */
function fitSms(text: string): string {
  let max = HANDOFF_SMS_MAX;
  let out = shorten(text, max, true);
  while (out.length > HANDOFF_SMS_MAX && max > 10) {
    max -= 10;
    out = shorten(text, max, true);
  }
  return out;
}

/** The required parts, then as many optional parts (in order) as fit in an SMS. */
function composeSms(required: ReadonlyArray<string | undefined>, optional: ReadonlyArray<string | undefined> = []): string {
  let text = required.filter((p): p is string => !!p).join(' ');
  for (const part of optional) {
    if (!part) continue;
    const next = `${text} ${part}`;
    if (next.length <= HANDOFF_SMS_MAX) text = next;
  }
  return fitSms(text);
}

function reply(text: string, sms: string, choices: Choice[] = []): Reply {
  return { text, sms: fitSms(sms), choices, sources: [] };
}

/** A place in the queue as a whole number ≥ 1, or undefined when it is not a usable number. */
function place(position: unknown): number | undefined {
  return typeof position === 'number' && Number.isFinite(position) && position >= 1 ? Math.floor(position) : undefined;
}

/** "about 10 minutes"; a missing or odd wait text is said as not knowing. */
function waitWords(waitText: unknown): string | undefined {
  const text = shorten(cleanLine(waitText), 60, true);
  return text === '' ? undefined : text;
}

/** An adviser's name as shown to the person; "An adviser" when there is none. */
function adviserName(name: unknown): string | undefined {
  const text = shorten(cleanLine(name), 60, true);
  return text === '' ? undefined : text;
}

/** "Sam (adviser)", or the name as it is when it already says adviser ("Sam, SEND adviser"). */
function adviserLabel(name: unknown): string {
  const shown = adviserName(name);
  if (!shown) return 'Adviser';
  return /\badviser\b/i.test(shown) ? shown : `${shown} (adviser)`;
}

/**
 * Splits text into pieces of at most `max` UTF-16 units (what SMS counts), between words where it
 * can; a word longer than a piece is split between its characters, never inside an emoji.
 */
function splitWords(text: string, max: number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/u).filter(Boolean)) {
    const next = current ? `${current} ${word}` : word;
    if (next.length <= max) {
      current = next;
      continue;
    }
    if (current) pieces.push(current);
    current = '';
    for (const char of word) {
      if ((current + char).length > max) {
        pieces.push(current);
        current = '';
      }
      current += char;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

export class HandoffMessages {
  constructor(readonly knowledge: Pick<KnowledgeBase, 'tenants'>) {}

  /** The tenant itself, or the one with this id, or the generic tenant (as ReplyComposer finds it). */
  tenant(ref: TenantRef): Tenant {
    if (ref && typeof ref === 'object') return ref;
    const tenant = (ref && this.knowledge.tenants.get(ref)) || this.knowledge.tenants.get('generic');
    if (!tenant) throw new Error('no generic tenant in knowledge/tenants');
    return tenant;
  }

  /** How to reach the council's SENDIASS, with its hours when the council publishes them. */
  private sendiass(tenant: Tenant, also = false): { text: string; sms: string } {
    const s = tenant.sendiass;
    const how = contactPhrase(s, `through ${tenant.councilName}'s website`);
    const hours = s.hours ? ` (${s.hours})` : '';
    const lead = also ? 'You can also contact' : 'You can contact';
    return {
      text: `${lead} ${s.name} ${how}${hours}. Their advice is free, impartial and confidential.`,
      sms: `${lead} ${s.name} ${how}${hours}.`,
    };
  }

  /** Whether a call-back can honestly be offered: only where the council has advisers with set hours. */
  offersCallback(_ref: TenantRef): boolean {
    // Every council with the adviser desk takes call-backs: advisers see them in the console, also
    // where the council has published no chat hours.
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Before the hand-off

  /**
   * Asks whether what they typed so far may go to the adviser, so they need not say it again.
   * Families and young people (web chat, SMS) are told an adviser is free and confidential; council
   * staff in Teams (`audience: 'staff'`) that an adviser from the SEND service can join, and after
   * a safeguarding message that the adviser can't take a referral, so their own procedure still applies.
   */
  consentQuestion(reason: HandoffReason, options: { audience?: Audience } = {}): Reply {
    const lead =
      reason === 'safeguarding'
        ? "I'd like an adviser to talk with you as soon as possible."
        : reason === 'not-confident'
          ? "I'm not sure I can answer that well, and I don't want to guess. An adviser can help."
          : 'I can pass you to an adviser.';
    const staff = options?.audience === 'staff';
    const who = staff
      ? 'An adviser from the SEND service can join this chat.' +
        (reason === 'safeguarding' ? " They can't take a safeguarding referral, so please follow your council's safeguarding procedure as well." : '')
      : 'An adviser is a real person who knows about SEND support. Talking to them is free and confidential.';
    const text =
      `${lead} ${who}\n\n` +
      "Can I pass on what you've typed so far? Then you won't have to explain it all again.\n\n" +
      `If you choose "${HANDOFF_LABELS.consentNo}", the adviser won't see it, and you can tell them what you want to.`;
    const sms = staff
      ? `${lead} ${who} Can I pass on what you've typed so far, so you don't have to repeat it?`
      : `${lead} An adviser is a real person who knows about SEND. It's free and confidential. ` +
        "Can I pass on what you've typed so far, so you don't have to repeat it?";
    return reply(text, sms, [choice(HANDOFF_LABELS.consentYes, 'Yes'), choice(HANDOFF_LABELS.consentNo, 'No')]);
  }

  // -------------------------------------------------------------------------------------------
  // In the queue

  /**
   * Joined the queue: their place, a realistic wait, how to leave. With no adviser signed in it
   * says so, and offers a call-back instead of a wait it cannot estimate.
   */
  queued(position: number, waitText: string, advisersOnline: number, options: { noCalls?: boolean } = {}): Reply {
    const n = place(position);
    const where = n === undefined ? "You're in the queue to talk to an adviser." : n === 1 ? "You're next in the queue to talk to an adviser." : `You're number ${n} in the queue to talk to an adviser.`;
    const nobody = !(typeof advisersOnline === 'number' && advisersOnline >= 1);
    const wait = waitWords(waitText);
    const leave = `To leave the queue, type **${LEAVE_QUEUE_WORDS}**.`;
    const leaveSms = `To leave the queue, reply ${LEAVE_QUEUE_WORDS.toUpperCase()}.`;
    if (nobody && options?.noCalls) {
      // They have said a call is not safe: no call-back is offered, and writing here is fine.
      const honest = "No adviser is signed in at the moment, so I can't say how long you'll wait. You can keep writing here: an adviser will see it.";
      return reply(
        `${where}\n\n${honest}\n\n${leave}`,
        composeSms([where, "No adviser is signed in right now, so I can't say how long it will be. You can keep writing here."], [leaveSms]),
        [choice(HANDOFF_LABELS.leaveQueue)],
      );
    }
    if (nobody) {
      const honest =
        "No adviser is signed in at the moment, so I can't say how long you'll wait. " +
        'You can keep waiting, or leave the queue and ask for a call-back instead.';
      return reply(
        `${where}\n\n${honest}\n\n${leave}`,
        composeSms([where, "No adviser is signed in right now, so I can't say how long it will be. You can wait, or ask for a call-back instead."], [leaveSms]),
        [choice(HANDOFF_LABELS.leaveQueue), choice(HANDOFF_LABELS.callback, 'Call-back')],
      );
    }
    const waitLine = wait ? `The wait is likely to be ${wait}, but it can change.` : "I can't say exactly how long the wait will be.";
    const text = `${where} ${waitLine} I'll let you know how it's going.\n\nPlease keep this chat open so you don't miss the adviser.\n\n${leave}`;
    const sms = composeSms([where, waitLine], ["The adviser's replies will come here.", leaveSms]);
    return reply(text, sms, [choice(HANDOFF_LABELS.leaveQueue)]);
  }

  /** Still waiting: the new place and wait (which can go up when an urgent conversation goes first). */
  queueUpdate(position: number, waitText: string): Reply {
    const n = place(position);
    const where = n === undefined ? "You're still in the queue." : n === 1 ? "You're now next in the queue." : `You're now number ${n} in the queue.`;
    const wait = waitWords(waitText);
    const waitLine = wait ? ` The wait is likely to be ${wait}.` : '';
    const text = `${where}${waitLine} Thank you for waiting.`;
    return reply(text, composeSms([`${where}${waitLine}`], ['Thank you for waiting.', `To leave, reply ${LEAVE_QUEUE_WORDS.toUpperCase()}.`]), [choice(HANDOFF_LABELS.leaveQueue)]);
  }

  /**
   * The person wrote while waiting and no adviser has joined yet: it has gone to the advisers, and
   * where they stand (src/core/handoff/queueNotice.ts says when to say it). One SMS segment. An
   * urgent hand-off repeats 999 instead of how to leave.
   */
  queuedNoted(position: number, options: { urgent?: boolean } = {}): Reply {
    const n = place(position);
    const where = n === undefined ? "You're still in the queue." : n === 1 ? "You're next in the queue." : `You're number ${n} in the queue.`;
    const passed = "Thanks, I've passed that on. An adviser will see it when they join.";
    if (options.urgent) {
      const danger = `If anyone is in danger now, call ${NATIONAL_CONTACTS.emergency}.`;
      return reply(`${passed} ${where} ${danger}`, `${passed} ${where} ${danger}`);
    }
    return {
      ...reply(`${passed} ${where}`, `${passed} ${where} To leave, reply ${LEAVE_QUEUE_WORDS.toUpperCase()}.`, [choice(HANDOFF_LABELS.leaveQueue)]),
      // The SMS says how to leave in words; the button is for web chat and Teams.
      smsChoicesInText: true,
    } as Reply;
  }

  /** Left the queue: no adviser will join, and the assistant carries on. */
  leftQueue(): Reply {
    const text =
      "You've left the queue, so an adviser won't join this chat.\n\n" +
      'You can keep asking me questions, or ask for a person again at any time.';
    return reply(text, "You've left the queue, so an adviser won't join. You can keep asking me questions, or ask for a person again any time.");
  }

  /**
   * A bare "start" (an SMS keyword people send) while waiting: not "start again", so they stay in
   * the queue and are told where they stand. An urgent wait repeats 999 instead of how to leave.
   */
  stillQueued(position: number, waitText: string, options: { urgent?: boolean; howToLeave?: boolean } = {}): Reply {
    const n = place(position);
    const where = n === undefined ? "You're still in the queue to talk to an adviser." : n === 1 ? "You're still in the queue, and you're next." : `You're still in the queue: you're number ${n}.`;
    const wait = waitWords(waitText);
    const waitLine = wait ? ` The wait is likely to be ${wait}.` : '';
    const stay = 'An adviser will join you here.';
    if (options?.urgent) {
      const danger = `If anyone is in danger now, call ${NATIONAL_CONTACTS.emergency}.`;
      if (options.howToLeave) {
        // "Start again", "cancel" while waiting urgently: not leaving, but how to is said plainly.
        const leaveSms = `To leave, reply ${LEAVE_QUEUE_WORDS.toUpperCase()}.`;
        return reply(
          `${where}${waitLine} ${stay} ${danger}\n\nTo leave the queue, type **${LEAVE_QUEUE_WORDS}**.`,
          composeSms([`${where}${waitLine}`, danger, leaveSms], [stay]),
        );
      }
      return reply(`${where}${waitLine} ${stay} ${danger}`, composeSms([`${where}${waitLine}`, danger], [stay]));
    }
    return reply(
      `${where}${waitLine} ${stay}\n\nTo leave the queue, type **${LEAVE_QUEUE_WORDS}**.`,
      composeSms([`${where}${waitLine}`], [stay, `To leave, reply ${LEAVE_QUEUE_WORDS.toUpperCase()}.`]),
      [choice(HANDOFF_LABELS.leaveQueue)],
    );
  }

  /** After a safeguarding reply: the conversation goes first; the urgent numbers still stand. */
  urgentQueued(): Reply {
    const { emergency, childline, samaritans } = NATIONAL_CONTACTS;
    const text =
      "I've asked for an adviser to join you urgently. They'll be with you as soon as possible.\n\n" +
      `The numbers I gave you still stand. If anyone is in danger right now, don't wait: call ${emergency}.\n\n` +
      `- Childline: ${childline}, free, any time\n` +
      `- Samaritans: ${samaritans}, free, any time`;
    const sms =
      "I've asked for an adviser to join you urgently. They'll be with you as soon as possible. " +
      `If anyone is in danger now, don't wait: call ${emergency}. Childline ${childline}. Samaritans ${samaritans} (free, any time).`;
    return reply(text, sms);
  }

  // -------------------------------------------------------------------------------------------
  // With the adviser

  /** An adviser has taken the conversation: from now on it is a person. */
  adviserJoined(adviserName_: string): Reply {
    const name = adviserName(adviserName_);
    const who = !name ? 'An adviser' : /\badviser\b/i.test(name) ? name : `${name}, an adviser,`;
    const rest = "You're now talking to a person, not the automated assistant. What you type now goes to them.";
    return reply(`**${escapeMarkdown(who)}** has joined the chat. ${rest}`, `${who} has joined the chat. ${rest}`);
  }

  /**
   * An adviser's words as the person sees them: "Sam (adviser): …", plain text (no markdown: it is
   * shown as typed, and sent with textFormat plain). The SMS form is cut at 320 characters; use
   * {@link adviserLineParts} on SMS to send a long message in several parts.
   */
  adviserLine(adviserName_: string, text: string): Reply {
    const label = adviserLabel(adviserName_);
    const body = cleanMessage(text) || '(an empty message)';
    return reply(`${label}: ${body}`, `${label}: ${body.replace(/\s*\n\s*/g, ' ')}`);
  }

  /** The same, split into as many SMS-sized replies as the adviser's message needs ("Sam (adviser) 1/2: …"). */
  adviserLineParts(adviserName_: string, text: string): Reply[] {
    const label = adviserLabel(adviserName_);
    const body = (cleanMessage(text) || '(an empty message)').replace(/\s*\n\s*/g, ' ');
    const whole = `${label}: ${body}`;
    if (whole.length <= HANDOFF_SMS_MAX) return [this.adviserLine(adviserName_, text)];
    // Room for "<label> 99/99: " in front of each part.
    const room = Math.max(40, HANDOFF_SMS_MAX - label.length - 8);
    const pieces = splitWords(body, room);
    return pieces.map((piece, i) => {
      const head = `${label} ${i + 1}/${pieces.length}`;
      return reply(`${head}: ${piece}`, `${head}: ${piece}`);
    });
  }

  /** The assistant is back (the adviser ended the chat, or it went quiet), and asks whether it helped. */
  back(why: 'closed' | 'silence'): Reply {
    const lead =
      why === 'silence'
        ? "The chat with the adviser has ended, as it's been quiet for a while."
        : 'The adviser has ended the chat.';
    // "Did this help?" comes with the feedback choices the bot adds (not after a safeguarding message).
    const text = `${lead} You're talking to the automated assistant again. You can ask me something else, or ask for a person again at any time.`;
    const sms = `${lead} You're talking to the automated assistant again.`;
    return reply(text, sms, []);
  }

  // -------------------------------------------------------------------------------------------
  // No adviser: out of hours, or nobody free

  /**
   * No adviser now because it is outside their hours: when they are next, a call-back offer (only
   * where the council has adviser hours), and the SENDIASS contact. `now` words the next opening
   * ("tomorrow at 9:30am").
   */
  outOfHours(tenantRef: TenantRef, availability: AdviserAvailability, now: Date = new Date(), reason?: HandoffReason): Reply {
    const tenant = this.tenant(tenantRef);
    // Offered because the assistant could not place the messages, not because a person was asked for.
    const unsure = reason === 'not-confident' ? "I'm not sure I can help with that, and I don't want to guess." : undefined;
    const hoursText = availability?.hoursText ?? describeAdviserHours(tenant);
    const callback = this.offersCallback(tenant);
    const next = availability?.nextOpening ? describeNextOpening(availability.nextOpening, now) : undefined;
    const nextText = next && next !== 'later' ? next : undefined;
    const sorry = "I'm sorry, there's no adviser available to chat right now.";
    const hoursLine = hoursText ? `Advisers are available ${hoursText}.` : undefined;
    const nextLine = nextText ? `Advisers are next available ${nextText}.` : undefined;
    const offer = callback ? 'If you like, I can take a few details so an adviser can call or email you back. They will try to get in touch when they are next working.' : undefined;
    const contact = this.sendiass(tenant, callback);
    const text = [
      unsure,
      [sorry, hoursLine, nextLine].filter(Boolean).join(' '),
      offer,
      contact.text,
    ].filter(Boolean).join('\n\n');
    const sms = composeSms(
      [unsure ? "I'm not sure I can help, and I don't want to guess. No adviser is free to chat now." : "Sorry, no adviser is available to chat right now.", nextText ? `Advisers are next available ${nextText}.` : undefined, callback ? 'I can ask an adviser to call or email you back.' : undefined, contact.sms],
    );
    return reply(text, sms, callback ? [choice(HANDOFF_LABELS.callback, 'Call-back'), choice(HANDOFF_LABELS.noCallback)] : []);
  }

  /**
   * No adviser now, and the person has said a call is not safe: no call-back is offered. When
   * advisers are next, that writing here is fine, the urgent lines (`urgent`, when they were not
   * just given) and the council's SENDIASS.
   */
  noAdviserNoCall(tenantRef: TenantRef, availability: AdviserAvailability, urgent?: UrgentLines, now: Date = new Date()): Reply {
    const tenant = this.tenant(tenantRef);
    const next = availability?.nextOpening ? describeNextOpening(availability.nextOpening, now) : undefined;
    const nextText = next && next !== 'later' ? next : undefined;
    const sorry = "I'm sorry, there's no adviser available to chat right now.";
    const nextLine = nextText ? `Advisers are next available ${nextText}.` : undefined;
    const here = "A message here is fine: you can keep writing to me, and I won't arrange a call.";
    const contact = this.sendiass(tenant);
    const text = [
      [sorry, nextLine].filter(Boolean).join(' '),
      here,
      urgent ? urgent.text : undefined,
      contact.text,
    ].filter(Boolean).join('\n\n');
    const sms = composeSms(
      ['Sorry, no adviser is available to chat right now.', 'A message here is fine. I won\'t arrange a call.', urgent?.sms, contact.sms],
      [nextText ? `Advisers are next available ${nextText}.` : undefined],
    );
    return reply(text, sms);
  }

  /** Within hours, but no adviser is free or signed in: the same offers, without the hours. */
  nobodyAvailable(tenantRef: TenantRef): Reply {
    const tenant = this.tenant(tenantRef);
    const callback = this.offersCallback(tenant);
    const sorry = "I'm sorry, no adviser is free to chat at the moment.";
    const offer = callback ? 'If you like, I can take a few details so an adviser can call or email you back when they can.' : undefined;
    const contact = this.sendiass(tenant, callback);
    const text = [sorry, offer, contact.text].filter(Boolean).join('\n\n');
    const sms = composeSms([
      'Sorry, no adviser is free to chat right now.',
      callback ? 'I can ask an adviser to call or email you back.' : undefined,
      contact.sms,
    ]);
    return reply(text, sms, callback ? [choice(HANDOFF_LABELS.callback, 'Call-back'), choice(HANDOFF_LABELS.noCallback)] : []);
  }

  // -------------------------------------------------------------------------------------------
  // Call-back request

  callbackAskName(): Reply {
    const text = "I'll ask you three quick questions. You can type **cancel** at any time to stop.\n\nFirst, what name should the adviser ask for? A first name is fine.";
    // Not "CANCEL" on SMS: providers read it as opting out of all texts.
    return reply(text, "I'll ask 3 quick questions (reply NEVER MIND to stop). What name should the adviser ask for? A first name is fine.");
  }

  callbackAskContact(): Reply {
    const text = 'What phone number or email address should the adviser use? A UK phone number is best, like 07700 900123.';
    return reply(text, 'What phone number or email should the adviser use? A UK number is best, like 07700 900123. Or reply SAME to use this number.');
  }

  /**
   * On SMS, "this number": the adviser will use the number they are texting from, said back by
   * its last digits only (`ending`, e.g. "123"; empty for none).
   */
  callbackUsingTextingNumber(ending: string): Reply {
    const digits = /^\d{2,4}$/.test(ending) ? ending : '';
    const text = `OK, the adviser will use the number you're texting from${digits ? ` (ending ${digits})` : ''}.`;
    return reply(text, text);
  }

  /** On SMS, "this number", but the number they are texting from cannot be used (not a UK number, or unknown). */
  callbackTextingNumberUnusable(): Reply {
    return reply(
      "Sorry, I can't use the number you're texting from for a call-back. Please type a UK phone number or an email address, like 07700 900123.",
      "Sorry, I can't use the number you're texting from. Please send a UK phone number or an email, like 07700 900123.",
    );
  }

  /** "This number" in web chat or Teams, where there is no number to see: ask for one to be typed. */
  callbackNoNumberHere(): Reply {
    return reply(
      "I can't see a phone number in this chat. Please type the phone number or email address the adviser should use, like 07700 900123 or name@example.com.",
      "I can't see your number here. Please send the phone number or email the adviser should use, like 07700 900123.",
    );
  }

  /** When to call; with the tenant, the advisers' hours too, so the answer can fit them. */
  callbackAskBestTime(tenantRef?: TenantRef): Reply {
    const hours = tenantRef === undefined ? undefined : describeAdviserHours(this.tenant(tenantRef));
    const hoursLine = hours ? ` Advisers work ${hours}.` : '';
    const text = `When is a good time to get in touch? For example "weekday mornings", "after 3pm" or "any time".${hoursLine}`;
    return reply(text, composeSms(['When is a good time to get in touch? E.g. "mornings" or "any time".'], [hoursLine.trim()]), [choice(HANDOFF_LABELS.anyTime)]);
  }

  /**
   * Asks to keep the details, saying why, for how long (`retentionDays`) and, with the tenant,
   * where the privacy notice is.
   */
  callbackAskConsent(retentionDays: number, tenantRef?: TenantRef): Reply {
    const tenant = tenantRef === undefined ? undefined : this.tenant(tenantRef);
    const days = typeof retentionDays === 'number' && Number.isFinite(retentionDays) && retentionDays >= 1 ? Math.floor(retentionDays) : undefined;
    const kept = days === undefined ? 'then deleted' : `kept for up to ${days} day${days === 1 ? '' : 's'}, then deleted`;
    const who = tenant && !tenant.generic ? tenant.councilName : 'the council';
    const privacy = tenant?.privacyNoticeUrl ? ` How we use your information: ${tenant.privacyNoticeUrl}` : '';
    const text =
      `To arrange this, ${who} needs to keep your name, your contact details and the time you gave. ` +
      `They are used only to get back to you about this, and ${kept}.${privacy}\n\nIs that OK?`;
    const sms = composeSms([`To arrange this we need to keep your name, contact details and best time. They're used only to get back to you, and ${kept}. Is that OK?`], [privacy.trim()]);
    return reply(text, sms, [choice(HANDOFF_LABELS.storeYes, 'Yes'), choice(HANDOFF_LABELS.storeNo, 'No')]);
  }

  /**
   * What was wrong with an answer, and the question again. `field` says which question it was for
   * ('empty' and 'too-long' can be any); without it the wording fits any question.
   */
  callbackInvalid(problem: CallbackProblem, field?: CallbackField, hint?: ContactHint): Reply {
    const [text, sms] = invalidWords(problem, field, hint);
    return reply(text, sms, field === 'bestTime' ? [choice(HANDOFF_LABELS.anyTime)] : []);
  }

  /**
   * After several answers it could not use: honest that it could not read one (not that they said
   * no), that nothing was kept, how to try again and who to contact meanwhile. `hint` says what
   * looked wrong with the last answer; `urgent` (after a disclosure) the urgent lines to repeat.
   */
  callbackGaveUp(tenantRef: TenantRef, field: CallbackField, hint?: ContactHint, urgent?: UrgentLines): Reply {
    const tenant = this.tenant(tenantRef);
    const what = field === 'name' ? 'a name' : field === 'bestTime' ? 'a time' : 'a phone number or email';
    const looked = hint ? `${hintWords(hint)} ` : '';
    const lead = `${looked}I couldn't read ${what}, so I haven't kept anything.`;
    const again = 'You can try again any time with "call me back"';
    const s = tenant.sendiass;
    const how = contactPhrase(s, `through ${tenant.councilName}'s website`);
    const hours = s.hours ? ` (${s.hours})` : '';
    const contact = `${again}, or contact ${s.name} ${how}${hours}.`;
    const text = [lead, urgent ? urgentText(urgent) : undefined, contact].filter(Boolean).join('\n\n');
    const base = [lead, urgent?.sms].filter(Boolean).join(' ');
    const full = `${base} ${contact}`;
    return reply(text, full.length <= HANDOFF_SMS_MAX ? full : `${base} ${again}.`);
  }

  /** The corrected phone number or email, sent straight after it stopped asking: it carries on. */
  callbackResumed(): Reply {
    return reply('Thanks, I can read that one.', 'Thanks, I can read that one.');
  }

  /**
   * The call-back stopped because the person does not want it: they turned down the offer
   * ('declined-offer'), said no part-way ('refused'), or said it is not safe or someone would hear
   * ('worried'). Kind, nothing kept, how to get help without a call (the urgent lines after a
   * disclosure, otherwise the council's SENDIASS), and that they can ask again.
   */
  callbackStopped(tenantRef: TenantRef, why: 'declined-offer' | 'refused' | 'worried', urgent?: UrgentLines): Reply {
    const tenant = this.tenant(tenantRef);
    const lead =
      why === 'declined-offer'
        ? "That's OK, I won't arrange a call-back."
        : why === 'worried'
          ? "That's OK. I've stopped, and I haven't kept anything, so nobody will call or text you about it."
          : "That's OK. I've stopped, and I haven't kept anything, so nobody will get in touch about it.";
    const again = 'If you change your mind, you can ask again any time: just type "call me back".';
    const againSms = 'You can ask again any time: text "call me back".';
    const contact = this.sendiass(tenant);
    const text = [lead, urgent ? urgentText(urgent) : contact.text, again].join('\n\n');
    const sms = urgent ? composeSms([lead, urgent.sms], [againSms]) : composeSms([lead, contact.sms], [againSms]);
    return reply(text, sms);
  }

  /** The request is saved: what happens next, without promising a time, and SENDIASS meanwhile. */
  callbackSaved(tenantRef: TenantRef): Reply {
    const tenant = this.tenant(tenantRef);
    const contact = this.sendiass(tenant);
    const text =
      "Thank you. I've passed on your request. An adviser will try to get in touch at the time you gave, or as close to it as they can. " +
      "I can't promise an exact time.\n\n" +
      `If you need advice before then, ${contact.text.replace(/^You can contact/, 'you can contact')}\n\nYou can keep asking me questions too.`;
    const sms = composeSms(
      ["Thank you, I've passed on your request. An adviser will try to get in touch at the time you gave, or as close as they can."],
      [`If you need advice sooner, ${contact.sms.replace(/^You can contact/, 'contact')}`],
    );
    return reply(text, sms);
  }

  /**
   * They did not want their details kept: nothing is kept, and other ways to get help (after a
   * disclosure, `urgent`: the urgent lines first).
   */
  callbackDeclined(tenantRef: TenantRef, urgent?: UrgentLines): Reply {
    const tenant = this.tenant(tenantRef);
    const contact = this.sendiass(tenant);
    const lead = "That's fine. I haven't kept your details, so an adviser won't get back to you.";
    if (urgent) {
      const text = [lead, urgentText(urgent), 'If you change your mind, you can ask again any time: just type "call me back".'].join('\n\n');
      return reply(text, composeSms(["That's fine, I haven't kept your details.", urgent.sms], ['You can ask again any time: text "call me back".']));
    }
    const text = `${lead}\n\n${contact.text}\n\nYou can keep asking me questions too.`;
    const sms = composeSms(
      ["That's fine, I haven't kept your details.", contact.sms],
      ['You can keep asking me questions.'],
    );
    return reply(text, sms);
  }
}

/**
 * The urgent lines to repeat when a call-back stops after a disclosure: the words the safeguarding
 * replies already use (src/core/replies.ts safeguardingFollowUp, for the person's audience), so no
 * other contact is ever given here.
 */
export interface UrgentLines {
  text: string;
  sms: string;
  audience?: Audience;
}

/**
 * A reply with the urgent lines added after it (a "cancel" within a day of a disclosure): the
 * reply's words, then the urgent lines; on SMS the urgent lines are kept whole and the reply's
 * words shortened if both would not fit in {@link HANDOFF_SMS_MAX}.
 */
export function withUrgentLines<T extends Reply>(stopped: T, urgent: UrgentLines): T {
  const room = HANDOFF_SMS_MAX - urgent.sms.length - 1;
  const lead = stopped.sms.length <= room ? stopped.sms : shorten(stopped.sms, Math.max(0, room), true);
  return { ...stopped, text: `${stopped.text}\n\n${urgent.text}`, sms: lead ? `${lead} ${urgent.sms}` : urgent.sms };
}

/** The urgent lines, introduced for families and young people ("without a call"); staff get them as they are. */
function urgentText(urgent: UrgentLines): string {
  return urgent.audience === 'staff' ? urgent.text : `You can still get help without a call:\n\n${urgent.text}`;
}

/** What looked wrong with a contact answer, in a sentence; never the answer itself. */
function hintWords(hint: ContactHint): string {
  if (hint.kind === 'phone') {
    const n = Number.isFinite(hint.digits) && hint.digits > 0 ? Math.floor(hint.digits) : undefined;
    return n === undefined ? 'That number looks too short or too long.' : `That number has ${n} digit${n === 1 ? '' : 's'}.`;
  }
  switch (hint.issue) {
    case 'two-at':
      return 'That email address has two @ signs.';
    case 'several-at':
      return 'That email address has more than one @ sign.';
    case 'nothing-before-at':
      return 'That email address has nothing before the @.';
    case 'nothing-after-at':
      return 'That email address has nothing after the @.';
    case 'no-dot':
      return 'The part of that email address after the @ needs a dot, like example.com.';
    case 'space':
      return 'That email address has a space in it.';
    default:
      return "That doesn't look quite right.";
  }
}

/** [text, sms] for a call-back answer that could not be used. */
function invalidWords(problem: CallbackProblem, field: CallbackField | undefined, hint?: ContactHint): [string, string] {
  if (hint && (problem === 'email-invalid' || problem === 'phone-wrong-length')) {
    const looked = hintWords(hint);
    const rest = problem === 'email-invalid'
      ? 'Could you check it? It should look like name@example.com.'
      : 'UK numbers have 11 digits and start with 0, like 07700 900123. Could you check it?';
    return [`${looked} ${rest}`, `${looked} ${rest}`];
  }
  switch (problem) {
    case 'empty':
      if (field === 'name') return ["I didn't get a name. What name should the adviser ask for?", "I didn't get a name. What name should the adviser ask for?"];
      if (field === 'contact') return ["I didn't get a phone number or email address. What should the adviser use?", "I didn't get a phone number or email. What should the adviser use?"];
      if (field === 'bestTime') return ['When is a good time to get in touch? You can say "any time".', 'When is a good time to get in touch? You can say "any time".'];
      return ["Sorry, I didn't get that. Could you try again?", "Sorry, I didn't get that. Could you try again?"];
    case 'too-long':
      if (field === 'name') return ["That's a bit long for a name. Could you give a shorter one? A first name is fine.", "That's a bit long for a name. A first name is fine."];
      if (field === 'contact') return ["That's too long for a phone number or email address. Please type just one.", "That's too long. Please send just one phone number or email."];
      if (field === 'bestTime') return ['Could you make that a bit shorter? For example "weekday mornings".', 'Could you make that shorter? E.g. "weekday mornings".'];
      return ["That's a bit long. Could you make it shorter?", "That's a bit long. Could you make it shorter?"];
    case 'not-a-name':
      return [
        'Sorry, that doesn\'t look like a name. Please type just the name the adviser should ask for, like "Sam". If you\'d rather not have a call-back, just say no.',
        'Sorry, that doesn\'t look like a name. Please send just the name the adviser should ask for, like "Sam". Or say no to stop.',
      ];
    case 'not-a-phone-or-email':
      return [
        "Sorry, I couldn't find one phone number or email address in that. Please type just one, like 07700 900123 or name@example.com. If you'd rather not give one, just say no.",
        "Sorry, I couldn't find one phone number or email in that. Please send just one, like 07700 900123 or name@example.com. Or say no to stop.",
      ];
    case 'phone-wrong-length':
      return [
        'That number seems to have too many or too few digits. UK numbers have 11 digits and start with 0, like 07700 900123. Could you check it?',
        'That number seems to have too many or too few digits. UK numbers have 11 digits and start with 0, like 07700 900123.',
      ];
    case 'phone-not-uk':
      return [
        "Sorry, I can't use that number. Please give a UK landline or mobile number, or an email address instead.",
        "Sorry, I can't use that number. Please send a UK landline or mobile number, or an email address.",
      ];
    case 'email-invalid':
      return [
        "That email address doesn't look quite right. Could you check it? It should look like name@example.com.",
        "That email address doesn't look quite right. It should look like name@example.com.",
      ];
    default:
      return ["Sorry, I didn't get that. Could you try again?", "Sorry, I didn't get that. Could you try again?"];
  }
}

/**
 * Whether a message while queued asks to leave the queue: "leave queue" (the words the queue
 * messages give), the choice's label, and close variants ("leave the queue", "exit queue").
 */
export function saysLeaveQueue(text: unknown): boolean {
  const words = cleanLine(text).toLowerCase().replace(/['’]/g, '').replace(/[^\p{L}\s]/gu, ' ').replace(/\s+/g, ' ').trim();
  return /^(?:please )?(?:i want to |id like to |can i )?(?:leave|exit|quit|get out of|come out of) (?:the |this )?(?:queue|q)(?: please)?$/.test(words);
}

/**
 * Whether a message is nothing but "start" (any case, with punctuation around it): the SMS opt-in
 * keyword, which people also send to get going. While waiting for an adviser it is not "start
 * again": they stay in the queue.
 */
export function saysStart(text: unknown): boolean {
  return cleanLine(text).toLowerCase().replace(/[^\p{L}]/gu, '') === 'start';
}
