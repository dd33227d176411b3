import type { Storage, StoreItem } from 'botbuilder';

/**
 * What the SMS channel remembers besides the bot's own state: message ids already handled,
 * opt-outs, message counts for the rate limits, and the phone numbers of each conversation
 * (needed to send an adviser's later reply). Numbers are only ever keys as keyed hashes
 * ({@link SmsIds.numberKey} for a person's, {@link SmsIds.ourNumberKey} for a council's); the one
 * place a raw number is kept is the conversation's address, under a key tied to the conversation
 * id so that exporting or deleting the person finds it.
 *
 * Opt-outs are per pair: a person's number and the one of our numbers they texted STOP to (as
 * carriers do it: STOP to a number stops texts from that number, not from every council). Before
 * that, an opt-out was kept per person's number only; such a record is still honoured, for every
 * one of our numbers, until the person opts back in to a number (START to it), which then counts
 * for that number only. Rate limits stay per person's number, across councils (they are against
 * pumping, not a preference).
 */

export interface SmsLimits {
  /** Messages one number may send in any 60 seconds. */
  perNumberPerMinute: number;
  /** Messages one number may send in one day (Europe/London). */
  perNumberPerDay: number;
  /** Messages all numbers together may send in one day (Europe/London). */
  globalPerDay: number;
}

export const DEFAULT_SMS_LIMITS: SmsLimits = { perNumberPerMinute: 10, perNumberPerDay: 100, globalPerDay: 5000 };

export type LimitReason = 'number-minute' | 'number-day' | 'global-day';

/**
 * `noticeDue` is true for the first refusal of a number in its limit window (a minute, or the
 * day): that one message gets a short notice, the rest of the window none. The global cap never
 * gives a notice: it is the guard against pumping from many numbers, where one notice per number
 * would be the cost it is there to stop.
 */
export type LimitVerdict = { allowed: true } | { allowed: false; reason: LimitReason; noticeDue: boolean };

/** The one text a number gets when it goes over its limit (GSM-7, one segment). */
export function limitNoticeText(reason: Exclude<LimitReason, 'global-day'>): string {
  return reason === 'number-minute'
    ? "You've sent a lot of texts in a short time. Please wait a minute, then text again."
    : "You've sent a lot of texts today. Please text again tomorrow. If anyone is in danger now, call 999.";
}

/** Where replies to a conversation go. */
export interface SmsAddress {
  /** The person's number (E.164). */
  number: string;
  /** Our number they wrote to (E.164): later replies come from it. */
  ourNumber: string;
  tenant: string;
}

export interface SmsState {
  /** True for the first caller with this message id, false for every repeat. */
  claimMessage(messageSid: string, now: Date): Promise<boolean>;
  /** Has the person (`numberKey`) opted out of texts from our number `ourNumberKey`? */
  isOptedOut(numberKey: string, ourNumberKey: string): Promise<boolean>;
  /** Opts the person out of (or back in to) texts from our number `ourNumberKey` only. */
  setOptedOut(numberKey: string, ourNumberKey: string, optedOut: boolean, now: Date): Promise<void>;
  /**
   * Counts one message against the number's limits and the global one when none is exceeded;
   * a refused message is not counted (it only marks the window's notice as given).
   */
  consume(numberKey: string, limits: SmsLimits, now: Date): Promise<LimitVerdict>;
  rememberAddress(conversationId: string, address: SmsAddress): Promise<void>;
  address(conversationId: string): Promise<SmsAddress | undefined>;
}

// ---- the limit arithmetic, shared by both implementations --------------------------------------

const MINUTE_MS = 60_000;

interface NumberCounts {
  /** Times (ms) of the messages counted in the last minute. */
  recent: number[];
  /** The London day `dayCount` is for, YYYY-MM-DD. */
  day: string;
  dayCount: number;
  /** When the last over-the-minute-limit notice was given (ms). */
  minuteNoticeAt?: number;
  /** The London day an over-the-day-limit notice was given on, YYYY-MM-DD. */
  dayNoticeOn?: string;
}

interface GlobalCount {
  day: string;
  count: number;
}

const londonDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day in England, YYYY-MM-DD. */
export function dayOf(now: Date): string {
  return londonDay.format(now);
}

