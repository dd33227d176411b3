import { MemoryStorage, type Activity } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAssistantBot } from '../../src/bot/createAssistantBot';
import type { AssistantBot } from '../../src/bot/assistantBot';
import { AFTER_DISCLOSURE_HOURS } from '../../src/core/understanding/safeguarding';
import { CALLS_UNSAFE_HOURS } from '../../src/core/handoff/callback';
import { SMS_MAX_SEGMENTS } from '../../src/bot/renderReply';
import { segmentCount } from '../../src/channels/sms/segments';
import type { Store } from '../../src/store/store';
import { openDeskBot, personTalkingTo, type DeskBot, type Person } from '../helpers/deskBot';
import { core } from '../helpers/testBot';

/**
 * What a person sees after telling the assistant that someone is at risk: for a day afterwards a
 * message that is not a SEND question gets a short urgent line (999 and a crisis line) first, then a
 * person, never the "try another way" menu; a SEND question is still answered. Through the real bot,
 * dialogs, HandoffService and a SQLite store; only the channel is Bot Framework's TestAdapter.
 */

// Milton Keynes advisers work weekdays 9:30 to 15:30 (Europe/London, GMT in November).
const MONDAY_11AM = new Date('2026-11-23T11:00:00Z');
const MONDAY_9PM = new Date('2026-11-23T21:00:00Z');
const HOUR = 60 * 60 * 1000;

const DISCLOSURE = 'my daughter 14 said shes going to kill herself tonight';
const CHANNELS = ['sms', 'webchat', 'msteams'] as const;
type Channel = (typeof CHANNELS)[number];

/** The menu and the "say it another way" reply that must never follow a disclosure. */
const MENU = /try another way|say it another way|not sure what you're asking|how do i appeal|Help me work out what to do/i;
/** The whole safeguarding block (public or staff), which is not repeated on every message. */
const WHOLE_BLOCK = /I'm worried by what you've said|This sounds like a safeguarding concern/;
/** A person offered: a call-back out of hours, a place in the queue in hours, or the advice service's contact. */
const PERSON = /call or email you back|call-back|adviser to join you|01908 254518/i;

let desk: DeskBot;
let store: Store;
let clock: Date;

function person(conversationId: string, channelId: string, tenant = 'milton-keynes', withBot: AssistantBot = desk.bot): Person {
  return personTalkingTo(withBot, conversationId, channelId, tenant, () => clock);
}

const textOf = (activity: Partial<Activity> | undefined) => activity?.text ?? '';
const allText = (activities: Partial<Activity>[]) => activities.map(textOf).join('\n');
/** How a person declines the call-back: its number on SMS, its button elsewhere. */
const declineCallback = (channel: Channel) => (channel === 'sms' ? '2' : 'No thanks');

beforeEach(async () => {
  clock = MONDAY_9PM;
  desk = await openDeskBot('safeguarding-follow-up-', () => clock);
  store = desk.store;
});

afterEach(async () => {
  await desk.close();
});

