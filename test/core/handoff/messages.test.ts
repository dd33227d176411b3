import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../../src/core/knowledge/load';
import { tenantSchema, type Tenant } from '../../../src/core/knowledge/schema';
import type { Reply } from '../../../src/core/replies';
import { adviserAvailability } from '../../../src/core/handoff/hours';
import { HANDOFF_LABELS, HANDOFF_SMS_MAX, HandoffMessages, saysLeaveQueue, saysStart, withUrgentLines, type UrgentLines } from '../../../src/core/handoff/messages';
import { ReplyComposer } from '../../../src/core/replies';
import type { CallbackField, CallbackProblem, ContactHint } from '../../../src/core/handoff/callback';
import { isGsm7 } from '../../../src/channels/sms/segments';

const knowledge = loadKnowledge();
const words = new HandoffMessages(knowledge);
const tenants = [...knowledge.tenants.values()];
const mk = knowledge.tenants.get('milton-keynes')!;
const derby = knowledge.tenants.get('derby')!;

/** A council no file describes, so its facts can only have come from the tenant. */
const made: Tenant = tenantSchema.parse({
  id: 'testshire',
  councilName: 'Testshire Council',
  areaName: 'Testshire',
  sendiass: { name: 'Testshire SENDIASS', phone: '01632 960001', email: 'advice@testshire.example', hours: 'Tuesdays 10am to 2pm' },
  disagreementResolution: { name: 'x' },
  mediation: { name: 'x' },
  localOffer: { name: 'x' },
  exclusionInformation: 'x',
  complaints: { name: 'x' },
  adviserHours: { days: ['tue', 'thu'], opens: '10:00', closes: '14:00' },
  privacyNoticeUrl: 'https://testshire.example/privacy',
  sources: ['x'],
});

const PROBLEMS: CallbackProblem[] = ['empty', 'too-long', 'not-a-name', 'not-a-phone-or-email', 'phone-wrong-length', 'phone-not-uk', 'email-invalid'];
const FIELDS: Array<CallbackField | undefined> = ['name', 'contact', 'bestTime', undefined];

const HINTS: ContactHint[] = [
  { kind: 'phone', digits: 5 }, { kind: 'phone', digits: 1 }, { kind: 'phone', digits: NaN },
  ...(['two-at', 'several-at', 'nothing-before-at', 'nothing-after-at', 'no-dot', 'space'] as const).map((issue) => ({ kind: 'email' as const, issue })),
];
const composer = new ReplyComposer(knowledge);
const urgentPublic = (tenant: string): UrgentLines => ({ ...composer.safeguardingFollowUp(tenant, 'public'), audience: 'public' });
const urgentStaff = (tenant: string): UrgentLines => ({ ...composer.safeguardingFollowUp(tenant, 'staff'), audience: 'staff' });

const ODD_NAMES = ['Sam', '', '   ', 'Sam, SEND adviser', '😀'.repeat(100), 'x'.repeat(10_000), '<b>Sam</b>', '**Sam**', '\uD800', 'محمد'];
const ODD_TEXTS = ['Hello', '', 'x'.repeat(100_000), 'word '.repeat(500), '😀'.repeat(1000), 'line one\n\n\n\nline two', '<script>alert(1)</script>', '\u0000\u202E'];

