import { describe, expect, it } from 'vitest';
import { normaliseWords } from '../../src/core/understanding/normalise';
import { clausesOf, riskVocabulary, suggestsRisk } from '../../src/core/understanding/safeguarding';
import { createAssistantCore } from '../../src/core/assistant';

/** As the assistant reads a message: its normalised words, and the message as typed for its clauses. */
const risky = (text: string) => suggestsRisk(normaliseWords(text), text);
/** Words only, as a caller that has not got the typed message reads it. */
const riskyWords = (text: string) => suggestsRisk(normaliseWords(text));

describe('missing someone or something is not a missing child', () => {
  it.each([
    'he is missing his friends',
    'she misses her old school',
    "he's been missing his dad since the divorce",
    'missing his TA',
    'missing out on trips',
    'hes missing his mates from primary soo much',
    "he's missing out on school trips because of his behaviour",
    'shes missing her nan who passed',
    'he is missing so much school because of anxiety',
    'my daughter is missing lessons every day',
    "he's been missing his medication at school",
    'hes missing home at his residential school',
    'she is missing being at home with us',
    'we are missing the deadline what happens',
    'he has been missing a lot of school since xmas',
    'the date is missing on the decision letter',
    'the signature is missing',
    'section f is missing speech therapy',
    'his 1:1 hours are missing from the plan',
    'his phone went missing at school',
    'his hearing aids have gone missing again',
    'my child missing education what are the rules',
  ])('does not flag %j', (text) => {
    expect(risky(text)).toBe(false);
  });

  it.each([
    'my son is missing',
    'my sons missing',
    'ds is missing n its dark',
    "she's gone missing and it's getting dark",
    "he's been missing since this morning",
    'missing since yesterday police involved',
    'my daughter has been missing for 3 hours',
    'hes been missing the whole night',
    'my son is missing from home',
    'my 15 year old has been missing overnight',
    'our son is missing and the police are searching',
    // said with no punctuation, an object-looking word after "missing" that is not one
    'shes missing her phone is off',
    'hes missing school rang me',
  ])('flags %j', (text) => {
    expect(risky(text)).toBe(true);
  });
});

describe('a comma or full stop ends an exception that reads on from the risk', () => {
  it.each([
    "he's missing, school rang me",
    'hes missing. school rang at 3',
    'my son is missing - school called me',
    'my daughter is missing, her phone is off',
    "she's missing, not answering her phone",
    "he's not come home, school finished at 3",
    "he hasn't come back, to school or anywhere",
    // the exception in another sentence does not hide the risk in this one
    "my son has been missing since 3pm. he's been missing school a lot lately too",
    'he has been missing since lunch. his coat is missing too',
  ])('flags %j', (text) => {
    expect(risky(text)).toBe(true);
  });

  it.each([
    "he's missing school again, the senco rang me",
    'he is missing lessons. the school rang me',
    'he has been missing his friends. school is hard',
    'the school threatened to exclude him, he cried',
    "he hasn't been back to school, since the exclusion",
    // a message about safeguarding as a subject is that, whichever sentence says so
    'what is your safeguarding policy. what if a child is missing',
  ])('does not flag %j', (text) => {
    expect(risky(text)).toBe(false);
  });

  it('reads the words alone as before when the typed message is not given', () => {
    expect(riskyWords("he's missing, school say he never arrived")).toBe(false);
    expect(risky("he's missing, school say he never arrived")).toBe(true);
    expect(riskyWords('my son is missing')).toBe(true);
  });

  it('splits at sentence and clause punctuation, line breaks, dashes and brackets', () => {
    expect(clausesOf("He's missing, school rang me. Help!\nnow - please (asap)")).toEqual([
      ['he', 'is', 'missing'], ['school', 'rang', 'me'], ['help'], ['now'], ['please'], ['as', 'soon', 'as', 'possible'],
    ]);
    expect(clausesOf('')).toEqual([]);
  });

  it('reads each clause with the spelling corrector the words were read with', () => {
    const correct = (word: string) => (word === 'misssing' ? 'missing' : word);
    const text = 'hes misssing, school said to ring them';
    expect(suggestsRisk(normaliseWords(text, correct), text)).toBe(false);
    expect(suggestsRisk(normaliseWords(text, correct), text, correct)).toBe(true);
  });
});

