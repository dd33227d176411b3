import { createHash } from 'node:crypto';
import {
  ActivityTypes,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationAccount,
  type ConversationReference,
  type Storage,
} from 'botbuilder';
import type { AdviserIdentity, AdviserNotifier, HandoffDesk } from '../../handoff/types';
import type { Handoff } from '../../store/store';
import { errorName, type BotServiceLog } from '../botService/adapter';
import {
  ACCEPT_VERB,
  ADAPTIVE_CARD_CONTENT_TYPE,
  cardAttachment,
  claimedCard,
  closedCard,
  queuedCard,
  summaryOf,
  type AdaptiveCard,
  type CardOptions,
} from './handoffCard';
import { TEAMS_CHANNEL_ID } from './mentions';

/**
 * Hand-offs in the council advisers' Teams channel. A new hand-off is posted there as a card (a
 * new thread); an adviser presses Accept (an `adaptiveCard/action` invoke, Universal Actions);
 * from then on the person's messages are posted in the card's thread and the adviser's replies in
 * that thread (mentioning the bot) go to the person, until the adviser types "close".
 *
 * Who may act: anyone who can see the card in the advisers' channel (the channel is the council's
 * list of advisers); an invoke or reply from anywhere else is refused. Teams users act as
 * `teams:<aadObjectId>` with access to every council (`tenants: []`).
 *
 * Privacy: nothing here logs text or names, only kinds and ids. The storage keeps, per hand-off,
 * where its card is and who accepted it (an adviser's display name), never what anyone typed.
 */

/** Where a council's advisers' channel is (from the tenant's `advisersTeamsChannel`). */
export interface AdvisersChannelTarget {
  /** The channel's id, `19:…@thread.tacv2` (or `…@thread.skype`). */
  conversationId: string;
  /** The Bot Connector for the team's region, e.g. https://smba.trafficmanager.net/uk/ */
  serviceUrl: string;
  /** The council's Microsoft Entra tenant id. */
  tenantId?: string;
}

