import type { Activity, ConversationReference } from 'botbuilder';
import type { Callback, Handoff, HandoffReason, NewCallback, Store, TranscriptEntry } from '../store/store';
import type { AdviserIdentity, AdviserNotifier, DeskEvent, HandoffDesk, HandoffSummary, QueueItem, TranscriptLine } from './types';

/** What the person's side of a hand-off needs from the product (the dialogs use this). */
export interface HandoffPort {
  /** Whether an adviser can take a chat now: within the council's hours, or an adviser signed in. */
  availability(tenant: string): Promise<Availability>;
  initiate(input: HandoffRequest): Promise<QueuedHandoff>;
  /** The open hand-off of this conversation, if any (queued or with an adviser). */
  openFor(conversationId: string): Promise<Handoff | undefined>;
  /** Where the conversation stands in its council's queue now. */
  positionOf(handoff: Handoff): Promise<{ position: number; waitText: string } | undefined>;
  /** The person left the queue (or the conversation ended on their side). */
  leave(conversationId: string): Promise<boolean>;
  /** Something the person wrote while waiting or with an adviser: advisers are told. */
  personWrote(handoff: Handoff, activity: Partial<Activity>): Promise<void>;
  updateSummary(handoff: Handoff, summary: HandoffSummary): Promise<void>;
  requestCallback(input: NewCallback): Promise<Callback>;
  /** The desk's time now (injected in tests): how long since a person waiting was last told something. */
  clock(): Date;
}

export interface Availability {
  open: boolean;
  advisersOnline: number;
  nextOpening?: Date;
}

export interface HandoffRequest {
  conversationId: string;
  tenant: string;
  channel: string;
  reason: HandoffReason;
  summary: HandoffSummary;
  reference: Partial<ConversationReference>;
}

export interface QueuedHandoff {
  handoff: Handoff;
  /** What the adviser is told (the hand-off's summary, with its link to the console). */
  summary: HandoffSummary;
  position: number;
  waitText: string;
  advisersOnline: number;
}

/** Something the assistant must say or do in the person's conversation, from outside a turn of theirs. */
export type PersonEvent =
  | { kind: 'queue-position'; handoffId: string }
  | { kind: 'adviser-joined'; handoffId: string; adviserName: string }
  | { kind: 'adviser-says'; handoffId: string; adviserId: string; adviserName: string; text: string }
  | { kind: 'back'; handoffId: string; why: 'closed' | 'silence' };

/** Runs a proactive turn in the person's conversation on their own channel. */
export type PersonDelivery = (handoff: Handoff, event: PersonEvent) => Promise<void>;

export interface HandoffServiceOptions {
  store: Store;
  /** Opening hours: open now, and when next (src/core/handoff/hours.ts over the tenant file). */
  hours: (tenant: string, now: Date) => { open: boolean; nextOpening?: Date };
  /** A realistic wait in words (src/core/handoff/wait.ts). */
  estimateWait: (input: { position: number; advisersOnline: number; recentHandleMinutes: number[] }) => { minutes: number; text: string };
  deliver: PersonDelivery;
  notifiers?: AdviserNotifier[];
  /** Channels whose adapters keep no transcript themselves (Teams, the Emulator): the service records their lines. */
  recordsOwnTranscript?: (channel: string) => boolean;
  /** An adviser counts as online this long after the console last saw them. */
  presenceMs?: number;
  /**
   * How long a person's turn (or an adviser's request) waits for the notifiers (Teams) before
   * going on; they carry on in the background, in order. Default 2 s.
   */
  notifierWaitMs?: number;
  now?: () => Date;
  log?: { warn(event: string, fields?: Record<string, string | number | boolean | undefined>): void };
}

export const DESK_CHANNEL = 'advisers.desk';
/** `closedBy` when the person left the queue, and when the conversation fell silent. */
const PERSON = 'person';
const SILENCE = 'silence';