/** Every reply the module can make, over every tenant and a spread of odd inputs. */
function everyReply(): Array<[string, Reply]> {
  const out: Array<[string, Reply]> = [];
  const now = new Date('2026-12-24T22:00:00Z');
  for (const reason of ['asked', 'not-confident', 'safeguarding'] as const) {
    out.push([`consent ${reason}`, words.consentQuestion(reason)], [`consent staff ${reason}`, words.consentQuestion(reason, { audience: 'staff' })]);
  }
  for (const position of [1, 2, 17, 0, -1, NaN, 1e12]) {
    for (const online of [0, 1, 3, NaN]) {
      for (const wait of ['a few minutes', 'about 35 minutes', 'over 2 hours', '', 'x'.repeat(1000)]) {
        out.push([`queued ${position} ${online} ${wait.slice(0, 10)}`, words.queued(position, wait, online)]);
        out.push([`queued no calls ${position} ${online} ${wait.slice(0, 10)}`, words.queued(position, wait, online, { noCalls: true })]);
      }
    }
    out.push([`update ${position}`, words.queueUpdate(position, 'about 10 minutes')]);
    out.push([`noted ${position}`, words.queuedNoted(position)], [`noted urgent ${position}`, words.queuedNoted(position, { urgent: true })]);
  }
  out.push(['left', words.leftQueue()], ['urgent', words.urgentQueued()], ['back closed', words.back('closed')], ['back silence', words.back('silence')]);
  for (const name of ODD_NAMES) {
    out.push([`joined ${name.slice(0, 10)}`, words.adviserJoined(name)]);
    for (const text of ODD_TEXTS) {
      out.push([`line ${name.slice(0, 10)} ${text.slice(0, 10)}`, words.adviserLine(name, text)]);
      for (const part of words.adviserLineParts(name, text)) out.push([`part ${name.slice(0, 10)}`, part]);
    }
  }
  for (const tenant of [...tenants, made]) {
    out.push([`out ${tenant.id}`, words.outOfHours(tenant, adviserAvailability(tenant, now), now)]);
    out.push([`out-open ${tenant.id}`, words.outOfHours(tenant, { open: false })]);
    out.push([`nobody ${tenant.id}`, words.nobodyAvailable(tenant)]);
    out.push([`saved ${tenant.id}`, words.callbackSaved(tenant)], [`declined ${tenant.id}`, words.callbackDeclined(tenant)]);
    out.push([`best ${tenant.id}`, words.callbackAskBestTime(tenant)]);
    for (const days of [30, 1, 3650, NaN, -1]) out.push([`consent ${tenant.id} ${days}`, words.callbackAskConsent(days, tenant)]);
  }
  for (const ending of ['123', '', '12345', 'abc']) out.push([`texting number ${ending}`, words.callbackUsingTextingNumber(ending)]);
  out.push(['texting number unusable', words.callbackTextingNumberUnusable()], ['no number here', words.callbackNoNumberHere()]);
  out.push(['ask name', words.callbackAskName()], ['ask contact', words.callbackAskContact()], ['ask best', words.callbackAskBestTime()], ['ask consent', words.callbackAskConsent(30)]);
  for (const problem of PROBLEMS) for (const field of FIELDS) out.push([`invalid ${problem} ${field}`, words.callbackInvalid(problem, field)]);
  out.push(['invalid odd', words.callbackInvalid('???' as never)]);
  for (const hint of HINTS) {
    out.push([`invalid email hint ${JSON.stringify(hint)}`, words.callbackInvalid('email-invalid', 'contact', hint)]);
    out.push([`invalid phone hint ${JSON.stringify(hint)}`, words.callbackInvalid('phone-wrong-length', 'contact', hint)]);
  }
  for (const tenant of [...tenants, made]) {
    for (const urgent of [undefined, urgentPublic(tenant.id), urgentStaff(tenant.id)]) {
      const who = urgent?.audience ?? 'none';
      for (const why of ['declined-offer', 'refused', 'worried'] as const) out.push([`stopped ${tenant.id} ${why} ${who}`, words.callbackStopped(tenant, why, urgent)]);
      for (const field of ['name', 'contact', 'bestTime'] as const) {
        for (const hint of [undefined, ...HINTS]) out.push([`gave up ${tenant.id} ${field} ${who} ${JSON.stringify(hint)}`, words.callbackGaveUp(tenant, field, hint, urgent)]);
      }
      out.push([`declined ${tenant.id} ${who}`, words.callbackDeclined(tenant, urgent)]);
      out.push([`no call ${tenant.id} ${who}`, words.noAdviserNoCall(tenant, adviserAvailability(tenant, now), urgent, now)]);
    }
  }
  out.push(['resumed', words.callbackResumed()]);
  for (const position of [1, 2, 17, 0, NaN]) {
    for (const urgent of [false, true]) out.push([`still ${position} ${String(urgent)}`, words.stillQueued(position, 'about 10 minutes', { urgent })]);
    out.push([`still leaving ${position}`, words.stillQueued(position, 'x'.repeat(1000), { urgent: true, howToLeave: true })]);
  }
  return out;
}

