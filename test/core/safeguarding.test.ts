import { describe, expect, it } from 'vitest';
import { normaliseWords } from '../../src/core/understanding/normalise';
import { AFTER_DISCLOSURE_HOURS, soundsDistressed, suggestsRisk, withinAfterDisclosure } from '../../src/core/understanding/safeguarding';
import { createAssistantCore } from '../../src/core/assistant';
import { segmentCount } from '../../src/channels/sms/segments';

const risky = (text: string) => suggestsRisk(normaliseWords(text));

describe('safeguarding detector', () => {
  it.each([
    'my son says he wants to kill himself',
    'She keeps saying she wishes she was dead',
    "he's been self harming since the exclusion",
    'my daughter has been cutting herself',
    'I think he took an overdose',
    'my partner hits me and the children',
    'she came home with bruises from a teacher',
    "he's gone missing since last night and the police are looking",
    'my child is missing',
    "she ran away from home again, I can't find her",
    "I can't go on any more, there's no point living",
    'He told me a staff member touched him inappropriately',
    'my ex has threatened to kill us',
    'we are not safe at home',
    'someone she met on an app keeps asking her for pictures and told her not to tell me',
    'a man he plays games with online wants to meet him in town',
    'he has a second phone and keeps getting into cars with older lads',
    'she has been scratching her arms with a compass',
    "he says there's no point in anything anymore and he has been saving up his pills",
    'my son left a note for the family saying this is goodbye',
    'they held him face down and he said he could not breathe',
    'my ex threatened me and the kids again and he is not allowed near us',
    // buried inside a long SEND question
    'The council refused the EHC needs assessment and I need to know about appeals, but honestly he keeps saying he wants to die and I am scared',
  ])('flags %j', (text) => {
    expect(risky(text)).toBe(true);
  });

  it.each([
    'How do I appeal the council decision?',
    'He was excluded for hitting another pupil, can I challenge it?',
    'what is the school safeguarding policy on trips',
    'the deadline is killing me, how long do I have to appeal',
    'Can I bring my partner to the meeting?',
    'the school keeps missing his speech therapy sessions',
    "he is missing school because of anxiety",
    "I've hit a brick wall with the school about his support",
    'the school threatened to exclude him if it happens again',
    'can I send photos of his work to the tribunal as evidence?',
    'she has been missing lessons for weeks',
  ])('does not flag %j', (text) => {
    expect(risky(text)).toBe(false);
  });
});

describe('a medical emergency', () => {
  it.each(['she is not breathing', "he's stopped breathing", 'my son is unconscious'])('flags %j', (text) => {
    expect(risky(text)).toBe(true);
  });
  it('does not flag unconscious bias training', () => {
    expect(risky('the school says staff had unconscious bias training')).toBe(false);
  });
});

describe('after a disclosure', () => {
  const distressed = (text: string) => soundsDistressed(normaliseWords(text));

  it.each([
    'im scared',
    "shes locked herself in the bathroom now",
    'help',
    'pls help',
    'what do i do',
    "I don't know what to do",
    'she wont come out',
    "she isn't answering",
    'are you there??',
    "can't cope",
    'hurry',
  ])('reads %j as distress', (text) => {
    expect(distressed(text)).toBe(true);
  });

  it.each([
    'how do I appeal?',
    'what is mediation',
    'thanks',
    'ok',
    '2',
    'help with my appeal',
    "i'm worried the school won't listen to me",
    // long messages are read for what they ask, not for a frightened word in them
    'I am scared that the council will not finish the plan in time and I need to know how long they have to do it',
  ])('does not read %j as distress', (text) => {
    expect(distressed(text)).toBe(false);
  });

  const at = '2026-11-23T21:00:00.000Z';
  it.each([
    { since: at, now: '2026-11-23T21:05:00.000Z', within: true },
    { since: at, now: new Date(Date.parse(at) + (AFTER_DISCLOSURE_HOURS * 60 - 1) * 60_000).toISOString(), within: true },
    { since: at, now: new Date(Date.parse(at) + AFTER_DISCLOSURE_HOURS * 3_600_000).toISOString(), within: false },
    { since: at, now: '2026-11-30T09:00:00.000Z', within: false },
    // a channel clock behind the disclosure keeps the conversation safe
    { since: at, now: '2026-11-23T20:00:00.000Z', within: true },
    { since: undefined, now: at, within: false },
    { since: 'not a time', now: at, within: false },
  ])('since $since, at $now: within $within', ({ since, now, within }) => {
    expect(withinAfterDisclosure(since, new Date(now))).toBe(within);
  });
});

describe('what the urgent replies say', () => {
  let shared: ReturnType<typeof createAssistantCore> | undefined;
  const replies = () => (shared ??= createAssistantCore()).replies;
  const tenants = ['derby', 'milton-keynes', 'worcestershire', 'generic'];

  it.each(tenants)('for %s: the follow-up line is one SMS, with 999 and a crisis line, for families and staff', (tenant) => {
    const forPublic = replies().safeguardingFollowUp(tenant, 'public');
    expect(forPublic.text).toMatch(/999/);
    expect(forPublic.text).toMatch(/0800 1111/);
    expect(forPublic.text).toMatch(/116 123/);
    expect(segmentCount(forPublic.sms)).toBe(1);
    const forStaff = replies().safeguardingFollowUp(tenant, 'staff');
    expect(forStaff.text).toMatch(/999/);
    expect(forStaff.text).toMatch(/designated safeguarding lead/);
    expect(forStaff.text).not.toMatch(/free and confidential|0800 1111/);
  });

  it.each(tenants)('for %s: a first-message reply says it is automated and still fits one SMS', (tenant) => {
    const reply = replies().safeguarding(tenant, { introduce: true });
    expect(reply.sms.startsWith('If anyone is in danger now call 999.')).toBe(true);
    expect(reply.sms).toMatch(/automated assistant, not a person/);
    expect(segmentCount(reply.sms)).toBe(1);
  });

  it('for staff, names the council\'s children\'s services when the council publishes them', () => {
    const core = createAssistantCore();
    const derby = core.replies.tenant('derby');
    const withContact = { ...derby, childrensServices: { name: 'Derby Careline', phone: '01332 641172' } };
    core.knowledge.tenants.set('derby-with-contact', { ...withContact, id: 'derby-with-contact' });
    const text = core.replies.safeguarding('derby-with-contact', { audience: 'staff' }).text;
    expect(text).toMatch(/Derby Careline on 01332 641172/);
    expect(core.replies.safeguarding('derby', { audience: 'staff' }).text).toMatch(/Derby City Council's children's services front door/);
  });
});
