import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Activity, Attachment } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assistant } from '../../src/app';
import { configureLog } from '../../src/log';
import { core } from '../helpers/testBot';
import { startBotServiceAssistant, type BotServiceAssistant } from '../helpers/botServiceAssistant';
import { postActivity, teamsFixture, type FakeConnector } from '../fixtures/teams/fakeBotFramework';

/**
 * Teams through the real /api/messages path, as `npm start` builds it (createAssistant, its SQLite
 * store, botbuilder's CloudAdapter; no App ID, so requests from this machine with a serviceUrl on
 * this machine, the fake connector recording what Teams would receive). The knowledge is a copy of
 * knowledge/ whose Derby file lists a (made-up) Microsoft Entra tenant id, DEFAULT_TENANT=generic:
 *
 * - a Teams activity is the council whose file lists its channelData.tenant.id; anything else,
 *   including a council named in channelData by the caller, is DEFAULT_TENANT's;
 * - a hand-off from a Derby Teams user goes to Derby's queue (and a Derby adviser signed in is seen);
 * - every choice is on the message Teams receives, selectable, "Talk to a person" among them;
 * - no reply promises a calendar file Teams cannot show.
 */

const DERBY_ENTRA = '3c0d5a0e-8f41-4b7a-9d2c-6e1f2a3b4c5d';
const OTHER_ENTRA = '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4';
const BOT_ID = '0a1b2c3d-1111-4222-8333-444455556666';
/** A fixed instant, so the deadline and its "not in the past" check do not depend on today. */
const NOW = '2026-01-12T10:00:00.000Z';
const DERBY_SENDIASS_PHONE = '01332 641414';

const logLines: string[] = [];
configureLog('info', (line) => logLines.push(line));

let assistant: Assistant;
let base: string;
let connector: FakeConnector;

let running: BotServiceAssistant;

beforeAll(async () => {
  running = await startBotServiceAssistant('send-teams-council-', {
    env: { DEFAULT_TENANT: 'generic' },
    prepare: (dataDir) => {
      const knowledgeDir = path.join(dataDir, 'knowledge');
      cpSync('knowledge', knowledgeDir, { recursive: true });
      const derbyFile = path.join(knowledgeDir, 'tenants', 'derby.yaml');
      // Written in capitals, as the Azure portal sometimes shows it: ids compare without case.
      writeFileSync(derbyFile, readFileSync(derbyFile, 'utf8').replace(/^sources:/m, `teamsEntraTenantIds: [${DERBY_ENTRA.toUpperCase()}]\nsources:`));
      return { KNOWLEDGE_DIR: knowledgeDir };
    },
  });
  ({ assistant, base, connector } = running);
});

afterAll(() => running.close());

let sequence = 0;

/** A personal-chat message as Teams posts it (test/fixtures/teams/personal-message.json), from the given organisation. */
function teamsMessage(conversationId: string, text: string, channelData: unknown = { tenant: { id: DERBY_ENTRA } }, channelId = 'msteams'): Activity {
  const activity = teamsFixture('personal-message', connector.url, BOT_ID);
  activity.id = `teams-${++sequence}`;
  activity.channelId = channelId;
  activity.conversation.id = conversationId;
  activity.text = text;
  activity.timestamp = NOW as unknown as Date;
  activity.localTimestamp = NOW as unknown as Date;
  activity.channelData = channelData;
  return activity;
}

/** Posts one message and returns what the connector received for that turn. */
async function say(conversationId: string, text: string, channelData?: unknown, channelId?: string): Promise<Partial<Activity>[]> {
  const before = connector.replies.length;
  const response = await postActivity(base, teamsMessage(conversationId, text, channelData, channelId));
  expect(response.status).toBe(200);
  return connector.replies.slice(before).filter((r) => r.conversationId === conversationId).map((r) => r.activity);
}

const textOf = (activities: Partial<Activity>[]) => activities.map((a) => a.text ?? '').join('\n');