/** The QA report: a disclosure by SMS out of hours, the call-back declined, then more messages. */
async function disclosedAndDeclined(p: Person, channel: Channel): Promise<void> {
  const first = await p.say(DISCLOSURE);
  expect(allText(first)).toMatch(/999/);
  expect(allText(first)).toMatch(/call or email you back/i);
  const declined = await p.say(declineCallback(channel));
  // Turning the call-back down after a disclosure still leaves the urgent contacts in view.
  expect(allText(declined)).toMatch(/won't arrange a call-back/);
  expect(allText(declined)).toMatch(/999/);
}

describe.each(CHANNELS)('after a disclosure, out of hours, on %s', (channel) => {
  it.each([
    "shes locked herself in the bathroom now",
    'im scared',
    'help',
    'hello?',
    'what do i do',
    'are you there',
    'blorp fizzle wizzle',
    'when are my bins collected?',
    'ok',
  ])('%j gets the urgent line first, then a person, never the menu', async (message) => {
    const p = person(`c-${channel}`, channel);
    await disclosedAndDeclined(p, channel);
    const replies = await p.say(message);
    expect(replies.length).toBeGreaterThanOrEqual(2);
    expect(textOf(replies[0])).toMatch(/999/);
    expect(allText(replies)).toMatch(PERSON);
    expect(allText(replies)).not.toMatch(MENU);
    expect(allText(replies)).not.toMatch(WHOLE_BLOCK);
    // The person's words are about a crisis, not a SEND question: none kept for content editors.
    expect(await store.listUnanswered({})).toHaveLength(0);
    if (channel === 'sms') {
      expect(segmentCount(textOf(replies[0]))).toBe(1);
      for (const reply of replies) expect(segmentCount(textOf(reply))).toBeLessThanOrEqual(SMS_MAX_SEGMENTS);
    }
  });

  it('keeps giving urgent help on every such message, not only the first', async () => {
    const p = person(`c-${channel}`, channel);
    await disclosedAndDeclined(p, channel);
    for (const message of ["shes locked herself in the bathroom now", declineCallback(channel), 'im scared']) {
      const replies = await p.say(message);
      if (message === declineCallback(channel)) continue;
      expect(textOf(replies[0])).toMatch(/999/);
      expect(allText(replies)).not.toMatch(MENU);
    }
  });

  it('answers a SEND question as usual', async () => {
    const p = person(`c-${channel}`, channel);
    await disclosedAndDeclined(p, channel);
    const replies = await p.say('what is mediation?');
    expect(allText(replies)).toMatch(/mediat/i);
    expect(allText(replies)).not.toMatch(/999/);
  });

  it('gives the urgent line first to a SEND question asked in fear, then answers it', async () => {
    const p = person(`c-${channel}`, channel);
    await disclosedAndDeclined(p, channel);
    const replies = await p.say("i'm scared, what is mediation?");
    expect(textOf(replies[0])).toMatch(/999/);
    expect(allText(replies.slice(1))).toMatch(/mediat/i);
  });

  it.each([
    { after: AFTER_DISCLOSURE_HOURS - 1, urgent: true },
    { after: AFTER_DISCLOSURE_HOURS + 1, urgent: false },
  ])('$after hours later, an unclear message gets urgent help: $urgent', async ({ after, urgent }) => {
    const p = person(`c-${channel}`, channel);
    await disclosedAndDeclined(p, channel);
    const replies = await p.say('blorp fizzle wizzle', new Date(clock.getTime() + after * HOUR));
    expect(textOf(replies[0]).includes('999')).toBe(urgent);
    expect(MENU.test(allText(replies))).toBe(!urgent);
  });
});

describe('after a disclosure, in the advisers\' hours', () => {
  it.each(CHANNELS)('on %s: a frightened message after leaving the queue queues again urgently, with 999 said once', async (channel) => {
    clock = MONDAY_11AM;
    const p = person(`c-${channel}`, channel);
    await p.say(DISCLOSURE);
    expect((await store.listQueue())[0]).toMatchObject({ urgent: true, reason: 'safeguarding' });
    await p.say(channel === 'sms' ? '1' : 'Yes, pass it on');
    await p.say('leave queue');
    expect(await store.listQueue()).toHaveLength(0);
    const replies = await p.say('im scared');
    expect(replies.filter((r) => textOf(r).includes('999'))).toHaveLength(1);
    expect(allText(replies)).toMatch(/adviser to join you urgently/);
    expect(allText(replies)).not.toMatch(MENU);
    expect((await store.listQueue())[0]).toMatchObject({ urgent: true, reason: 'safeguarding' });
  });
});

describe('after a disclosure, with no adviser desk', () => {
  it.each(CHANNELS.flatMap((channel) => ['im scared', 'blorp fizzle wizzle', 'help'].map((message) => ({ channel, message }))))(
    'on $channel, $message gets the urgent line, then the advice service',
    async ({ channel, message }) => {
      const noDesk = createAssistantBot({ core: core(), storage: new MemoryStorage(), defaultTenant: 'generic' });
      const p = person(`c-${channel}`, channel, 'milton-keynes', noDesk);
      await p.say(DISCLOSURE);
      const replies = await p.say(message);
      expect(textOf(replies[0])).toMatch(/999/);
      expect(allText(replies)).toMatch(/01908 254518/);
      expect(allText(replies)).not.toMatch(MENU);
    },
  );
});

/** The urgent line of the follow-up reply, as families and as staff in Teams see it. */
const URGENT_LINE: Record<Channel, RegExp[]> = {
  sms: [/999/, /Childline 0800 1111/],
  webchat: [/999/, /Childline .{0,40}0800 1111/],
  msteams: [/999/, /designated safeguarding lead/],
};
/** How a person stops a question on each channel (SMS providers act on CANCEL themselves). */
const STOP: Record<Channel, string> = { sms: 'never mind', webchat: 'cancel', msteams: 'cancel' };

describe.each(CHANNELS)('stopping a question after a disclosure, on %s', (channel) => {
  const STARTS = [
    { what: 'the deadline conversation', start: 'work out my deadline', asked: /Which deadline shall I work out\?/ },
    { what: 'a guided flow', start: 'I want to complain', asked: /\?/ },
  ];

  it.each(STARTS.flatMap((s) => [
    { ...s, after: AFTER_DISCLOSURE_HOURS - 1, urgent: true },
    { ...s, after: AFTER_DISCLOSURE_HOURS + 1, urgent: false },
  ]))('stopping $what $after hours later repeats the urgent line: $urgent', async ({ start, asked, after, urgent }) => {
    const p = person(`c-stop-${channel}`, channel);
    await disclosedAndDeclined(p, channel);
    const later = new Date(clock.getTime() + after * HOUR);
    expect(allText(await p.say(start, later))).toMatch(asked);
    const replies = await p.say(STOP[channel], later);
    // One reply: the stop, with the urgent line in it (or not), and no menu.
    expect(replies).toHaveLength(1);
    expect(allText(replies)).toMatch(/I've stopped that/);
    for (const line of URGENT_LINE[channel]) expect(line.test(allText(replies))).toBe(urgent);
    expect(allText(replies)).not.toMatch(WHOLE_BLOCK);
    if (channel === 'sms') expect(segmentCount(textOf(replies[0]))).toBeLessThanOrEqual(2);
    // Stopping a question asks for no adviser: out of hours nothing is queued, and nothing was before.
    expect(await store.listHandoffs({})).toEqual([]);
    // And the question has stopped: the next message is not taken as its answer.
    expect(allText(await p.say('what is mediation?', later))).toMatch(/mediat/i);
  });
});

describe.each(CHANNELS)('a SEND question asked with a disclosure, on %s', (channel) => {
  const WITH_QUESTION = "my daughter is 13 and she's been self harming since the school cut her support. how do i ask for an ehc needs assessment?";
  const ALSO = /You also asked about asking for an EHC needs assessment/;
  const ANSWER = (reply: Partial<Activity>[]) => allText(reply).includes(channel === 'sms'
    ? core().replies.answer('ehc-needs-assessment', 'milton-keynes').sms.slice(0, 30)
    : core().replies.answer('ehc-needs-assessment', 'milton-keynes').text.slice(0, 30));

  it('out of hours: urgent help and the call-back offer first, the question answered once that is done', async () => {
    const p = person(`c-also-${channel}`, channel);
    const first = await p.say(WITH_QUESTION);
    expect(textOf(first[0])).toMatch(/999/);
    expect(allText(first)).not.toMatch(ALSO);
    const declined = await p.say(declineCallback(channel));
    expect(allText(declined)).toMatch(ALSO);
    // Offered as a choice, answered when picked; once only.
    expect(ANSWER(declined)).toBe(false);
    expect(ANSWER(await p.say(channel === 'sms' ? '1' : core().knowledge.topics.get('ehc-needs-assessment')!.question))).toBe(true);
    expect(allText(await p.say('thanks'))).not.toMatch(ALSO);
  });

  it('in hours: the adviser takes it up (the question is not answered over the queue)', async () => {
    clock = MONDAY_11AM;
    const p = person(`c-also-hours-${channel}`, channel);
    const first = await p.say(WITH_QUESTION);
    expect(textOf(first[0])).toMatch(/999/);
    expect(allText(first)).not.toMatch(ALSO);
    expect(allText(await p.say(channel === 'sms' ? '1' : 'Yes, pass it on'))).not.toMatch(ALSO);
    // Queued urgently for an adviser, who sees the message.
    expect(await store.listHandoffs({})).toHaveLength(1);
  });

  it('a disclosure with no other question gets no "you also asked"', async () => {
    const p = person(`c-also-none-${channel}`, channel);
    await p.say(DISCLOSURE);
    expect(allText(await p.say(declineCallback(channel)))).not.toMatch(/You also asked/);
  });
});

describe.each(CHANNELS)('a disclosure that says a call is not safe, on %s', (channel) => {
  it.each([
    { what: 'in the disclosure itself', first: 'my partner is hurting my son, please dont ring the house', then: undefined },
    { what: 'in a message after it', first: DISCLOSURE, then: 'he goes through my phone' },
  ])('$what: no call-back is offered, a message here is', async ({ first, then }) => {
    const p = person(`c-overheard-${channel}`, channel);
    let replies = await p.say(first);
    expect(textOf(replies[0])).toMatch(/999/);
    if (then) {
      await p.say(declineCallback(channel));
      replies = await p.say(then);
      replies = await p.say(DISCLOSURE, new Date(clock.getTime() + HOUR));
    }
    expect(allText(replies)).not.toMatch(/call or email you back|call-back/i);
    expect(allText(replies)).toMatch(/A message here is fine/);
    expect(allText(replies)).toMatch(/01908 254518/);
    expect(await store.listCallbacks()).toEqual([]);
  });
});

describe.each(CHANNELS)('leaving or starting again after a disclosure, on %s', (channel) => {
  const LEAVING = [
    { what: 'starting again', message: 'start again', reply: /let's start again/i },
    { what: 'stopping', message: STOP[channel], reply: /I've stopped that/ },
    { what: 'saying goodbye', message: 'ok bye', reply: /Goodbye, and take care/ },
  ];
  const WHERE = [
    { where: 'with no question open', start: undefined },
    { where: 'in the deadline conversation', start: 'work out my deadline' },
  ];

  // "Bye" inside a question is not an interruption (the deadline conversation reads it itself).
  const CASES = LEAVING.flatMap((l) => WHERE.filter((w) => !(w.start && l.what === 'saying goodbye')).map((w) => ({ ...l, ...w })));

  it.each(CASES.flatMap((c) => [
    { ...c, after: AFTER_DISCLOSURE_HOURS - 1, urgent: true },
    { ...c, after: AFTER_DISCLOSURE_HOURS + 1, urgent: false },
  ]))('$what $where, $after hours later, keeps the urgent line in view: $urgent', async ({ message, reply, start, after, urgent }) => {
    const p = person(`c-leave-${channel}`, channel);
    await disclosedAndDeclined(p, channel);
    const later = new Date(clock.getTime() + after * HOUR);
    if (start) await p.say(start, later);
    const replies = await p.say(message, later);
    expect(replies).toHaveLength(1);
    expect(allText(replies)).toMatch(reply);
    for (const line of URGENT_LINE[channel]) expect(line.test(allText(replies))).toBe(urgent);
    expect(allText(replies)).not.toMatch(WHOLE_BLOCK);
    if (channel === 'sms') expect(segmentCount(textOf(replies[0]))).toBeLessThanOrEqual(SMS_MAX_SEGMENTS);
    expect(await store.listHandoffs({})).toEqual([]);
  });
});

describe.each(CHANNELS)('after saying a call is not safe, on %s', (channel) => {
  const askCallback = channel === 'sms' ? '1' : 'Ask for a call-back';

  it.each([
    { after: CALLS_UNSAFE_HOURS - 1, offered: false },
    { after: CALLS_UNSAFE_HOURS + 1, offered: true },
  ])('a new disclosure $after hours later is offered a call-back: $offered', async ({ after, offered }) => {
    const p = person(`c-unsafe-${channel}`, channel);
    expect(allText(await p.say(DISCLOSURE))).toMatch(/call or email you back/i);
    expect(allText(await p.say(askCallback))).toMatch(/what name/i);
    expect(allText(await p.say("they'll hear"))).toMatch(/999/);
    const replies = await p.say(DISCLOSURE, new Date(clock.getTime() + after * HOUR));
    expect(textOf(replies[0])).toMatch(/999/);
    expect(/call or email you back|call-back/i.test(allText(replies))).toBe(offered);
    expect(/A message here is fine/.test(allText(replies))).toBe(!offered);
    // In either case the council's advice service is given, and nothing is kept.
    expect(allText(replies)).toMatch(/01908 254518/);
    if (channel === 'sms') for (const reply of replies) expect(segmentCount(textOf(reply))).toBeLessThanOrEqual(SMS_MAX_SEGMENTS);
    expect(await store.listCallbacks()).toEqual([]);
    expect(await store.listHandoffs({})).toEqual([]);
  });
});
