import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import {
  ActivityTypes,
  MemoryStorage,
  TurnContext,
  type Activity,
} from 'botbuilder';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { mountBotService } from '../../src/channels/botService';
import {
  PERSON_PREFIX,
  TeamsAdviserChannel,
  advisersChannelOf,
  handleAdviserActivity,
  readCardRecord,
  type AdviserChannelAdapter,
  type AdvisersChannelTarget,
} from '../../src/channels/teams/adviserChannel';
import { ACCEPT_VERB, escapeCardText, queuedCard, summaryOf, type AdaptiveCard } from '../../src/channels/teams/handoffCard';
import { loadConfig } from '../../src/config';
import { DEFAULT_TEAMS_SERVICE_URL, tenantSchema } from '../../src/core/knowledge/schema';
import type { AdviserIdentity, AdviserNotifier, DeskEvent, HandoffDesk, QueueItem, TranscriptLine } from '../../src/handoff/types';
import type { Callback, Handoff } from '../../src/store/store';
import { channelClaims, startFakeIssuer, type FakeIssuer } from '../fixtures/teams/fakeBotFramework';
import { RecordingAdapter } from '../helpers/teamsRecordingAdapter';

/**
 * Hand-offs in the advisers' Teams channel: the card posted for a new hand-off, Accept (an
 * `adaptiveCard/action` invoke, Universal Actions), relaying both ways in the card's thread, and
 * "close". Teams activities are the fixtures test/fixtures/teams/handoff-*.json, written from the
 * shapes in Microsoft's Teams docs: the invoke Teams sends for an Action.Execute press
 * (`value.action.verb/data`, `replyToId` = the card, `channelData.channel/team/tenant/source`), and
 * an adviser's @mention reply in the card's thread (conversation id `19:…@thread.tacv2;messageid=…`).
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(HERE, '..', 'fixtures', 'teams');

const APP_ID = '0a1b2c3d-1111-4222-8333-444455556666';
const CHANNEL = '19:5e0f2a7b9c8d4e6fa1b2c3d4e5f60718@thread.tacv2';
const CARD_ID = '1712345678901';
const THREAD = `${CHANNEL};messageid=${CARD_ID}`;
const AAD_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const HANDOFF_ID = '5b1e6d2c-8f3a-4c7e-9d10-2a4b6c8e0f13';
const SAM_AAD = '0f1e2d3c-4b5a-4697-8877-665544332211';
const ALEX_AAD = '9a8b7c6d-5e4f-4321-8fed-cba987654321';

const HOSTILE = '[click here](https://evil.example/login) <img src=x onerror=alert(1)> **urgent** _now_ `code` # Heading &lt;b&gt; {{DATE(2025-01-01T00:00:00Z)}}';

function fixture(name: string, serviceUrl?: string): Activity {
  const activity = JSON.parse(
    readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8').replaceAll('28:00000000-0000-0000-0000-000000000000', `28:${APP_ID}`),
  ) as Activity;
  if (serviceUrl) activity.serviceUrl = serviceUrl;
  return activity;
}

function handoffOf(overrides: Partial<Handoff> = {}, summary: Record<string, unknown> = {}): Handoff {
  return {
    id: HANDOFF_ID,
    conversationId: 'conv-person-1',
    tenant: 'derby',
    channel: 'webchat',
    reason: 'asked',
    urgent: false,
    status: 'queued',
    createdAt: '2025-03-04T11:02:31.000Z',
    summary: {
      reason: 'asked',
      tenant: 'derby',
      channel: 'webchat',
      consent: true,
      topic: { id: 'appeal-deadline', title: 'Appeal deadlines' },
      asked: 'How long do I have to appeal the decision not to assess?',
      dates: [{ label: 'Decision letter', date: '2025-02-20' }],
      deadlines: [{ label: 'Appeal to the Tribunal', date: '2025-04-22', rule: '2 months from the decision letter' }],
      transcript: { conversationId: 'conv-person-1', href: 'https://assistant.example.gov.uk/advisers/handoffs/5b1e6d2c' },
      ...summary,
    },
    ...overrides,
  };
}

// ---- fakes --------------------------------------------------------------------------------

/** The hand-off desk in memory: one adviser holds a hand-off; it tells the notifier, as HandoffService does. */
class FakeDesk implements HandoffDesk {
  readonly handoffs = new Map<string, Handoff>();
  readonly claims: AdviserIdentity[] = [];
  readonly replies: Array<{ adviser: AdviserIdentity; handoffId: string; text: string }> = [];
  readonly closes: Array<{ adviser: AdviserIdentity; handoffId: string }> = [];
  notifier?: AdviserNotifier;