/** What the channel needs of BotServiceAdapter (botbuilder's CloudAdapter): proactive turns. */
export interface AdviserChannelAdapter {
  continueConversationAsync(
    botAppId: string,
    reference: Partial<ConversationReference>,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void>;
}

export interface TeamsAdviserChannelOptions extends Pick<CardOptions, 'botName' | 'timeZone'> {
  adapter: AdviserChannelAdapter;
  /** The bot's Microsoft App ID (MicrosoftAppId). */
  appId: string;
  /** The advisers' channel for a council, or undefined when it has none (no card is posted). */
  channelFor(tenant: string): AdvisersChannelTarget | undefined;
  /** Shared by every instance (the store's bot storage): where each hand-off's card is. */
  storage: Storage;
  log: BotServiceLog;
  /** The council's name for the card ("Derby City Council"). */
  councilName?(tenant: string): string | undefined;
  /** The hand-off's page in the adviser console, a full https address (the card's link button). */
  consoleUrl?(handoff: Handoff): string | undefined;
}

export interface AdviserActivityDeps extends Pick<CardOptions, 'botName' | 'timeZone'> {
  desk: HandoffDesk;
  storage: Storage;
  log: BotServiceLog;
  councilName?(tenant: string): string | undefined;
  consoleUrl?(handoff: Handoff): string | undefined;
}

/** What is remembered about a hand-off's card (storage key {@link cardKey}). */
export interface HandoffCardRecord {
  handoffId: string;
  tenant: string;
  /** The advisers' channel the card is in (without `;messageid=`). */
  channelConversationId: string;
  serviceUrl: string;
  tenantId?: string;
  /** The card's activity id: the thread's root, `;messageid=<this>`. */
  cardActivityId: string;
  status: 'queued' | 'claimed' | 'closed';
  /** The adviser who accepted it, as the card names them. */
  claimedBy?: { id: string; name: string };
}

export const PERSON_PREFIX = 'Parent/young person: ';
const ADAPTIVE_CARD_ACTION = 'adaptiveCard/action';
const MESSAGE_ID_MARK = ';messageid=';
const KEY_PREFIX = 'teams-advisers';
/** Teams caps a message at about 28 KB; what a person types is far shorter. */
const MAX_RELAY = 4000;

export function cardKey(handoffId: string): string {
  return `${KEY_PREFIX}/handoffs/${createHash('sha256').update(handoffId).digest('base64url')}`;
}

/** The thread `<channel>;messageid=<card>`: a hash, so no id is stored in the key. */
export function threadKey(channelConversationId: string, cardActivityId: string): string {
  const digest = createHash('sha256').update(`${channelConversationId}\n${cardActivityId}`).digest('base64url');
  return `${KEY_PREFIX}/threads/${digest}`;
}

/** `19:…@thread.tacv2;messageid=123` → the channel and the thread's root message id. */
export function splitThreadId(conversationId: string): { channel: string; messageId?: string } {
  const at = conversationId.indexOf(MESSAGE_ID_MARK);
  if (at < 0) return { channel: conversationId };
  const messageId = conversationId.slice(at + MESSAGE_ID_MARK.length);
  return { channel: conversationId.slice(0, at), messageId: messageId || undefined };
}

export function threadConversationId(record: Pick<HandoffCardRecord, 'channelConversationId' | 'cardActivityId'>): string {
  return `${record.channelConversationId}${MESSAGE_ID_MARK}${record.cardActivityId}`;
}

export async function readCardRecord(storage: Storage, handoffId: string): Promise<HandoffCardRecord | undefined> {
  const key = cardKey(handoffId);
  const found = (await storage.read([key]))[key] as (HandoffCardRecord & { eTag?: string }) | undefined;
  if (!found || typeof found.cardActivityId !== 'string') return undefined;
  const { eTag: _eTag, ...record } = found;
  return record;
}

async function writeCardRecord(storage: Storage, record: HandoffCardRecord, withThread = false): Promise<void> {
  // '*': an unconditional write (the project's store treats a missing eTag as create-only).
  const changes: Record<string, object> = { [cardKey(record.handoffId)]: { ...record, eTag: '*' } };
  if (withThread) {
    changes[threadKey(record.channelConversationId, record.cardActivityId)] = { handoffId: record.handoffId, eTag: '*' };
  }
  await storage.write(changes);
}

async function handoffIdForThread(storage: Storage, channel: string, messageId: string): Promise<string | undefined> {
  const key = threadKey(channel, messageId);
  const found = (await storage.read([key]))[key] as { handoffId?: unknown } | undefined;
  return typeof found?.handoffId === 'string' ? found.handoffId : undefined;
}

/** The `channelFor` target from a tenant's configuration (knowledge/tenants/*.yaml). */
export function advisersChannelOf(
  tenant: { advisersTeamsChannel?: { conversationId: string; serviceUrl: string; tenantId?: string } } | undefined,
): AdvisersChannelTarget | undefined {
  const channel = tenant?.advisersTeamsChannel;
  if (!channel) return undefined;
  return { conversationId: channel.conversationId, serviceUrl: channel.serviceUrl, tenantId: channel.tenantId };
}

/** The Teams user behind an activity, as the hand-off desk knows advisers. */
export function teamsAdviser(from: ChannelAccount | undefined): AdviserIdentity {
  const aad = typeof from?.aadObjectId === 'string' && from.aadObjectId ? from.aadObjectId : undefined;
  const name = typeof from?.name === 'string' && from.name.trim() ? from.name.trim().slice(0, 100) : 'Teams adviser';
  return { id: `teams:${aad ?? from?.id ?? 'unknown'}`, name, via: 'teams', tenants: [], role: 'adviser' };
}

function plain(text: string): Partial<Activity> {
  return { type: ActivityTypes.Message, text, textFormat: 'plain' };
}

type CardDeps = Pick<CardOptions, 'botName' | 'timeZone'> & {
  councilName?(tenant: string): string | undefined;
  consoleUrl?(handoff: Handoff): string | undefined;
};

function cardOptions(deps: CardDeps, handoff: Handoff): CardOptions {
  return { botName: deps.botName, timeZone: deps.timeZone, councilName: deps.councilName?.(handoff.tenant), consoleUrl: deps.consoleUrl?.(handoff) };
}

/**
 * Posts and updates the hand-off cards ({@link AdviserNotifier}). Every method resolves: a failure
 * (no channel configured, Teams unreachable, the bot not in the team) is logged by kind and the
 * hand-off carries on through the adviser console.
 */
export class TeamsAdviserChannel implements AdviserNotifier {
  constructor(private readonly options: TeamsAdviserChannelOptions) {}