/** Where the adviser console shows a hand-off (also the Teams card's link). */
export const consoleHref = (handoffId: string): string => `/advisers/#/handoffs/${encodeURIComponent(handoffId)}`;
const DEFAULT_PRESENCE_MS = 3 * 60_000;
const DEFAULT_NOTIFIER_WAIT_MS = 2000;
const MAX_REPLY_CHARS = 2000;

export class HandoffAccessError extends Error {
  constructor() {
    super('This adviser cannot act on that council’s conversations');
    this.name = 'HandoffAccessError';
  }
}

/**
 * The hand-off, on top of the Store: the person's side ({@link HandoffPort}) for the dialogs and
 * the adviser's side ({@link HandoffDesk}) for the console and Teams. Claims are the store's
 * (one winner across instances); what must reach the person goes through `deliver`; adviser
 * front ends hear about changes through the store's publish/subscribe.
 */
export class HandoffService implements HandoffPort, HandoffDesk {
  private readonly store: Store;
  private readonly options: HandoffServiceOptions;
  private readonly now: () => Date;

  /** Each hand-off's notices to advisers' other channels still going out, in order (see tellNotifiers). */
  private readonly notices = new Map<string, Promise<void>>();

  constructor(options: HandoffServiceOptions) {
    this.options = options;
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
  }

  // ---- the person's side -----------------------------------------------------------------------

  clock(): Date {
    return this.now();
  }

  async availability(tenant: string): Promise<Availability> {
    const now = this.now();
    const advisersOnline = await this.advisersOnline(tenant);
    const hours = this.options.hours(tenant, now);
    // Outside the published hours an adviser who is signed in is still working: they can take it.
    return { open: hours.open || advisersOnline > 0, advisersOnline, ...(hours.nextOpening && { nextOpening: hours.nextOpening }) };
  }

  async initiate(input: HandoffRequest): Promise<QueuedHandoff> {
    const open = await this.store.findOpenHandoff(input.conversationId);
    // Without consent the adviser sees only what comes after this point of the transcript.
    const visibleAfterSeq = open ? visibleAfter(open) : ((await this.store.getConversation(input.conversationId))?.lastSeq ?? 0);
    const queued = await this.store.enqueueHandoff({
      conversationId: input.conversationId,
      tenant: input.tenant,
      channel: input.channel,
      reason: input.reason,
      summary: { ...input.summary, [VISIBLE_AFTER]: visibleAfterSeq },
      reference: JSON.parse(JSON.stringify(input.reference)) as Record<string, unknown>,
    });
    // The summary's link to the console needs the id the store has just given.
    const summary: HandoffSummary = { ...input.summary, transcript: { conversationId: input.conversationId, href: consoleHref(queued.id) } };
    await this.store.updateHandoffSummary(queued.id, { ...summary, [VISIBLE_AFTER]: visibleAfter(queued) });
    const handoff: Handoff = { ...queued, summary: { ...summary, [VISIBLE_AFTER]: visibleAfter(queued) } };
    await this.store.createConversation(input.conversationId, { tenant: input.tenant, channel: input.channel }).catch(() => undefined);
    await this.announce({ type: 'queue', tenant: handoff.tenant });
    await this.tellNotifiers(handoff.id, (n) => n.handoffQueued(handoff));
    const advisersOnline = await this.advisersOnline(handoff.tenant);
    const place = await this.place(handoff, advisersOnline);
    await this.updatePositions(handoff.tenant, handoff.id);
    return { handoff, summary, position: place?.position ?? 1, waitText: place?.waitText ?? '', advisersOnline };
  }

  openFor(conversationId: string): Promise<Handoff | undefined> {
    return this.store.findOpenHandoff(conversationId);
  }

  async positionOf(handoff: Handoff): Promise<{ position: number; waitText: string } | undefined> {
    return handoff.status === 'queued' ? this.place(handoff, await this.advisersOnline(handoff.tenant)) : undefined;
  }

