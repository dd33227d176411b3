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
import { ConversationTurns } from '../conversationTurns';
import { RecentMap } from './recentMap';
import { ConversationNotFoundError, seqOf, type ActivityLog, type StoredActivity } from './activityLog';
import type { TurnLock } from './turnLock';

export const WEBCHAT_CHANNEL_ID = 'webchat';

export type TurnLogic = (context: TurnContext) => Promise<void>;

export interface ErrorLogger {
  error(message: string, details: Record<string, unknown>): void;
}

export interface DirectLineAdapterOptions {
  log: ActivityLog;
  botId: string;
  botName: string;
  /** Upper bound for a bot's `delay` activity; longer delays would hold up the whole conversation. */
  maxDelayMs?: number;
  logger?: ErrorLogger;
  apologyText?: string;
  /**
   * Held around each turn, after the in-process queue: serialises a conversation's turns across
   * instances sharing a database (see turnLock.ts). Without one, turns are serialised per process.
   */
  turnLock?: TurnLock;
  /**
   * Stored client activities whose turn could not run (the database or the turn lock was
   * unreachable) are tried again after this long, doubling up to 15 s, for about 10 minutes.
   * Default 500 ms.
   */
  retryBaseMs?: number;
}

/** Retries of owed turns: 500 ms, 1 s, 2 s, … at most 15 s apart, 45 tries (about 10 minutes). */
const MAX_RETRY_MS = 15_000;
const MAX_RETRIES = 45;
/** Conversations remembered as checked for owed turns (see {@link DirectLineAdapter.recover}). */
const MAX_CHECKED = 10_000;
/** Conversations whose settled point this process remembers (see {@link Settled}). */
const MAX_SETTLED = 10_000;
/**
 * A turn answered by a reply need not move the stored turn cursor (the reply shows it ran), but the
 * cursor is still moved once it is this many activities behind, so a check after a restart reads
 * only a few activities.
 */
const CURSOR_LAG = 16;

/**
 * What this process knows of a conversation after its last turn here: every client activity up to
 * `seq` has had its turn, and `seq` was the conversation's last activity (the turn's own replies
 * were appended right after it, with nothing from elsewhere in between). So when the next stored
 * activity is `seq + 1` nothing can be owed before it, and its turn runs without reading the log
 * back (with other instances, after checking that none of them has run it meanwhile). Another instance's append, a proactive message or an apology makes the next sequence
 * number jump, and the log is read as before. `cursor` is the stored turn cursor as last written.
 */
interface Settled {
  seq: number;
  cursor: number;
}

/** The replies of one turn, as they are appended: how far they run on without a gap. */
interface TurnTrail {
  activityId?: string;
  /** The last sequence number of an unbroken run from the turn's starting point. */
  last: number;
  broken: boolean;
  /** A bot message replying to the turn's activity was stored. */
  replied: boolean;
}

const TURN_TRAIL = Symbol('directline.turnTrail');

interface Retry {
  attempts: number;
  timer?: NodeJS.Timeout;
  logic: TurnLogic;
  channelData: Record<string, unknown>;
}

const DEFAULT_APOLOGY =
  'Sorry, something went wrong on our side. Please try again. If it keeps happening, ask to talk to a person.';

/**
 * A Bot Framework adapter whose "channel" is the {@link ActivityLog}: the bot's replies are
 * appended to the log, and Direct Line clients poll it. Turns for one conversation run one at a
 * time, in the order they were queued (and, with a `turnLock`, one at a time across instances).
 *
 * A client's activity is stored before its turn runs (so the client sees it echoed first). With a
 * log that keeps a turn cursor, the turns of stored activities are "owed" until they have run:
 * every turn first runs any owed turns of earlier activities, under the turn lock, so each stored
 * activity gets its turn exactly once and in order, even when the process died in between, the
 * database went away mid-turn, or another instance picked the conversation up.
 */