function decide(
  counts: NumberCounts | undefined,
  global: GlobalCount | undefined,
  limits: SmsLimits,
  now: Date,
): { verdict: LimitVerdict; counts: NumberCounts; global: GlobalCount } {
  const at = now.getTime();
  const day = dayOf(now);
  const recent = (counts?.recent ?? []).filter((t) => typeof t === 'number' && t > at - MINUTE_MS && t <= at);
  const dayCount = counts?.day === day ? counts.dayCount : 0;
  const globalCount = global?.day === day ? global.count : 0;
  const notices = {
    ...(typeof counts?.minuteNoticeAt === 'number' && { minuteNoticeAt: counts.minuteNoticeAt }),
    ...(typeof counts?.dayNoticeOn === 'string' && { dayNoticeOn: counts.dayNoticeOn }),
  };
  const kept = { recent, day, dayCount, ...notices };
  const nextGlobal = { day, count: globalCount };
  if (recent.length >= limits.perNumberPerMinute) {
    const noticeDue = !(notices.minuteNoticeAt !== undefined && notices.minuteNoticeAt > at - MINUTE_MS && notices.minuteNoticeAt <= at);
    return {
      verdict: { allowed: false, reason: 'number-minute', noticeDue },
      counts: noticeDue ? { ...kept, minuteNoticeAt: at } : kept,
      global: nextGlobal,
    };
  }
  if (dayCount >= limits.perNumberPerDay) {
    const noticeDue = notices.dayNoticeOn !== day;
    return { verdict: { allowed: false, reason: 'number-day', noticeDue }, counts: noticeDue ? { ...kept, dayNoticeOn: day } : kept, global: nextGlobal };
  }
  if (globalCount >= limits.globalPerDay) return { verdict: { allowed: false, reason: 'global-day', noticeDue: false }, counts: kept, global: nextGlobal };
  return {
    verdict: { allowed: true },
    counts: { ...kept, recent: [...recent, at], dayCount: dayCount + 1 },
    global: { day, count: globalCount + 1 },
  };
}

export function checkLimits(limits: SmsLimits): SmsLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`SMS limit ${name} must be a whole number, 0 or more`);
  }
  return limits;
}

/** Runs tasks for the same key one at a time within this process. */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const settled = current.catch(() => undefined);
    this.tails.set(key, settled);
    void settled.then(() => {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    return current;
  }
}

// ---- in memory ----------------------------------------------------------------------------------

export interface InMemorySmsStateOptions {
  /** Message ids are remembered this long (default 48 hours). */
  messageIdTtlMs?: number;
}

/** For tests and single-process development: everything is lost on restart. */
export class InMemorySmsState implements SmsState {
  private readonly messages = new Map<string, number>();
  /** By `<numberKey>/<ourNumberKey>`: true opted out, false opted back in. */
  private readonly optedOut = new Map<string, boolean>();
  private readonly counts = new Map<string, NumberCounts>();
  private global: GlobalCount | undefined;
  private readonly addresses = new Map<string, SmsAddress>();
  private readonly ttl: number;

  constructor(options: InMemorySmsStateOptions = {}) {
    this.ttl = options.messageIdTtlMs ?? 48 * 60 * 60 * 1000;
  }

  async claimMessage(messageSid: string, now: Date): Promise<boolean> {
    const at = now.getTime();
    if (this.messages.size > 10_000) {
      for (const [sid, seen] of this.messages) if (seen < at - this.ttl) this.messages.delete(sid);
    }
    const seen = this.messages.get(messageSid);
    if (seen !== undefined && seen >= at - this.ttl) return false;
    this.messages.set(messageSid, at);
    return true;
  }

  async isOptedOut(numberKey: string, ourNumberKey: string): Promise<boolean> {
    return this.optedOut.get(`${numberKey}/${ourNumberKey}`) === true;
  }

  async setOptedOut(numberKey: string, ourNumberKey: string, optedOut: boolean): Promise<void> {
    this.optedOut.set(`${numberKey}/${ourNumberKey}`, optedOut);
  }

  async consume(numberKey: string, limits: SmsLimits, now: Date): Promise<LimitVerdict> {
    const result = decide(this.counts.get(numberKey), this.global, limits, now);
    if (result.verdict.allowed) {
      this.counts.set(numberKey, result.counts);
      this.global = result.global;
    } else if (result.verdict.noticeDue) {
      this.counts.set(numberKey, result.counts);
    }
    return result.verdict;
  }

  async rememberAddress(conversationId: string, address: SmsAddress): Promise<void> {
    this.addresses.set(conversationId, { ...address });
  }

  async address(conversationId: string): Promise<SmsAddress | undefined> {
    const found = this.addresses.get(conversationId);
    return found ? { ...found } : undefined;
  }
}

// ---- on a Bot Framework Storage ----------------------------------------------------------------

export interface StorageSmsStateOptions {
  /** Attempts at a read-modify-write that keeps meeting eTag conflicts (default 8). */
  maxAttempts?: number;
}

/**
 * Keys in the Storage. The address key has the form the project's store ties to a conversation
 * (`<prefix>/conversations/<id>/`), so exporting or deleting a person includes it. Both opt-out
 * keys start with the prefix the store keeps past retention (`sms-channel/opt-out/`).
 */