  private async place(handoff: Handoff, advisersOnline: number): Promise<{ position: number; waitText: string } | undefined> {
    if (handoff.status !== 'queued') return undefined;
    const queue = await this.store.listQueue(handoff.tenant);
    const index = queue.findIndex((h) => h.id === handoff.id);
    if (index < 0) return undefined;
    const position = index + 1;
    const wait = this.options.estimateWait({
      position,
      advisersOnline,
      recentHandleMinutes: await this.recentHandleMinutes(handoff.tenant),
    });
    return { position, waitText: wait.text };
  }

  async leave(conversationId: string): Promise<boolean> {
    const open = await this.store.findOpenHandoff(conversationId);
    // The dialog tells the person they have left; nothing is delivered to them from here.
    return open ? this.end(open, PERSON) : false;
  }

  async personWrote(handoff: Handoff, activity: Partial<Activity>): Promise<void> {
    if (this.options.recordsOwnTranscript?.(handoff.channel)) await this.record(handoff, activity);
    await this.announce({ type: 'message', handoffId: handoff.id, tenant: handoff.tenant });
    const text = (activity.text ?? '').trim();
    const mayShare = handoff.status === 'claimed' || summaryOf(handoff).consent;
    if (text && mayShare) await this.tellNotifiers(handoff.id, (n) => n.personMessage(handoff, text));
  }

  async updateSummary(handoff: Handoff, summary: HandoffSummary): Promise<void> {
    const current = (await this.store.getHandoff(handoff.id)) ?? handoff;
    const transcript = { conversationId: handoff.conversationId, href: consoleHref(handoff.id) };
    await this.store.updateHandoffSummary(handoff.id, { ...summary, transcript, [VISIBLE_AFTER]: visibleAfter(current) });
    if (summary.consent && !summaryOf(current).consent && current.status === 'queued') {
      // Consent given after an urgent hand-off: the Teams card may now show what was asked.
      const updated = await this.store.getHandoff(handoff.id);
      if (updated) await this.tellNotifiers(updated.id, (n) => n.handoffQueued(updated));
    }
    await this.announce({ type: 'handoff', handoffId: handoff.id, tenant: handoff.tenant });
  }

  async requestCallback(input: NewCallback): Promise<Callback> {
    const callback = await this.store.addCallback(input);
    await this.announce({ type: 'callbacks', tenant: input.tenant });
    return callback;
  }

  // ---- the adviser's side ----------------------------------------------------------------------

  async queue(adviser: AdviserIdentity): Promise<QueueItem[]> {
    const now = this.now().getTime();
    const queue = await this.store.listQueue();
    const positions = new Map<string, number>();
    const items: QueueItem[] = [];
    for (const handoff of queue) {
      const position = (positions.get(handoff.tenant) ?? 0) + 1;
      positions.set(handoff.tenant, position);
      if (!mayAct(adviser, handoff.tenant)) continue;
      items.push({ handoff: forAdvisers(handoff), position, waitingMinutes: Math.max(0, Math.floor((now - Date.parse(handoff.createdAt)) / 60_000)) });
    }
    return items;
  }

  async mine(adviser: AdviserIdentity): Promise<Handoff[]> {
    const held = await this.store.listHandoffs({ status: ['claimed'], claimedBy: adviser.id });
    return held.filter((h) => mayAct(adviser, h.tenant)).map(forAdvisers);
  }

  async view(adviser: AdviserIdentity, handoffId: string): Promise<{ handoff: Handoff; lines: TranscriptLine[] } | undefined> {
    const handoff = await this.store.getHandoff(handoffId);
    if (!handoff || !mayAct(adviser, handoff.tenant)) return undefined;
    let entries: TranscriptEntry[] = [];
    try {
      entries = await this.store.listActivities(handoff.conversationId);
    } catch {
      entries = []; // deleted at the person's request, or purged
    }
    // Before the hand-off the person was talking to the assistant: only with their consent.
    const after = summaryOf(handoff).consent ? 0 : visibleAfter(handoff);
    const lines = entries
      .filter((entry) => entry.seq > after)
      .map(lineOf)
      .filter((line): line is TranscriptLine => line !== undefined);
    await this.store.audit({ actor: adviser.id, action: 'handoff.view', target: handoff.id });
    return { handoff: forAdvisers(handoff), lines };
  }