export class DirectLineAdapter extends BotAdapter {
  readonly bot: ChannelAccount;
  private readonly log: ActivityLog;
  private readonly maxDelayMs: number;
  private readonly logger: ErrorLogger;
  private readonly apologyText: string;
  private readonly turns: ConversationTurns;
  private readonly retryBaseMs: number;
  /** Other instances may run this conversation's turns too (they share the database and a turn lock). */
  private readonly sharesTurns: boolean;
  /** Conversations checked for owed turns since start-up (the most recent, bounded). */
  private readonly checked = new RecentMap<true>(MAX_CHECKED);
  private readonly settled = new RecentMap<Settled>(MAX_SETTLED);
  private readonly retries = new Map<string, Retry>();
  private draining = false;
  private lastCheckErrorLog = 0;

  constructor(options: DirectLineAdapterOptions) {
    super();
    this.log = options.log;
    this.bot = channelAccount(options.botId, options.botName, 'bot');
    this.maxDelayMs = options.maxDelayMs ?? 3000;
    this.logger = options.logger ?? console;
    this.apologyText = options.apologyText ?? DEFAULT_APOLOGY;
    this.turns = new ConversationTurns(options.turnLock);
    this.sharesTurns = options.turnLock !== undefined;
    this.retryBaseMs = Math.max(1, options.retryBaseMs ?? 500);
  }

  /** Turns queued or running, over all conversations. */
  get pendingConversations(): number {
    return this.turns.pending;
  }

  /**
   * Resolves once no turn is queued or running (true), or after `timeoutMs` (false). Turns queued
   * while it waits are waited for too. For graceful shutdown, after the server stops accepting.
   */
  drain(timeoutMs: number): Promise<boolean> {
    // Retries left waiting are owed turns still in the store: the next start (or another
    // instance) runs them when the conversation is next touched.
    this.draining = true;
    for (const retry of this.retries.values()) clearTimeout(retry.timer);
    this.retries.clear();
    return this.turns.drain(timeoutMs);
  }

  /**
   * Runs the turn of a client activity the log has just stored, after the owed turns of any
   * earlier ones; `channelData` is added to each activity's for the bot (e.g. the tenant). A turn
   * that fails gets the apology; one that cannot run now (database unreachable) is tried again
   * later. Never rejects. Without a turn cursor in the log, it runs this activity's turn alone.
   */
  processStored(stored: StoredActivity, logic: TurnLogic, channelData: Record<string, unknown> = {}): Promise<void> {
    const conversationId = stored.conversation?.id;
    if (!conversationId) return Promise.reject(new Error('The activity has no conversation id.'));
    if (!this.tracksTurns) return this.processActivity(forBot(stored, channelData), logic);
    return this.runOwed(conversationId, logic, channelData, seqOf(stored) ?? Number.MAX_SAFE_INTEGER, stored);
  }