describe('every hand-off reply', () => {
  const all = everyReply();

  it('is a full Reply: text, an SMS of at most 320 characters, reply choices, no sources', () => {
    for (const [what, reply] of all) {
      expect(reply.text.trim().length, what).toBeGreaterThan(0);
      expect(reply.sms.trim().length, what).toBeGreaterThan(0);
      expect(reply.sms.length, what).toBeLessThanOrEqual(HANDOFF_SMS_MAX);
      expect(reply.sources, what).toEqual([]);
      for (const choice of reply.choices) {
        expect(choice.action, what).toEqual({ kind: 'reply' });
        expect(choice.label.length, what).toBeLessThanOrEqual(40);
      }
    }
  });

  it('has plain SMS text: no markdown, and never a word SMS providers keep for themselves', () => {
    for (const [what, reply] of all) {
      if (what.startsWith('line') || what.startsWith('part') || what.startsWith('joined')) continue;
      expect(reply.sms, what).not.toMatch(/\*\*|__|^- /m);
      expect(reply.sms, what).not.toMatch(/\b(STOP|CANCEL|END|QUIT|UNSUBSCRIBE|START|YES|HELP|INFO)\b/);
      expect(isGsm7(reply.sms), `${what}: ${reply.sms}`).toBe(true);
    }
  });

  it('never shows broken Unicode or control characters', () => {
    for (const [what, reply] of all) {
      for (const text of [reply.text, reply.sms]) {
        expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text), what).toBe(false);
        // eslint-disable-next-line no-control-regex
        expect(/[\u0000-\u0009\u000B-\u001F\u202E]/.test(text), what).toBe(false);
      }
    }
  });
});