  async claim(adviser: AdviserIdentity, handoffId: string): Promise<boolean> {
    const handoff = await this.store.getHandoff(handoffId);
    if (!handoff || !mayAct(adviser, handoff.tenant)) return false;
    if (!(await this.store.claimHandoff(handoffId, adviser.id))) return false;
    await this.store.audit({ actor: adviser.id, action: 'handoff.claim', target: handoffId });
    const claimed = (await this.store.getHandoff(handoffId)) ?? handoff;
    await this.announce({ type: 'queue', tenant: handoff.tenant });
    await this.announce({ type: 'handoff', handoffId, tenant: handoff.tenant });
    await this.tellNotifiers(claimed.id, (n) => n.handoffClaimed(claimed, adviser));
    await this.deliverSafely(claimed, { kind: 'adviser-joined', handoffId, adviserName: adviser.name });
    await this.updatePositions(handoff.tenant);
    return true;
  }

  async reply(adviser: AdviserIdentity, handoffId: string, text: string): Promise<boolean> {
    const words = text.trim().slice(0, MAX_REPLY_CHARS);
    if (!words) return false;
    const handoff = await this.store.getHandoff(handoffId);
    if (!handoff || handoff.status !== 'claimed' || handoff.claimedBy !== adviser.id) return false;
    await this.options.deliver(handoff, { kind: 'adviser-says', handoffId, adviserId: adviser.id, adviserName: adviser.name, text: words });
    if (this.options.recordsOwnTranscript?.(handoff.channel)) {
      await this.record(handoff, { type: 'message', text: words, from: { id: adviser.id, name: adviser.name, role: 'bot' }, channelData: { adviser: { id: adviser.id, name: adviser.name } } } as Partial<Activity>);
    }
    await this.store.audit({ actor: adviser.id, action: 'handoff.reply', target: handoffId });
    await this.announce({ type: 'message', handoffId, tenant: handoff.tenant });
    return true;
  }

  async transfer(adviser: AdviserIdentity, handoffId: string, toAdviserId: string): Promise<boolean> {
    const handoff = await this.store.getHandoff(handoffId);
    if (!handoff || !mayAct(adviser, handoff.tenant)) return false;
    const target = await this.adviserNamed(toAdviserId);
    if (!target || !mayAct(target, handoff.tenant) || target.id === adviser.id) return false;
    if (!(await this.store.transferHandoff(handoffId, adviser.id, target.id))) return false;
    await this.store.audit({ actor: adviser.id, action: `handoff.transfer`, target: handoffId });
    const moved = (await this.store.getHandoff(handoffId)) ?? handoff;
    await this.announce({ type: 'handoff', handoffId, tenant: handoff.tenant });
    await this.tellNotifiers(moved.id, (n) => n.handoffClaimed(moved, target));
    await this.deliverSafely(moved, { kind: 'adviser-joined', handoffId, adviserName: target.name });
    return true;
  }

  async close(adviser: AdviserIdentity, handoffId: string): Promise<boolean> {
    const handoff = await this.store.getHandoff(handoffId);
    if (!handoff || !mayAct(adviser, handoff.tenant)) return false;
    // Only the adviser holding it closes a conversation in progress; anyone may close a queued one.
    if (handoff.status === 'claimed' && handoff.claimedBy !== adviser.id) return false;
    return this.end(handoff, adviser.id, 'closed');
  }

  /** Ends a conversation nobody has written in for a while (the silence timer). */
  async closeSilent(handoff: Handoff): Promise<boolean> {
    return this.end(handoff, SILENCE, 'silence');
  }

  async callbacks(adviser: AdviserIdentity): Promise<Callback[]> {
    const open = await this.store.listCallbacks({ status: 'open' });
    return open.filter((c) => mayAct(adviser, c.tenant));
  }