  async handoffQueued(handoff: Handoff): Promise<void> {
    await this.guard('queued', handoff, async () => {
      const card = queuedCard(handoff, summaryOf(handoff), cardOptions(this.options, handoff));
      const existing = await readCardRecord(this.options.storage, handoff.id);
      if (existing) {
        // Queued again (made urgent): the card already there is brought up to date.
        await this.updateCard(existing, card);
        return;
      }
      const target = this.options.channelFor(handoff.tenant);
      if (!target) {
        this.options.log.info('teams_advisers.no_channel', { handoffId: handoff.id, tenant: handoff.tenant });
        return;
      }
      const { channel } = splitThreadId(target.conversationId);
      let cardActivityId: string | undefined;
      await this.proactive(this.reference(channel, target), async (context) => {
        const sent = await context.sendActivity({
          type: ActivityTypes.Message,
          summary: handoff.urgent ? 'URGENT safeguarding hand-off' : 'A hand-off is waiting for an adviser',
          attachments: [cardAttachment(card)],
        });
        cardActivityId = sent?.id;
      });
      if (!cardActivityId) {
        this.options.log.error('teams_advisers.card_without_id', { handoffId: handoff.id });
        return;
      }
      await writeCardRecord(
        this.options.storage,
        {
          handoffId: handoff.id,
          tenant: handoff.tenant,
          channelConversationId: channel,
          serviceUrl: target.serviceUrl,
          tenantId: target.tenantId,
          cardActivityId,
          status: 'queued',
        },
        true,
      );
      this.options.log.info('teams_advisers.card_posted', { handoffId: handoff.id, urgent: handoff.urgent });
    });
  }

  async handoffClaimed(handoff: Handoff, adviser: AdviserIdentity): Promise<void> {
    await this.guard('claimed', handoff, async () => {
      const record = await this.record(handoff);
      if (!record) return;
      const updated: HandoffCardRecord = { ...record, status: 'claimed', claimedBy: { id: adviser.id, name: adviser.name } };
      await writeCardRecord(this.options.storage, updated);
      await this.updateCard(updated, claimedCard(handoff, summaryOf(handoff), adviser.name, cardOptions(this.options, handoff)));
    });
  }

  async handoffClosed(handoff: Handoff, by: string): Promise<void> {
    await this.guard('closed', handoff, async () => {
      const record = await this.record(handoff);
      if (!record) return;
      const name = closedByName(by, record);
      const updated: HandoffCardRecord = { ...record, status: 'closed' };
      await writeCardRecord(this.options.storage, updated);
      await this.updateCard(updated, closedCard(handoff, summaryOf(handoff), name, cardOptions(this.options, handoff)));
    });
  }

  async personMessage(handoff: Handoff, text: string): Promise<void> {
    await this.guard('person_message', handoff, async () => {
      const record = await this.record(handoff);
      if (!record) return;
      const clean = text.replace(/\r\n?/g, '\n').trim().slice(0, MAX_RELAY);
      if (!clean) return;
      await this.proactive(this.reference(threadConversationId(record), record), async (context) => {
        await context.sendActivity(plain(`${PERSON_PREFIX}${clean}`));
      });
    });
  }

