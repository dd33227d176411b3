import { describe, expect, it } from 'vitest';
import { normaliseWords } from '../../src/core/understanding/normalise';
import {
  AFTER_DISCLOSURE_HOURS, resolvedInThePast, soundsDistressed, suggestsRisk, withinAfterDisclosure, writtenAboutThemselves, writtenByYoungPerson,
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
    // keeping it from a parent
    ["I don't feel safe at home and my mum can't know", true],
    ['please dont tell my dad, he will go mad', true],
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
    const options = [
      {}, { youngPerson: true }, { introduce: true }, { youngPerson: true, introduce: true }, { audience: 'staff' as const },
      { writer: 'self-adult' as const }, { writer: 'self-adult' as const, introduce: true },
    ];
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

describe("a writer's own crisis", () => {
  const read = (text: string) => suggestsRisk(normaliseWords(text), text);

  it.each([
    // not coping, at breaking point, can't go on like this
    "I can't cope anymore",
    'i cant cope',
    'I cannot cope',
    'not coping at all, crying every night',
    "i'm really not coping",
    'everything is too much and i cant cope anymore',
    'my partner left and im not coping',
    'my son is autistic and I honestly cant cope with him anymore',
    "He can't cope and neither can I",
    "i'm at breaking point",
    'at breaking point tbh',
    "I can't do this anymore",
    "I can't take it anymore",
    "I can't take any more of this",
    "I can't carry on like this",
    'its all too much cant cope',
    'i cant take it',
    'my body cant cope with this stress anymore',
    // wanting it all to stop, giving up, done with everything
    'i just want it all to stop',
    'I want everything to stop',
    'I feel like giving up',
    'feeling like giving up on everything',
    'im done with everything',
    "im done. ive fought for 3 years for this plan and im so tired i just want it all to stop",
    "I've had enough of life",
    'im so tired of living',
    // thoughts of ending their life, said without the words of suicide
    'ive been thinking about ending it',
    'I keep thinking about ending things',
    "I don't want to be here anymore",
    "I don't want to wake up tomorrow",
    "I wish I'd never been born",
    'nobody would care if I was gone',
    'I just want to go to sleep and never wake up',
    "I'm in a really dark place",
    'I feel hopeless and worthless',
    'i feel like a burden to everyone',
    // buried in a SEND question
    'The council refused to assess and I need to know how to appeal but honestly I am not coping, I am crying every night',
  ])('flags %j', (text) => {
    expect(read(text)).toBe(true);
  });

  it.each([
    // frustration with a school, a council or a chore
    "I'm done with this school",
    "I'm done with the council",
    'I give up trying to get them to answer emails',
    "I can't cope with all the paperwork",
    "I'm at the end of my tether with this council",
    "I've given up on the school ever following the plan",
    'I feel like giving up on the appeal',
    'i had to give up work to care for him',
    "I'm fed up of chasing the council",
    "I'm tired of fighting the council",
    "I'm hopeless with forms, can you help",
    "I'm exhausted. Do I have to pick just one route?",
    // a child or a school that cannot cope: a SEND question
    "he's not coping at school",
    'he is really not coping in mainstream, can we ask for an EHC assessment?',
    "my son can't cope with the noise in class",
    "the school say they can't cope with him",
    "The school say they're doing everything they can, but my son is still way behind and can't cope. How do we get an EHCP started?",
    'she is at breaking point with school refusal',
    "I'm worried he won't cope at secondary",
    // taking something somewhere, taking time off
    "I can't take it any further with the school can I?",
    "I can't take any more days off work",
    "I can't take this decision lying down",
    'he cannot take any more time off school',
    // wanting something else to stop
    'I want the bullying to stop',
  ])('does not flag %j', (text) => {
    expect(read(text)).toBe(false);
  });
});

describe('not feeling safe at home', () => {
  const read = (text: string) => suggestsRisk(normaliseWords(text), text);

  it.each([
    "I don't feel safe at home",
    "I'm 16 and I don't feel safe at home",
    "I'm 16 and I want to ask for my own EHC assessment but I don't feel safe at home and my mum can't know",
    'i dont feel safe with my partner',
    "my son doesn't feel safe at home",
    'she says she feels scared at home',
    "it isn't safe for me at home",
    'i no longer feel safe in my own house',
  ])('flags %j', (text) => {
    expect(read(text)).toBe(true);
  });

  it.each([
    "he doesn't feel safe at school",
    'she feels unsafe in the classroom',
    'he feels safe at home but not at school',
  ])('does not flag %j', (text) => {
    expect(read(text)).toBe(false);
  });
});

describe('harm to oneself told as long past and over', () => {
  const read = (text: string) => suggestsRisk(normaliseWords(text), text);
  const past = (text: string) => resolvedInThePast(normaliseWords(text), text);

  it.each([
    "my son used to self-harm a few years ago but he's fine now. We just want to know about mediation",
    'She had suicidal thoughts last year but is doing well now. Can she get an EHCP?',
    'he self harmed when he was 12, he is 16 now and doing really well. what happens to his EHCP at college?',
    "I used to self harm as a teenager but I'm fine now, can I ask for my own assessment",
    "she had a spell of self harming in year 7 but it's all behind us now, we just want to know about mediation",
    'he went through a phase of self harm, its behind him now. how do i complain about the school?',
  ])('is not a risk now: %j', (text) => {
    expect(read(text)).toBe(false);
    expect(past(text)).toBe(true);
  });

  it.each([
    // not over: again, recent, still, worry
    'my son used to self harm but recently he started again',
    "he used to self harm years ago, he's fine now but last night he said he wants to die",
    "she tried to kill herself last year. she is doing well now but i'm worried it'll happen again",
    'my son used to self-harm a few years ago and he still does sometimes',
    "he took an overdose last week, he's ok now",
    'she used to self harm but she is not fine now',
    "she's in year 8 and self harming, it's behind closed doors",
    'she is self harming in year 9',
    // not said to be over, or not said when
    'he used to self harm',
    "she self harms but she's fine now",
    // the past clause is over, another is not
    'He used to self harm years ago. He is fine now. He says he wants to die',
    // abuse, violence, or not being safe at home: whoever did it may still be there
    "my daughter was abused by her uncle years ago but she's fine now",
    'she used to self harm, she is fine now. her dad hits her though',
    "I didn't feel safe at home a few years ago but I'm fine now",
  ])('is still a risk: %j', (text) => {
    expect(read(text)).toBe(true);
    expect(past(text)).toBe(false);
  });
});

describe('who the risk is to: the writer alone', () => {
  const aboutThemselves = (text: string) => writtenAboutThemselves(normaliseWords(text), text);

  it.each([
    ["I can't cope anymore", true],
    ['im done with everything', true],
    ['i just want it all to stop', true],
    ['I want to kill myself', true],
    ['I am so tired I want to end it all', true],
    ["I don't feel safe at home", true],
    ['not coping at all, crying every night', true],
    // another clause may name the child
    ["My son has an EHCP. I can't cope anymore and I've been thinking about ending it all.", true],
    ['my son is autistic and i cant cope anymore', true],
    // someone else at risk, or with the writer in it
    ["I can't cope anymore, my son keeps saying he wants to die", false],
    ['my son says he wants to kill himself', false],
    ['we are not safe at home', false],
    ["we can't cope with him anymore, he's violent at home", false],
    ['i dont feel safe with my partner', false],
    ["my son doesn't feel safe at home", false],
    ['my partner hits me and the children', false],
    ['he has gone missing and i cant cope', false],
  ] as Array<[string, boolean]>)('%j → about themselves: %s', (text, expected) => {
    expect(aboutThemselves(text)).toBe(expected);
  });
});

describe("what the urgent reply says to an adult about their own crisis", () => {
  let shared: ReturnType<typeof createAssistantCore> | undefined;
  const replies = () => (shared ??= createAssistantCore()).replies;
  const tenants = ['derby', 'milton-keynes', 'worcestershire', 'generic'];

  it.each(tenants)('for %s: kind and short, 999, Samaritans, a person, and no child put first', (tenant) => {
    const reply = replies().safeguarding(tenant, { writer: 'self-adult' });
    expect(reply.text).toMatch(/^That sounds really hard/);
    expect(reply.text).toMatch(/If you might hurt yourself, or you're in danger, call 999/);
    expect(reply.text).toMatch(/Samaritans: 116 123\. Free, any time/);
    expect(reply.text).toMatch(/under 19, Childline: 0800 1111/);
    expect(reply.text).toMatch(/a person/);
    expect(reply.text).not.toMatch(/the child's|children's services|worried by what you've said/);
    expect(reply.sms).toBe('That sounds so hard. If you might hurt yourself or are in danger, call 999. Samaritans 116 123, free, any time. Under 19: Childline 0800 1111.');
    expect(segmentCount(reply.sms)).toBe(1);
    const first = replies().safeguarding(tenant, { writer: 'self-adult', introduce: true });
    expect(first.text).toMatch(/automated assistant, not a person/);
    expect(first.sms).toMatch(/automated assistant, not a person/);
    expect(segmentCount(first.sms)).toBeLessThanOrEqual(2);
  });

  it.each(tenants)('for %s: a young person and staff keep their own wording', (tenant) => {
    expect(replies().safeguarding(tenant, { writer: 'self-adult', youngPerson: true })).toEqual(replies().safeguarding(tenant, { youngPerson: true }));
    expect(replies().safeguarding(tenant, { writer: 'self-adult', audience: 'staff' })).toEqual(replies().safeguarding(tenant, { audience: 'staff' }));
  });

  it.each(tenants)('for %s: after harm told as past and over, one line on where to get help if things change', (tenant) => {
    const line = replies().safeguardingIfThingsChange(tenant);
    expect(line.text).toMatch(/999/);
    expect(line.text).toMatch(/0800 1111/);
    expect(line.text).toMatch(/116 123/);
    expect(segmentCount(line.sms)).toBe(1);
    const staff = replies().safeguardingIfThingsChange(tenant, 'staff');
    expect(staff.text).toMatch(/safeguarding procedure/);
    expect(segmentCount(staff.sms)).toBe(1);
    for (const text of [line.text, line.sms, staff.text, staff.sms]) {
      for (const n of text.match(/\d(?: ?\d){2,}/g) ?? []) expect(Object.values(NATIONAL_CONTACTS)).toContain(n.trim());
    }
  });
});
