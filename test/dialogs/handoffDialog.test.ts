import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestAdapter, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAssistantBot } from '../../src/bot/createAssistantBot';
import type { AssistantBot } from '../../src/bot/assistantBot';
import { adviserAvailability } from '../../src/core/handoff/hours';
import { estimateWait } from '../../src/core/handoff/wait';
import { HandoffService } from '../../src/handoff/service';
import type { AdviserIdentity } from '../../src/handoff/types';
import { startHandoffSweeper } from '../../src/handoff/sweeper';
import { SqliteStore } from '../../src/store/sqliteStore';
import type { Store } from '../../src/store/store';
import { core } from '../helpers/testBot';
import { RecordingAdapter } from '../helpers/teamsRecordingAdapter';
import { PERSON_PREFIX, TeamsAdviserChannel } from '../../src/channels/teams/adviserChannel';
import type { AdviserNotifier } from '../../src/handoff/types';
import { MemoryStorage } from 'botbuilder';
import { readFileSync } from 'node:fs';
import { configureLog } from '../../src/log';
import { isGsm7, segmentCount } from '../../src/channels/sms/segments';

/**
 * The hand-off through the real bot, dialogs, HandoffService and a real SQLite store; only the
 * channel is Bot Framework's TestAdapter. "Open" means the council's hours say so (a fixed clock)
 * or an adviser is signed in.
 */

const SAM: AdviserIdentity = { id: 'console:sam', name: 'Sam', via: 'console', tenants: [], role: 'adviser' };
const ALEX: AdviserIdentity = { id: 'console:alex', name: 'Alex', via: 'console', tenants: [], role: 'adviser' };
// Milton Keynes advisers work weekdays 9:30 to 15:30.
const MONDAY_11AM = new Date('2026-11-23T11:00:00Z');
const MONDAY_9PM = new Date('2026-11-23T21:00:00Z');

interface Person {
  adapter: TestAdapter;
  conversationId: string;
  /** Sends one message; returns what the bot sent in that turn. */
  say(text: string): Promise<Partial<Activity>[]>;
  /** Everything sent to this person from outside their turns (adviser, queue, the bot coming back). */
  later: Partial<Activity>[];
}

let dataDir: string;
let store: Store;
let clock: Date;
let service: HandoffService;
let bot: AssistantBot;
const people = new Map<string, Person>();
/** What advisers' front ends (Teams) were told, in order. */
const notified: string[] = [];
/** Advisers' front ends the service tells (a recording one; the Teams tests add a channel). */
let notifiers: AdviserNotifier[] = [];

/**
 * A TestAdapter that, like the SMS adapter (src/channels/sms/smsAdapter.ts), remembers the number
 * each SMS conversation texts from in its `state`.
 */
class TextingAdapter extends TestAdapter {
  constructor(logic: ConstructorParameters<typeof TestAdapter>[0], template: Partial<Activity>, private readonly number: string | undefined) {
    super(logic, template);
  }

  readonly state = {
    address: async (conversationId: string) =>
      this.number && conversationId === this.template.conversation?.id ? { number: this.number, ourNumber: '+441234567890', tenant: 'milton-keynes' } : undefined,
  };
}

function person(conversationId: string, channelId = 'webchat', tenant = 'milton-keynes', texting?: { from?: string }): Person {
  const template = { channelId, conversation: { id: conversationId } as Activity['conversation'], channelData: { tenant } };
  const adapter = texting
    ? new TextingAdapter((context) => bot.run(context), template, texting.from)
    : new TestAdapter((context) => bot.run(context), template);
  // Both sides are kept in the store, as the web chat and SMS channels do.
  adapter.use(async (context, next) => {
    if (context.activity.type === 'message') await record(conversationId, tenant, channelId, context.activity);
    context.onSendActivities(async (_ctx, activities, send) => {
      for (const activity of activities) await record(conversationId, tenant, channelId, { ...activity, from: { id: 'bot', name: 'bot', role: 'bot' } });
      return send();
    });
    await next();
  });
  const later: Partial<Activity>[] = [];
  const p: Person = {
    adapter,
    conversationId,
    later,
    async say(text) {
      adapter.activeQueue.splice(0);
      await adapter.receiveActivity(text);
      return adapter.activeQueue.splice(0);
    },
  };
  people.set(conversationId, p);
  return p;
}

async function record(conversationId: string, tenant: string, channel: string, activity: Partial<Activity>): Promise<void> {
  await store.createConversation(conversationId, { tenant, channel });
  await store.appendActivity(conversationId, JSON.parse(JSON.stringify({ ...activity, id: undefined })) as Partial<Activity>);
}

const textOf = (activities: Partial<Activity>[]) => activities.filter((a) => a.type === 'message').map((a) => a.text ?? '').join('\n');
const buttonsOf = (activities: Partial<Activity>[]) =>
  activities.flatMap((a) => (a.suggestedActions?.actions ?? []).map((x) => String(x.title)));

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'handoff-dialog-'));
  clock = MONDAY_11AM;
  store = await SqliteStore.open({ dataDir, now: () => clock });
  service = new HandoffService({
    store,
    now: () => clock,
    hours: (tenant, now) => adviserAvailability(core().knowledge.tenants.get(tenant)!, now),
    estimateWait,
    deliver: async (handoff, event) => {
      const p = people.get(handoff.conversationId)!;
      const before = p.adapter.activeQueue.length;
      const activity = TurnContext.applyConversationReference(
        { type: 'event', name: 'continueConversation' },
        handoff.reference as Partial<ConversationReference>,
        true,
      );
      await p.adapter.processActivity(activity, (context) => bot.handoffEvent(context, event));
      p.later.push(...p.adapter.activeQueue.splice(before));
    },
    recordsOwnTranscript: () => false,
    notifiers: (notifiers = [{
      handoffQueued: async (h) => { notified.push(`queued ${h.urgent ? 'urgent' : 'normal'} consent=${String(h.summary.consent)}`); },
      handoffClaimed: async (_h, adviser) => { notified.push(`claimed by ${adviser.name}`); },
      handoffClosed: async (_h, by) => { notified.push(`closed by ${by}`); },
      personMessage: async (_h, text) => { notified.push(`person: ${text}`); },
    }]),
  });
  notified.splice(0);
  bot = createAssistantBot({ core: core(), storage: store.botStorage(), defaultTenant: 'generic', feedback: store, handoff: service, retentionDays: 30 });
  people.clear();
});