describe('a child with a much older partner, or in contact with an adult', () => {
  it.each([
    'my 14 year old has a 22 year old boyfriend',
    'my daughter is 13 and seeing a man of 19',
    '15yo dating someone in their 20s',
    'my son (14) keeps meeting an older man he met online',
    'im 14 and my boyfriend is 21',
    'my daughter is 15 her bf is 24',
    "she's 14 n her boyfriend is 19",
    'im 15 an my gf is 20',
    'my dd is in year 9 and has a 19yo boyfriend',
    "my 14 year old's boyfriend is 22",
    'my 13yr old is talking to a 25 year old on snapchat',
    'my 12 year old is messaging a 20 yr old he met on roblox',
    'my 14 y/o is seeing a 23 y/o',
    'my daughter is fourteen and dating a twenty two year old',
    'my 13 year old daughter has a boyfriend who is 18',
    'my son is 14 and someone aged 25 started messaging him',
    'she is 14 and her online friend is 20',
    'my 15 year old has a boyfriend, hes 18 and they met online',
    'my 15 yr old is having sex with a 20 year old',
    // 16 and 17: a gap of five years or more
    'my 17 year old has a 24 year old boyfriend',
    // no age for the partner, but said to be much older
    'my 15 year old is seeing a much older man',
    'my daughter is 15 and her boyfriend is a grown man',
  ])('flags %j', (text) => {
    expect(risky(text)).toBe(true);
  });

  it.each([
    // ages of things, family, staff and professionals
    'my 14 year old has a 22 page report',
    'my son is 14 and his sister is 22',
    "he's 15 and his TA is 25 — she's lovely",
    "my 14 year old's boyfriend is 15 and his brother is 22",
    'my 14 year old son has a girlfriend her brother is 21',
    'he is 14 and his dads girlfriend is 22',
    'my 14 year old is seeing a 30 year old psychologist',
    'she is 14 and is seeing a 25 year old support worker',
    'my son is 17 and we met the 25 year old transition worker',
    'my son is 14, he has a 1:1 who is 23 and he meets her every morning',
    // counts and measures, not ages
    'my son is 14 and has 20 minutes of 1:1 a day',
    'my son is 14 and was excluded for 20 days',
    'the tribunal is in 20 weeks and my son is 14 and has a girlfriend',
    'my 14 year old has 25 hours of support and meets his TA daily',
    "he's 15 and is 6 foot tall",
    'my 14 year old meets friends at a youth club for 16 to 25 year olds',
    'the ehcp can go up to 25, my son is 16 and dating',
    // the writer's own partner, the writer's own age
    "my boyfriend is 35 and my son is 14, they don't get on",
    'my partner is 40 and my son is 14',
    'i am 24 and my boyfriend is 30 and my son is 14',
    'me and my 19 year old boyfriend and my 15 year old son',
    'my son is 15, i am 45 and we are meeting the council',
    // the child's own age to come
    'my son is 14 and can stay at the school until he is 19 and meets his TA',
    'my son is 14 and can stay at the school until he is 19 years old and meets his TA',
    'my son is 14 and when he turns 18 he will meet adult services',
    // close in age, or both adults
    'my 15 year old has been going out with a 17 year old',
    'my 17 year old has a 19 year old girlfriend',
    'my 16 yo is dating a 19 year old',
    'my daughter is 19 and her boyfriend is 30',
  ])('does not flag %j', (text) => {
    expect(risky(text)).toBe(false);
  });
});

describe('other everyday words of harm, and real risks said plainly', () => {
  it.each([
    'the school is killing me with paperwork',
    'this appeal is killing me',
    'the council are killing us with delays',
    'i could murder a coffee',
    'how do i end it with this school and move him',
    'he wants to disappear into his room when its loud',
    'the school said he is at risk of exclusion',
    'our dog died and he is upset',
  ])('does not flag %j', (text) => {
    expect(risky(text)).toBe(false);
  });

  it.each([
    'he said he wants to kill himself',
    'he sed he wants 2 kill himself',
    'she keeps sayin she wants to die',
    'hes threatening to kill himself',
    'my son keeps saying he wants to disappear',
    'i just want to end it',
    'shes been cuttin herself',
  ])('flags %j', (text) => {
    expect(risky(text)).toBe(true);
  });
});

describe('an adult hurting or touching a child, and not being able to go on, said plainly', () => {
  it.each([
    'my daughter told me her stepdad touches her',
    'my son says his uncle touched him',
    'my son told me a teacher hurt him',
    'the taxi driver grabbed her',
    'his dads girlfriend hit him',
    'my stepdad hits me',
    'i really dont know how much longer i can keep going like this',
    'theres no point anymore',
    "i'm not ok, i don't think i can carry on",
    "i cant go on",
    'I cannot go on like this',
  ])('flags %j', (text) => {
    expect(risky(text)).toBe(true);
  });

  it.each([
    'the TA touched his arm to calm him down',
    'the teacher told me another child hit him',
    'he was hit by another pupil at lunch',
    'the school keeps touching base with me',
    "there's no point asking the school",
    'is there any point appealing',
    "I don't think I can take it to tribunal",
    'the teacher hit him with a detention for nothing',
    'I rang the school and they said he cant go on the trip',
    'she cannot go on the residential without a 1:1',
  ])('does not flag %j', (text) => {
    expect(risky(text)).toBe(false);
  });
});

describe('the words the risk patterns use', () => {
  it('are offered to the spelling corrector, without wildcards', () => {
    const words = riskVocabulary();
    for (const word of ['missing', 'suicide', 'boyfriend', 'herself', 'himself']) expect(words).toContain(word);
    expect([...words].some((w) => w.includes('*'))).toBe(false);
  });
});

describe("a writer's own crisis, typed as texts are", () => {
  // Read as the assistant reads a message: with its spelling corrector ("breakin", "givin", "dnt").
  let understander: ReturnType<typeof createAssistantCore>['understander'] | undefined;
  const understood = (text: string) => (understander ??= createAssistantCore().understander).understand(text).kind;

  it.each([
    'i cnt cope anymore',
    'cant cope no more',
    'im at breakin point',
    'dont feel safe at home',
    'i dnt feel safe at home',
    'im not copin',
    'just want it all 2 stop',
    'im done wiv everything',
    'i feel like givin up',
    'cant do this any more',
    'I cannot cope any longer',
    'i feel like ending it',
    "I've had enough. I can't cope.",
  ])('flags %j', (text) => {
    expect(understood(text)).toBe('safeguarding');
  });

  it.each([
    // the subject is the nearest person named before the words, in the same clause
    'my son cant cope in class, i need help with his ehcp',
    'im fine but my daughter is not coping with the new timetable',
    'i think the school cant cope with him, can they exclude him',
  ])('does not flag %j', (text) => {
    expect(risky(text)).toBe(false);
  });

  it('reads a clause on its own: "my son can\'t cope, and nor can I" is the writer\'s too', () => {
    expect(risky("my son can't cope at school. Honestly I'm not coping either")).toBe(true);
  });
});
