import type { Activity } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SMS_MAX_SEGMENTS } from '../../src/bot/renderReply';
import { segmentCount } from '../../src/channels/sms/segments';
import type { Store } from '../../src/store/store';
import { openDeskBot, personTalkingTo, type DeskBot, type Person } from '../helpers/deskBot';
import { buttonsOf, core } from '../helpers/testBot';

/**
 * A first message about the writer's own crisis ("I can't cope anymore", "im done with everything"),
 * or about not feeling safe at home, gets urgent help worded for the writer, then a person; a harm
 * told as long past and over gets no urgent block and no hand-off; ordinary frustration is not a
 * crisis. Through the real bot, dialogs, HandoffService and a SQLite store; only the channel is Bot
 * Framework's TestAdapter.
 */

// Milton Keynes advisers work weekdays 9:30 to 15:30 (Europe/London, GMT in November).
const MONDAY_11AM = new Date('2026-11-23T11:00:00Z');
const MONDAY_9PM = new Date('2026-11-23T21:00:00Z');

const CHANNELS = ['sms', 'webchat', 'msteams'] as const;
type Channel = (typeof CHANNELS)[number];

/** The reply for an adult about their own crisis, on web chat and by SMS. */
const FOR_THE_WRITER: Record<Exclude<Channel, 'msteams'>, RegExp> = {
  webchat: /^That sounds really hard, and I'm sorry you're going through it\./,
  sms: /^That sounds so hard\. If you might hurt yourself or are in danger, call 999\. Samaritans 116 123/,
};
/** The reply for a young person about themselves. */
const FOR_A_YOUNG_PERSON = /you were right to say something|Childline 0800 1111: free for under-19s/;
/** What staff in Teams are told: their own procedure. */
const FOR_STAFF = /designated safeguarding lead/;
/** The reply for families, that puts the child first, and every other urgent block. */
const WHOLE_BLOCK = /I'm worried by what you've said|This sounds like a safeguarding concern|That sounds (really|so) hard/;
/** What must never answer a crisis: not understood, a menu, goodbye. */
const WRONG = /not sure what you're asking|try another way|say it another way|Goodbye, and take care/i;
/** A person offered: a call-back out of hours, a place in the queue in hours. */
const PERSON = /call or email you back|call-back|adviser to join you/i;

let desk: DeskBot;
let store: Store;
let clock: Date;

function person(conversationId: string, channelId: Channel, tenant = 'milton-keynes'): Person {
  return personTalkingTo(desk.bot, conversationId, channelId, tenant, () => clock);
}

const textOf = (activity: Partial<Activity> | undefined) => activity?.text ?? '';
const allText = (activities: Partial<Activity>[]) => activities.map(textOf).join('\n');

beforeEach(async () => {
  clock = MONDAY_9PM;
  desk = await openDeskBot('safeguarding-self-', () => clock);
  store = desk.store;
});

afterEach(async () => {
  await desk.close();
});

/** An adult's own crisis, as first messages (the exploratory tester's, and others like them). */
const OWN_CRISIS = [
  "I can't cope anymore",
  'i cant cope',
  'I feel like giving up',
  "i'm at breaking point",
  'not coping at all, crying every night',
  'i just want it all to stop',
  'im done with everything',
  'im done. ive fought for 3 years for this plan and im so tired i just want it all to stop',
  "I've been fighting for his EHCP for two years. I can't do this anymore, I just want it all to end",
  'honestly been thinking about ending it',
  "I don't feel safe at home",
  'i really dont know how much longer i can keep going like this',
  "i'm not ok, i don't think i can carry on",
];

/** A young person unsafe at home, and what else they ask. */
const YOUNG_AND_UNSAFE = [
  "I'm 16 and I don't feel safe at home",
  "I'm 16 and I want to ask for my own EHC assessment but I don't feel safe at home and my mum can't know",
];