  /**
   * Runs the turns a conversation is owed, if any: activities stored by a process that died
   * before their turns ran. Once per conversation per process (more after a failed check), for
   * requests that touch a conversation (polls, reconnects), so the first of them after a restart
   * finds what the crash left unanswered. Never rejects.
   */
  async recover(conversationId: string, logic: TurnLogic, channelData: Record<string, unknown> = {}): Promise<void> {
    if (!this.tracksTurns || this.draining || this.checked.has(conversationId)) return;
    this.remember(conversationId);
    let owes: boolean;
    try {
      // Outside the queue and the lock: most conversations owe nothing, and the turn checks again.
      owes = await this.owesTurns(conversationId);
    } catch (error) {
      if (error instanceof ConversationNotFoundError) return;
      this.checked.delete(conversationId);
      this.logCheckError(conversationId, error);
      return;
    }
    if (owes) await this.runOwed(conversationId, logic, channelData, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Runs the conversation's owed turns, if any, a little later (and again until the store
   * answers): after a failure that may have left one owed, such as storing a client's activity
   * when the database went away mid-commit.
   */
  retryOwedTurns(conversationId: string, logic: TurnLogic, channelData: Record<string, unknown> = {}): void {
    if (this.tracksTurns) this.scheduleRetry(conversationId, logic, channelData);
  }

  /** A conversation this process has just created owes nothing: its first request need not check. */
  conversationCreated(conversationId: string): void {
    this.remember(conversationId);
    if (this.tracksTurns) this.settle(conversationId, { seq: 0, cursor: 0 });
  }

  /**
   * Queues a turn for the activity's conversation and resolves when it has run. A failing turn
   * never rejects: the error is logged (without the user's text) and the user gets an apology.
   */
  processActivity(activity: Partial<Activity>, logic: TurnLogic): Promise<void> {
    const conversationId = activity.conversation?.id;
    if (!conversationId) return Promise.reject(new Error('The activity has no conversation id.'));
    return this.enqueue(conversationId, async () => {
      try {
        await this.runUnstoredTurn(conversationId, activity, logic);
      } catch (error) {
        this.logTurnError(conversationId, activity, error);
        await this.apologise(conversationId, activity);
      }
    }).catch(async (error: unknown) => {
      // The turn lock could not be had (database unreachable, waited too long): the turn never ran.
      this.logTurnError(conversationId, activity, error);
      await this.apologise(conversationId, activity);
    });
  }

  /** For proactive messages (e.g. an adviser's reply). Errors reach the caller. */
  async continueConversation(reference: Partial<ConversationReference>, logic: TurnLogic): Promise<void> {
    const conversationId = reference.conversation?.id;
    if (!conversationId) throw new Error('The conversation reference has no conversation id.');
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: 'continueConversation' },
      { ...reference, bot: reference.bot ?? this.bot, channelId: WEBCHAT_CHANNEL_ID },
      true,
    );
    await this.enqueue(conversationId, () => this.runUnstoredTurn(conversationId, activity, logic));
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'delay') {
        await sleep(this.boundedDelay(activity.value));
        responses.push({ id: '' });
        continue;
      }
      // Trace activities are for the Emulator; invoke responses have no meaning in web chat.
      if (activity.type === ActivityTypes.Trace || activity.type === ActivityTypes.InvokeResponse) {
        responses.push({ id: '' });
        continue;
      }
      const conversationId = activity.conversation?.id ?? context.activity.conversation?.id;
      if (!conversationId) throw new Error('The outgoing activity has no conversation id.');
      const { serviceUrl: _serviceUrl, ...rest } = activity;
      const stored = await this.log.append(conversationId, {
        ...rest,
        type: activity.type ?? ActivityTypes.Message,
        channelId: WEBCHAT_CHANNEL_ID,
        from: this.bot,
        recipient: activity.recipient ?? context.activity.from,
        conversation: conversationAccount(conversationId),
      });
      const trail = context.turnState.get(TURN_TRAIL) as TurnTrail | undefined;
      if (trail && conversationId === context.activity.conversation?.id) follow(trail, stored);
      responses.push({ id: stored.id });
    }
    return responses;
  }

  async updateActivity(): Promise<void> {
    throw new Error('Updating activities is not supported by the web chat channel.');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('Deleting activities is not supported by the web chat channel.');
  }

  private async runTurn(conversationId: string, activity: Partial<Activity>, logic: TurnLogic, trail?: TurnTrail): Promise<void> {
    const context = new TurnContext(this, activity);
    if (trail) context.turnState.set(TURN_TRAIL, trail);
    await this.runMiddleware(context, logic);
  }

  /**
   * The turn of an activity that is not in the log (the greeting, a proactive message). When the
   * conversation was settled, its replies carry the settled point on; a failure forgets it.
   */
  private async runUnstoredTurn(conversationId: string, activity: Partial<Activity>, logic: TurnLogic): Promise<void> {
    const before = this.takeSettled(conversationId);
    const trail: TurnTrail | undefined = before && { last: before.seq, broken: false, replied: false };
    await this.runTurn(conversationId, activity, logic, trail);
    if (before && trail) this.settle(conversationId, { seq: trail.last, cursor: before.cursor });
  }

  private get tracksTurns(): boolean {
    return typeof this.log.turnsDone === 'function' && typeof this.log.markTurnsDone === 'function';
  }

  /** Queues a turn that runs the conversation's owed turns up to `throughSeq`; retries later what could not run. */
  private runOwed(
    conversationId: string,
    logic: TurnLogic,
    channelData: Record<string, unknown>,
    throughSeq: number,
    stored?: StoredActivity,
  ): Promise<void> {
    return this.enqueue(conversationId, () => this.runOwedTurns(conversationId, logic, channelData, throughSeq, stored)).then(
      (complete) => {
        if (complete) this.retrySucceeded(conversationId, throughSeq);
        else this.scheduleRetry(conversationId, logic, channelData);
      },
      (error: unknown) => {
        if (error instanceof ConversationNotFoundError) return; // deleted meanwhile: nothing is owed
        // The turn lock or the log could not be had (database unreachable): nothing ran.
        this.logTurnError(conversationId, { type: 'owed-turns' }, error);
        this.scheduleRetry(conversationId, logic, channelData);
      },
    );
  }

  /**
   * Holding the conversation's turn (and lock): runs, in order, the turns of stored client
   * activities up to `throughSeq` that have had none, moving the turn cursor past each (past the
   * last only when {@link runNextTurn} needs to). Without reading the log when the activity
   * follows on from this process's last turn (see {@link Settled}). An
   * activity has had its turn when the cursor is past it, or when it or a later client activity
   * has a reply from the bot (turns run in order; a reply can be stored before a crash or a
   * failure keeps the cursor from moving). False when a turn could neither run nor apologise:
   * the rest wait, to keep their order.
   */
  private async runOwedTurns(
    conversationId: string,
    logic: TurnLogic,
    channelData: Record<string, unknown>,
    throughSeq: number,
    stored?: StoredActivity,
  ): Promise<boolean> {
    const before = this.takeSettled(conversationId);
    if (stored && before && throughSeq === before.seq + 1 && (await this.stillLast(conversationId, throughSeq))) {
      return this.runNextTurn(conversationId, { activity: stored, seq: throughSeq }, before.cursor, logic, channelData);
    }
    const cursor = await this.log.turnsDone!(conversationId);
    const { owed, answered } = owedTurns((await this.log.since(conversationId, cursor)).activities, cursor, throughSeq);
    let done = cursor;
    const last = owed[owed.length - 1];
    for (const { activity, seq } of owed) {
      if (activity === last?.activity) return this.runNextTurn(conversationId, last, done, logic, channelData);
      if (!(await this.runStoredTurn(conversationId, activity, logic, channelData))) return false;
      done = seq;
      await this.markDone(conversationId, done);
    }
    if (answered > done) await this.markDone(conversationId, answered);
    return true;
  }

  /**
   * The turn of the conversation's next owed activity, after which nothing is owed up to it. The
   * cursor is moved unless a reply already shows the turn ran and the cursor is not far behind;
   * the settled point is remembered when the turn's replies followed it without a gap.
   */
  private async runNextTurn(
    conversationId: string,
    next: { activity: StoredActivity; seq: number },
    cursor: number,
    logic: TurnLogic,
    channelData: Record<string, unknown>,
  ): Promise<boolean> {
    const trail: TurnTrail = { activityId: next.activity.id, last: next.seq, broken: false, replied: false };
    if (!(await this.runStoredTurn(conversationId, next.activity, logic, channelData, trail))) return false;
    let written = cursor;
    if (!trail.replied || next.seq - cursor >= CURSOR_LAG) {
      if (!(await this.markDone(conversationId, next.seq))) return true;
      written = next.seq;
    }
    this.settle(conversationId, { seq: trail.last, cursor: written });
    return true;
  }

  /**
   * Whether nothing follows the activity numbered `seq` in the log. Alone, this process runs every
   * turn of its conversations. Sharing the database (with a turn lock), another instance catching
   * up on a poll may have run this activity's turn already, and then its reply follows it.
   */
  private async stillLast(conversationId: string, seq: number): Promise<boolean> {
    if (!this.sharesTurns) return true;
    return (await this.log.since(conversationId, seq)).activities.length === 0;
  }

  /** True when the conversation has stored client activities whose turns have not run. */
  private async owesTurns(conversationId: string): Promise<boolean> {
    const cursor = await this.log.turnsDone!(conversationId);
    return owedTurns((await this.log.since(conversationId, cursor)).activities, cursor, Number.MAX_SAFE_INTEGER).owed.length > 0;
  }

  /**
   * One stored activity's turn; on failure the apology, unless a reply was stored before the
   * failure. False when neither could be stored (the database is unreachable).
   */
  private async runStoredTurn(
    conversationId: string,
    stored: StoredActivity,
    logic: TurnLogic,
    channelData: Record<string, unknown>,
    trail?: TurnTrail,
  ): Promise<boolean> {
    const activity = forBot(stored, channelData);
    try {
      await this.runTurn(conversationId, activity, logic, trail);
      return true;
    } catch (error) {
      this.logTurnError(conversationId, activity, error);
      // Whatever the failed turn stored, the apology below (or nothing) follows: the log is read next time.
      if (trail) Object.assign(trail, { broken: true, replied: false });
    }
    try {
      // The person already has an answer (the turn failed afterwards, e.g. saving its state, or
      // the reply's commit went through but its acknowledgement was lost): no apology after it.
      const after = await this.log.since(conversationId, seqOf(stored));
      if (after.activities.some((reply) => isBotMessage(reply) && reply.replyToId === stored.id)) return true;
      await this.log.append(conversationId, this.apology(conversationId, activity));
      return true;
    } catch (error) {
      this.logTurnError(conversationId, activity, error);
      return false;
    }
  }

  /** Best effort: a cursor left behind only makes the next turn look further back. */
  private async markDone(conversationId: string, seq: number): Promise<boolean> {
    try {
      await this.log.markTurnsDone!(conversationId, seq);
      return true;
    } catch (error) {
      this.logTurnError(conversationId, { type: 'turn-cursor' }, error);
      return false;
    }
  }

  private scheduleRetry(conversationId: string, logic: TurnLogic, channelData: Record<string, unknown>): void {
    if (this.draining) return;
    const retry = this.retries.get(conversationId) ?? { attempts: 0, logic, channelData };
    this.retries.set(conversationId, retry);
    if (retry.timer) return; // one is already waiting
    if (retry.attempts >= MAX_RETRIES) {
      this.retries.delete(conversationId);
      this.logger.error('Web chat turns given up', { conversationId, errorName: 'RetriesExhausted' });
      return;
    }
    const delay = Math.min(MAX_RETRY_MS, this.retryBaseMs * 2 ** Math.min(retry.attempts, 20));
    retry.attempts += 1;
    retry.timer = setTimeout(() => {
      retry.timer = undefined;
      if (this.draining) return;
      void this.runOwed(conversationId, retry.logic, retry.channelData, Number.MAX_SAFE_INTEGER);
    }, delay);
    retry.timer.unref();
  }

  /** Every owed turn up to `throughSeq` has run: a waiting retry is only needed for later ones. */
  private retrySucceeded(conversationId: string, throughSeq: number): void {
    const retry = this.retries.get(conversationId);
    if (!retry) return;
    retry.attempts = 0;
    if (throughSeq === Number.MAX_SAFE_INTEGER) {
      clearTimeout(retry.timer);
      this.retries.delete(conversationId);
    }
  }

  /** The settled point, forgotten while a turn runs: a turn that fails or nests leaves none. */
  private takeSettled(conversationId: string): Settled | undefined {
    return this.settled.take(conversationId);
  }

  private settle(conversationId: string, settled: Settled): void {
    this.settled.set(conversationId, settled);
  }

  private remember(conversationId: string): void {
    this.checked.set(conversationId, true);
  }

  /** At most a line a minute: during a database outage every request would log one. */
  private logCheckError(conversationId: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastCheckErrorLog < 60_000) return;
    this.lastCheckErrorLog = now;
    this.logTurnError(conversationId, { type: 'owed-turns-check' }, error);
  }

  private enqueue<T>(conversationId: string, task: () => Promise<T>): Promise<T> {
    return this.turns.run(conversationId, task);
  }

  private async apologise(conversationId: string, activity: Partial<Activity>): Promise<void> {
    try {
      await this.log.append(conversationId, this.apology(conversationId, activity));
    } catch (error) {
      this.logTurnError(conversationId, activity, error);
    }
  }

  private apology(conversationId: string, activity: Partial<Activity>): Partial<Activity> {
    return {
      type: ActivityTypes.Message,
      text: this.apologyText,
      channelId: WEBCHAT_CHANNEL_ID,
      from: this.bot,
      recipient: activity.from,
      conversation: conversationAccount(conversationId),
      replyToId: activity.id,
    };
  }

  private logTurnError(conversationId: string, activity: Partial<Activity>, error: unknown): void {
    // Error messages can quote what the user typed, so only the error's type and stack frames are logged.
    const stackFrames = error instanceof Error ? (error.stack ?? '').split('\n').slice(1).join('\n') : undefined;
    this.logger.error('Web chat turn failed', {
      conversationId,
      activityId: activity.id,
      activityType: activity.type,
      errorName: error instanceof Error ? error.name : typeof error,
      stack: stackFrames,
    });
  }

  private boundedDelay(value: unknown): number {
    const requested = typeof value === 'number' && Number.isFinite(value) ? value : 1000;
    return Math.min(Math.max(requested, 0), this.maxDelayMs);
  }
}