  add(handoff: Handoff): Handoff {
    this.handoffs.set(handoff.id, structuredClone(handoff));
    return handoff;
  }
  async queue(): Promise<QueueItem[]> {
    return [];
  }
  async mine(): Promise<Handoff[]> {
    return [];
  }
  async view(_adviser: AdviserIdentity, handoffId: string): Promise<{ handoff: Handoff; lines: TranscriptLine[] } | undefined> {
    const handoff = this.handoffs.get(handoffId);
    return handoff ? { handoff: structuredClone(handoff), lines: [] } : undefined;
  }
  async claim(adviser: AdviserIdentity, handoffId: string): Promise<boolean> {
    this.claims.push(adviser);
    const handoff = this.handoffs.get(handoffId);
    if (!handoff || handoff.status !== 'queued') return false;
    Object.assign(handoff, { status: 'claimed', claimedBy: adviser.id, claimedAt: '2025-03-04T11:05:13.000Z' });
    await this.notifier?.handoffClaimed(structuredClone(handoff), adviser);
    return true;
  }
  async reply(adviser: AdviserIdentity, handoffId: string, text: string): Promise<boolean> {
    const handoff = this.handoffs.get(handoffId);
    if (!handoff || handoff.status !== 'claimed' || handoff.claimedBy !== adviser.id) return false;
    this.replies.push({ adviser, handoffId, text });
    return true;
  }
  async transfer(): Promise<boolean> {
    return false;
  }
  async close(adviser: AdviserIdentity, handoffId: string): Promise<boolean> {
    const handoff = this.handoffs.get(handoffId);
    if (!handoff || handoff.status !== 'claimed' || handoff.claimedBy !== adviser.id) return false;
    Object.assign(handoff, { status: 'closed', closedBy: adviser.id, closedAt: '2025-03-04T11:30:00.000Z' });
    this.closes.push({ adviser, handoffId });
    await this.notifier?.handoffClosed(structuredClone(handoff), adviser.id);
    return true;
  }
  async callbacks(): Promise<Callback[]> {
    return [];
  }
  async markCallbackDone(): Promise<boolean> {
    return false;
  }
  async subscribe(_listener: (event: DeskEvent) => void): Promise<() => Promise<void>> {
    return async () => undefined;
  }
}

function recordingLog() {
  const lines: Array<{ level: string; event: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (event: string, fields?: Record<string, unknown>) => {
    lines.push({ level, event, fields });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

const target: AdvisersChannelTarget = { conversationId: CHANNEL, serviceUrl: DEFAULT_TEAMS_SERVICE_URL, tenantId: AAD_TENANT };

function setup(options: { channel?: AdvisersChannelTarget | undefined } = {}) {
  const adapter = new RecordingAdapter();
  const storage = new MemoryStorage();
  const log = recordingLog();
  const desk = new FakeDesk();
  const channelTarget = 'channel' in options ? options.channel : target;
  const notifier = new TeamsAdviserChannel({
    adapter: adapter.proactive,
    appId: APP_ID,
    channelFor: (tenant) => (tenant === 'derby' ? channelTarget : undefined),
    storage,
    log,
    councilName: (tenant) => (tenant === 'derby' ? 'Derby City Council' : undefined),
  });
  desk.notifier = notifier;
  const deps = { desk, storage, log, councilName: (tenant: string) => (tenant === 'derby' ? 'Derby City Council' : undefined) };
  return { adapter, storage, log, desk, notifier, deps };
}

function cardOf(activity: Partial<Activity> | undefined): AdaptiveCard {
  const attachment = activity?.attachments?.[0];
  expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  return attachment!.content as AdaptiveCard;
}

/** Every text of a card (TextBlocks, facts), one string. */
function textsOf(card: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.type === 'TextBlock' && typeof record.text === 'string') out.push(record.text);
      if (typeof record.title === 'string' && typeof record.value === 'string') out.push(`${record.title}: ${record.value}`);
      Object.values(record).forEach(walk);
    }
  };
  walk(card);
  return out.join('\n');
}

function actionsOf(card: AdaptiveCard): Array<Record<string, unknown>> {
  return (card.actions ?? []) as Array<Record<string, unknown>>;
}

/** A queued hand-off whose card is in the channel. */
async function posted(overrides: Partial<Handoff> = {}, summary: Record<string, unknown> = {}) {
  const env = setup();
  const handoff = env.desk.add(handoffOf(overrides, summary));
  await env.notifier.handoffQueued(handoff);
  return { ...env, handoff };
}

function acceptBy(name: string, aad: string): Activity {
  const activity = fixture('handoff-accept-invoke');
  activity.id = `f:${aad}`;
  activity.from = { ...activity.from, id: `29:${aad}`, name, aadObjectId: aad };
  return activity;
}