  private async record(handoff: Handoff): Promise<HandoffCardRecord | undefined> {
    const record = await readCardRecord(this.options.storage, handoff.id);
    if (!record) this.options.log.info('teams_advisers.no_card', { handoffId: handoff.id });
    return record;
  }

  private async updateCard(record: HandoffCardRecord, card: AdaptiveCard): Promise<void> {
    await this.proactive(this.reference(threadConversationId(record), record), async (context) => {
      await context.updateActivity({ type: ActivityTypes.Message, id: record.cardActivityId, attachments: [cardAttachment(card)] });
    });
  }

  /**
   * A proactive turn in the channel. botbuilder gives the turn's made-up activity an id and would
   * send everything as a reply to it (POST …/activities/<that id>): without a replyToId the post
   * goes to the conversation itself, a new thread in the channel or a reply in `;messageid=`'s.
   */
  private async proactive(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.options.adapter.continueConversationAsync(this.options.appId, reference, async (context) => {
      context.onSendActivities(async (_context, activities, next) => {
        for (const activity of activities) delete activity.replyToId;
        return next();
      });
      context.onUpdateActivity(async (_context, activity, next) => {
        delete activity.replyToId;
        return next();
      });
      await logic(context);
    });
  }

  private reference(conversationId: string, target: { serviceUrl: string; tenantId?: string }): Partial<ConversationReference> {
    return {
      channelId: TEAMS_CHANNEL_ID,
      serviceUrl: target.serviceUrl,
      bot: { id: `28:${this.options.appId}`, name: this.options.botName ?? 'SEND assistant' },
      // botbuilder's type wants a name; Teams needs none.
      conversation: { id: conversationId, isGroup: true, conversationType: 'channel', tenantId: target.tenantId } as ConversationAccount,
    };
  }

  private async guard(kind: string, handoff: Handoff, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      // The error's message could quote a request or a reply: only its kind is logged.
      this.options.log.error('teams_advisers.failed', { kind, handoffId: handoff.id, errorName: errorName(error) });
    }
  }
}

// ---- adviser activities ---------------------------------------------------------------------

type InvokeBody = { statusCode: number; type: string; value: unknown };

function cardResponse(card: AdaptiveCard): InvokeBody {
  return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
}

function messageResponse(text: string): InvokeBody {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text };
}

function errorResponse(statusCode: number, code: string, message: string): InvokeBody {
  return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message } };
}

/**
 * Per Universal Actions the HTTP status is 200 whenever the bot handled the invoke; how it went
 * is the body's `statusCode` (a 400 for an unknown verb is still HTTP 200).
 */
async function answerInvoke(context: TurnContext, body: InvokeBody): Promise<void> {
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
}

/**
 * Runs before the bot on every /api/messages turn: true when the activity was an adviser's (a
 * press on a hand-off card, or a message in a hand-off card's thread) and has been handled; false
 * for everything else, which the bot handles as usual.
 */
export async function handleAdviserActivity(context: TurnContext, deps: AdviserActivityDeps): Promise<boolean> {
  const { activity } = context;
  if (activity.channelId !== TEAMS_CHANNEL_ID) return false;
  if (activity.type === ActivityTypes.Invoke && activity.name === ADAPTIVE_CARD_ACTION) {
    try {
      await handleCardAction(context, deps);
    } catch (error) {
      // The desk or the store failed: the presser sees why on the card, nobody gets an apology.
      deps.log.error('teams_advisers.accept_failed', { errorName: errorName(error) });
      await answerInvoke(context, errorResponse(500, 'ServerError', 'Something went wrong on our side. Please try again.'));
    }
    return true;
  }
  if (activity.type !== ActivityTypes.Message) return false;
  const { channel, messageId } = splitThreadId(activity.conversation?.id ?? '');
  if (!messageId) return false;
  const handoffId = await handoffIdForThread(deps.storage, channel, messageId);
  if (!handoffId) return false;
  try {
    await handleThreadMessage(context, deps, handoffId);
  } catch (error) {
    deps.log.error('teams_advisers.reply_failed', { handoffId, errorName: errorName(error) });
    await context.sendActivity(plain('Something went wrong on our side: that was not passed on. Please try again.'));
  }
  return true;
}