afterEach(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function queuedWithConsent(p: Person, consent: 'Yes, pass it on' | 'No, start afresh' = 'Yes, pass it on') {
  await p.say('hello');
  await p.say('what is a tribunal appeal?');
  const asked = await p.say('can I talk to a person please');
  if (p.adapter.template.channelId === 'sms') expect(textOf(asked)).toMatch(/pass on/i);
  else expect(buttonsOf(asked)).toContain('Yes, pass it on');
  return p.say(consent);
}

describe('asking for a person', () => {
  it.each([
    { consent: 'Yes, pass it on' as const, shared: true },
    { consent: 'No, start afresh' as const, shared: false },
  ])('in hours: asks for consent ($consent), queues, says where they are, and announces handoff.initiate', async ({ consent, shared }) => {
    const p = person('c-consent');
    const queued = await queuedWithConsent(p, consent);
    expect(textOf(queued)).toMatch(/next in the queue|number 1/i);
    const event = queued.find((a) => a.type === 'event' && a.name === 'handoff.initiate');
    expect(event).toBeDefined();
    const [handoff] = await store.listQueue();
    expect(handoff).toMatchObject({ conversationId: 'c-consent', reason: 'asked', tenant: 'milton-keynes', channel: 'webchat', status: 'queued' });
    expect((event!.value as { handoffId: string }).handoffId).toBe(handoff!.id);
    expect((event!.value as { transcript: unknown }).transcript).toEqual({ conversationId: 'c-consent', href: `/advisers/#/handoffs/${handoff!.id}` });
    expect(handoff!.summary.transcript).toEqual({ conversationId: 'c-consent', href: `/advisers/#/handoffs/${handoff!.id}` });
    const summary = handoff!.summary as { consent: boolean; asked?: string; topic?: { id: string } };
    expect(summary.consent).toBe(shared);
    if (shared) expect(summary.asked).toMatch(/talk to a person/);
    else expect(summary.asked).toBeUndefined();
    // What the person said before the hand-off reaches the adviser only with consent.
    const view = await service.view(SAM, handoff!.id);
    expect(view!.lines.some((l) => /tribunal appeal/.test(l.text))).toBe(shared);
  });

  it('on SMS the hand-off happens without an event activity', async () => {
    const p = person('c-sms', 'sms');
    const queued = await queuedWithConsent(p);
    expect(queued.some((a) => a.type === 'event')).toBe(false);
    expect(await store.listQueue()).toHaveLength(1);
  });

  it('"Not now" leaves nothing in the queue', async () => {
    const p = person('c-notnow');
    await p.say('I want to speak to someone');
    await p.say('Not now');
    expect(await store.listQueue()).toHaveLength(0);
  });
});

describe('with an adviser', () => {
  it('relays both ways, says nothing of its own meanwhile, and comes back with feedback when closed', async () => {
    const p = person('c-relay');
    await queuedWithConsent(p);
    const [handoff] = await store.listQueue();

    expect(await service.claim(SAM, handoff!.id)).toBe(true);
    expect(textOf(p.later)).toMatch(/Sam/);
    p.later.splice(0);

    // The person's messages go to the adviser; the bot sends nothing, whatever they say.
    for (const text of ['thank you', 'what is mediation?', 'start again', 'help', 'hello?']) {
      expect(await p.say(text)).toEqual([]);
    }
    expect(notified.filter((n) => n.startsWith('person: '))).toEqual(
      ['thank you', 'what is mediation?', 'start again', 'help', 'hello?'].map((t) => `person: ${t}`),
    );
    expect(await service.reply(SAM, handoff!.id, 'Hello, I have read what you wrote. <b>How</b> can I help?')).toBe(true);
    expect(textOf(p.later)).toContain('<b>How</b> can I help?');
    expect(p.later[0]!.textFormat).toBe('plain');
    const view = await service.view(SAM, handoff!.id);
    expect(view!.lines.map((l) => l.from)).toContain('adviser');
    expect(view!.lines.some((l) => l.from === 'person' && l.text === 'what is mediation?')).toBe(true);

    p.later.splice(0);
    expect(await service.close(SAM, handoff!.id)).toBe(true);
    expect(textOf(p.later)).toMatch(/automated assistant again/i);
    // One question, "Did this help?", with its Yes/No (a card on web chat); not asked twice in other words.
    expect(JSON.stringify(p.later)).toContain('Did this help?');
    expect(textOf(p.later)).not.toMatch(/help\?/);
    const feedback = await p.say('Yes');
    expect(textOf(feedback)).toMatch(/thank/i);
    expect((await store.listFeedback({ conversationId: 'c-relay' }))[0]).toMatchObject({ topicId: 'handoff', helpful: true });
    // And the assistant answers again.
    expect(textOf(await p.say('what is mediation?'))).toMatch(/mediation/i);
  });

  it('only the adviser who claimed can reply or close; a second claim fails', async () => {
    const p = person('c-race');
    await queuedWithConsent(p);
    const [handoff] = await store.listQueue();
    const results = await Promise.all([service.claim(SAM, handoff!.id), service.claim(ALEX, handoff!.id)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const loser = results[0] ? ALEX : SAM;
    expect(await service.reply(loser, handoff!.id, 'hi')).toBe(false);
    expect(await service.close(loser, handoff!.id)).toBe(false);
  });

  it('transfers to another adviser, who is named to the person and then holds it', async () => {
    await store.upsertAdviser({ id: 'alex', displayName: 'Alex', role: 'adviser', tenants: [] });
    const p = person('c-transfer');
    await queuedWithConsent(p);
    const [handoff] = await store.listQueue();
    await service.claim(SAM, handoff!.id);
    expect(await service.transfer(SAM, handoff!.id, 'console:nobody')).toBe(false);
    p.later.splice(0);
    expect(await service.transfer(SAM, handoff!.id, 'console:alex')).toBe(true);
    expect(textOf(p.later)).toMatch(/Alex/);
    expect(await service.reply(SAM, handoff!.id, 'still me?')).toBe(false);
    expect(await service.reply(ALEX, handoff!.id, 'Hello, Alex here')).toBe(true);
    expect((await store.listAudit({ target: handoff!.id })).map((a) => a.action)).toEqual(
      expect.arrayContaining(['handoff.claim', 'handoff.transfer', 'handoff.reply']),
    );
  });

  it('an adviser limited to another council sees nothing of it', async () => {
    const p = person('c-tenant');
    await queuedWithConsent(p);
    const [handoff] = await store.listQueue();
    const derbyOnly: AdviserIdentity = { ...ALEX, tenants: ['derby'] };
    expect(await service.queue(derbyOnly)).toEqual([]);
    expect(await service.view(derbyOnly, handoff!.id)).toBeUndefined();
    expect(await service.claim(derbyOnly, handoff!.id)).toBe(false);
  });

  it('after a configured silence the assistant comes back and says so', async () => {
    const p = person('c-silence');
    await queuedWithConsent(p);
    const [handoff] = await store.listQueue();
    await service.claim(SAM, handoff!.id);
    p.later.splice(0);
    const sweeper = startHandoffSweeper(store, service, { silenceMs: 20 * 60_000, now: () => clock });
    try {
      clock = new Date(MONDAY_11AM.getTime() + 10 * 60_000);
      expect(await sweeper.runNow()).toBe(0);
      clock = new Date(MONDAY_11AM.getTime() + 25 * 60_000);
      expect(await sweeper.runNow()).toBe(1);
    } finally {
      sweeper.stop();
    }
    expect((await store.getHandoff(handoff!.id))!.status).toBe('closed');
    expect(textOf(p.later)).toMatch(/automated assistant again/i);
  });
});

describe('the queue', () => {
  it('tells people when their place changes, and lets them leave', async () => {
    const first = person('c-first');
    const second = person('c-second');
    await queuedWithConsent(first);
    const queued = await queuedWithConsent(second);
    expect(textOf(queued)).toMatch(/number 2/);
    const [firstHandoff] = await store.listQueue();
    await service.claim(SAM, firstHandoff!.id);
    expect(textOf(second.later)).toMatch(/next/i);

    const left = await second.say('leave queue');
    expect(textOf(left)).toMatch(/left the queue|you've left|no longer/i);
    expect(await store.listQueue()).toHaveLength(0);
    expect((await store.listHandoffs({ status: ['closed'] }))[0]).toMatchObject({ conversationId: 'c-second', closedBy: 'person' });
  });
});

describe('safeguarding', () => {
  it.each([
    { when: 'in hours', at: MONDAY_11AM, queued: true },
    { when: 'out of hours', at: MONDAY_9PM, queued: false },
  ])('gives urgent numbers at once $when, and queues urgently when advisers are there', async ({ at, queued }) => {
    clock = at;
    if (queued) await queuedWithConsent(person('c-calm'));
    const p = person('c-risk');
    await p.say('hello');
    const replies = await p.say('my daughter says she wants to kill herself and the school has excluded her');
    expect(textOf(replies)).toMatch(/999/);
    expect(textOf(replies)).toMatch(/116 123/);
    const queue = await store.listQueue();
    if (queued) {
      expect(queue[0]).toMatchObject({ conversationId: 'c-risk', urgent: true, reason: 'safeguarding' });
      // Advisers hear of it at once, without the words; once the person agrees, with them.
      expect(notified.at(-1)).toBe('queued urgent consent=false');
      await p.say('Yes, pass it on');
      expect(notified.at(-1)).toBe('queued urgent consent=true');
      expect((await store.listQueue())[0]!.summary.asked).toMatch(/kill herself/);
    } else {
      expect(queue.some((h) => h.conversationId === 'c-risk')).toBe(false);
      expect(textOf(replies)).toMatch(/call-back|call or email you back/i);
    }
  });
});

describe('advisers told in Teams', () => {
  it('a Teams service that does not answer holds the person up briefly, and notices still go out in order', { timeout: 20_000 }, async () => {
    const heard: string[] = [];
    let answer!: () => void;
    const teamsAnswers = new Promise<void>((resolve) => { answer = resolve; });
    notifiers.push({
      handoffQueued: async () => { heard.push('queued'); await teamsAnswers; },
      handoffClaimed: async () => { heard.push('claimed'); },
      handoffClosed: async () => { heard.push('closed'); },
      personMessage: async (_h, text) => { heard.push(`person: ${text}`); },
    });
    const p = person('c-slow-teams');
    await queuedWithConsent(p); // would never finish if the person waited for Teams
    await p.say('my son is 9');
    expect(heard).toEqual(['queued']); // the rest wait their turn behind the card
    answer();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toEqual(['queued', 'person: my son is 9']);
  });

  it('one hand-off waiting on Teams does not hold up notices about another', { timeout: 20_000 }, async () => {
    const heard: string[] = [];
    notifiers.push({
      handoffQueued: async (h) => {
        heard.push(`queued ${h.conversationId}`);
        if (h.conversationId === 'c-stuck') await new Promise(() => undefined); // Teams never answers
      },
      handoffClaimed: async () => undefined,
      handoffClosed: async () => undefined,
      personMessage: async (h, text) => { heard.push(`${h.conversationId}: ${text}`); },
    });
    await queuedWithConsent(person('c-stuck'));
    const other = person('c-other');
    await queuedWithConsent(other);
    await other.say('my son is 9');
    expect(heard).toEqual(['queued c-stuck', 'queued c-other', 'c-other: my son is 9']);
  });
});

describe('out of hours: a call-back', () => {
  /** Out of hours, a person who asked for an adviser and took the call-back: asked for their name. */
  async function askedForCallback(id: string): Promise<Person> {
    clock = MONDAY_9PM;
    const p = person(id);
    await p.say('talk to an adviser');
    await p.say('Ask for a call-back');
    return p;
  }

  /** The same person having given name, contact and best time: asked whether to keep them. */
  async function askedToKeepDetails(id: string, details: [name: string, contact: string, bestTime: string]): Promise<Person> {
    const p = await askedForCallback(id);
    for (const answer of details) await p.say(answer);
    return p;
  }
  it.each([
    { how: 'after two messages it could not place', messages: ['zzzz qqqq', 'xxyy wwvv'], unsure: true },
    { how: 'when asked for a person', messages: ['talk to an adviser'], unsure: false },
  ])('$how, the offer says why it comes: $unsure', async ({ messages, unsure }) => {
    clock = MONDAY_9PM;
    const p = person(`c-why-${String(unsure)}`);
    let offer: Partial<Activity>[] = [];
    for (const message of messages) offer = await p.say(message);
    expect(textOf(offer)).toMatch(/no adviser available/);
    expect(/I'm not sure I can help with that, and I don't want to guess/.test(textOf(offer))).toBe(unsure);
    expect(buttonsOf(offer)).toContain('Ask for a call-back');
  });

  it('takes name, contact and best time, checks each, and stores them only with consent', async () => {
    clock = MONDAY_9PM;
    const p = person('c-callback');
    await p.say('hello');
    const offer = await p.say('talk to an adviser');
    expect(textOf(offer)).toMatch(/no adviser/i);
    expect(buttonsOf(offer)).toContain('Ask for a call-back');
    expect(textOf(await p.say('Ask for a call-back'))).toMatch(/name/i);
    expect(textOf(await p.say('Jo Bloggs'))).toMatch(/phone|email/i);
    expect(textOf(await p.say('call me maybe'))).toMatch(/phone|email/i);
    expect(textOf(await p.say('07700 900123'))).toMatch(/time/i);
    const consent = await p.say('after 3pm');
    expect(buttonsOf(consent)).toContain('Yes, keep my details');
    expect(await store.listCallbacks()).toHaveLength(0);
    await p.say('Yes, keep my details');
    const [callback] = await store.listCallbacks();
    expect(callback).toMatchObject({ name: 'Jo Bloggs', contact: '+447700900123', bestTime: 'after 3pm', tenant: 'milton-keynes', status: 'open' });
    expect((await service.callbacks(SAM)).map((c) => c.id)).toEqual([callback!.id]);
  });

  it('stores nothing when the person says no', async () => {
    const p = await askedToKeepDetails('c-nocallback', ['Jo', 'jo@example.org', 'mornings']);
    await p.say("No, don't keep them");
    expect(await store.listCallbacks()).toHaveLength(0);
  });

  it.each([
    // [said at the name question, then does the call-back carry on with the next answer?]
    ['never mind', false],
    ['forget it', false],
    ['no thanks', false],
    ['help', true],
  ])('"%s" while giving details is read as everywhere else, not as an answer', async (said, carriesOn) => {
    const p = await askedForCallback(`c-interrupt-${said.replace(/\W/g, '')}`);
    const reply = textOf(await p.say(said));
    expect(reply).not.toMatch(/phone|email/i); // not taken as a name
    await p.say('Helen');
    await p.say('07700 900123');
    await p.say('any time');
    await p.say('Yes, keep my details');
    expect((await store.listCallbacks()).map((c) => c.name)).toEqual(carriesOn ? ['Helen'] : []);
  });

  it('after "help" asks the question again, at each step', async () => {
    const p = await askedForCallback('c-help-each');
    const afterHelp = async (pattern: RegExp) => {
      const replies = await p.say('help');
      expect(replies.length, 'the help text, then the question').toBeGreaterThanOrEqual(2);
      expect(textOf([replies.at(-1)!])).toMatch(pattern);
    };
    await afterHelp(/name/i);
    await p.say('Helen');
    await afterHelp(/phone|email/i);
    await p.say('07700 900123');
    await afterHelp(/time/i);
    await p.say('any time');
    await afterHelp(/keep/i);
    expect(buttonsOf([(await p.say('help')).at(-1)!])).toContain('Yes, keep my details');
    await p.say('Yes, keep my details');
    expect((await store.listCallbacks()).map((c) => c.name)).toEqual(['Helen']);
  });

  it('after "help" asks again whether to pass the conversation on (in hours) or to call back, with its buttons', async () => {
    clock = MONDAY_9PM;
    const late = person('c-help-offer');
    await late.say('talk to an adviser');
    expect(buttonsOf([(await late.say('help')).at(-1)!])).toContain('Ask for a call-back');
    clock = MONDAY_11AM;
    const p = person('c-help-consent');
    await p.say('talk to an adviser');
    const replies = await p.say('help');
    expect(buttonsOf([replies.at(-1)!])).toContain('Yes, pass it on');
    await p.say('Yes, pass it on');
    expect((await store.listQueue()).some((h) => h.conversationId === 'c-help-consent')).toBe(true);
  });

  it('"call me on …" gives the number rather than asking for a person again', async () => {
    const p = await askedForCallback('c-callme');
    await p.say('Jo');
    expect(textOf(await p.say('call me on 07700 900123'))).toMatch(/time/i);
  });

  it('"no thanks" to keeping the details is a no, not a cancel', async () => {
    const details: [string, string, string] = ['Grace', 'grace@example.org', 'weekday afternoons'];
    const p = await askedToKeepDetails('c-nothanks', details);
    const reply = textOf(await p.say('no thanks'));
    expect(await store.listCallbacks()).toHaveLength(0);
    const q = await askedToKeepDetails('c-nothanks-button', details);
    const declined = textOf(await q.say("No, don't keep them"));
    expect(reply).toBe(declined);
  });

  it('a signed-in adviser makes it open even outside the published hours', async () => {
    clock = MONDAY_9PM;
    await store.upsertAdviser({ id: 'sam', displayName: 'Sam', role: 'adviser', tenants: [] });
    await store.markAdviserSeen('sam');
    const p = person('c-late');
    const asked = await p.say('talk to an adviser');
    expect(buttonsOf(asked)).toContain('Yes, pass it on');
  });
});

describe('advisers in Teams, with the real desk', () => {
  const fixture = (name: string): Activity =>
    JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'teams', `${name}.json`), 'utf8')) as Activity;
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

  it('posts the card, and Accept, thread replies and "close" reach the person on web chat', async () => {
    const teams = new RecordingAdapter();
    const storage = new MemoryStorage();
    const channel = new TeamsAdviserChannel({
      adapter: teams.proactive,
      appId: '0a1b2c3d-1111-4222-8333-444455556666',
      channelFor: () => ({ conversationId: '19:5e0f2a7b9c8d4e6fa1b2c3d4e5f60718@thread.tacv2', serviceUrl: 'https://smba.trafficmanager.net/uk/' }),
      storage,
      log: quiet,
    });
    notifiers.push(channel);
    const deps = { desk: service, storage, log: quiet };

    const p = person('c-teams');
    await queuedWithConsent(p);
    const [handoff] = await store.listQueue();
    expect(teams.sent[0]?.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');

    const accept = fixture('handoff-accept-invoke');
    (accept.value as { action: { data: { handoffId: string } } }).action.data.handoffId = handoff!.id;
    expect(await teams.receive(accept, deps)).toBe(true);
    expect((await store.getHandoff(handoff!.id))!.claimedBy).toBe(`teams:${accept.from.aadObjectId}`);
    expect(textOf(p.later)).toMatch(/Sam Adviser/);

    expect(await teams.receive(fixture('handoff-thread-reply'), deps)).toBe(true);
    expect(textOf(p.later)).toContain("Hello, I'm Sam from the SEND team. How can I help?");

    expect(await p.say('Thanks, it is about the EHCP')).toEqual([]);
    expect(teams.sent.map((a) => a.text)).toContain(`${PERSON_PREFIX}Thanks, it is about the EHCP`);

    const close = fixture('handoff-thread-reply');
    close.text = '<at>SEND assistant</at> close';
    close.id = 'close-1';
    expect(await teams.receive(close, deps)).toBe(true);
    expect((await store.getHandoff(handoff!.id))!.status).toBe('closed');
    expect(textOf(p.later)).toMatch(/automated assistant again/i);
  });
});

/** The three channels people reach the assistant on; each case below runs on all of them. */
const CHANNELS = ['webchat', 'sms', 'msteams'] as const;
/** The words of the "passed on" reply while waiting. */
const PASSED_ON = /passed that on/i;
const minutesAfter = (start: Date, minutes: number) => new Date(start.getTime() + minutes * 60_000);

/** Asks for a person, agrees to pass the conversation on, and is queued. */
async function joinsQueue(p: Person): Promise<void> {
  await p.say('hello');
  await p.say('can I talk to a person please');
  expect(textOf(await p.say('Yes, pass it on'))).toMatch(/in the queue/i);
}

/** What the person wrote that an adviser sees in the console for this hand-off. */
async function consoleLines(conversationId: string): Promise<string[]> {
  const handoff = (await store.listHandoffs({})).find((h) => h.conversationId === conversationId)!;
  return (await service.view(SAM, handoff.id))!.lines.filter((l) => l.from === 'person').map((l) => l.text);
}

/** On SMS a reply should fit one segment (160 GSM characters). */
function expectOneSmsSegment(channel: string, replies: Partial<Activity>[]): void {
  if (channel !== 'sms') return;
  const text = textOf(replies);
  expect(isGsm7(text), text).toBe(true);
  expect(segmentCount(text), text).toBe(1);
}

describe('writing while waiting in the queue', () => {
  it.each(CHANNELS)('on %s: the message goes to the advisers, and the person is told so with their place, but not for every message', async (channel) => {
    await joinsQueue(person(`c-ahead-${channel}`));
    const p = person(`c-waiting-${channel}`, channel);
    await joinsQueue(p);

    const first = await p.say('hello? is anyone there');
    expect(textOf(first)).toMatch(PASSED_ON);
    expect(textOf(first)).toMatch(/number 2 in the queue/);
    expectOneSmsSegment(channel, first);
    if (channel === 'sms') expect(textOf(first)).toMatch(/LEAVE QUEUE/);
    else expect(buttonsOf(first).concat(JSON.stringify(first))).toEqual(expect.arrayContaining([expect.stringContaining('Leave queue')]));

    // More straight after: still passed on, but no reply each time.
    expect(await p.say('my son is 9')).toEqual([]);
    clock = minutesAfter(MONDAY_11AM, 1.9);
    expect(await p.say('he is in year 5')).toEqual([]);
    // Two minutes after the last one it says so again.
    clock = minutesAfter(MONDAY_11AM, 2);
    const again = await p.say('still waiting');
    expect(textOf(again)).toMatch(PASSED_ON);
    expect(textOf(again)).toMatch(/number 2 in the queue/);

    const sent = ['hello? is anyone there', 'my son is 9', 'he is in year 5', 'still waiting'];
    expect(notified.filter((n) => n.startsWith('person: '))).toEqual(sent.map((t) => `person: ${t}`));
    expect(await consoleLines(p.conversationId)).toEqual(expect.arrayContaining(sent));
  });

  it.each(CHANNELS)('on %s: after their place changes the next message is answered with the new place; once an adviser joins, nothing is', async (channel) => {
    await joinsQueue(person(`c-ahead2-${channel}`));
    const p = person(`c-moving-${channel}`, channel);
    await joinsQueue(p);
    expect(textOf(await p.say('hello?'))).toMatch(/number 2/);

    const [ahead, mine] = await store.listQueue();
    await service.claim(ALEX, ahead!.id);
    expect(textOf(p.later)).toMatch(/next in the queue/i);
    // Within the two minutes, but the place has changed since they were last told here.
    const moved = await p.say('ok thanks');
    expect(textOf(moved)).toMatch(PASSED_ON);
    expect(textOf(moved)).toMatch(/next in the queue/);
    expect(await p.say('ok')).toEqual([]);

    await service.claim(SAM, mine!.id);
    clock = minutesAfter(MONDAY_11AM, 30);
    for (const text of ['hi', 'are you there?']) expect(await p.say(text)).toEqual([]);
    expect(notified.slice(-2)).toEqual(['person: hi', 'person: are you there?']);
  });

  it.each(CHANNELS)('on %s: "talk to a person" still gives the place, and "leave queue" still leaves', async (channel) => {
    await joinsQueue(person(`c-ahead3-${channel}`));
    const p = person(`c-leaving-${channel}`, channel);
    await joinsQueue(p);
    const place = await p.say('can I talk to a person please');
    expect(textOf(place)).toMatch(/now number 2 in the queue/);
    expect(textOf(place)).not.toMatch(PASSED_ON);
    // The place was just given: the next message gets no other reply.
    expect(await p.say('thanks')).toEqual([]);
    const left = await p.say('leave queue');
    expect(textOf(left)).toMatch(/left the queue/i);
    expect(textOf(left)).not.toMatch(PASSED_ON);
    expect((await store.listHandoffs({ status: ['closed'] })).map((h) => [h.conversationId, h.closedBy])).toEqual([[p.conversationId, 'person']]);
  });

  it.each(CHANNELS)('on %s: words of risk while waiting still get the urgent help and jump the queue', async (channel) => {
    await joinsQueue(person(`c-ahead4-${channel}`));
    const p = person(`c-risk-waiting-${channel}`, channel);
    await joinsQueue(p);
    expect(textOf(await p.say('hello?'))).toMatch(PASSED_ON);
    const help = await p.say('my daughter says she wants to kill herself');
    expect(textOf(help)).toMatch(/999/);
    expect(textOf(help)).toMatch(/116 123/);
    expect(textOf(help)).not.toMatch(PASSED_ON);
    expect((await store.listQueue())[0]).toMatchObject({ conversationId: p.conversationId, urgent: true });
  });

  it.each(CHANNELS)('on %s: a child at risk who writes while waiting for the urgent adviser is answered, with 999', async (channel) => {
    const p = person(`c-child-${channel}`, channel);
    await p.say('hello');
    expect(textOf(await p.say('i want to kill myself'))).toMatch(/999/);
    expect((await store.listQueue())[0]).toMatchObject({ conversationId: p.conversationId, urgent: true });

    const heard = await p.say('hello? is anyone there');
    expect(textOf(heard)).toMatch(PASSED_ON);
    expect(textOf(heard)).toMatch(/next in the queue/);
    expect(textOf(heard)).toMatch(/999/);
    expect(textOf(heard)).not.toMatch(/leave/i);
    expectOneSmsSegment(channel, heard);
    expect(await consoleLines(p.conversationId)).toContain('hello? is anyone there');
    expect(await p.say('please')).toEqual([]);
  });

  it.each([
    { answer: 'Yes, pass it on', consent: true },
    { answer: 'No, start afresh', consent: false },
  ])('after an urgent hand-off, answering $answer to the consent question is told where they stand', async ({ answer, consent }) => {
    const p = person(`c-urgent-consent-${String(consent)}`);
    await p.say('hello');
    await p.say('i want to kill myself');
    const told = await p.say(answer);
    expect(textOf(told)).toMatch(/next in the queue/);
    expect((await store.listQueue())[0]!.summary.consent).toBe(consent);
  });
});

describe('call-back: "this number"', () => {
  /** Out of hours, asked for a call-back and given a name: asked how the adviser should get in touch. */
  async function askedForContact(id: string, channel: string, texting?: { from?: string }): Promise<Person> {
    clock = MONDAY_9PM;
    const p = person(id, channel, 'milton-keynes', texting);
    await p.say('talk to an adviser');
    await p.say('Ask for a call-back');
    const asked = textOf(await p.say('Jo'));
    expect(asked).toMatch(/phone number or email/i);
    if (channel === 'sms') expect(asked).toMatch(/reply SAME to use this number/);
    return p;
  }

  async function finish(p: Person): Promise<void> {
    await p.say('any time');
    await p.say('Yes, keep my details');
  }

  it.each(['this number', 'this one', 'same number', 'SAME', 'the number im texting from', "the number I'm texting from", 'use this one please', 'same as this'])(
    'on SMS "%s" uses the number being texted from, said back by its last three digits only, and logs none of it',
    async (said) => {
      const logged: string[] = [];
      configureLog('debug', (line) => logged.push(line));
      try {
        const p = await askedForContact(`c-this-${said.replace(/\W/g, '')}`, 'sms', { from: '+447700900123' });
        const reply = textOf(await p.say(said));
        expect(reply).toMatch(/number you're texting from \(ending 123\)/);
        expect(reply).toMatch(/good time/i);
        expect(reply).not.toMatch(/7700|900123/);
        await finish(p);
      } finally {
        configureLog('info', (line) => process.stdout.write(`${line}\n`));
      }
      expect((await store.listCallbacks()).map((c) => [c.name, c.contact, c.channel])).toEqual([['Jo', '+447700900123', 'sms']]);
      expect(logged.join('\n')).not.toMatch(/7700|900123|texting from/);
    },
  );

  it.each(['webchat', 'msteams'])('on %s "this number" is asked again: there is no number to use', async (channel) => {
    const p = await askedForContact(`c-this-${channel}`, channel);
    const reply = textOf(await p.say('this number'));
    expect(reply).toMatch(/can't see a phone number in this chat/);
    expect(reply).not.toMatch(/good time/i);
    expect(textOf(await p.say('07700 900456'))).toMatch(/good time/i);
    await finish(p);
    expect((await store.listCallbacks()).map((c) => c.contact)).toEqual(['+447700900456']);
  });

  it.each([
    { what: 'from a number abroad', from: '+15555550123' },
    { what: 'from a number it cannot know', from: undefined },
  ])('on SMS $what, "this number" asks for one to be typed', async ({ from }) => {
    const p = await askedForContact(`c-this-sms-${from ?? 'none'}`, 'sms', { from });
    const reply = textOf(await p.say('same number'));
    expect(reply).toMatch(/can't use the number you're texting from/);
    expect(reply).not.toMatch(/5555|good time/i);
    expect(textOf(await p.say('07700 900456'))).toMatch(/good time/i);
    await finish(p);
    expect((await store.listCallbacks()).map((c) => c.contact)).toEqual(['+447700900456']);
  });

  it('on SMS a number typed out is still the one used', async () => {
    const p = await askedForContact('c-typed-sms', 'sms', { from: '+447700900123' });
    expect(textOf(await p.say('use 07700 900456 please'))).not.toMatch(/texting from/);
    await finish(p);
    expect((await store.listCallbacks()).map((c) => c.contact)).toEqual(['+447700900456']);
  });
});

// ---------------------------------------------------------------------------------------------
// QA: refusals, typos, kind closes, staff wording and START while queued.

/** A child's disclosure (as QA typed it). */
const DISCLOSURE = 'im 15 and my stepdad hits me';
/** Words the public safeguarding reply already gives: a close after a disclosure repeats them, and no other number. */
const URGENT_PUBLIC = [/999/, /0800 1111/, /116 123/];
/** What staff in Teams are told after a disclosure: their own procedure, not a referral. */
const URGENT_STAFF = [/999/, /designated safeguarding lead/];
const urgentFor = (channel: string) => (channel === 'msteams' ? URGENT_STAFF : URGENT_PUBLIC);
/** The cold control reply that QA found after declining a call-back. */
const COLD = /I've stopped that/;
/** The close used when someone said no to keeping their details: never after a typo or a refusal part-way. */
const DECLINED = /That's fine/;

/** Out of hours: a disclosure (or an ordinary request), then "Ask for a call-back": asked for a name. */
async function callbackAfter(id: string, channel: string, how: 'disclosure' | 'asked' = 'disclosure'): Promise<Person> {
  clock = MONDAY_9PM;
  const p = person(id, channel);
  await p.say('hello');
  const first = await p.say(how === 'disclosure' ? DISCLOSURE : 'talk to an adviser');
  if (how === 'disclosure') expect(textOf(first)).toMatch(/999/);
  expect(textOf(first)).toMatch(/call or email you back/i);
  expect(textOf(await p.say('Ask for a call-back'))).toMatch(/what name should the adviser ask for/i);
  return p;
}

/** Everything the bot's conversation state holds for this conversation, as text (to prove a name was not kept). */
async function stateOf(conversationId: string): Promise<string> {
  const storage = store.botStorage();
  const keys = ['webchat', 'sms', 'msteams'].map((channel) => `${channel}/conversations/${conversationId}/`);
  const state = JSON.stringify(await storage.read(keys));
  expect(state, 'the conversation state was found').toContain('"tenant":"milton-keynes"');
  return state;
}

describe('call-back: a refusal or a worry stops it kindly and keeps nothing', () => {
  const REFUSALS = [
    'no thanks i dont want anyone calling the house',
    'no',
    'No thanks',
    'i dont want anyone calling',
    "don't ring",
    'not safe',
    "they'll hear",
  ];
  const cases = CHANNELS.flatMap((channel) => REFUSALS.map((said) => ({ channel, said })));

  it.each(cases)('on $channel, after a disclosure, "$said" at the name question', async ({ channel, said }) => {
    const p = await callbackAfter(`c-refuse-${channel}-${said.replace(/\W/g, '')}`, channel);
    expect(await stateOf(p.conversationId)).toContain('callbackSteps'); // asking, until the refusal
    const reply = textOf(await p.say(said));
    expect(reply).not.toMatch(/phone number or email/i); // never taken as a name
    expect(reply).not.toMatch(COLD);
    expect(reply).not.toMatch(DECLINED);
    expect(reply).toMatch(/that's ok/i);
    expect(reply).toMatch(/call me back/i); // they can ask again
    for (const urgent of urgentFor(channel)) expect(reply).toMatch(urgent);
    expect(reply).not.toMatch(/\b0\d{3} ?\d{3} ?\d{4}\b(?<!0800 1111)/); // no number the safeguarding reply did not give
    // Nothing kept: no request, and the words are not held as a name for a later turn.
    await p.say('07700 900123');
    await p.say('any time');
    await p.say('Yes, keep my details');
    expect(await store.listCallbacks()).toEqual([]);
    const state = await stateOf(p.conversationId);
    expect(state).not.toContain(`"name":${JSON.stringify(said)}`);
    expect(state).not.toContain('callbackSteps'); // the call-back, and what it held, is gone
  });

  it.each(CHANNELS.flatMap((channel) => [
    { channel, at: 'contact', before: ['Jo'] },
    { channel, at: 'best time', before: ['Jo', '07700 900123'] },
  ]))('on $channel, "dont ring" at the $at question stops it, keeps nothing, and repeats the urgent contacts', async ({ channel, before }) => {
    const p = await callbackAfter(`c-refuse-later-${channel}-${before.length}`, channel);
    for (const answer of before) await p.say(answer);
    const reply = textOf(await p.say('dont ring'));
    expect(reply).not.toMatch(/good time|keep your name/i);
    expect(reply).toMatch(/that's ok/i);
    for (const urgent of urgentFor(channel)) expect(reply).toMatch(urgent);
    await p.say('Yes, keep my details');
    expect(await store.listCallbacks()).toEqual([]);
    const state = await stateOf(p.conversationId);
    expect(state).not.toContain('"Jo"');
    expect(state).not.toContain('callbackSteps');
  });

  it.each(CHANNELS)('on %s, with no disclosure, "no thanks" at the name question is a kind close with the advice service, not the urgent numbers', async (channel) => {
    const p = await callbackAfter(`c-refuse-plain-${channel}`, channel, 'asked');
    const reply = textOf(await p.say('no thanks'));
    expect(reply).toMatch(/that's ok/i);
    expect(reply).not.toMatch(COLD);
    expect(reply).toMatch(/MK SENDIAS/);
    expect(reply).not.toMatch(/999|0800 1111/);
    expect(await store.listCallbacks()).toEqual([]);
  });
});

describe('call-back: names look like names', () => {
  it.each(CHANNELS.flatMap((channel) => ["Sarah-Jane O'Neill", 'Nguyễn Thị Lan', 'Mo', 'my name is Mo'].map((name) => ({ channel, name }))))(
    'on $channel "$name" is taken as the name and stored as typed',
    async ({ channel, name }) => {
      const p = await callbackAfter(`c-name-${channel}-${name.length}`, channel, 'asked');
      expect(textOf(await p.say(name))).toMatch(/phone number or email/i);
      await p.say('07700 900123');
      await p.say('any time');
      await p.say('Yes, keep my details');
      expect((await store.listCallbacks()).map((c) => c.name)).toEqual([name.replace(/^my name is /, '')]);
    },
  );

  it.each(CHANNELS)('on %s a sentence is not a name: asked again, saying they can say no', async (channel) => {
    const p = await callbackAfter(`c-sentence-${channel}`, channel, 'asked');
    const reply = textOf(await p.say('i am not sure what you want me to put here'));
    expect(reply).toMatch(/doesn't look like a name/);
    expect(reply).not.toMatch(/phone number or email/i);
    expect(textOf(await p.say('Mo'))).toMatch(/phone number or email/i);
  });
});

describe('call-back: a typo is not a refusal', () => {
  it.each(CHANNELS)('on %s "12345", "not telling", "sj@@example" each get a specific re-ask or an honest end, and the corrected address straight after is used', async (channel) => {
    const p = await callbackAfter(`c-typo-${channel}`, channel, 'asked');
    await p.say('Jo');
    const first = textOf(await p.say('12345'));
    expect(first).toMatch(/5 digits/);
    expect(first).toMatch(/11 digits/);
    const second = textOf(await p.say('not telling'));
    expect(second).toMatch(/couldn't find one phone number or email/i);
    expect(second).not.toMatch(DECLINED);
    const third = textOf(await p.say('sj@@example'));
    expect(third).toMatch(/two @ signs/);
    expect(third).toMatch(/I couldn't read a phone number or email, so I haven't kept anything/);
    expect(third).toMatch(/call me back/);
    expect(third).toMatch(/MK SENDIAS/);
    expect(third).not.toMatch(DECLINED);
    expect(third).not.toMatch(/won't get back to you/);
    // The corrected address, sent straight after on its own, carries on where it stopped.
    const fixed = textOf(await p.say('sj@example.com'));
    expect(fixed).toMatch(/good time/i);
    expect(fixed).not.toMatch(/not sure what you're asking/i);
    await p.say('any time');
    expect(await store.listCallbacks()).toEqual([]);
    await p.say('Yes, keep my details');
    expect((await store.listCallbacks()).map((c) => [c.name, c.contact, c.channel])).toEqual([['Jo', 'sj@example.com', channel]]);
  });

  it.each(CHANNELS)('on %s, after running out of tries, anything but a contact on its own is answered as usual and nothing is kept', async (channel) => {
    const p = await callbackAfter(`c-typo-then-${channel}`, channel, 'asked');
    await p.say('Jo');
    for (const bad of ['12345', 'sj@@example', '0770090']) await p.say(bad);
    const next = textOf(await p.say('what is mediation?'));
    expect(next).toMatch(/mediation/i);
    expect(next).not.toMatch(/good time/i);
    await p.say('07700 900123');
    await p.say('any time');
    await p.say('Yes, keep my details');
    expect(await store.listCallbacks()).toEqual([]);
    const state = await stateOf(p.conversationId);
    expect(state).not.toContain('"Jo"');
    expect(state).not.toContain('callbackSteps');
  });
});

describe('declining the call-back offer', () => {
  it.each(CHANNELS.flatMap((channel) => ['No thanks', '2', 'no'].flatMap((said) => [
    { channel, said, how: 'disclosure' as const },
    { channel, said, how: 'asked' as const },
  ])))('on $channel "$said" after $how gets a kind close: how to get help, and that they can ask again', async ({ channel, said, how }) => {
    clock = MONDAY_9PM;
    const p = person(`c-decline-${channel}-${said.replace(/\W/g, '')}-${how}`, channel);
    await p.say('hello');
    await p.say(how === 'disclosure' ? DISCLOSURE : 'talk to an adviser');
    const reply = textOf(await p.say(said));
    expect(reply).not.toMatch(COLD);
    expect(reply).toMatch(/that's ok/i);
    expect(reply).toMatch(/call me back/i);
    if (how === 'disclosure') for (const urgent of urgentFor(channel)) expect(reply).toMatch(urgent);
    else expect(reply).toMatch(/MK SENDIAS/);
    expect(await store.listCallbacks()).toEqual([]);
  });
});

describe('council staff in Teams', () => {
  it.each(CHANNELS)('on %s the consent question in hours fits who is asking', async (channel) => {
    const p = person(`c-staff-consent-${channel}`, channel);
    await p.say('hello');
    const asked = textOf(await p.say('can I talk to a person please'));
    expect(asked).toMatch(/what you've typed so far/);
    if (channel === 'msteams') {
      expect(asked).toMatch(/An adviser from the SEND service can join this chat/);
      expect(asked).not.toMatch(/free and confidential/);
    } else {
      expect(asked).toMatch(/free and confidential/);
    }
  });

  it.each(CHANNELS)('on %s the consent question after a disclosure in hours reminds staff to follow their procedure', async (channel) => {
    const p = person(`c-staff-urgent-consent-${channel}`, channel);
    await p.say('hello');
    const asked = textOf(await p.say('my daughter says she wants to kill herself'));
    if (channel === 'msteams') {
      expect(asked).toMatch(/can't take a safeguarding referral, so please follow your council's safeguarding procedure as well/);
      expect(asked).not.toMatch(/free and confidential/);
    } else {
      expect(asked).toMatch(/free and confidential/);
    }
  });

  it.each(CHANNELS)('on %s a disclosure part-way through the call-back questions gets the wording for who is asking', async (channel) => {
    const p = await callbackAfter(`c-staff-mid-${channel}`, channel, 'asked');
    const reply = textOf(await p.say('my daughter says she wants to kill herself'));
    expect(reply).toMatch(/999/);
    if (channel === 'msteams') {
      expect(reply).toMatch(/designated safeguarding lead/);
      expect(reply).toMatch(/not a referral/);
      expect(reply).not.toMatch(/Childline \(for children/);
    } else {
      expect(reply).toMatch(/Childline.{0,40}0800 1111/);
      expect(reply).not.toMatch(/designated safeguarding lead/);
    }
  });

  it.each(CHANNELS)('on %s a disclosure while queued gets the wording for who is asking, and the queue goes urgent', async (channel) => {
    const p = person(`c-staff-queued-${channel}`, channel);
    await joinsQueue(p);
    const reply = textOf(await p.say('my daughter says she wants to kill herself'));
    expect(reply).toMatch(/999/);
    if (channel === 'msteams') expect(reply).toMatch(/designated safeguarding lead/);
    else expect(reply).toMatch(/Childline.{0,40}0800 1111/);
    if (channel !== 'msteams') expect(reply).not.toMatch(/designated safeguarding lead/);
    expect((await store.listQueue())[0]).toMatchObject({ conversationId: p.conversationId, urgent: true });
  });
});

describe('START while waiting in the queue', () => {
  it.each(CHANNELS.flatMap((channel) => ['START', 'start', 'Start.'].map((said) => ({ channel, said }))))(
    'on $channel "$said" keeps them in the queue and says where they are',
    async ({ channel, said }) => {
      await joinsQueue(person(`c-start-ahead-${channel}-${said}`));
      const p = person(`c-start-${channel}-${said}`, channel);
      await joinsQueue(p);
      // Just told they were passed on: a further ordinary message would get no reply, but START does.
      expect(textOf(await p.say('hello?'))).toMatch(PASSED_ON);
      const reply = textOf(await p.say(said));
      expect(reply).toMatch(/still in the queue/);
      expect(reply).toMatch(/number 2/);
      expect(reply).not.toMatch(/left the queue|start again/i);
      expect((await store.listQueue()).map((h) => h.conversationId)).toContain(p.conversationId);
      // Still waiting: "leave queue" still leaves.
      expect(textOf(await p.say('leave queue'))).toMatch(/left the queue/i);
    },
  );

  it.each(CHANNELS)('on %s "START" after an urgent hand-off (while asked about consent) keeps them in the queue', async (channel) => {
    const p = person(`c-start-urgent-${channel}`, channel);
    await p.say('hello');
    await p.say('i want to kill myself');
    const reply = textOf(await p.say('START'));
    expect(reply).toMatch(/still in the queue/);
    expect(reply).toMatch(/999/);
    expect(reply).not.toMatch(/start again/i);
    expect(await consoleLines(p.conversationId)).toContain('START');
    expect((await store.listQueue())[0]).toMatchObject({ conversationId: p.conversationId, urgent: true });
  });
});

// ---------------------------------------------------------------------------------------------
// An urgent hand-off and the words that would otherwise end the dialogs; calls said to be unsafe.

/** What the bot's reply says, as one text, with the segments it would take by SMS. */
function expectSmsBudget(channel: string, replies: Partial<Activity>[]): void {
  if (channel !== 'sms') return;
  for (const reply of replies.filter((a) => a.type === 'message')) {
    expect(isGsm7(reply.text ?? ''), reply.text).toBe(true);
    expect(segmentCount(reply.text ?? ''), reply.text).toBeLessThanOrEqual(2);
  }
}

/** Queued urgently after a disclosure in hours (asked about consent, or having answered it). */
async function queuedUrgently(p: Person, answered: boolean): Promise<void> {
  await p.say('hello');
  expect(textOf(await p.say('i want to kill myself'))).toMatch(/999/);
  if (answered) expect(textOf(await p.say('Yes, pass it on'))).toMatch(/in the queue/i);
  expect((await store.listQueue())[0]).toMatchObject({ conversationId: p.conversationId, urgent: true, status: 'queued' });
}

describe('"start again" or "cancel" while queued urgently', () => {
  const cases = CHANNELS.flatMap((channel) => ['start again', 'cancel', 'never mind'].flatMap((said) => [
    { channel, said, when: 'asked about consent', answered: false },
    { channel, said, when: 'waiting', answered: true },
  ]));

  it.each(cases)('on $channel "$said" ($when) keeps them in the queue, says how to leave, and what they write still goes to the advisers', async ({ channel, said, answered }) => {
    const p = person(`c-stay-${channel}-${said.replace(/\W/g, '')}-${String(answered)}`, channel);
    await queuedUrgently(p, answered);
    const replies = await p.say(said);
    const reply = textOf(replies);
    expect(reply).toMatch(/still in the queue/);
    expect(reply).toMatch(/999/);
    expect(reply).toMatch(channel === 'sms' ? /To leave, reply LEAVE QUEUE\./ : /To leave the queue, type \W*leave queue/);
    expect(reply).not.toMatch(/start again|stopped that|left the queue/i);
    expectSmsBudget(channel, replies);
    // The store and the dialogs agree: still waiting, urgently, and nothing was closed.
    expect(await store.listQueue()).toEqual([expect.objectContaining({ conversationId: p.conversationId, urgent: true, status: 'queued' })]);
    expect(await store.listHandoffs({ status: ['closed'] })).toEqual([]);
    expect(await consoleLines(p.conversationId)).toContain(said);

    // A question now goes to the advisers, not to the assistant's answers.
    const later = textOf(await p.say('what is mediation?'));
    expect(later).not.toMatch(/mediat/i);
    expect(await consoleLines(p.conversationId)).toContain('what is mediation?');

    // Saying so leaves, through the service.
    expect(textOf(await p.say('leave queue'))).toMatch(/left the queue/i);
    expect(await store.listQueue()).toEqual([]);
    expect((await store.listHandoffs({ status: ['closed'] })).map((h) => [h.conversationId, h.closedBy])).toEqual([[p.conversationId, 'person']]);
  });

  it.each(CHANNELS)('on %s "no thanks" to the urgent consent question is a no: still queued, and the adviser sees only what comes after', async (channel) => {
    const p = person(`c-stay-nothanks-${channel}`, channel);
    await queuedUrgently(p, false);
    const reply = textOf(await p.say('no thanks'));
    expect(reply).toMatch(/in the queue/i);
    expect(reply).not.toMatch(/stopped that/);
    expect((await store.listQueue())[0]).toMatchObject({ conversationId: p.conversationId, urgent: true, status: 'queued' });
    expect((await store.listQueue())[0]!.summary.consent).toBe(false);
  });

  it.each(CHANNELS)('on %s "cancel" while waiting in an ordinary queue still leaves it', async (channel) => {
    const p = person(`c-leave-plain-${channel}`, channel);
    await joinsQueue(p);
    expect(textOf(await p.say('cancel'))).toMatch(/left the queue/i);
    expect(await store.listQueue()).toEqual([]);
    expect((await store.listHandoffs({ status: ['closed'] })).map((h) => [h.conversationId, h.closedBy])).toEqual([[p.conversationId, 'person']]);
  });
});

describe('after a call was said not to be safe', () => {
  /** A call-back offer, in any of its words and buttons. */
  const CALLBACK_OFFERED = /call or email you back|ask for a call-back|call-back instead/i;
  const WORRIES = [
    { how: '"not safe" to the offer', steps: ['not safe'], unsafe: true },
    { how: '"they\'ll hear" at the name question', steps: ['Ask for a call-back', "they'll hear"], unsafe: true },
    { how: '"dont ring the house" at the contact question', steps: ['Ask for a call-back', 'Jo', 'dont ring the house'], unsafe: true },
    { how: '"no thanks" at the name question (not a worry)', steps: ['Ask for a call-back', 'no thanks'], unsafe: false },
  ];
  const cases = CHANNELS.flatMap((channel) => WORRIES.map((worry) => ({ channel, ...worry })));

  /** Out of hours: a disclosure, the call-back offer, and the worry (or a plain no). */
  async function worried(id: string, channel: string, steps: string[]): Promise<Person> {
    clock = MONDAY_9PM;
    const p = person(id, channel);
    await p.say('hello');
    expect(textOf(await p.say(DISCLOSURE))).toMatch(CALLBACK_OFFERED);
    let last: Partial<Activity>[] = [];
    for (const step of steps) last = await p.say(step);
    expect(textOf(last)).toMatch(/that's ok/i);
    return p;
  }

  it.each(cases)('on $channel, after $how, another risk message out of hours offers no call-back: $unsafe', async ({ channel, steps, unsafe }) => {
    const p = await worried(`c-unsafe-${channel}-${steps.length}-${String(unsafe)}`, channel, steps);
    const replies = await p.say('he hit her again and i think he will kill me');
    const reply = textOf(replies);
    expect(reply).toMatch(/999/);
    expect(CALLBACK_OFFERED.test(reply)).toBe(!unsafe);
    if (channel !== 'sms') expect(buttonsOf(replies).includes('Ask for a call-back')).toBe(!unsafe);
    if (unsafe) {
      expect(reply).toMatch(/A message here is fine/);
      expect(reply).toMatch(/MK SENDIAS/);
      expectSmsBudget(channel, replies);
    }
    // Nothing kept but the time: no call-back, none of the words, no hand-off out of hours.
    expect(await store.listCallbacks()).toEqual([]);
    expect(await store.listHandoffs({})).toEqual([]);
    const state = await stateOf(p.conversationId);
    expect(state.includes('callsUnsafeAt')).toBe(unsafe);
    expect(state).not.toMatch(/hear|house|not safe/);
  });

  it.each(CHANNELS.flatMap((channel) => [{ channel, unsafe: true }, { channel, unsafe: false }]))(
    'on $channel in hours with nobody signed in, the urgent queue offers a call-back only if calls were not said to be unsafe ($unsafe)',
    async ({ channel, unsafe }) => {
      const p = await worried(`c-unsafe-hours-${channel}-${String(unsafe)}`, channel, unsafe ? ['not safe'] : ['No thanks']);
      clock = MONDAY_11AM;
      expect(textOf(await p.say('he hit her again and i think he will kill me'))).toMatch(/adviser to join you urgently/);
      expect((await store.listQueue())[0]).toMatchObject({ conversationId: p.conversationId, urgent: true, status: 'queued' });
      const replies = await p.say('Yes, pass it on');
      const reply = textOf(replies);
      expect(reply).toMatch(/in the queue/);
      expect(CALLBACK_OFFERED.test(reply)).toBe(!unsafe);
      if (channel !== 'sms') expect(buttonsOf(replies).includes('Ask for a call-back')).toBe(!unsafe);
      if (unsafe) expect(reply).toMatch(/keep writing here/);
      expect(await store.listCallbacks()).toEqual([]);
    },
  );
});
