import { describe, expect, it } from 'vitest';
import { normaliseWords } from '../../src/core/understanding/normalise';
import {
  AFTER_DISCLOSURE_HOURS, soundsDistressed, suggestsRisk, withinAfterDisclosure, writtenByYoungPerson,
} from '../../src/core/understanding/safeguarding';
import { createAssistantCore } from '../../src/core/assistant';
import { segmentCount } from '../../src/channels/sms/segments';
import { NATIONAL_CONTACTS } from '../../src/core/replies';

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
    // violence going on now, whoever it is
    "he's hitting her again, right now",
    'dad is hurting mum',
    'a teacher at school is hurting him',
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
    'the school is hurting him by not giving him the support in his plan',
    'it is hurting her confidence that she has no friends',
    'he is hitting all his targets this term',
  ])('does not flag %j', (text) => {
    expect(risky(text)).toBe(false);
  });
});

describe('an adult contacting a child privately (grooming)', () => {
  it.each([
    // secrecy
    'his swimming coach messages him most nights and says it is their secret',
    'a teaching assistant keeps texting my 13 year old and asked her not to tell anyone',
    'the minibus driver told my son to keep their chats quiet and delete them',
    'my form tutor told me not to tell my mum about our chats',
    'the TA snaps her after school and told her it stays between the two of them',
    // private channels, pictures, gifts, meeting up
    'a member of staff has added my daughter on snapchat and messages her',
    'her maths tutor keeps asking her for selfies',
    'the lunchtime supervisor has been buying him vapes and texting him',
    'the man who runs his after school club gave her his personal number',
    'a youth worker wants to meet my son in town at the weekend',
    'some older lads on a game keep messaging her',
    'an older man keeps messaging my 12 year old',
    'somebody he met on fortnite is asking him for nude pics',
  ])('flags %j', (text) => {
    expect(risky(text)).toBe(true);
  });

  it.each([
    // ordinary contact between school and home
    'his TA texts me every afternoon to say how his day went',
    'the class teacher emailed me about her spelling homework',
    'the SENCo rang me and asked me to call her back',
    'the school sent photos of him on the school trip',
    'his tutor messaged to say he has done really well this week',
    'the teacher wants to meet with me about the plan next week',
    'a man from the council phoned me about her EHCP',
    // not telling a child about a change yet, a surprise
    'the head asked me not to tell him about the new class until it is agreed',
    'the TA emailed about the secret santa for his class',
    'the teacher gave him spare clothes after PE',
    // things that happen in a SEND school day
    'his 1:1 phoned because he took all his clothes off and was naked in the classroom',
    'the teacher texted that she needs clean underwear in her bag tomorrow',
  ])('does not flag %j', (text) => {
    expect(risky(text)).toBe(false);
  });
});

describe('a child missing now', () => {
  it.each([
    'she left school at break and no one knows where she is',
    "we've no idea where our son is, he went out this morning",
    "it's 9pm and my daughter still hasn't come home",
    'he ran out of the taxi and still has not come back, the police are out',
    'he stormed off after school and it is getting dark',
    "can't find him anywhere, he was in the garden an hour ago",
    'my 11 year old went missing from the park',
    'my son has gone missing, school have rung the police',
    'no one has seen her since lunchtime',
    "we're out searching for him now",
    "she didn't come home from college last night",
  ])('flags %j', (text) => {
    expect(risky(text)).toBe(true);
  });

  it.each([
    "I don't know where to begin with a complaint",
    "we don't know where he will go to secondary school",
    "I'm not sure where she is on the waiting list",
    'the council lost his paperwork again',
    'his EHCP draft has gone missing at the council',
    'some pages were missing from the plan they sent',
    'he ran off at playtime but a TA brought him back straight away',
    'he walks out of lessons when the room is too loud',
    "he hasn't been back to school since the exclusion",
    'the council has not come back to me about the assessment',
    "I can't find the form for the appeal",
    'she is not home educated any more',
  ])('does not flag %j', (text) => {
    expect(risky(text)).toBe(false);
  });
});

describe('who is writing', () => {
  const young = (text: string) => writtenByYoungPerson(normaliseWords(text));

  it.each([
    ['im 14 and my step dad hurts me', true],
    ['i am sixteen and i keep cutting myself', true],
    ["I'm in year 10 and I'm scared to go home", true],
    ['my mum hits me with a belt', true],
    ["my dad's girlfriend locks me in my room", true],
    ['a lad at my school keeps sending me pics', true],
    ['my teacher keeps messaging me on snapchat', true],
    // parents, and adults about themselves
    ['my 15 year old son is self harming', false],
    ['my daughter says her stepdad hits her', false],
    ['my partner hits me in front of the kids', false],
    ['I am so tired I want to end it all', false],
    ['i am 38 and my ex has threatened me', false],
  ])('%j → young person: %s', (text, expected) => {
    expect(young(text)).toBe(expected);
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

  it.each(tenants)('for %s: a young person is spoken to, with Childline for under-19s, in one SMS', (tenant) => {
    const reply = replies().safeguarding(tenant, { youngPerson: true });
    expect(reply.text).toMatch(/^I'm worried by what you've said\. Your safety comes first/);
    expect(reply.text).not.toMatch(/the child's/);
    expect(reply.text).toMatch(/call 999/);
    expect(reply.text).toMatch(/Childline: 0800 1111\. Free, any time, for anyone under 19/);
    expect(reply.text).toMatch(/Samaritans: 116 123/);
    expect(reply.text).toMatch(/children's services/);
    expect(reply.sms).toMatch(/^If you are in danger now call 999\. Childline 0800 1111: free for under-19s/);
    expect(segmentCount(reply.sms)).toBe(1);
    const first = replies().safeguarding(tenant, { youngPerson: true, introduce: true });
    expect(first.sms).toMatch(/automated assistant, not a person/);
    expect(segmentCount(first.sms)).toBe(1);
  });

  it.each(tenants)('for %s: a parent is still told the child\'s safety comes first', (tenant) => {
    const reply = replies().safeguarding(tenant, { youngPerson: false });
    expect(reply.text).toMatch(/Your safety, and the child's, comes first/);
    expect(reply.sms).toBe('If anyone is in danger now call 999. Childline 0800 1111. Samaritans 116 123 (free, any time).');
  });

  it.each(tenants)('for %s: staff get the staff wording even when the message reads as a young person\'s', (tenant) => {
    const asStaff = replies().safeguarding(tenant, { audience: 'staff' });
    expect(replies().safeguarding(tenant, { audience: 'staff', youngPerson: true })).toEqual(asStaff);
    expect(asStaff.text).toMatch(/designated safeguarding lead/);
  });

  it.each(tenants)('for %s: every number in an urgent reply is a national one or the council\'s own', (tenant) => {
    const core = (shared ??= createAssistantCore());
    const known = new Set<string>(Object.values(NATIONAL_CONTACTS));
    const collect = (value: unknown): void => {
      if (typeof value === 'string') for (const n of value.match(/\d(?: ?\d){2,}/g) ?? []) known.add(n.trim());
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(core.replies.tenant(tenant));
    const options = [{}, { youngPerson: true }, { introduce: true }, { youngPerson: true, introduce: true }, { audience: 'staff' as const }];
    for (const option of options) {
      const reply = core.replies.safeguarding(tenant, option);
      for (const text of [reply.text, reply.sms]) {
        // a number is three or more digits, spaces allowed between them ("under 19" is an age)
        for (const n of text.match(/\d(?: ?\d){2,}/g) ?? []) expect(known, `${n} in ${JSON.stringify(option)}`).toContain(n.trim());
      }
    }
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
