import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAssistantBot } from '../../src/bot/createAssistantBot';
import type { AssistantBot } from '../../src/bot/assistantBot';
import { adviserAvailability } from '../../src/core/handoff/hours';
import { estimateWait } from '../../src/core/handoff/wait';
import { AFTER_DISCLOSURE_HOURS } from '../../src/core/understanding/safeguarding';
import { HandoffService } from '../../src/handoff/service';
import { SMS_MAX_SEGMENTS } from '../../src/bot/renderReply';
import { segmentCount } from '../../src/channels/sms/segments';
import { SqliteStore } from '../../src/store/sqliteStore';
import type { Store } from '../../src/store/store';
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

interface Person {
  /** Sends one message at `at`; returns the messages the bot sent in that turn, in order. */
  say(text: string, at?: Date): Promise<Partial<Activity>[]>;
}

let dataDir: string;
let store: Store;
let clock: Date;
let bot: AssistantBot;

function person(conversationId: string, channelId: string, tenant = 'milton-keynes', withBot: AssistantBot = bot): Person {
  const adapter = new TestAdapter((context) => withBot.run(context), {
    channelId,
    conversation: { id: conversationId } as Activity['conversation'],
    channelData: { tenant },
  });
  return {
    async say(text, at = clock) {
      adapter.activeQueue.splice(0);
      await adapter.receiveActivity({ type: 'message', text, timestamp: at });
      return adapter.activeQueue.splice(0).filter((a) => a.type === 'message');
    },
  };
}

const textOf = (activity: Partial<Activity> | undefined) => activity?.text ?? '';
const allText = (activities: Partial<Activity>[]) => activities.map(textOf).join('\n');
/** How a person declines the call-back: its number on SMS, its button elsewhere. */
const declineCallback = (channel: Channel) => (channel === 'sms' ? '2' : 'No thanks');

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'safeguarding-follow-up-'));
  clock = MONDAY_9PM;
  store = await SqliteStore.open({ dataDir, now: () => clock });
  const service = new HandoffService({
    store,
    now: () => clock,
    hours: (tenant, now) => adviserAvailability(core().knowledge.tenants.get(tenant)!, now),
    estimateWait,
    deliver: async () => {},
    recordsOwnTranscript: () => false,
    notifiers: [],
  });
  bot = createAssistantBot({ core: core(), storage: store.botStorage(), defaultTenant: 'generic', feedback: store, handoff: service, retentionDays: 30 });
});

afterEach(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
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