async function handleCardAction(context: TurnContext, deps: AdviserActivityDeps): Promise<void> {
  const { activity } = context;
  const value = activity.value as { action?: { type?: unknown; verb?: unknown; data?: unknown } } | undefined;
  const action = value?.action;
  const verb = typeof action?.verb === 'string' ? action.verb : undefined;
  if (verb !== ACCEPT_VERB) {
    deps.log.warn('teams_advisers.unknown_verb');
    await answerInvoke(context, errorResponse(400, 'BadRequest', 'This button is not one the SEND assistant knows.'));
    return;
  }
  const data = action?.data as { handoffId?: unknown } | undefined;
  const handoffId = typeof data?.handoffId === 'string' && data.handoffId.length <= 100 ? data.handoffId : undefined;
  if (!handoffId) {
    await answerInvoke(context, errorResponse(400, 'BadRequest', 'The card does not say which hand-off it is for.'));
    return;
  }
  const record = await readCardRecord(deps.storage, handoffId);
  if (!record) {
    await answerInvoke(
      context,
      errorResponse(404, 'NotFound', 'This card is no longer linked to a hand-off. Open the hand-off in the adviser console.'),
    );
    return;
  }
  if (splitThreadId(activity.conversation?.id ?? '').channel !== record.channelConversationId) {
    deps.log.warn('teams_advisers.accept_elsewhere', { handoffId });
    await answerInvoke(context, errorResponse(403, 'Forbidden', "Hand-offs can be accepted only in the advisers' channel."));
    return;
  }

  const adviser = teamsAdviser(activity.from);
  const claimed = await deps.desk.claim(adviser, handoffId);
  const viewed = await deps.desk.view(adviser, handoffId);
  const handoff = viewed?.handoff;
  const options: CardOptions = handoff ? cardOptions(deps, handoff) : {};

  if (claimed || (handoff?.status === 'claimed' && handoff.claimedBy === adviser.id)) {
    const updated: HandoffCardRecord = {
      ...record,
      status: 'claimed',
      claimedBy: { id: adviser.id, name: adviser.name },
      // Teams' own address for this team (checked against the token): better than the configured one.
      serviceUrl: /^https:\/\//.test(activity.serviceUrl ?? '') ? activity.serviceUrl : record.serviceUrl,
    };
    await writeCardRecord(deps.storage, updated);
    deps.log.info('teams_advisers.accepted', { handoffId, repeat: !claimed });
    if (!handoff) {
      await answerInvoke(context, messageResponse(`Accepted by ${adviser.name}. Open the hand-off in the adviser console for the details.`));
      return;
    }
    const card = claimedCard(handoff, summaryOf(handoff), adviser.name, options);
    await updateForEveryone(context, record, card, deps);
    await answerInvoke(context, cardResponse(card));
    return;
  }

  if (!handoff) {
    const holder = record.status === 'claimed' ? record.claimedBy?.name : undefined;
    await answerInvoke(
      context,
      messageResponse(holder ? `Already accepted by ${holder}.` : 'This hand-off could not be accepted. Open the adviser console to see where it is.'),
    );
    return;
  }
  if (handoff.status === 'claimed') {
    const holder = holderName(record, handoff);
    const card = claimedCard(handoff, summaryOf(handoff), holder, { ...options, notice: `Already accepted by ${holder}.` });
    // Everyone's copy too, in case an earlier update did not reach Teams (without the notice).
    await updateForEveryone(context, record, claimedCard(handoff, summaryOf(handoff), holder, options), deps);
    await answerInvoke(context, cardResponse(card));
    return;
  }
  if (handoff.status === 'closed') {
    const name = handoff.closedBy ? closedByName(handoff.closedBy, record) : undefined;
    await answerInvoke(context, cardResponse(closedCard(handoff, summaryOf(handoff), name, { ...options, notice: 'This hand-off has already ended.' })));
    return;
  }
  // Still queued, but the desk said no (e.g. this adviser may not act for the council).
  await answerInvoke(context, errorResponse(403, 'Forbidden', 'You cannot accept this hand-off. Ask a manager to check your access.'));
}