/** Every Action.Submit on an Adaptive Card, wherever it is (the card's actions, sets in the body, a row's selectAction). */
function submitsOf(card: unknown): Array<{ title?: string; data?: unknown }> {
  const found: Array<{ title?: string; data?: unknown }> = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.type === 'Action.Submit') found.push(record as { title?: string; data?: unknown });
      for (const value of Object.values(record)) walk(value);
    }
  };
  walk(card);
  return found;
}

/** The text each choice on this message sends when pressed in Teams (an imBack's value), in order. */
function teamsChoices(activity: Partial<Activity>): string[] {
  const values: string[] = [];
  for (const attachment of activity.attachments ?? ([] as Attachment[])) {
    if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive') continue;
    const card = attachment.content as { body?: Array<{ text?: string }> };
    if (card.body?.[0]?.text === 'Did this help?') continue;
    for (const submit of submitsOf(card)) {
      const msteams = (submit.data as { msteams?: { type?: string; value?: string } } | undefined)?.msteams;
      expect(msteams?.type, `a Teams button sends an imBack: ${JSON.stringify(submit)}`).toBe('imBack');
      if (!values.includes(msteams!.value!)) values.push(msteams!.value!);
    }
  }
  return values;
}

describe('which council a Teams conversation belongs to', () => {
  const derbyAnswer = () => assistant.core.replies.answer('sendiass', 'derby').text.split('\n')[0]!;
  const genericAnswer = () => assistant.core.replies.answer('sendiass', 'generic').text.split('\n')[0]!;

  it.each([
    ["a Teams user from Derby's organisation", 'msteams', { tenant: { id: DERBY_ENTRA } }, 'derby'],
    ['a Teams user from an organisation no council lists', 'msteams', { tenant: { id: OTHER_ENTRA } }, 'generic'],
    ['a Teams activity with no tenant', 'msteams', {}, 'generic'],
    ['a Teams activity naming a council in channelData', 'msteams', { tenant: 'derby' }, 'generic'],
    ['another channel naming a council in channelData', 'emulator', { tenant: 'derby' }, 'generic'],
    ["another channel carrying Derby's Entra tenant id", 'webchat', { tenant: { id: DERBY_ENTRA } }, 'generic'],
  ] as const)('%s → %s', async (_name, channelId, channelData, council) => {
    const conversationId = `council-${channelId}-${++sequence}`;
    const replies = await say(conversationId, 'What is SENDIASS?', channelData, channelId);
    const text = textOf(replies);
    if (council === 'derby') {
      expect(text).toContain(derbyAnswer());
      expect(text).toContain(DERBY_SENDIASS_PHONE);
    } else {
      expect(text).toContain(genericAnswer());
      expect(text).not.toContain(DERBY_SENDIASS_PHONE);
    }
    // Later turns stay with the same council, whatever they carry.
    const later = await say(conversationId, 'What is SENDIASS?', { tenant: council === 'derby' ? 'generic' : 'derby' }, channelId);
    expect(textOf(later)).toContain(council === 'derby' ? derbyAnswer() : genericAnswer());
  });

  it("hands a Derby Teams user to Derby's queue while a Derby adviser is signed in", async () => {
    await assistant.store.upsertAdviser({ id: 'sam-derby', displayName: 'Sam', role: 'adviser', tenants: ['derby'] });
    await assistant.store.markAdviserSeen('sam-derby');
    const conversationId = 'a:teams-derby-handoff';
    const asked = await say(conversationId, "I'd like to speak to an adviser");
    expect(textOf(asked)).not.toMatch(/no adviser|nobody is available|not available/i);
    const consent = asked.at(-1)!;
    const offered = [...(consent.suggestedActions?.actions ?? []).map((a) => String(a.value)), ...teamsChoices(consent)];
    const yes = offered.find((label) => /^Yes/.test(label));
    expect(yes, `offered: ${offered.join(' | ')}`).toBeDefined();
    await say(conversationId, yes!);
    const queued = (await assistant.store.listQueue()).filter((h) => h.conversationId === conversationId);
    expect(queued.map((h) => ({ tenant: h.tenant, channel: h.channel }))).toEqual([{ tenant: 'derby', channel: 'msteams' }]);
  });

  it('logged no message text', () => {
    const logged = logLines.join('\n');
    expect(logged).not.toContain('What is SENDIASS');
    expect(logged).not.toContain('speak to an adviser');
  });
});