function replyBy(name: string, aad: string, text: string): Activity {
  const activity = fixture('handoff-thread-reply');
  activity.from = { ...activity.from, id: `29:${aad}`, name, aadObjectId: aad };
  activity.text = `<at>SEND assistant</at> ${text}`;
  return activity;
}

// ---- the card --------------------------------------------------------------------------------

describe('the card posted for a new hand-off', () => {
  it('is posted as a new thread in the council advisers’ channel, with the facts and an Accept button', async () => {
    const { adapter, storage, handoff } = await posted();
    expect(adapter.references).toHaveLength(1);
    const reference = adapter.references[0]!;
    expect(reference.conversation?.id).toBe(CHANNEL);
    expect(reference.conversation?.tenantId).toBe(AAD_TENANT);
    expect(reference.serviceUrl).toBe(DEFAULT_TEAMS_SERVICE_URL);
    expect(reference.channelId).toBe('msteams');
    expect(reference.bot?.id).toBe(`28:${APP_ID}`);

    // A new post, not a reply to botbuilder's made-up continuation activity.
    expect(adapter.sent[0]!.replyToId).toBeUndefined();
    const card = cardOf(adapter.sent[0]);
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.4');
    const text = textsOf(card);
    expect(text).toContain('Waiting for an adviser');
    expect(text).toContain('They asked to talk to a person');
    expect(text).toContain('Derby City Council (derby)');
    expect(text).toContain('Web chat');
    expect(text).toContain('Appeal deadlines');
    expect(text).toContain('Waiting since: 11:02 on Tue 4 Mar 2025');
    expect(text).toContain('How long do I have to appeal the decision not to assess?');
    expect(text).toContain('Decision letter: Thu 20 Feb 2025');
    expect(text).toContain('Appeal to the Tribunal: Tue 22 Apr 2025 (2 months from the decision letter)');
    expect(text).not.toMatch(/URGENT/);
    const accept = actionsOf(card).find((a) => a.type === 'Action.Execute');
    expect(accept).toMatchObject({ type: 'Action.Execute', title: 'Accept', verb: 'handoff.accept', data: { handoffId: handoff.id } });
    expect(actionsOf(card).find((a) => a.type === 'Action.OpenUrl')).toMatchObject({
      url: 'https://assistant.example.gov.uk/advisers/handoffs/5b1e6d2c',
    });

    expect(await readCardRecord(storage, handoff.id)).toMatchObject({
      channelConversationId: CHANNEL,
      cardActivityId: CARD_ID,
      status: 'queued',
    });
  });

  it('links to the adviser console by the address given (the summary\'s own href is often relative)', () => {
    const handoff = handoffOf({}, { transcript: { conversationId: 'conv-person-1', href: '/advisers/#/handoffs/5b1e6d2c' } });
    expect(actionsOf(queuedCard(handoff, summaryOf(handoff))).some((a) => a.type === 'Action.OpenUrl')).toBe(false);
    const card = queuedCard(handoff, summaryOf(handoff), { consoleUrl: 'https://assistant.example.gov.uk/advisers/#/handoffs/5b1e6d2c' });
    expect(actionsOf(card).find((a) => a.type === 'Action.OpenUrl')).toMatchObject({
      title: 'Open in the adviser console',
      url: 'https://assistant.example.gov.uk/advisers/#/handoffs/5b1e6d2c',
    });
  });

  it('marks an urgent safeguarding hand-off clearly, at the top', async () => {
    const { adapter } = await posted({ reason: 'safeguarding', urgent: true }, { reason: 'safeguarding' });
    const card = cardOf(adapter.sent[0]);
    const first = card.body[0] as { type: string; style: string; items: Array<{ text: string; color: string }> };
    expect(first).toMatchObject({ type: 'Container', style: 'attention' });
    expect(first.items[0]).toMatchObject({ text: 'URGENT: possible safeguarding concern', color: 'Attention', weight: 'Bolder' });
    expect(textsOf(card)).toContain('Possible safeguarding concern');
    expect(adapter.sent[0]!.summary).toMatch(/URGENT/);
  });

  it('shows nothing the person typed without their consent', async () => {
    const { adapter } = await posted({}, { consent: false });
    const json = JSON.stringify(adapter.sent[0]);
    expect(json).not.toContain('How long do I have to appeal');
    expect(json).not.toContain('Decision letter');
    expect(json).not.toContain('Appeal to the Tribunal');
    expect(textsOf(cardOf(adapter.sent[0]))).toContain('did not agree to pass on what they typed');
    // The facts that are not theirs are still there.
    expect(textsOf(cardOf(adapter.sent[0]))).toContain('Appeal deadlines');
  });

  it('escapes markdown and HTML in what the person typed, so nothing becomes a link or markup', async () => {
    const { adapter } = await posted({}, { asked: HOSTILE, dates: [{ label: '[x](https://evil.example)', date: '**2025**' }] });
    const card = cardOf(adapter.sent[0]);
    const text = textsOf(card);
    // No unescaped link, image, emphasis, code, heading, HTML tag, entity or card function.
    expect(text).not.toMatch(/(^|[^\\])\[/m);
    expect(text).not.toMatch(/(^|[^\\])\*\*/m);
    expect(text).not.toMatch(/(^|[^\\])</m);
    expect(text).not.toMatch(/(^|[^\\])&/m);
    expect(text).not.toMatch(/(^|[^\\])\{/m);
    expect(text).not.toContain('https://');
    expect(text).toContain('\\[click here\\](https:\u200B//evil.\u200Bexample/login) \\<img src=x onerror=alert(1)\\>');
    expect(text).toContain('\\*\\*urgent\\*\\* \\_now\\_ \\`code\\` \\# Heading \\&lt;b\\&gt;');
    // The only link on the card is the council's own console.
    expect(JSON.stringify(card).match(/https?:\/\/[^"]*/g)).toEqual([
      'http://adaptivecards.io/schemas/adaptive-card.json',
      'https://assistant.example.gov.uk/advisers/handoffs/5b1e6d2c',
    ]);
  });

  it('escapeCardText: list markers at the start, addresses and control characters', () => {
    expect(escapeCardText('- item')).toBe('\\- item');
    expect(escapeCardText('1. first')).toBe('1\\. first');
    expect(escapeCardText('mail me at a@b.uk or www.x.uk')).toBe('mail me at a@\u200Bb.\u200Buk or www.\u200Bx.\u200Buk');
    expect(escapeCardText('line one\n\nline\u0007 two')).toBe('line one line two');
    expect(escapeCardText('x'.repeat(300))).toHaveLength(200);
  });

  it('brings the card up to date when a queued hand-off is queued again (made urgent)', async () => {
    const { adapter, notifier, handoff } = await posted();
    await notifier.handoffQueued({ ...handoff, urgent: true, reason: 'safeguarding' });
    expect(adapter.sent.filter((a) => a.attachments)).toHaveLength(1);
    expect(adapter.updated).toHaveLength(1);
    expect(adapter.updated[0]!.id).toBe(CARD_ID);
    expect(textsOf(cardOf(adapter.updated[0]))).toContain('URGENT');
  });

  it('posts nothing for a council without an advisers’ channel, and says so in the log', async () => {
    const env = setup({ channel: undefined });
    await env.notifier.handoffQueued(handoffOf());
    expect(env.adapter.sent).toHaveLength(0);
    expect(env.log.lines).toContainEqual(expect.objectContaining({ event: 'teams_advisers.no_channel' }));
  });

  it('never throws into the hand-off, and logs failures by kind only', async () => {
    const env = setup();
    env.adapter.failWith = new Error(`Teams said no to "${HOSTILE}"`);
    const handoff = handoffOf();
    await expect(env.notifier.handoffQueued(handoff)).resolves.toBeUndefined();
    const failure = env.log.lines.find((l) => l.event === 'teams_advisers.failed');
    expect(failure?.fields).toMatchObject({ kind: 'queued', errorName: 'Error' });
    expect(JSON.stringify(env.log.lines)).not.toContain('evil');

    env.adapter.failWith = undefined;
    await env.notifier.handoffQueued(handoff);
    env.adapter.failWith = new Error('down');
    await expect(env.notifier.personMessage(handoff, 'my child is 9')).resolves.toBeUndefined();
    await expect(env.notifier.handoffClaimed(handoff, { id: 'console:sam', name: 'Sam', via: 'console', tenants: [], role: 'adviser' })).resolves.toBeUndefined();
    await expect(env.notifier.handoffClosed(handoff, 'console:sam')).resolves.toBeUndefined();
    expect(JSON.stringify(env.log.lines)).not.toContain('my child');
  });
});

// ---- accepting ---------------------------------------------------------------------------------

describe('Accept (adaptiveCard/action invoke)', () => {
  it('claims the hand-off for the Teams user, answers with the accepted card and updates the card for everyone', async () => {
    const { adapter, desk, deps, handoff } = await posted();
    const invoke = fixture('handoff-accept-invoke');
    expect(invoke.value).toMatchObject({ action: { type: 'Action.Execute', verb: ACCEPT_VERB, data: { handoffId: handoff.id } } });

    expect(await adapter.receive(invoke, deps)).toBe(true);
    expect(desk.claims[0]).toEqual({ id: `teams:${SAM_AAD}`, name: 'Sam Adviser', via: 'teams', tenants: [], role: 'adviser' });

    expect(adapter.invokeResponses).toHaveLength(1);
    const response = adapter.invokeResponses[0]!;
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const card = response.body.value as AdaptiveCard;
    const text = textsOf(card);
    expect(text).toContain('Accepted by Sam Adviser');
    expect(text).toMatch(/reply in this thread and mention @SEND assistant/);
    expect(text).toContain('"close"');
    expect(actionsOf(card).some((a) => a.type === 'Action.Execute')).toBe(false);
    expect(text).toContain('How long do I have to appeal'); // the same facts

    // Everyone's copy: the card (replyToId) is replaced, by the invoke turn and by the notifier.
    const cardUpdates = adapter.updated.filter((a) => a.id === CARD_ID);
    expect(cardUpdates.length).toBeGreaterThanOrEqual(1);
    for (const update of cardUpdates) {
      expect(textsOf(cardOf(update))).toContain('Accepted by Sam Adviser');
      expect(actionsOf(cardOf(update)).some((a) => a.type === 'Action.Execute')).toBe(false);
      expect(update.conversation?.id).toBe(THREAD);
    }
  });

  it('tells a second adviser who already has it, with the card (statusCode 200)', async () => {
    const { adapter, deps } = await posted();
    await adapter.receive(acceptBy('Sam Adviser', SAM_AAD), deps);
    await adapter.receive(acceptBy('Alex Other', ALEX_AAD), deps);
    const second = adapter.invokeResponses[1]!;
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const text = textsOf(second.body.value);
    expect(text).toContain('Already accepted by Sam Adviser.');
    expect(text).toContain('Accepted by Sam Adviser');
    expect(text).not.toContain('Accepted by Alex');
  });

  it('answers a repeated press by the same adviser with their card, not a refusal', async () => {
    const { adapter, deps } = await posted();
    await adapter.receive(acceptBy('Sam Adviser', SAM_AAD), deps);
    await adapter.receive(acceptBy('Sam Adviser', SAM_AAD), deps);
    expect(textsOf(adapter.invokeResponses[1]!.body.value)).not.toContain('Already accepted');
  });

  it('answers an unknown verb with a 400 error body (Universal Actions)', async () => {
    const { adapter, desk, deps } = await posted();
    const invoke = fixture('handoff-accept-invoke');
    (invoke.value as { action: { verb: string } }).action.verb = 'handoff.delete';
    expect(await adapter.receive(invoke, deps)).toBe(true);
    expect(adapter.invokeResponses[0]).toEqual({
      status: 200,
      body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: expect.any(String) } },
    });
    expect(desk.claims).toHaveLength(0);
  });

  it('refuses a press from outside the advisers’ channel', async () => {
    const { adapter, desk, deps } = await posted();
    const invoke = fixture('handoff-accept-invoke');
    invoke.conversation.id = '19:ffffffffffffffffffffffffffffffff@thread.tacv2;messageid=1712345678901';
    await adapter.receive(invoke, deps);
    expect(adapter.invokeResponses[0]!.body).toMatchObject({ statusCode: 403, type: 'application/vnd.microsoft.error' });
    expect(desk.claims).toHaveLength(0);
  });

  it('answers with the closed card when the hand-off has already ended', async () => {
    const { adapter, deps, desk, handoff } = await posted();
    Object.assign(desk.handoffs.get(handoff.id)!, { status: 'closed', closedBy: 'console:jo', closedAt: '2025-03-04T11:10:00.000Z' });
    await adapter.receive(acceptBy('Sam Adviser', SAM_AAD), deps);
    const text = textsOf(adapter.invokeResponses[0]!.body.value);
    expect(text).toContain('This hand-off has already ended.');
    expect(text).toContain('Closed');
  });
});

// ---- relaying ------------------------------------------------------------------------------------

describe('talking to the person in the card’s thread', () => {
  async function accepted() {
    const env = await posted();
    await env.adapter.receive(acceptBy('Sam Adviser', SAM_AAD), env.deps);
    env.adapter.sent.length = 0;
    env.adapter.updated.length = 0;
    env.adapter.references.length = 0;
    return env;
  }

  it('passes the adviser’s reply (without the @mention) to the desk, and says nothing in the channel', async () => {
    const { adapter, desk, deps } = await accepted();
    expect(await adapter.receive(fixture('handoff-thread-reply'), deps)).toBe(true);
    expect(desk.replies).toEqual([
      { adviser: expect.objectContaining({ id: `teams:${SAM_AAD}`, name: 'Sam Adviser' }), handoffId: HANDOFF_ID, text: "Hello, I'm Sam from the SEND team. How can I help?" },
    ]);
    expect(adapter.sent).toHaveLength(0);
  });

  it('tells another adviser who holds it, and passes nothing on', async () => {
    const { adapter, desk, deps } = await accepted();
    expect(await adapter.receive(replyBy('Alex Other', ALEX_AAD, 'I can take this one'), deps)).toBe(true);
    expect(desk.replies).toHaveLength(0);
    expect(adapter.sent).toHaveLength(1);
    expect(adapter.sent[0]).toMatchObject({ type: 'message', textFormat: 'plain' });
    expect(adapter.sent[0]!.text).toBe('Sam Adviser has this hand-off, so only they can talk to the person. Nothing was passed on.');
    expect(adapter.sent[0]!.conversation?.id).toBe(THREAD);
  });

  it('says to press Accept first when nobody has it yet', async () => {
    const { adapter, desk, deps } = await posted();
    await adapter.receive(replyBy('Alex Other', ALEX_AAD, 'hello?'), deps);
    expect(desk.replies).toHaveLength(0);
    expect(adapter.sent.at(-1)!.text).toMatch(/press Accept on the card first/);
  });

  it('posts the person’s messages in the card’s thread, as plain text', async () => {
    const { adapter, notifier, handoff } = await accepted();
    await notifier.personMessage(handoff, 'Thank you. It was a **refusal** letter: [see](https://x.example)');
    expect(adapter.references[0]!.conversation?.id).toBe(THREAD);
    expect(adapter.references[0]!.serviceUrl).toBe(DEFAULT_TEAMS_SERVICE_URL);
    expect(adapter.sent).toEqual([
      expect.objectContaining({
        type: 'message',
        textFormat: 'plain',
        text: `${PERSON_PREFIX}Thank you. It was a **refusal** letter: [see](https://x.example)`,
      }),
    ]);
    expect(adapter.sent[0]!.conversation?.id).toBe(THREAD);
    expect(adapter.sent[0]!.replyToId).toBeUndefined();
    expect(PERSON_PREFIX).toBe('Parent/young person: ');
  });

  it('"close" ends the hand-off: desk.close, a line in the thread, and the card shows it closed', async () => {
    const { adapter, desk, deps, storage } = await accepted();
    expect(await adapter.receive(replyBy('Sam Adviser', SAM_AAD, 'close'), deps)).toBe(true);
    expect(desk.closes).toEqual([{ adviser: expect.objectContaining({ id: `teams:${SAM_AAD}` }), handoffId: HANDOFF_ID }]);
    expect(desk.replies).toHaveLength(0);
    expect(adapter.sent.at(-1)!.text).toMatch(/^Closed\./);
    const update = adapter.updated.at(-1);
    expect(update?.id).toBe(CARD_ID);
    const text = textsOf(cardOf(update));
    expect(text).toContain('Closed by Sam Adviser');
    expect(actionsOf(cardOf(update)).some((a) => a.type === 'Action.Execute')).toBe(false);
    expect((await readCardRecord(storage, HANDOFF_ID))?.status).toBe('closed');
  });

  it('shows the card closed when the person leaves (closed by "person")', async () => {
    const { adapter, notifier, desk } = await accepted();
    const handoff = { ...desk.handoffs.get(HANDOFF_ID)!, status: 'closed' as const, closedBy: 'person', closedAt: '2025-03-04T11:20:00.000Z' };
    await notifier.handoffClosed(handoff, 'person');
    expect(textsOf(cardOf(adapter.updated.at(-1)))).toContain('Closed by the person (they left the chat) at 11:20 on Tue 4 Mar 2025');
  });

  it('"close" from someone else is refused', async () => {
    const { adapter, desk, deps } = await accepted();
    await adapter.receive(replyBy('Alex Other', ALEX_AAD, 'Close'), deps);
    expect(desk.closes).toHaveLength(0);
    expect(adapter.sent.at(-1)!.text).toBe('Sam Adviser has this hand-off, so only they can close it.');
  });

  it('leaves everything else to the bot', async () => {
    const { adapter, desk, deps } = await accepted();
    // A new post in the channel (not in a hand-off's thread).
    const root = fixture('channel-mention');
    expect(await adapter.receive(root, deps)).toBe(false);
    // A reply in some other thread of the same channel.
    const other = fixture('handoff-thread-reply');
    other.conversation.id = `${CHANNEL};messageid=1712345000000`;
    expect(await adapter.receive(other, deps)).toBe(false);
    // A personal chat, and web chat.
    expect(await adapter.receive(fixture('personal-message'), deps)).toBe(false);
    expect(await adapter.receive({ ...fixture('handoff-thread-reply'), channelId: 'webchat' }, deps)).toBe(false);
    // Not a message: a reaction in the hand-off's thread.
    expect(await adapter.receive({ ...fixture('handoff-thread-reply'), type: 'messageReaction' }, deps)).toBe(false);
    expect(desk.replies).toHaveLength(0);
    expect(adapter.sent).toHaveLength(0);
  });
});

// ---- configuration ----------------------------------------------------------------------------

describe('advisersTeamsChannel in a tenant file', () => {
  const derby = parseYaml(readFileSync('knowledge/tenants/derby.yaml', 'utf8')) as Record<string, unknown>;

  it('is optional', () => {
    const tenant = tenantSchema.parse(derby);
    expect(tenant.advisersTeamsChannel).toBeUndefined();
    expect(advisersChannelOf(tenant)).toBeUndefined();
  });

  it('takes the channel id (plain or as "Get link to channel" encodes it), with the UK service URL by default', () => {
    for (const conversationId of [CHANNEL, encodeURIComponent(CHANNEL)]) {
      const tenant = tenantSchema.parse({ ...derby, advisersTeamsChannel: { conversationId, tenantId: AAD_TENANT } });
      expect(advisersChannelOf(tenant)).toEqual({ conversationId: CHANNEL, serviceUrl: 'https://smba.trafficmanager.net/uk/', tenantId: AAD_TENANT });
    }
    const general = tenantSchema.parse({
      ...derby,
      advisersTeamsChannel: { conversationId: '19:abcDEF123_-x@thread.skype', serviceUrl: 'https://smba.trafficmanager.net/emea/' },
    });
    expect(general.advisersTeamsChannel?.serviceUrl).toBe('https://smba.trafficmanager.net/emea/');
  });

  it.each([
    ['a team link instead of a channel id', { conversationId: 'https://teams.microsoft.com/l/team/19%3a1a2b@thread.tacv2/conversations' }, /conversationId: must be a Teams channel id/],
    ['a chat id', { conversationId: '19:meeting_abc@thread.v2' }, /conversationId: must be a Teams channel id/],
    ['an http service URL', { conversationId: CHANNEL, serviceUrl: 'http://smba.trafficmanager.net/uk/' }, /serviceUrl: must be an https address/],
    ['a tenant id that is not a GUID', { conversationId: CHANNEL, tenantId: 'derby' }, /tenantId: must be a tenant id/],
    ['an unknown field', { conversationId: CHANNEL, channel: 'SEND advisers' }, /Unrecognized key/],
  ])('refuses %s', (_name, advisersTeamsChannel, message) => {
    const result = tenantSchema.safeParse({ ...derby, advisersTeamsChannel });
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => `${i.path.slice(1).join('.')}: ${i.message}`).join('\n');
    expect(issues).toMatch(message);
  });
});