/** Replaces the card in the channel for everyone (an invoke's response card replaces only the presser's). */
async function updateForEveryone(context: TurnContext, record: HandoffCardRecord, card: AdaptiveCard, deps: AdviserActivityDeps): Promise<void> {
  try {
    await context.updateActivity({
      type: ActivityTypes.Message,
      id: context.activity.replyToId ?? record.cardActivityId,
      attachments: [cardAttachment(card)],
    });
  } catch (error) {
    deps.log.error('teams_advisers.card_update_failed', { handoffId: record.handoffId, errorName: errorName(error) });
  }
}

function holderName(record: HandoffCardRecord | undefined, handoff: Handoff): string {
  if (handoff.claimedBy && record?.claimedBy?.id === handoff.claimedBy) return record.claimedBy.name;
  return 'another adviser';
}

/** The adviser's words without the @mention of the bot (the mentions middleware normally did it already). */
function adviserText(activity: Activity): string {
  let text = typeof activity.text === 'string' ? activity.text : '';
  if (activity.recipient?.id && /<at>/i.test(text)) text = TurnContext.removeMentionText(activity, activity.recipient.id) ?? text;
  return text.replace(/&nbsp;|\u00a0/g, ' ').trim();
}

const CLOSE = /^close[.!]?$/i;

async function handleThreadMessage(context: TurnContext, deps: AdviserActivityDeps, handoffId: string): Promise<void> {
  const { activity } = context;
  const adviser = teamsAdviser(activity.from);
  const text = adviserText(activity);
  if (!text) {
    await context.sendActivity(plain('Only text is passed on. Type your message to the person (mentioning the bot), or "close" to end the hand-off.'));
    return;
  }
  if (CLOSE.test(text)) {
    if (await deps.desk.close(adviser, handoffId)) {
      deps.log.info('teams_advisers.closed', { handoffId });
      await context.sendActivity(plain('Closed. The assistant has taken the conversation back and will tell the person.'));
    } else {
      await context.sendActivity(plain(await refusal(deps, handoffId, 'close')));
    }
    return;
  }
  if (await deps.desk.reply(adviser, handoffId, text)) {
    deps.log.info('teams_advisers.relayed', { handoffId });
    return;
  }
  await context.sendActivity(plain(await refusal(deps, handoffId, 'reply')));
}

/**
 * Why a reply or close from this adviser was not taken, in a line. From the card's record (kept up
 * to date by the notifier), not desk.view: looking is not a reason to write a "viewed" audit entry.
 */
async function refusal(deps: AdviserActivityDeps, handoffId: string, what: 'reply' | 'close'): Promise<string> {
  const record = await readCardRecord(deps.storage, handoffId);
  if (record?.status === 'closed') return 'This hand-off has ended, so nothing was passed on.';
  if (record?.status === 'queued') return 'Nobody has accepted this hand-off yet: press Accept on the card first, then reply here.';
  if (record?.status === 'claimed') {
    const holder = record.claimedBy?.name ?? 'Another adviser';
    return what === 'close'
      ? `${holder} has this hand-off, so only they can close it.`
      : `${holder} has this hand-off, so only they can talk to the person. Nothing was passed on.`;
  }
  return 'This hand-off cannot be answered from here. Open it in the adviser console.';
}

/** How the card names whoever ended the hand-off. */
export function closedByName(by: string, record: Pick<HandoffCardRecord, 'claimedBy'> | undefined): string | undefined {
  if (record?.claimedBy && record.claimedBy.id === by) return record.claimedBy.name;
  if (by === 'person') return 'the person (they left the chat)';
  if (by === 'silence') return 'the assistant (no reply for a while)';
  return undefined;
}