describe.each(CHANNELS)('an adult about their own crisis, out of hours, on %s', (channel) => {
  it.each(OWN_CRISIS)('%j gets urgent help worded for them first, then a person', async (message) => {
    const p = person(`c-self-${channel}`, channel);
    const replies = await p.say(message);
    expect(replies.length).toBeGreaterThanOrEqual(2);
    const first = textOf(replies[0]);
    if (channel === 'msteams') {
      expect(first).toMatch(FOR_STAFF);
    } else {
      expect(first).toMatch(FOR_THE_WRITER[channel]);
      expect(first).toMatch(/116 123/);
      expect(first).not.toMatch(/the child's/);
    }
    expect(first).toMatch(/999/);
    expect(allText(replies)).toMatch(PERSON);
    expect(allText(replies)).not.toMatch(WRONG);
    expect(allText(replies)).not.toMatch(/needs assessment|mediation is/i);
    if (channel === 'sms') {
      // A first message: the urgent reply says it is automated, gives Childline too, and fits two SMS segments.
      expect(first).toMatch(/automated assistant, not a person/);
      expect(first).toMatch(/Childline 0800 1111/);
      expect(segmentCount(first)).toBeLessThanOrEqual(2);
      for (const reply of replies) expect(segmentCount(textOf(reply))).toBeLessThanOrEqual(SMS_MAX_SEGMENTS);
    }
  });
});

describe.each(CHANNELS)('in the advisers\' hours, on %s', (channel) => {
  it.each(["I can't cope anymore", "I don't feel safe at home"])('%j asks for an adviser urgently', async (message) => {
    clock = MONDAY_11AM;
    const p = person(`c-self-hours-${channel}`, channel);
    const replies = await p.say(message);
    expect(textOf(replies[0])).toMatch(/999/);
    expect(allText(replies)).toMatch(/adviser to join you urgently/);
    expect((await store.listQueue())[0]).toMatchObject({ urgent: true, reason: 'safeguarding' });
  });
});

describe.each(CHANNELS)('a young person unsafe at home, on %s', (channel) => {
  it.each(YOUNG_AND_UNSAFE)('%j is spoken to as a young person, before anything they ask', async (message) => {
    const p = person(`c-young-${channel}`, channel);
    const replies = await p.say(message);
    const first = textOf(replies[0]);
    expect(first).toMatch(channel === 'msteams' ? FOR_STAFF : FOR_A_YOUNG_PERSON);
    expect(first).toMatch(/999/);
    expect(allText(replies)).toMatch(PERSON);
    // The assessment question waits for the person: no topic answer before or after the urgent help.
    expect(allText(replies)).not.toMatch(/needs assessment/i);
    if (channel === 'sms') expect(segmentCount(first)).toBe(1);
  });
});

describe.each(CHANNELS)('a harm told as long past and over, on %s', (channel) => {
  it.each([
    "my son used to self-harm a few years ago but he's fine now. We just want to know about mediation",
    'She had suicidal thoughts last year but is doing well now. What is mediation?',
  ])('%j gets no urgent block and no hand-off, and the question is taken up', async (message) => {
    const p = person(`c-past-${channel}`, channel);
    const replies = await p.say(message);
    expect(allText(replies)).not.toMatch(WHOLE_BLOCK);
    expect(allText(replies)).not.toMatch(PERSON);
    // Where to turn if things change, in a line of its own before the answer.
    expect(allText(replies)).toMatch(channel === 'msteams' ? /If there is (ever )?a new concern/ : /If you're ever worried again that someone is at risk/);
    // The question is answered, or offered back as the likeliest topic (not the welcome's list).
    const last = replies.at(-1);
    expect(`${textOf(last)} ${buttonsOf(last ?? {}).join(' ')}`).toMatch(/mediat/i);
    expect(await store.listHandoffs({})).toEqual([]);
    expect(await store.listQueue()).toEqual([]);
  });

  it('a harm told as past that may not be over is still urgent', async () => {
    const p = person(`c-past-not-over-${channel}`, channel);
    const replies = await p.say('she used to self harm years ago and she is fine now but recently she started again');
    expect(textOf(replies[0])).toMatch(/999/);
    expect(allText(replies)).toMatch(PERSON);
  });
});

describe.each(CHANNELS)('ordinary frustration, on %s', (channel) => {
  it.each([
    "I'm done with the council",
    'I give up trying to get them to answer emails',
    "I can't cope with all the paperwork",
    "my son can't cope in mainstream, how do we get an EHC assessment?",
  ])('%j is not a crisis', async (message) => {
    const p = person(`c-frustrated-${channel}`, channel);
    const replies = await p.say(message);
    expect(allText(replies)).not.toMatch(WHOLE_BLOCK);
    expect(allText(replies)).not.toMatch(/999/);
    expect(await store.listQueue()).toEqual([]);
    expect((await store.listHandoffs({})).filter((h) => h.reason === 'safeguarding')).toEqual([]);
  });
});