/** The activity as the bot gets it: a Date timestamp, and the channel's extras in channelData. */
function forBot(stored: StoredActivity, channelData: Record<string, unknown>): Partial<Activity> {
  return {
    ...stored,
    timestamp: new Date(stored.timestamp),
    channelData: { ...(stored.channelData as Record<string, unknown> | undefined), ...channelData },
  } as Partial<Activity>;
}

/** Records a reply the turn stored: it extends the unbroken run only when it is the very next activity. */
function follow(trail: TurnTrail, reply: StoredActivity): void {
  const seq = seqOf(reply);
  if (!trail.broken && seq === trail.last + 1) trail.last = seq;
  else trail.broken = true;
  if (trail.activityId !== undefined && reply.replyToId === trail.activityId && isBotMessage(reply)) trail.replied = true;
}

function isClientActivity(activity: StoredActivity): boolean {
  return activity.from?.role === 'user' && (activity.type === ActivityTypes.Message || activity.type === ActivityTypes.Event);
}

function isBotMessage(activity: StoredActivity): boolean {
  return activity.from?.role === 'bot' && activity.type === ActivityTypes.Message;
}

/**
 * Of the activities after the turn cursor (oldest first): the client activities up to
 * `throughSeq` still owed a turn, and the highest sequence number known to have had its turn.
 */
function owedTurns(
  activities: StoredActivity[],
  cursor: number,
  throughSeq: number,
): { owed: { activity: StoredActivity; seq: number }[]; answered: number } {
  const repliedTo = new Set<string>();
  for (const activity of activities) if (isBotMessage(activity) && activity.replyToId) repliedTo.add(activity.replyToId);
  const clients: { activity: StoredActivity; seq: number }[] = [];
  let answered = cursor;
  for (const activity of activities) {
    const seq = seqOf(activity);
    if (seq === undefined || seq <= cursor || !isClientActivity(activity)) continue;
    clients.push({ activity, seq });
    if (repliedTo.has(activity.id)) answered = Math.max(answered, seq);
  }
  return { owed: clients.filter(({ seq }) => seq > answered && seq <= throughSeq), answered };
}

export function channelAccount(id: string, name?: string, role?: 'user' | 'bot'): ChannelAccount {
  return { id, ...(name !== undefined && { name }), ...(role && { role }) } as ChannelAccount;
}

/** Direct Line's conversation objects carry only the id. */
export function conversationAccount(id: string): ConversationAccount {
  return { id } as ConversationAccount;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
