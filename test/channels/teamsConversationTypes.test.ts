import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { ActionTypes, type Activity, type Attachment, type ConversationAccount } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTIVE_CARD, renderReply } from '../../src/bot/renderReply';
import { mountBotService } from '../../src/channels/botService';
import { BOT_SERVICE_APOLOGY } from '../../src/channels/botService/adapter';
import { withVisibleChoices } from '../../src/channels/teams/suggestedActions';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import { core } from '../helpers/testBot';
import { startBotServiceAssistant, type BotServiceAssistant } from '../helpers/botServiceAssistant';
import { postActivity, teamsFixture, type FakeConnector } from '../fixtures/teams/fakeBotFramework';

/**
 * Teams shows suggested actions in one-to-one chats; in a group chat or a team channel (where
 * staff @mention the bot) they may not be shown at all. Through the real /api/messages path (as
 * `npm start` builds it, no App ID, the fake connector recording what Teams would receive), the
 * same question in a personal chat, a group chat and a channel:
 *
 * - personal: exactly what renderReply made (suggested actions, no card added);
 * - groupChat and channel: no suggested actions, and a card whose buttons send the same imBack
 *   values, each once, which the bot understands when pressed;
 * - a reply whose choices are already on a card gets no second card;
 * - "<at>SEND assistant</at>" is taken out of the text before the dialogs read it;
 * - web chat (and every other channel) keeps its suggested actions whatever the conversation says.
 */

const BOT_ID = '0a1b2c3d-1111-4222-8333-444455556666';
const BOT_NAME = 'SEND assistant';
const BOT_MENTION = `<at>${BOT_NAME}</at>`;
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

const logLines: string[] = [];
configureLog('info', (line) => logLines.push(line));

let base: string;
let connector: FakeConnector;

let running: BotServiceAssistant;

beforeAll(async () => {
  running = await startBotServiceAssistant('send-teams-scopes-', { env: { DEFAULT_TENANT: 'generic' } });
  ({ base, connector } = running);
});

afterAll(() => running.close());

type Scope = 'personal' | 'groupChat' | 'channel';
const SCOPES: Scope[] = ['personal', 'groupChat', 'channel'];
let sequence = 0;

/** A new conversation of this type, shaped as Teams names it. */
function conversationOf(scope: Scope): ConversationAccount {
  const n = ++sequence;
  if (scope === 'personal') return { conversationType: 'personal', tenantId: TENANT, id: `a:personal-${n}` } as ConversationAccount;
  if (scope === 'groupChat') return { conversationType: 'groupChat', isGroup: true, tenantId: TENANT, id: `19:group-${n}@thread.v2` } as ConversationAccount;
  return { conversationType: 'channel', isGroup: true, tenantId: TENANT, id: `19:channel-${n}@thread.tacv2;messageid=17000000${n}` } as ConversationAccount;
}

/**
 * A message as Teams posts it: in a group chat or channel the bot gets it only when @mentioned,
 * so there the text starts with the mention and carries its entity (unless `mention` is false:
 * the message a card's imBack button sends).
 */
function teamsMessage(conversation: ConversationAccount, text: string, { mention = true, channelId = 'msteams' } = {}): Activity {
  const activity = teamsFixture('personal-message', connector.url, BOT_ID);
  activity.id = `scope-${++sequence}`;
  activity.channelId = channelId;
  activity.conversation = { ...conversation };
  activity.channelData = { tenant: { id: TENANT } };
  activity.text = text;
  if (mention && conversation.conversationType !== 'personal') {
    activity.text = `${BOT_MENTION} ${text}`;
    activity.entities = [{ type: 'mention', mentioned: { id: `28:${BOT_ID}`, name: BOT_NAME }, text: BOT_MENTION }, ...(activity.entities ?? [])];
  }
  return activity;
}

/** Posts one message and returns what the connector received for that turn. */
async function say(conversation: ConversationAccount, text: string, options?: { mention?: boolean; channelId?: string }): Promise<Partial<Activity>[]> {
  const before = connector.replies.length;
  const response = await postActivity(base, teamsMessage(conversation, text, options));
  expect(response.status).toBe(200);
  return connector.replies.slice(before).filter((r) => r.conversationId === conversation.id).map((r) => r.activity);
}

