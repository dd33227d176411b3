import { describe, expect, it } from 'vitest';
import { normaliseWords } from '../../src/core/understanding/normalise';
import { suggestsRisk } from '../../src/core/understanding/safeguarding';

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
