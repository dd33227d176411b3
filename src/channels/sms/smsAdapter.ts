import {
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationAccount,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import { gsmFriendly } from '../../bot/renderReply';
import { DESK_CHANNEL } from '../../handoff/service';
import type { DeskEvent } from '../../handoff/types';
import { log as projectLog } from '../../log';
import type { Store } from '../../store/store';
import { SmsIds, fallbackIdSecret } from './ids';
import type { SmsState } from './limits';
import { ConversationTurns } from '../conversationTurns';
import { fitToSegments, joinMessages } from './segments';
import { TwilioRestClient, type SmsSender } from './twilioRestClient';

export const SMS_CHANNEL_ID = 'sms';

export type TurnLogic = (context: TurnContext) => Promise<void>;

/** Runs work while holding the conversation's turn lock (same shape as the web chat's TurnLock). */
export type SmsTurnLock = <T>(conversationId: string, work: () => Promise<T>) => Promise<T>;

/** The project's structured log: ids, counts and hashes only, never text or numbers. */
export interface SmsLog {
  info(event: string, fields?: Record<string, string | number | boolean | undefined>): void;
  warn(event: string, fields?: Record<string, string | number | boolean | undefined>): void;
  error(event: string, fields?: Record<string, string | number | boolean | undefined>): void;
}

/**
 * The project's store as the SMS channel uses it: where its conversations are recorded, and where
 * it looks up whether a conversation is with advisers (HELP then goes to them, see the router).
 * With `publish`, an opt-out or opt-in recorded during a hand-off also nudges the open adviser
 * consoles (the desk's live updates), as a message that reaches the bot does.
 */
export type SmsTranscript = Pick<Store, 'createConversation' | 'appendActivity' | 'findOpenHandoff'> & Partial<Pick<Store, 'publish'>>;

/** A message that passed the webhook's checks. */
export interface InboundSms {
  tenant: string;
  /** The person's number, E.164. */
  from: string;
  /** Our number, E.164. */
  to: string;
  body: string;
  messageSid: string;
}

export interface InboundResult {
  conversationId: string;
  /**
   * The messages to answer with, each its own SMS already cut to the segment limit; empty for no
   * answer. A turn that says more than {@link MAX_MESSAGES_PER_TURN} things has the first joined.
   */
  replies: string[];
  /** True when the turn failed and the reply is the apology. */
  failed: boolean;
}

export interface SmsAdapterOptions {
  sender: SmsSender;
  ids: SmsIds;
  /** Needed for later (proactive) messages; the router attaches its state when this is left out. */
  state?: SmsState;
  /** Records each message in and out, and knows the open hand-offs (the project's store). */
  transcript?: SmsTranscript;
  /** Our number to send later messages from, when the conversation's own is not known. */
  fromNumberForTenant?: (tenant: string) => string | undefined;
  botId?: string;
  botName?: string;
  /** Serialises a conversation's turns across instances sharing a database. */
  turnLock?: SmsTurnLock;
  log?: SmsLog;
  /** Most segments one SMS may take (default 3). */
  maxSegments?: number;
  apologyText?: string;
  now?: () => Date;
}

export const DEFAULT_SMS_APOLOGY = 'Sorry, something went wrong on our side. Please try again later.';

/** A later message could not go because the person has texted STOP to the number it would come from (and not START since). */
export class SmsOptedOutError extends Error {
  constructor() {
    super('The person has opted out of SMS; nothing was sent');
    this.name = 'SmsOptedOutError';
  }
}

/** A later message could not go because no number is known for the conversation. */
export class SmsAddressUnknownError extends Error {
  constructor() {
    super('No SMS number is known for this conversation; nothing was sent');
    this.name = 'SmsAddressUnknownError';
  }
}

const COLLECTED = Symbol('sms.collectedReplies');
/** SMS sent back for one message at most: each costs the council money. */
export const MAX_MESSAGES_PER_TURN = 3;

/**
 * A Bot Framework adapter for SMS. A turn runs for each webhook request: the bot's messages are
 * collected and come back joined (plain, GSM-friendly, within `maxSegments` segments) for the
 * webhook to answer in TwiML. Outside such a turn (`continueConversation`, e.g. an adviser's
 * reply) each message is sent through the REST API to the number the conversation came from.
 *
 * Ids never contain a phone number: the conversation id and `from.id` are both a keyed hash of
 * the tenant and the number (see {@link SmsIds}). Turns of one conversation run one at a time.
 */
export class SmsAdapter extends BotAdapter {
  readonly ids: SmsIds;
  readonly bot: ChannelAccount;
  private readonly sender: SmsSender;
  private stateStore: SmsState | undefined;
  private readonly transcript: SmsTranscript | undefined;
  private readonly fromNumberForTenant: (tenant: string) => string | undefined;
  private readonly log: SmsLog;
  private readonly maxSegments: number;
  private readonly apologyText: string;
  private readonly now: () => Date;
  private readonly turns: ConversationTurns;

  constructor(options: SmsAdapterOptions) {
    super();
    this.sender = options.sender;
    this.ids = options.ids;
    this.stateStore = options.state;
    this.transcript = options.transcript;
    this.fromNumberForTenant = options.fromNumberForTenant ?? (() => undefined);
    this.turns = new ConversationTurns(options.turnLock);
    this.log = options.log ?? projectLog;
    this.maxSegments = options.maxSegments ?? 3;
    this.apologyText = options.apologyText ?? DEFAULT_SMS_APOLOGY;
    this.now = options.now ?? (() => new Date());
    this.bot = { id: options.botId ?? 'sms-bot', name: options.botName ?? 'SEND assistant', role: 'bot' } as ChannelAccount;
  }

  /** The state for later messages (opt-outs, addresses); the router calls this with its own. */
  attachState(state: SmsState): void {
    this.stateStore = state;
  }

  get state(): SmsState | undefined {
    return this.stateStore;
  }

  private requireState(): SmsState {
    if (!this.stateStore) throw new Error('The SMS adapter has no state: create the SMS router first, or pass state');
    return this.stateStore;
  }

  /** Turns queued or running, over all conversations. */
  get pendingConversations(): number {
    return this.turns.pending;
  }

  /** Resolves true once no turn is queued or running, false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.turns.drain(timeoutMs);
  }

  /** The conversation (and user) id for a number writing to a council. */
  conversationIdFor(tenant: string, number: string): string {
    return this.ids.conversationId(tenant, number);
  }

  /** True while the conversation is queued for or with an adviser; false without a store. */
  async hasOpenHandoff(conversationId: string): Promise<boolean> {
    if (!this.transcript) return false;
    return (await this.transcript.findOpenHandoff(conversationId)) !== undefined;
  }

  /**
   * Records an opt-out word in the conversation's transcript when it is queued for or with
   * advisers, so the adviser sees why their replies can no longer be sent, and tells the open
   * consoles at once. Nothing reaches the bot.
   */
  recordOptOut(message: InboundSms): Promise<void> {
    return this.recordForAdvisers(message);
  }

  /**
   * As {@link recordOptOut}, for the opt-in word of a person who had opted out, and `reply`, the
   * answer the webhook gives it: the adviser sees that texts can go again.
   */
  recordOptIn(message: InboundSms, reply: string): Promise<void> {
    return this.recordForAdvisers(message, reply);
  }

  /** Never rejects: the opt-out or opt-in is already kept, and the person's answer must still go. */
  private async recordForAdvisers(message: InboundSms, reply?: string): Promise<void> {
    if (!this.transcript) return;
    const conversationId = this.ids.conversationId(message.tenant, message.from);
    const handoff = await this.transcript.findOpenHandoff(conversationId).catch((error: unknown) => {
      this.log.error('sms.transcript_failed', { conversationId, ...errorKind(error) });
      return undefined;
    });
    if (!handoff) return;
    await this.enqueue(conversationId, async () => {
      const incoming = this.incoming(conversationId, message);
      await this.record(conversationId, message.tenant, incoming);
      if (reply) await this.record(conversationId, message.tenant, this.outgoing(conversationId, incoming.from as ChannelAccount, reply, incoming.id));
    }).catch((error: unknown) => this.log.error('sms.transcript_failed', { conversationId, ...errorKind(error) }));
    // The same nudge the desk gives for a message from the person: open consoles fetch the
    // conversation again (the keyword never reaches the bot, which would otherwise give it).
    const event: DeskEvent = { type: 'message', handoffId: handoff.id, tenant: handoff.tenant };
    await this.transcript.publish?.(DESK_CHANNEL, event).catch((error: unknown) =>
      this.log.warn('sms.advisers_not_told', { conversationId, handoffId: handoff.id, ...errorKind(error) }),
    );
  }

  /**
   * Runs one turn for a message that passed the webhook's checks and returns what to answer. A
   * failing turn never rejects: the error is logged (its kind only) and the answer is an apology.
   */
  processInbound(message: InboundSms, logic: TurnLogic): Promise<InboundResult> {
    const conversationId = this.ids.conversationId(message.tenant, message.from);
    const activity = this.incoming(conversationId, message);
    const user = activity.from as ChannelAccount;
    return this.enqueue(conversationId, async () => {
      let collected: string[] = [];
      let failed = false;
      try {
        await this.requireState().rememberAddress(conversationId, { number: message.from, ourNumber: message.to, tenant: message.tenant });
        await this.record(conversationId, message.tenant, activity);
        const context = new TurnContext(this, activity);
        context.turnState.set(COLLECTED, collected);
        await this.runMiddleware(context, logic);
      } catch (error) {
        failed = true;
        collected = [this.apologyText];
        this.log.error('sms.turn_failed', { conversationId, ...errorKind(error) });
      }
      const replies = this.fitEach(collected);
      for (const reply of replies) {
        await this.record(conversationId, message.tenant, this.outgoing(conversationId, user, reply, activity.id)).catch((error: unknown) =>
          this.log.error('sms.transcript_failed', { conversationId, ...errorKind(error) }),
        );
      }
      return { conversationId, failed, replies };
    });
  }

  /**
   * For later messages (an adviser's reply): each message the logic sends goes out through the
   * REST API at once. Throws {@link SmsOptedOutError} or {@link SmsAddressUnknownError} from the
   * send when it cannot go; other errors reach the caller too.
   */
  async continueConversation(reference: Partial<ConversationReference>, logic: TurnLogic): Promise<void> {
    const conversationId = reference.conversation?.id;
    if (!conversationId) throw new Error('The conversation reference has no conversation id.');
    const address = await this.requireState().address(conversationId);
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: 'continueConversation', ...(address && { channelData: { tenant: address.tenant } }) },
      { ...reference, bot: reference.bot ?? this.bot, channelId: SMS_CHANNEL_ID },
      true,
    );
    await this.enqueue(conversationId, () => this.runMiddleware(new TurnContext(this, activity), logic));
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const collected = context.turnState.get(COLLECTED) as string[] | undefined;
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      // SMS is text only: typing, delays, traces, events and attachments have nothing to send.
      const text = activity.type === ActivityTypes.Message ? (activity.text ?? '').trim() : '';
      if (!text) {
        responses.push({ id: '' });
        continue;
      }
      if (collected) {
        collected.push(text);
        responses.push({ id: '' });
        continue;
      }
      const conversationId = activity.conversation?.id ?? context.activity.conversation?.id;
      if (!conversationId) throw new Error('The outgoing activity has no conversation id.');
      responses.push({ id: await this.sendLater(conversationId, text, context.activity) });
    }
    return responses;
  }

  async updateActivity(): Promise<void> {
    throw new Error('Updating activities is not supported by the SMS channel.');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('Deleting activities is not supported by the SMS channel.');
  }

  /** Sends one later message by REST; returns the provider's message id. */
  private async sendLater(conversationId: string, text: string, trigger: Partial<Activity>): Promise<string> {
    const state = this.requireState();
    const address = await state.address(conversationId);
    if (!address) throw new SmsAddressUnknownError();
    const from = address.ourNumber || this.fromNumberForTenant(address.tenant);
    if (!from) throw new Error('No number to send SMS from for this council');
    // An opt-out is from one of our numbers: the one this would be sent from.
    if (await state.isOptedOut(this.ids.numberKey(address.number), this.ids.ourNumberKey(from))) throw new SmsOptedOutError();
    const body = this.fit([text]);
    if (!body) return '';
    const sent = await this.sender.sendMessage({ from, to: address.number, body });
    this.log.info('sms.sent', { conversationId, numberKey: this.ids.numberKey(address.number), tenant: address.tenant, messageSid: sent.sid });
    const user = { id: conversationId, role: 'user' } as ChannelAccount;
    await this.record(conversationId, address.tenant, { ...this.outgoing(conversationId, user, body, trigger.id), id: sent.sid }).catch(
      (error: unknown) => this.log.error('sms.transcript_failed', { conversationId, ...errorKind(error) }),
    );
    return sent.sid;
  }

  /** Each message on its own within the segment limit; extra ones are joined into the first. */
  private fitEach(texts: string[]): string[] {
    const kept = texts.filter((t) => t.trim().length > 0);
    const grouped = kept.length > MAX_MESSAGES_PER_TURN
      ? [kept.slice(0, kept.length - MAX_MESSAGES_PER_TURN + 1), ...kept.slice(kept.length - MAX_MESSAGES_PER_TURN + 1).map((t) => [t])]
      : kept.map((t) => [t]);
    return grouped.map((group) => this.fit(group)).filter((t): t is string => t !== undefined);
  }

  private fit(texts: string[]): string | undefined {
    const joined = gsmFriendly(joinMessages(texts));
    if (!joined) return undefined;
    return fitToSegments(joined, this.maxSegments).text || undefined;
  }

  private incoming(conversationId: string, message: InboundSms): Partial<Activity> {
    return {
      type: ActivityTypes.Message,
      id: message.messageSid,
      channelId: SMS_CHANNEL_ID,
      serviceUrl: '',
      timestamp: this.now(),
      locale: 'en-GB',
      conversation: conversationAccount(conversationId),
      from: { id: conversationId, role: 'user' } as ChannelAccount,
      recipient: this.bot,
      text: message.body,
      textFormat: 'plain',
      channelData: { tenant: message.tenant },
    };
  }

  private outgoing(conversationId: string, user: ChannelAccount, text: string, replyToId?: string): Partial<Activity> {
    return {
      type: ActivityTypes.Message,
      channelId: SMS_CHANNEL_ID,
      timestamp: this.now(),
      conversation: conversationAccount(conversationId),
      from: this.bot,
      recipient: user,
      text,
      textFormat: 'plain',
      ...(replyToId && { replyToId }),
    };
  }

  private async record(conversationId: string, tenant: string, activity: Partial<Activity>): Promise<void> {
    if (!this.transcript) return;
    await this.transcript.createConversation(conversationId, { tenant, channel: SMS_CHANNEL_ID, userId: conversationId });
    // JSON-clean (Dates become ISO strings), as the store keeps it.
    await this.transcript.appendActivity(conversationId, JSON.parse(JSON.stringify(activity)) as Partial<Activity>);
  }

  private enqueue<T>(conversationId: string, task: () => Promise<T>): Promise<T> {
    return this.turns.run(conversationId, task);
  }
}