describe('before the hand-off', () => {
  it.each(['asked', 'not-confident', 'safeguarding'] as const)('asks for consent (%s)', (reason) => {
    const reply = words.consentQuestion(reason);
    expect(reply.choices.map((c) => c.label)).toEqual(['Yes, pass it on', 'No, start afresh']);
    expect(reply.text).toMatch(/real person/);
    expect(reply.text).toMatch(/free and confidential/);
    expect(reply.text).toMatch(/what you've typed so far/);
    expect(reply.sms).toMatch(/free and confidential/);
  });

  it.each(['asked', 'not-confident', 'safeguarding'] as const)('asks council staff in Teams in their own words (%s)', (reason) => {
    const reply = words.consentQuestion(reason, { audience: 'staff' });
    expect(reply.choices.map((c) => c.label)).toEqual(['Yes, pass it on', 'No, start afresh']);
    expect(reply.text).toMatch(/An adviser from the SEND service can join this chat\./);
    expect(reply.text).not.toMatch(/free and confidential/);
    expect(reply.text).toMatch(/what you've typed so far/);
    const referral = /They can't take a safeguarding referral, so please follow your council's safeguarding procedure as well\./;
    if (reason === 'safeguarding') expect(reply.text).toMatch(referral);
    else expect(reply.text).not.toMatch(referral);
    expect(words.consentQuestion(reason, { audience: 'public' }).text).toBe(words.consentQuestion(reason).text);
  });

  it('says why when it is not confident', () => {
    expect(words.consentQuestion('not-confident').text).toMatch(/don't want to guess/);
    expect(words.consentQuestion('safeguarding').text).toMatch(/as soon as possible/);
  });
});

describe('in the queue', () => {
  it.each([
    [1, 'a few minutes', 1, /You're next in the queue/, /a few minutes/],
    [3, 'about 35 minutes', 2, /You're number 3 in the queue/, /about 35 minutes, but it can change/],
  ])('position %i, %s, %i online', (position, wait, online, where, waitWords) => {
    const reply = words.queued(position, wait, online);
    expect(reply.text).toMatch(where);
    expect(reply.text).toMatch(waitWords);
    expect(reply.text).toMatch(/type \*\*leave queue\*\*/);
    expect(reply.sms).toMatch(where);
    expect(reply.sms).toMatch(waitWords);
    expect(reply.sms).toMatch(/LEAVE QUEUE/);
    expect(reply.choices.map((c) => c.label)).toEqual([HANDOFF_LABELS.leaveQueue]);
    expect(reply.text).not.toMatch(/signed in/);
  });

  it('says honestly when no adviser is signed in, gives no wait, and offers a call-back', () => {
    const reply = words.queued(2, 'about 25 minutes', 0);
    expect(reply.text).toMatch(/No adviser is signed in/);
    expect(reply.text).toMatch(/call-back/);
    expect(reply.text).not.toMatch(/25 minutes/);
    expect(reply.sms).toMatch(/No adviser is signed in/);
    expect(reply.choices.map((c) => c.label)).toEqual([HANDOFF_LABELS.leaveQueue, HANDOFF_LABELS.callback]);
  });

  it('updates the place and wait', () => {
    expect(words.queueUpdate(2, 'about 15 minutes').text).toBe("You're now number 2 in the queue. The wait is likely to be about 15 minutes. Thank you for waiting.");
    expect(words.queueUpdate(1, 'a few minutes').sms).toMatch(/^You're now next in the queue. The wait is likely to be a few minutes./);
  });

  it('after safeguarding: urgent, and the urgent numbers stand', () => {
    const reply = words.urgentQueued();
    for (const text of [reply.text, reply.sms]) {
      expect(text).toMatch(/urgently/);
      expect(text).toMatch(/as soon as possible/);
      expect(text).toMatch(/999/);
      expect(text).toMatch(/0800 1111/);
      expect(text).toMatch(/116 123/);
    }
  });

  it.each([
    ['leave queue', true], ['Leave queue', true], ['LEAVE QUEUE', true], ['leave the queue', true], ['Leave the queue please', true],
    ['exit queue', true], ["I'd like to leave the queue", true], ['  leave   queue! ', true],
    ['leave', false], ['queue', false], ['how long is the queue', false], ['', false], [undefined, false], ['leave queue and then appeal', false],
  ])('saysLeaveQueue(%j) is %s', (text, expected) => {
    expect(saysLeaveQueue(text)).toBe(expected);
  });
});

describe('with the adviser', () => {
  it.each([
    ['Sam', 'Hello, I have read what you wrote.', 'Sam (adviser): Hello, I have read what you wrote.'],
    ['Sam, SEND adviser', 'Hello', 'Sam, SEND adviser: Hello'],
    ['', 'Hello', 'Adviser: Hello'],
    ['Sam', '<b>not bold</b>', 'Sam (adviser): <b>not bold</b>'],
    ['Sam', 'Line one\r\n\r\n\r\nLine two', 'Sam (adviser): Line one\n\nLine two'],
  ])('%j says %j', (name, text, expected) => {
    const reply = words.adviserLine(name, text);
    expect(reply.text).toBe(expected);
    expect(reply.sms).toBe(expected.replace(/\n+/g, ' '));
  });

  it('splits a long adviser message into SMS-sized parts that keep every word', () => {
    const text = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    const parts = words.adviserLineParts('Sam', text);
    expect(parts.length).toBeGreaterThan(1);
    parts.forEach((part, i) => {
      expect(part.sms.length).toBeLessThanOrEqual(320);
      expect(part.sms.startsWith(`Sam (adviser) ${i + 1}/${parts.length}: `)).toBe(true);
    });
    expect(parts.map((p) => p.sms.replace(/^[^:]+: /, '')).join(' ')).toBe(text);
    expect(words.adviserLineParts('Sam', 'Hi')).toEqual([words.adviserLine('Sam', 'Hi')]);
  });

  it('says who joined', () => {
    expect(words.adviserJoined('Sam').sms).toBe("Sam, an adviser, has joined the chat. You're now talking to a person, not the automated assistant. What you type now goes to them.");
    expect(words.adviserJoined('Sam').text).toMatch(/^\*\*Sam, an adviser,\*\* has joined/);
    expect(words.adviserJoined('**x**').text).toMatch(/^\*\*\\\*\\\*x\\\*\\\*, an adviser,\*\*/);
    expect(words.adviserJoined('').sms).toMatch(/^An adviser has joined/);
  });

  it.each([['closed', /The adviser has ended the chat/], ['silence', /quiet for a while/]] as const)('comes back (%s) and says so; "Did this help?" is the feedback the bot adds', (why, lead) => {
    const reply = words.back(why);
    expect(reply.text).toMatch(lead);
    expect(reply.text).toMatch(/automated assistant again/);
    expect(reply.sms).toMatch(/automated assistant again\.$/);
    expect(reply.text).not.toMatch(/help\?/);
    expect(reply.choices).toEqual([]);
  });
});

describe('no adviser: council facts come from the tenant', () => {
  it('out of hours at Christmas in Milton Keynes: hours, next opening, call-back, SENDIASS', () => {
    const now = new Date('2026-12-24T22:00:00Z');
    const reply = words.outOfHours(mk, adviserAvailability(mk, now), now);
    expect(reply.text).toMatch(/no adviser available to chat right now/);
    expect(reply.text).toMatch(/Monday to Friday, 9:30am to 3:30pm \(closed on bank holidays\)/);
    expect(reply.text).toMatch(/next available on Tuesday 29 December at 9:30am/);
    expect(reply.text).toMatch(/call or email you back/);
    expect(reply.text).toMatch(/MK SENDIAS on 01908 254518/);
    expect(reply.sms).toMatch(/Tuesday 29 December at 9:30am/);
    expect(reply.sms).toMatch(/01908 254518/);
    expect(reply.choices.map((c) => c.label)).toEqual([HANDOFF_LABELS.callback, HANDOFF_LABELS.noCallback]);
  });

  it.each([
    { reason: 'not-confident', unsure: true },
    { reason: 'asked', unsure: false },
    { reason: 'safeguarding', unsure: false },
    { reason: undefined, unsure: false },
  ] as const)('offered after messages it could not place ($reason): says why first: $unsure', ({ reason, unsure }) => {
    const now = new Date('2026-12-07T23:00:00Z');
    for (const tenant of [mk, derby]) {
      const reply = words.outOfHours(tenant, adviserAvailability(tenant, now), now, reason);
      // Nobody asked for a person: the offer says why it comes, not just that nobody is free.
      expect(/^I'm not sure I can help with that, and I don't want to guess\./.test(reply.text)).toBe(unsure);
      expect(/^I'm not sure I can help, and I don't want to guess\./.test(reply.sms)).toBe(unsure);
      expect(reply.text).toMatch(/call or email you back/);
      expect(reply.sms.length).toBeLessThanOrEqual(HANDOFF_SMS_MAX);
      expect(reply.choices.map((c) => c.label)).toEqual([HANDOFF_LABELS.callback, HANDOFF_LABELS.noCallback]);
    }
  });

  it('says "tomorrow" on a weekday evening', () => {
    const now = new Date('2026-06-10T21:00:00Z');
    expect(words.outOfHours(mk, adviserAvailability(mk, now), now).text).toMatch(/next available tomorrow at 9:30am/);
  });

  it('a council without adviser hours: no hours claimed, a call-back offered, and SENDIASS', () => {
    const now = new Date('2026-06-10T10:00:00Z');
    for (const reply of [words.outOfHours(derby, adviserAvailability(derby, now), now), words.nobodyAvailable(derby)]) {
      expect(reply.text).not.toMatch(/Advisers are available/);
      expect(reply.text).toMatch(/call or email you back/);
      expect(reply.text).toMatch(/Derby SEND Information, Advice and Support Service on 01332 641414 or by email at SENDIASS@derby.gov.uk/);
      expect(reply.choices.map((c) => c.label)).toEqual(['Ask for a call-back', 'No thanks']);
    }
    // Advisers see call-backs in the console whether or not the council publishes chat hours.
    expect(words.offersCallback(derby)).toBe(true);
    expect(words.offersCallback(mk)).toBe(true);
  });

  it('uses only the tenant\'s own details', () => {
    const now = new Date('2026-06-10T21:00:00Z');
    const replies = [
      words.outOfHours(made, adviserAvailability(made, now), now), words.nobodyAvailable(made),
      words.callbackSaved(made), words.callbackDeclined(made),
    ];
    const others = tenants.flatMap((t) => [t.sendiass.phone, t.sendiass.email, t.sendiass.name]).filter((x): x is string => !!x);
    for (const reply of replies) {
      expect(reply.text).toMatch(/Testshire SENDIASS on 01632 960001 or by email at advice@testshire.example \(Tuesdays 10am to 2pm\)/);
      expect(reply.sms).toMatch(/01632 960001/);
      for (const other of others) expect(reply.text).not.toContain(other);
    }
    expect(replies[0]!.text).toMatch(/Tuesday and Thursday, 10am to 2pm/);
    expect(replies[0]!.text).toMatch(/next available tomorrow at 10am/);
  });

  it('falls back to the generic tenant for an unknown id', () => {
    expect(words.tenant('nowhere').id).toBe('generic');
    expect(words.tenant(undefined).id).toBe('generic');
    expect(words.nobodyAvailable('nowhere').text).toMatch(/your local SEND Information, Advice and Support Service/);
  });
});

describe('call-back request', () => {
  it('asks the questions', () => {
    expect(words.callbackAskName().text).toMatch(/what name should the adviser ask for\?/i);
    expect(words.callbackAskContact().text).toMatch(/phone number or email address/);
    const best = words.callbackAskBestTime(mk);
    expect(best.text).toMatch(/any time/);
    expect(best.text).toMatch(/Advisers work Monday to Friday, 9:30am to 3:30pm/);
    expect(best.choices.map((c) => c.label)).toEqual(['Any time']);
    expect(words.callbackAskBestTime().text).not.toMatch(/Advisers work/);
  });

  it.each([
    [30, /kept for up to 30 days, then deleted/],
    [1, /kept for up to 1 day, then deleted/],
    [NaN, /and then deleted/],
  ])('asks consent to keep the details for %s days', (days, kept) => {
    const reply = words.callbackAskConsent(days, mk);
    expect(reply.text).toMatch(kept);
    expect(reply.text).toMatch(/Milton Keynes Council needs to keep your name, your contact details and the time you gave/);
    expect(reply.text).toMatch(/Is that OK\?$/);
    expect(reply.sms).toMatch(kept);
    expect(reply.choices.map((c) => [c.label, c.short])).toEqual([['Yes, keep my details', 'Yes'], ["No, don't keep them", 'No']]);
  });

  it('links the privacy notice when the council has one', () => {
    expect(words.callbackAskConsent(30, made).text).toMatch(/How we use your information: https:\/\/testshire.example\/privacy/);
    expect(words.callbackAskConsent(30).text).toMatch(/the council needs to keep/);
  });

  it.each([
    ['empty', 'name', /didn't get a name/],
    ['too-long', 'name', /long for a name/],
    ['not-a-name', undefined, /doesn't look like a name/],
    ['empty', 'contact', /didn't get a phone number or email/],
    ['too-long', 'contact', /too long for a phone number or email/],
    ['not-a-phone-or-email', undefined, /couldn't find one phone number or email/],
    ['phone-wrong-length', undefined, /11 digits and start with 0/],
    ['phone-not-uk', undefined, /UK landline or mobile number, or an email address/],
    ['email-invalid', undefined, /name@example.com/],
    ['empty', 'bestTime', /any time/],
    ['too-long', 'bestTime', /shorter/],
    ['empty', undefined, /didn't get that/],
    ['too-long', undefined, /a bit long/],
  ] as Array<[CallbackProblem, CallbackField | undefined, RegExp]>)('explains %s (%s)', (problem, field, expected) => {
    const reply = words.callbackInvalid(problem, field);
    expect(reply.text).toMatch(expected);
  });

  it('confirms or drops the request honestly', () => {
    const saved = words.callbackSaved(mk);
    expect(saved.text).toMatch(/passed on your request/);
    expect(saved.text).toMatch(/can't promise an exact time/);
    expect(saved.text).toMatch(/MK SENDIAS on 01908 254518/);
    const declined = words.callbackDeclined(mk);
    expect(declined.text).toMatch(/haven't kept your details/);
    expect(declined.text).toMatch(/MK SENDIAS on 01908 254518/);
  });
});

describe('odd arguments', () => {
  it('never throws on missing or wrong-typed arguments', () => {
    const odd = [undefined, null, 42, {}, [], NaN] as never[];
    for (const x of odd) {
      const replies = [
        words.consentQuestion(x), words.queued(x, x, x), words.queueUpdate(x, x), words.adviserJoined(x), words.adviserLine(x, x),
        ...words.adviserLineParts(x, x), words.back(x), words.callbackAskConsent(x), words.callbackInvalid(x, x),
        words.outOfHours(mk, x), words.outOfHours(mk, { open: false, nextOpening: new Date(NaN) }, x),
      ];
      for (const reply of replies) {
        expect(reply.text.length).toBeGreaterThan(0);
        expect(reply.sms.length).toBeLessThanOrEqual(HANDOFF_SMS_MAX);
      }
    }
  });
});

describe('adviserLineParts with long words and emoji', () => {
  it.each([
    ['one long word', 'x'.repeat(1000)],
    ['emoji', '😀'.repeat(500)],
    ['mixed', `${'a'.repeat(400)} 😀😀 ${'b '.repeat(300)}`],
  ])('%s: every part fits and nothing is lost', (_what, text) => {
    const parts = words.adviserLineParts('Sam', text);
    for (const part of parts) expect(part.sms.length).toBeLessThanOrEqual(320);
    expect(parts.map((p) => p.sms.replace(/^[^:]+: /, '')).join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
  });
});

describe('while waiting in the queue', () => {
  it.each([1, 2, 12, 0, NaN])('"passed on" at place %s fits one SMS segment and says where they stand', (position) => {
    for (const urgent of [false, true]) {
      const reply = words.queuedNoted(position, { urgent });
      expect(reply.text).toMatch(/passed that on/);
      expect(reply.sms.length).toBeLessThanOrEqual(160);
      expect(isGsm7(reply.sms)).toBe(true);
      const where = position === 1 ? /next in the queue/ : position >= 2 ? new RegExp(`number ${position} in the queue`) : /still in the queue/;
      expect(reply.text).toMatch(where);
      expect(reply.sms).toMatch(where);
      // Urgent: the emergency number, not how to leave.
      expect(reply.sms.includes('999')).toBe(urgent);
      expect(/leave/i.test(reply.sms)).toBe(!urgent);
      expect(reply.choices.map((c) => c.label)).toEqual(urgent ? [] : [HANDOFF_LABELS.leaveQueue]);
    }
  });
});

describe('call-back by SMS: "this number"', () => {
  it('offers it when asking on SMS', () => {
    expect(words.callbackAskContact().sms).toMatch(/reply SAME to use this number/);
    expect(words.callbackAskContact().text).not.toMatch(/SAME/);
  });

  it('says the number back by its last digits only', () => {
    expect(words.callbackUsingTextingNumber('123').sms).toBe("OK, the adviser will use the number you're texting from (ending 123).");
    expect(words.callbackUsingTextingNumber('').sms).toBe("OK, the adviser will use the number you're texting from.");
    expect(words.callbackUsingTextingNumber('7700900123').sms).not.toMatch(/\d/);
  });
});

describe('call-back: stopping kindly, and honestly', () => {
  it.each(['declined-offer', 'refused', 'worried'] as const)('%s: kind, nothing kept, SENDIASS, and how to ask again', (why) => {
    const reply = words.callbackStopped(mk, why);
    expect(reply.text).toMatch(/^That's OK/);
    expect(reply.text).not.toMatch(/I've stopped that|That's fine/);
    expect(reply.text).toMatch(/MK SENDIAS on 01908 254518/);
    expect(reply.text).toMatch(/"call me back"/);
    expect(reply.text).not.toMatch(/999/);
    expect(reply.sms).toMatch(/call me back/);
    if (why !== 'declined-offer') expect(reply.text).toMatch(/haven't kept anything/);
  });

  it.each(['declined-offer', 'refused', 'worried'] as const)('%s after a disclosure: the urgent lines instead, and only their numbers', (why) => {
    const reply = words.callbackStopped(mk, why, urgentPublic('milton-keynes'));
    for (const text of [reply.text, reply.sms]) {
      expect(text).toMatch(/999/);
      expect(text).toMatch(/0800 1111/);
      expect(text).toMatch(/116 123/);
      expect(text).toMatch(/call me back/);
      const numbers = text.match(/\b\d[\d ]{2,}\d\b/g) ?? [];
      expect(numbers.every((n) => ['999', '0800 1111', '116 123'].includes(n)), text).toBe(true);
    }
    expect(reply.text).toMatch(/without a call/);
    const staff = words.callbackStopped(mk, why, urgentStaff('milton-keynes'));
    expect(staff.text).toMatch(/designated safeguarding lead/);
    expect(staff.text).not.toMatch(/without a call/);
  });

  it('running out of tries says it could not read one, not that they said no', () => {
    const reply = words.callbackGaveUp(mk, 'contact', { kind: 'email', issue: 'two-at' });
    expect(reply.text).toMatch(/^That email address has two @ signs\. I couldn't read a phone number or email, so I haven't kept anything\./);
    expect(reply.text).toMatch(/You can try again any time with "call me back", or contact MK SENDIAS on 01908 254518/);
    expect(reply.text).not.toMatch(/That's fine|won't get back to you/);
    expect(reply.sms).toMatch(/I couldn't read a phone number or email, so I haven't kept anything\./);
    expect(words.callbackGaveUp(mk, 'name').text).toMatch(/^I couldn't read a name, so I haven't kept anything\./);
    expect(words.callbackGaveUp(mk, 'contact', undefined, urgentPublic('milton-keynes')).sms).toMatch(/999/);
  });

  it.each([
    [{ kind: 'email', issue: 'two-at' }, /two @ signs/],
    [{ kind: 'email', issue: 'no-dot' }, /needs a dot, like example.com/],
    [{ kind: 'email', issue: 'nothing-before-at' }, /nothing before the @/],
    [{ kind: 'phone', digits: 5 }, /That number has 5 digits\. UK numbers have 11 digits/],
  ] as Array<[ContactHint, RegExp]>)('a malformed contact is asked again saying what looks wrong (%j)', (hint, expected) => {
    const problem = hint.kind === 'phone' ? 'phone-wrong-length' : 'email-invalid';
    expect(words.callbackInvalid(problem, 'contact', hint).text).toMatch(expected);
    expect(words.callbackInvalid(problem, 'contact', hint).sms).toMatch(expected);
  });

  it('a declined consent after a disclosure repeats the urgent lines', () => {
    const reply = words.callbackDeclined(mk, urgentPublic('milton-keynes'));
    expect(reply.text).toMatch(/haven't kept your details/);
    expect(reply.text).toMatch(/0800 1111/);
    expect(reply.sms).toMatch(/999/);
  });
});

describe('a bare "start" while queued', () => {
  it.each([
    ['START', true], ['start', true], [' Start. ', true], ['start again', false], ['restart', false], ['starting', false], ['', false],
  ] as const)('%j → %s', (text, start) => {
    expect(saysStart(text)).toBe(start);
  });

  it('says they are still in the queue, with how to leave (or 999 when urgent)', () => {
    expect(words.stillQueued(2, 'about 10 minutes').text).toMatch(/still in the queue: you're number 2\. The wait is likely to be about 10 minutes/);
    expect(words.stillQueued(2, 'about 10 minutes').text).toMatch(/leave queue/);
    const urgent = words.stillQueued(1, 'a few minutes', { urgent: true });
    expect(urgent.text).toMatch(/you're next/);
    expect(urgent.text).toMatch(/999/);
    expect(urgent.text).not.toMatch(/leave/i);
  });
});

describe('when a call is not safe', () => {
  const now = new Date('2026-11-23T21:00:00Z');

  it.each(tenants.map((tenant) => tenant.id))('%s out of hours: no call-back offered, a message here is fine, SENDIASS, and the urgent lines when given', (id) => {
    const tenant = knowledge.tenants.get(id)!;
    for (const urgent of [undefined, urgentPublic(id), urgentStaff(id)]) {
      const reply = words.noAdviserNoCall(tenant, adviserAvailability(tenant, now), urgent, now);
      for (const text of [reply.text, reply.sms]) {
        expect(text).not.toMatch(/call-back|call or email you back|call you back/i);
        expect(text).toMatch(/A message here is fine/);
        expect(text).toContain(tenant.sendiass.name);
        expect(/999/.test(text)).toBe(urgent !== undefined);
      }
      expect(reply.choices).toEqual([]);
      expect(reply.sms.length).toBeLessThanOrEqual(HANDOFF_SMS_MAX);
    }
  });

  it('in the queue with nobody signed in: no call-back, writing here instead', () => {
    const offered = words.queued(1, '', 0);
    const quiet = words.queued(1, '', 0, { noCalls: true });
    expect(offered.choices.map((c) => c.label)).toContain(HANDOFF_LABELS.callback);
    expect(quiet.choices.map((c) => c.label)).toEqual([HANDOFF_LABELS.leaveQueue]);
    for (const text of [quiet.text, quiet.sms]) {
      expect(text).not.toMatch(/call-back/i);
      expect(text).toMatch(/keep writing here/);
    }
  });
});

describe('"start again" or "cancel" while queued urgently', () => {
  it.each([1, 2, 17])('at place %s: still queued, 999, and how to leave, in one or two SMS segments', (position) => {
    const reply = words.stillQueued(position, 'about 10 minutes', { urgent: true, howToLeave: true });
    expect(reply.text).toMatch(/still in the queue/);
    expect(reply.text).toMatch(/999/);
    expect(reply.text).toMatch(/To leave the queue, type \*\*leave queue\*\*/);
    expect(reply.sms).toMatch(/999.*To leave, reply LEAVE QUEUE\./);
    expect(reply.sms.length).toBeLessThanOrEqual(HANDOFF_SMS_MAX);
    // Without howToLeave, the urgent wait does not nudge anyone to leave.
    expect(words.stillQueued(position, 'about 10 minutes', { urgent: true }).text).not.toMatch(/leave/i);
  });
});

describe('withUrgentLines', () => {
  const stopped = composer.control('cancel', 'milton-keynes');

  it.each(['public', 'staff'] as const)('adds the %s urgent lines after the reply, in text and SMS', (audience) => {
    const lines = audience === 'staff' ? urgentStaff('milton-keynes') : urgentPublic('milton-keynes');
    const reply = withUrgentLines(stopped, lines);
    expect(reply.text.startsWith(stopped.text)).toBe(true);
    expect(reply.text.endsWith(lines.text)).toBe(true);
    expect(reply.sms).toBe(`${stopped.sms} ${lines.sms}`);
    expect(reply.sms.length).toBeLessThanOrEqual(HANDOFF_SMS_MAX);
  });

  it('keeps the urgent lines whole when the reply is too long for one SMS with them', () => {
    const lines = urgentPublic('milton-keynes');
    const reply = withUrgentLines({ ...stopped, sms: 'word '.repeat(200) }, lines);
    expect(reply.sms.length).toBeLessThanOrEqual(HANDOFF_SMS_MAX);
    expect(reply.sms.endsWith(lines.sms)).toBe(true);
  });
});