/** Every Teams imBack a card's buttons send, wherever it is on the activity's Adaptive Cards ("Did this help?" aside). */
function cardImBacks(activity: Partial<Activity>): string[] {
  const values: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as { type?: unknown; data?: { msteams?: { type?: string; value?: string } } };
      if (record.type === 'Action.Submit') {
        expect(record.data?.msteams?.type, JSON.stringify(record)).toBe('imBack');
        values.push(record.data!.msteams!.value!);
      }
      // A row's selectAction repeats its own button (a long label: renderReply's card); buttons are counted.
      for (const [key, value] of Object.entries(node)) if (key !== 'selectAction') walk(value);
    }
  };
  for (const attachment of activity.attachments ?? ([] as Attachment[])) {
    if (attachment.contentType !== ADAPTIVE_CARD) continue;
    if ((attachment.content as { body?: Array<{ text?: string }> }).body?.[0]?.text === 'Did this help?') continue;
    walk(attachment.content);
  }
  return values;
}

const firstLine = (topicId: string) => core().replies.answer(topicId, 'generic').text.split('\n')[0]!;
const textOf = (activities: Partial<Activity>[]) => activities.map((a) => a.text ?? '').join('\n');

/** "What is an EHCP?" is answered by asking which of two things is meant: two suggested actions. */
const EHCP_QUESTION = 'What is an EHCP?';
const EHCP_CHOICES = ['Asking for an EHC needs assessment', 'Something else'];

describe('a reply with three or fewer choices, in each kind of Teams conversation', () => {
  it.each(SCOPES)('%s: every choice can be seen and pressed', async (scope) => {
    const conversation = conversationOf(scope);
    const asked = (await say(conversation, EHCP_QUESTION)).at(-1)!;
    if (scope === 'personal') {
      // Unchanged: the suggested actions renderReply made, and no card added.
      expect(asked.suggestedActions?.actions).toEqual(EHCP_CHOICES.map((label) => ({ type: ActionTypes.ImBack, title: label, value: label })));
      expect(asked.attachments ?? []).toEqual([]);
    } else {
      expect(asked.suggestedActions).toBeUndefined();
      // One card, each choice once, each sending exactly what its suggested action sent.
      expect(asked.attachments?.filter((a) => a.contentType === ADAPTIVE_CARD)).toHaveLength(1);
      expect(cardImBacks(asked)).toEqual(EHCP_CHOICES);
    }
    const offered = scope === 'personal' ? asked.suggestedActions!.actions.map((a) => String(a.value)) : cardImBacks(asked);
    // Pressing it sends its label as the person's message (no mention: the press is addressed to the bot).
    const next = await say(conversation, offered[0]!, { mention: false });
    expect(textOf(next)).toContain(firstLine('ehc-needs-assessment'));
  });

  it.each(SCOPES)('%s: a question already on a card gets no second card', async (scope) => {
    const personal = (await say(conversationOf('personal'), 'Work out my deadline')).at(-1)!;
    const asked = (await say(conversationOf(scope), 'Work out my deadline')).at(-1)!;
    expect(asked.suggestedActions).toBeUndefined();
    expect(asked.attachments).toEqual(personal.attachments);
    expect(asked.attachments?.filter((a) => a.contentType === ADAPTIVE_CARD)).toHaveLength(1);
    const choices = cardImBacks(asked);
    expect(new Set(choices).size).toBe(choices.length);
    expect(choices).toHaveLength(5);
  });

  it('keeps suggested actions on web chat, whatever the conversation type says', async () => {
    const conversation = { ...conversationOf('groupChat'), id: `webchat-${++sequence}` } as ConversationAccount;
    const asked = (await say(conversation, EHCP_QUESTION, { channelId: 'webchat', mention: false })).at(-1)!;
    expect(asked.suggestedActions?.actions.map((a) => a.value)).toEqual(EHCP_CHOICES);
    expect(asked.attachments ?? []).toEqual([]);
  });
});