describe('choices as Teams receives them', () => {
  it.each([
    {
      name: 'the deadline picker (5 choices, long labels)',
      before: [] as string[],
      ask: 'Work out my deadline',
      question: /Which deadline shall I work out\?/,
      choices: [
        'Appeal to the SEND Tribunal', 'The council deciding whether to assess', 'The final EHC plan',
        'Commenting on a draft plan', 'Getting a mediation certificate after saying no to mediation',
      ],
    },
    {
      name: '"Which decision are you appealing against?" (7 choices)',
      before: ['Work out my deadline'],
      ask: 'Appeal to the SEND Tribunal',
      question: /Which decision are you appealing against\?/,
      choices: ['Not to assess', 'Not to issue a plan', 'What the plan says', 'Not to change the plan', 'To stop the plan', 'Only the school named', "I'm not sure"],
    },
    {
      name: '"not sure what you\'re asking" (5 choices, "Talk to a person" last)',
      before: [] as string[],
      ask: 'purple elephant sandwich',
      question: /not sure what you're asking/,
      choices: core().replies.notUnderstood().choices.map((c) => c.label),
    },
  ])('$name: every choice on the message, each sending its own label', async ({ before, ask, question, choices }) => {
    const conversationId = `a:choices-${++sequence}`;
    for (const text of before) await say(conversationId, text);
    const replies = await say(conversationId, ask);
    const asked = replies.at(-1)!;
    expect(asked.text).toMatch(question);
    // Teams would show only three suggested actions: none are sent, the card has them all.
    expect(asked.suggestedActions).toBeUndefined();
    expect(teamsChoices(asked)).toEqual(choices);
  });

  it('"not sure what you\'re asking" keeps "Talk to a person" on the card', async () => {
    const replies = await say(`a:choices-${++sequence}`, 'purple elephant sandwich');
    expect(teamsChoices(replies.at(-1)!)).toContain('Talk to a person');
  });

  it('pressing a choice on the card is understood: the last deadline choice leads on', async () => {
    const conversationId = `a:choices-${++sequence}`;
    const picker = (await say(conversationId, 'Work out my deadline')).at(-1)!;
    const last = teamsChoices(picker).at(-1)!;
    expect(last).toBe('Getting a mediation certificate after saying no to mediation');
    const next = await say(conversationId, last);
    expect(textOf(next)).toMatch(/What day did you tell the mediation adviser that you did not want mediation\?/);
  });

  it('a long label is written out in full on the card, not only as a button title Teams cuts short', async () => {
    const picker = (await say(`a:choices-${++sequence}`, 'Work out my deadline')).at(-1)!;
    const card = JSON.stringify(picker.attachments?.[0]?.content);
    expect(card).toMatch(/"type":"TextBlock","text":"Getting a mediation certificate after saying no to mediation","wrap":true/);
  });
});

describe('a worked-out deadline in Teams', () => {
  it('gives the deadline without promising a calendar file Teams cannot show', async () => {
    const conversationId = 'a:teams-deadline';
    const first = await say(conversationId, 'The council refused to assess. My decision letter is dated 31/12/2025. When is my appeal deadline?');
    expect(textOf(first)).toMatch(/Is that right\?/);
    await say(conversationId, 'Yes');
    const out = await say(conversationId, "I don't have one yet");
    expect(textOf(out)).toContain('Your appeal deadline is Monday 2 March 2026.');
    expect(textOf(out)).not.toMatch(/calendar|file below/i);
    expect(out.flatMap((a) => a.attachments ?? []).filter((a) => a.contentType !== 'application/vnd.microsoft.card.adaptive')).toEqual([]);
    expect(out.every((a) => a.type === 'message')).toBe(true);
  });
});