function conversationAccount(id: string): ConversationAccount {
  return { id, isGroup: false, conversationType: 'personal' } as ConversationAccount;
}

/** The error's kind, never its message (messages can quote what the person typed). */
export function errorKind(error: unknown): Record<string, string | number> {
  if (!(error instanceof Error)) return { error: typeof error };
  const status = (error as { status?: unknown }).status;
  const code = (error as { code?: unknown }).code;
  return {
    error: error.name,
    ...(typeof status === 'number' && { status }),
    ...(typeof code === 'number' && { code }),
  };
}

export interface CreateSmsAdapterOptions {
  accountSid: string;
  authToken: string;
  /** Default https://api.twilio.com (tests use a local fake). */
  apiBaseUrl?: string;
  /** Our number to send later messages from, when the conversation's own is not known. */
  fromNumberForTenant?: (tenant: string) => string | undefined;
  /**
   * The secret key for the hashed ids (at least 16 characters; set it in production and never
   * change it). Without it a key derived from the account SID is used: stable, but not secret.
   */
  idSecret?: string;
  /** The project's store (see {@link SmsTranscript}). */
  transcript?: SmsTranscript;
  botId?: string;
  botName?: string;
  turnLock?: SmsTurnLock;
  log?: SmsLog;
  maxSegments?: number;
}

export function createSmsAdapter(options: CreateSmsAdapterOptions): SmsAdapter {
  const sender = new TwilioRestClient({ accountSid: options.accountSid, authToken: options.authToken, apiBaseUrl: options.apiBaseUrl });
  return new SmsAdapter({
    sender,
    ids: new SmsIds(options.idSecret ?? fallbackIdSecret(options.accountSid)),
    transcript: options.transcript,
    fromNumberForTenant: options.fromNumberForTenant,
    botId: options.botId,
    botName: options.botName,
    turnLock: options.turnLock,
    log: options.log,
    maxSegments: options.maxSegments,
  });
}