  async markCallbackDone(adviser: AdviserIdentity, callbackId: string): Promise<boolean> {
    const callback = (await this.store.listCallbacks({ status: 'open' })).find((c) => c.id === callbackId);
    if (!callback || !mayAct(adviser, callback.tenant)) return false;
    if (!(await this.store.markCallbackDone(callbackId, adviser.id))) return false;
    await this.store.audit({ actor: adviser.id, action: 'callback.done', target: callbackId });
    await this.announce({ type: 'callbacks', tenant: callback.tenant });
    return true;
  }

  subscribe(listener: (event: DeskEvent) => void): Promise<() => Promise<void>> {
    return this.store.subscribe(DESK_CHANNEL, (payload) => {
      if (isDeskEvent(payload)) listener(payload);
    });
  }

  // ---- inside ------------------------------------------------------------------------------------

  /**
   * Closes the hand-off (once, even across instances) and tells the advisers' front ends; an
   * adviser's close is audited. With `back`, the assistant comes back in the person's conversation.
   */
  private async end(handoff: Handoff, by: string, back?: 'closed' | 'silence'): Promise<boolean> {
    if (!(await this.store.closeHandoff(handoff.id, by))) return false;
    if (by !== SILENCE && by !== PERSON) await this.store.audit({ actor: by, action: 'handoff.close', target: handoff.id });
    const closed = (await this.store.getHandoff(handoff.id)) ?? handoff;
    await this.announce({ type: 'handoff', handoffId: handoff.id, tenant: handoff.tenant });
    if (handoff.status === 'queued') await this.announce({ type: 'queue', tenant: handoff.tenant });
    await this.tellNotifiers(closed.id, (n) => n.handoffClosed(closed, by));
    if (back) await this.deliverSafely(closed, { kind: 'back', handoffId: handoff.id, why: back });
    if (handoff.status === 'queued') await this.updatePositions(handoff.tenant);
    return true;
  }

  /** Tells everyone still waiting in the council's queue where they now stand (the bot skips unchanged ones). */
  private async updatePositions(tenant: string, except?: string): Promise<void> {
    const queue = await this.store.listQueue(tenant);
    for (const handoff of queue) {
      if (handoff.id === except) continue;
      await this.deliverSafely(handoff, { kind: 'queue-position', handoffId: handoff.id });
    }
  }

  private async deliverSafely(handoff: Handoff, event: PersonEvent): Promise<void> {
    try {
      await this.options.deliver(handoff, event);
    } catch (error) {
      this.options.log?.warn('handoff.delivery_failed', { handoffId: handoff.id, channel: handoff.channel, kind: event.kind, error: error instanceof Error ? error.name : typeof error });
    }
  }

  /**
   * Tells the notifiers about a hand-off, its notices one after another in the order they were
   * given (a Teams thread reply needs its card first), waiting at most `notifierWaitMs`: a slow
   * Teams service must not hold up the person waiting for their place in the queue. Never rejects.
   */
  private tellNotifiers(handoffId: string, call: (notifier: AdviserNotifier) => Promise<void>): Promise<void> {
    const notifiers = this.options.notifiers ?? [];
    if (notifiers.length === 0) return Promise.resolve();
    const told = (this.notices.get(handoffId) ?? Promise.resolve()).then(async () => {
      for (const notifier of notifiers) {
        try {
          await call(notifier);
        } catch (error) {
          this.options.log?.warn('handoff.notifier_failed', { error: error instanceof Error ? error.name : typeof error });
        }
      }
    });
    this.notices.set(handoffId, told);
    void told.then(() => {
      if (this.notices.get(handoffId) === told) this.notices.delete(handoffId);
    });
    return waitAtMost(told, this.options.notifierWaitMs ?? DEFAULT_NOTIFIER_WAIT_MS);
  }

  private async announce(event: DeskEvent): Promise<void> {
    try {
      await this.store.publish(DESK_CHANNEL, event);
    } catch (error) {
      this.options.log?.warn('handoff.announce_failed', { error: error instanceof Error ? error.name : typeof error });
    }
  }