// ---- through /api/messages -----------------------------------------------------------------------

const BOT_TOKEN = 'bot-outbound-token';

function fixedTokenCredentials(appId: string): ServiceClientCredentialsFactory {
  return {
    isValidAppId: async (id: string) => id === appId,
    isAuthenticationDisabled: async () => false,
    createCredentials: async () => ({
      signRequest: async (request: { headers: { set(name: string, value: string): void } }) => {
        request.headers.set('authorization', `Bearer ${BOT_TOKEN}`);
        return request;
      },
    }),
  } as unknown as ServiceClientCredentialsFactory;
}

interface ConnectorCall {
  method: string;
  conversationId: string;
  activityId?: string;
  authorization?: string;
  activity: Partial<Activity>;
}

/** A Bot Connector that records posts (a new channel post gets the card's id) and updates (PUT). */
async function startConnector(): Promise<{ url: string; calls: ConnectorCall[]; close(): Promise<void> }> {
  const calls: ConnectorCall[] = [];
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/v3/conversations/:conversationId/activities', (req, res) => {
    calls.push({ method: 'POST', conversationId: req.params.conversationId!, authorization: req.get('authorization'), activity: req.body });
    res.status(201).json({ id: req.params.conversationId === CHANNEL ? CARD_ID : `reply-${calls.length}` });
  });
  app.post('/v3/conversations/:conversationId/activities/:activityId', (req, res) => {
    calls.push({ method: 'POST', conversationId: req.params.conversationId!, activityId: req.params.activityId, activity: req.body });
    res.status(201).json({ id: `reply-${calls.length}` });
  });
  app.put('/v3/conversations/:conversationId/activities/:activityId', (req, res) => {
    calls.push({ method: 'PUT', conversationId: req.params.conversationId!, activityId: req.params.activityId, authorization: req.get('authorization'), activity: req.body });
    res.status(200).json({ id: req.params.activityId });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not faked' });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('through POST /api/messages with a signed token', () => {
  let consoleError: MockInstance<typeof console.error>;
  let issuer: FakeIssuer;
  let connector: Awaited<ReturnType<typeof startConnector>>;
  let server: Server;
  let base: string;
  let desk: FakeDesk;
  let notifier: TeamsAdviserChannel;
  const botRan: string[] = [];

  beforeAll(async () => {
    consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    issuer = await startFakeIssuer(['msteams']);
    connector = await startConnector();
    const config = loadConfig({ NODE_ENV: 'test', MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret-0123456789' });
    const storage = new MemoryStorage();
    const log = recordingLog();
    desk = new FakeDesk();
    const app = express();
    // As app.ts wires it: the adviser handler first, the bot for everything else.
    const adapter = mountBotService(app, {
      config,
      storage,
      log,
      auth: {
        endpoints: { toBotFromChannelOpenIdMetadataUrl: issuer.metadataUrl, toBotFromEmulatorOpenIdMetadataUrl: issuer.metadataUrl },
        credentialsFactory: fixedTokenCredentials(APP_ID),
      },
      logic: async (context) => {
        if (await handleAdviserActivity(context, { desk, storage, log })) return;
        botRan.push(context.activity.type);
      },
    })!;
    notifier = new TeamsAdviserChannel({
      adapter,
      appId: APP_ID,
      channelFor: () => ({ conversationId: CHANNEL, serviceUrl: connector.url, tenantId: AAD_TENANT }),
      storage,
      log,
    });
    desk.notifier = notifier;
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    consoleError.mockRestore();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await issuer.close();
    await connector.close();
  });

  beforeEach(() => {
    connector.calls.length = 0;
  });

  const post = async (activity: Activity) => {
    const token = issuer.token(channelClaims(APP_ID, connector.url, issuer.issuer));
    const response = await fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(activity),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  it('posts the card with the real adapter, accepts it through the route, and relays a reply', async () => {
    const handoff = desk.add(handoffOf());
    await notifier.handoffQueued(handoff);
    expect(connector.calls).toHaveLength(1);
    expect(connector.calls[0]).toMatchObject({ method: 'POST', conversationId: CHANNEL, authorization: `Bearer ${BOT_TOKEN}` });
    expect(connector.calls[0]!.activity.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(connector.calls[0]!.activity.from?.id).toBe(`28:${APP_ID}`);
    expect(connector.calls[0]!.activityId).toBeUndefined(); // a new thread, not a reply
    connector.calls.length = 0;

    const accept = await post(fixture('handoff-accept-invoke', connector.url));
    expect(accept.status).toBe(200);
    expect(accept.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard' } });
    expect(textsOf((accept.body as { value: unknown }).value)).toContain('Accepted by Sam Adviser');
    const puts = connector.calls.filter((c) => c.method === 'PUT');
    expect(puts.length).toBeGreaterThanOrEqual(1);
    for (const put of puts) {
      expect(put).toMatchObject({ conversationId: THREAD, activityId: CARD_ID, authorization: `Bearer ${BOT_TOKEN}` });
      expect(textsOf(put.activity.attachments?.[0]?.content)).toContain('Accepted by Sam Adviser');
    }

    expect((await post(fixture('handoff-thread-reply', connector.url))).status).toBe(200);
    expect(desk.replies.at(-1)).toMatchObject({ handoffId: HANDOFF_ID, text: "Hello, I'm Sam from the SEND team. How can I help?" });

    connector.calls.length = 0;
    await notifier.personMessage(desk.handoffs.get(HANDOFF_ID)!, 'That helps, thanks');
    expect(connector.calls).toEqual([
      expect.objectContaining({ method: 'POST', conversationId: THREAD, activity: expect.objectContaining({ text: `${PERSON_PREFIX}That helps, thanks`, textFormat: 'plain' }) }),
    ]);
    expect(connector.calls[0]!.activityId).toBeUndefined();
    expect(connector.calls[0]!.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(botRan).toEqual([]);
  });

  it('lets the bot answer a channel message outside hand-off threads', async () => {
    const activity = fixture('handoff-thread-reply', connector.url);
    activity.id = '1712345700001';
    activity.conversation.id = `${CHANNEL};messageid=1712345700001`;
    expect((await post(activity)).status).toBe(200);
    expect(botRan).toEqual(['message']);
  });
});

// A compile-time check that the project's adapter is one the channel can use.
export const adapterFits = (adapter: import('../../src/channels/botService').BotServiceAdapter): AdviserChannelAdapter => adapter;
// And that queuedCard's input is what the store holds.
export const cardFits = (handoff: Handoff): AdaptiveCard => queuedCard(handoff, summaryOf(handoff));