export const smsStateKeys = {
  message: (sid: string) => `sms-channel/message/${sid}`,
  /** The person's opt-out from (or opt-in to) one of our numbers. */
  optOut: (numberKey: string, ourNumberKey: string) => `sms-channel/opt-out/${numberKey}/${ourNumberKey}`,
  /**
   * The opt-out kept before opt-outs were per our number: it stands for all of our numbers, except
   * those the person has since opted in to (or out of) again under {@link smsStateKeys.optOut}.
   * Never written any more, and never deleted (it is the person's instruction).
   */
  legacyOptOut: (numberKey: string) => `sms-channel/opt-out/${numberKey}`,
  counts: (numberKey: string) => `sms-channel/counts/${numberKey}`,
  global: (day: string) => `sms-channel/global/${day}`,
  address: (conversationId: string) => `sms-address/conversations/${conversationId}/`,
};

function isConflict(error: unknown): boolean {
  return error instanceof Error && (/etag/i.test(error.name) || /etag/i.test(error.message));
}

/**
 * The state kept in a Bot Framework `Storage` (the project's store: SQLite or PostgreSQL), so it
 * survives restarts and is shared by every instance. Updates are read-modify-write with eTags,
 * retried on conflict, and queued per key within the process (MemoryStorage has no create-only
 * write, so the queue is what keeps it right there).
 */
export class StorageSmsState implements SmsState {
  private readonly queue = new KeyedQueue();
  private readonly maxAttempts: number;

  constructor(
    private readonly storage: Storage,
    options: StorageSmsStateOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  claimMessage(messageSid: string, now: Date): Promise<boolean> {
    const key = smsStateKeys.message(messageSid);
    return this.queue.run(key, async () => {
      const found = await this.storage.read([key]);
      if (found[key]) return false;
      try {
        // No eTag: create only in the project's store, so a second instance racing us loses.
        await this.storage.write({ [key]: { at: now.toISOString() } });
        return true;
      } catch (error) {
        if (isConflict(error)) return false;
        throw error;
      }
    });
  }

  async isOptedOut(numberKey: string, ourNumberKey: string): Promise<boolean> {
    const key = smsStateKeys.optOut(numberKey, ourNumberKey);
    const legacyKey = smsStateKeys.legacyOptOut(numberKey);
    const found = await this.storage.read([key, legacyKey]);
    // The person's word for this number decides; without one, an opt-out from before the upgrade
    // (for every number) still holds.
    const own = (found[key] as { optedOut?: unknown } | undefined)?.optedOut;
    if (typeof own === 'boolean') return own;
    return (found[legacyKey] as { optedOut?: unknown } | undefined)?.optedOut === true;
  }

  async setOptedOut(numberKey: string, ourNumberKey: string, optedOut: boolean, now: Date): Promise<void> {
    // An opt-in is written too (not deleted): it is what overrides an opt-out from before the upgrade.
    const key = smsStateKeys.optOut(numberKey, ourNumberKey);
    await this.queue.run(key, () => this.storage.write({ [key]: { optedOut, changedAt: now.toISOString(), eTag: '*' } }));
  }

  consume(numberKey: string, limits: SmsLimits, now: Date): Promise<LimitVerdict> {
    const countsKey = smsStateKeys.counts(numberKey);
    const globalKey = smsStateKeys.global(dayOf(now));
    return this.queue.run(countsKey, () =>
      this.queue.run(globalKey, async () => {
        for (let attempt = 1; ; attempt += 1) {
          const found = await this.storage.read([countsKey, globalKey]);
          const counts = found[countsKey] as (NumberCounts & StoreItem) | undefined;
          const global = found[globalKey] as (GlobalCount & StoreItem) | undefined;
          const result = decide(counts, global, limits, now);
          if (!result.verdict.allowed && !result.verdict.noticeDue) return result.verdict;
          try {
            // The read eTags make this a compare-and-swap; an item that did not exist is written
            // without one (create only in the project's store). A refusal only marks its notice.
            await this.storage.write({
              [countsKey]: { ...result.counts, ...(counts?.eTag ? { eTag: counts.eTag } : {}) },
              ...(result.verdict.allowed && { [globalKey]: { ...result.global, ...(global?.eTag ? { eTag: global.eTag } : {}) } }),
            });
            return result.verdict;
          } catch (error) {
            if (!isConflict(error) || attempt >= this.maxAttempts) throw error;
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
          }
        }
      }),
    );
  }

  async rememberAddress(conversationId: string, address: SmsAddress): Promise<void> {
    const key = smsStateKeys.address(conversationId);
    // Written on every message even when unchanged, so retention counts it from the last one.
    await this.queue.run(key, () =>
      this.storage.write({
        [key]: { number: address.number, ourNumber: address.ourNumber, tenant: address.tenant, eTag: '*' },
      }),
    );
  }

  async address(conversationId: string): Promise<SmsAddress | undefined> {
    const key = smsStateKeys.address(conversationId);
    const found = (await this.storage.read([key]))[key] as Partial<SmsAddress> | undefined;
    if (!found || typeof found.number !== 'string' || typeof found.ourNumber !== 'string' || typeof found.tenant !== 'string') {
      return undefined;
    }
    return { number: found.number, ourNumber: found.ourNumber, tenant: found.tenant };
  }
}