describe('@mentions of the bot in a group chat or channel', () => {
  it.each(SCOPES)('%s: "@SEND assistant what is mediation" and "@SEND assistant Something else" are understood', async (scope) => {
    // say() adds the mention in a group chat or channel, as Teams does.
    const replies = await say(conversationOf(scope), 'what is mediation');
    expect(replies.at(-1)!.text?.split('\n')[0]).toBe(firstLine('mediation'));
    // A typed choice must match exactly: with the mention left in, this one is not understood.
    const conversation = conversationOf(scope);
    await say(conversation, EHCP_QUESTION);
    const other = await say(conversation, 'Something else');
    expect(textOf(other)).toMatch(/^I answer questions about disagreements over support/);
  });

  it('logged no message text', () => {
    const logged = logLines.join('\n');
    for (const said of ['What is an EHCP', 'what is mediation', 'Work out my deadline', 'Asking for an EHC']) expect(logged).not.toContain(said);
  });
});

describe('what the dialogs read, through /api/messages', () => {
  let app: express.Express;
  let mentionServer: Server;
  let mentionBase: string;
  const read: Array<string | undefined> = [];

  beforeAll(async () => {
    app = express();
    mountBotService(app, {
      config: loadConfig({ NODE_ENV: 'test' }),
      logic: async (context) => {
        read.push(context.activity.text);
      },
      log: { info() {}, warn() {}, error() {} },
    });
    mentionServer = app.listen(0, '127.0.0.1');
    await once(mentionServer, 'listening');
    mentionBase = `http://127.0.0.1:${(mentionServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      mentionServer.close(() => resolve());
      mentionServer.closeAllConnections();
    });
  });

  const bot = { type: 'mention', mentioned: { id: `28:${BOT_ID}`, name: BOT_NAME }, text: BOT_MENTION };
  const jo = { type: 'mention', mentioned: { id: '29:jo', name: 'Jo Bloggs' }, text: '<at>Jo Bloggs</at>' };

  it.each([
    { scope: 'personal', text: 'what is mediation', entities: [], reads: 'what is mediation' },
    { scope: 'groupChat', text: `${BOT_MENTION} what is mediation`, entities: [bot], reads: 'what is mediation' },
    { scope: 'channel', text: `${BOT_MENTION} what is mediation`, entities: [bot], reads: 'what is mediation' },
    { scope: 'channel', text: `${BOT_MENTION}&nbsp;what is mediation`, entities: [bot], reads: 'what is mediation' },
    { scope: 'groupChat', text: `what is ${BOT_MENTION} mediation`, entities: [bot], reads: 'what is mediation' },
    { scope: 'channel', text: `${BOT_MENTION} what is mediation ${BOT_MENTION}`, entities: [bot, bot], reads: 'what is mediation' },
    { scope: 'groupChat', text: `${BOT_MENTION} ask <at>Jo Bloggs</at> about mediation`, entities: [bot, jo], reads: 'ask <at>Jo Bloggs</at> about mediation' },
    {
      scope: 'channel',
      text: `${BOT_MENTION} what is mediation`,
      entities: [{ locale: 'en-GB' }, { type: 'mention' }, { type: 'mention', mentioned: { id: `28:${BOT_ID}` } }, bot],
      reads: 'what is mediation',
    },
  ] as const)('$scope: "$text" is read as "$reads"', async ({ scope, text, entities, reads }) => {
    const activity = teamsMessage(conversationOf(scope), 'placeholder', { mention: false });
    activity.text = text;
    activity.entities = entities as unknown as Activity['entities'];
    const before = connector.replies.length;
    const response = await postActivity(mentionBase, activity);
    expect(response.status).toBe(200);
    expect(read.at(-1)).toBe(reads);
    // The turn ran, and did not fail into an apology.
    expect(connector.replies.slice(before).map((r) => r.activity.text)).not.toContain(BOT_SERVICE_APOLOGY);
  });
});

describe('withVisibleChoices (what the adapter sends, activity by activity)', () => {
  const imBack = (label: string) => ({ type: ActionTypes.ImBack, title: label, value: label });
  const teamsCard = (...labels: string[]): Attachment => ({
    contentType: ADAPTIVE_CARD,
    content: { type: 'AdaptiveCard', version: '1.2', body: [], actions: labels.map((l) => ({ type: 'Action.Submit', title: l, data: { msteams: { type: 'imBack', value: l } } })) },
  });
  const feedbackCard = renderReply({ text: 'x', sms: 'x', sources: [], choices: core().replies.feedbackChoices() }, 'msteams').attachments![0]!;
  const message = (conversation: Partial<ConversationAccount>, extra: Partial<Activity> = {}, channelId = 'msteams'): Partial<Activity> => ({
    type: 'message',
    channelId,
    conversation: conversation as ConversationAccount,
    text: 'Which one?',
    suggestedActions: { to: [], actions: [imBack('One'), imBack('Two')] },
    ...extra,
  });
  const group = { conversationType: 'groupChat', isGroup: true, id: '19:g@thread.v2' };
  const channel = { conversationType: 'channel', isGroup: true, id: '19:c@thread.tacv2;messageid=1' };
  const personal = { conversationType: 'personal', id: 'a:p' };

  it.each([
    ['a Teams personal chat', message(personal)],
    ['a Teams reference with no type, a personal chat id', message({ id: 'a:p' })],
    ['web chat in a "group"', message(group, {}, 'webchat')],
    ['SMS', message(personal, {}, 'sms')],
    ['a Teams typing activity', message(channel, { type: 'typing' })],
    ['a Teams message with no suggested actions', message(channel, { suggestedActions: undefined })],
  ])('leaves %s as it is', (_name, activity) => {
    expect(withVisibleChoices(activity)).toBe(activity);
  });

  it.each([
    ['group chat', group],
    ['channel', channel],
    // Teams does not show suggested actions on a message that carries cards, even one to one.
    ['personal chat, on a message with a card', personal],
    ['reference with no type, a group', { id: '19:g@thread.v2', isGroup: true }],
    ['reference with no type, a channel id', { id: '19:c@thread.tacv2' }],
  ])('%s: the suggested actions become a card placed before the other cards', (_name, conversation) => {
    const sent = withVisibleChoices(message(conversation, { attachments: [feedbackCard] }));
    expect(sent.suggestedActions).toBeUndefined();
    expect(sent.text).toBe('Which one?');
    expect(sent.attachments).toHaveLength(2);
    expect(cardImBacks({ attachments: [sent.attachments![0]!] })).toEqual(['One', 'Two']);
    expect(sent.attachments![1]).toBe(feedbackCard);
  });

  it.each([
    ['a Teams Adaptive Card', teamsCard('One', 'Two'), []],
    ['a hero card', { contentType: 'application/vnd.microsoft.card.hero', content: { buttons: [imBack('One'), imBack('Two')] } }, []],
    ['a card with only one of them', teamsCard('Two'), ['One']],
    ['a card with other buttons', teamsCard('Three'), ['One', 'Two']],
  ])('no button twice: with %s', (_name, card, added) => {
    const sent = withVisibleChoices(message(channel, { attachments: [card as Attachment] }));
    expect(sent.suggestedActions).toBeUndefined();
    expect(sent.attachments).toHaveLength(added.length > 0 ? 2 : 1);
    expect(sent.attachments!.at(-1)).toBe(card);
    if (added.length > 0) expect(cardImBacks({ attachments: [sent.attachments![0]!] })).toEqual(added);
  });

  it('keeps what a messageBack sends (text, value, what the chat shows) and a link', () => {
    const sent = withVisibleChoices(
      message(group, {
        suggestedActions: {
          to: [],
          actions: [
            { type: ActionTypes.MessageBack, title: 'Yes', text: 'yes', displayText: 'Yes please', value: { answer: 1 } },
            { type: ActionTypes.OpenUrl, title: 'Leaflet', value: 'https://example.org/leaflet' },
          ],
        },
      }),
    );
    expect((sent.attachments![0]!.content as { actions: unknown[] }).actions).toEqual([
      { type: 'Action.Submit', title: 'Yes', data: { msteams: { type: 'messageBack', text: 'yes', value: { answer: 1 }, displayText: 'Yes please' } } },
      { type: 'Action.OpenUrl', title: 'Leaflet', url: 'https://example.org/leaflet' },
    ]);
  });

  it('writes out a label too long for a Teams button above its button, as renderReply does', () => {
    const long = 'Getting a mediation certificate after saying no to mediation';
    const sent = withVisibleChoices(message(channel, { suggestedActions: { to: [], actions: [imBack(long), imBack('No')] } }));
    const card = JSON.stringify(sent.attachments![0]!.content);
    expect(card).toContain(`{"type":"TextBlock","text":"${long}","wrap":true}`);
    expect(cardImBacks(sent)).toEqual([long, 'No']);
  });
});