  private async advisersOnline(tenant: string): Promise<number> {
    const since = new Date(this.now().getTime() - (this.options.presenceMs ?? DEFAULT_PRESENCE_MS));
    return this.store.countAdvisersSeenSince(since, tenant);
  }

  /** How long advisers spent on the council's recent conversations, in minutes. */
  private async recentHandleMinutes(tenant: string): Promise<number[]> {
    const since = new Date(this.now().getTime() - 7 * 24 * 60 * 60_000);
    const recent = await this.store.listHandoffs({ tenant, status: ['closed'], from: since, limit: 200 });
    return recent
      .filter((h) => h.claimedAt && h.closedAt)
      .map((h) => (Date.parse(h.closedAt!) - Date.parse(h.claimedAt!)) / 60_000)
      .filter((minutes) => Number.isFinite(minutes) && minutes >= 0);
  }

  private async adviserNamed(id: string): Promise<AdviserIdentity | undefined> {
    const username = id.startsWith('console:') ? id.slice('console:'.length) : undefined;
    if (username === undefined) return undefined;
    const account = await this.store.getAdviser(username);
    if (!account) return undefined;
    return { id, name: account.displayName, via: 'console', tenants: account.tenants, role: account.role };
  }

  private async record(handoff: Handoff, activity: Partial<Activity>): Promise<void> {
    try {
      await this.store.createConversation(handoff.conversationId, { tenant: handoff.tenant, channel: handoff.channel });
      await this.store.appendActivity(handoff.conversationId, JSON.parse(JSON.stringify({ ...activity, id: undefined })) as Partial<Activity>);
    } catch (error) {
      this.options.log?.warn('handoff.record_failed', { handoffId: handoff.id, error: error instanceof Error ? error.name : typeof error });
    }
  }
}

/** Where the transcript an adviser may see without consent starts (kept in the summary, never shown). */
const VISIBLE_AFTER = 'visibleAfterSeq';

function visibleAfter(handoff: Handoff): number {
  const value = handoff.summary[VISIBLE_AFTER];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : Number.MAX_SAFE_INTEGER;
}

export function mayAct(adviser: Pick<AdviserIdentity, 'tenants'>, tenant: string): boolean {
  return adviser.tenants.length === 0 || adviser.tenants.includes(tenant);
}

export function summaryOf(handoff: Handoff): HandoffSummary {
  return handoff.summary as unknown as HandoffSummary;
}

/** Advisers never need the channel's routing details. */
function forAdvisers(handoff: Handoff): Handoff {
  const { reference: _reference, ...rest } = handoff;
  const { [VISIBLE_AFTER]: _after, ...summary } = handoff.summary;
  return { ...rest, summary };
}

function lineOf(entry: TranscriptEntry): TranscriptLine | undefined {
  const activity = entry.activity;
  if (activity.type !== 'message' || typeof activity.text !== 'string' || !activity.text.trim()) return undefined;
  const adviser = (activity.channelData as { adviser?: { name?: unknown } } | undefined)?.adviser;
  const at = typeof activity.timestamp === 'string' ? activity.timestamp : entry.createdAt;
  if (adviser) return { seq: entry.seq, from: 'adviser', name: typeof adviser.name === 'string' ? adviser.name : undefined, text: activity.text, at };
  const fromBot = activity.from?.role === 'bot';
  return { seq: entry.seq, from: fromBot ? 'assistant' : 'person', text: activity.text, at };
}

function isDeskEvent(payload: unknown): payload is DeskEvent {
  if (!payload || typeof payload !== 'object') return false;
  const type = (payload as { type?: unknown }).type;
  return type === 'queue' || type === 'handoff' || type === 'message' || type === 'callbacks';
}

/** Resolves when `work` has, or after `ms`, whichever is first (`work` goes on either way). */
function waitAtMost(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work, waited]).finally(() => clearTimeout(timer));
}
