import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import { describe, expect, it, vi } from 'vitest';
import { InMemoryActivityLog, type ActivityLog, type StoredActivity } from '../../src/channels/directline/activityLog';
import { DirectLineAdapter } from '../../src/channels/directline/adapter';
import { sleep } from './helpers';

/**
 * The Direct Line adapter's owed turns, on the in-memory log: a client activity stored before its
 * turn gets that turn exactly once, in order, whether the process died in between (a later turn or
 * a poll finds it), the turn sent nothing, failed after replying, or could not store anything
 * while the database was away (it is tried again).
 */

const CONVERSATION = 'conv-1';

/** The in-memory log, failing every call as an unreachable database would while `down`. */
class FlakyLog implements ActivityLog {
  down = false;
  constructor(readonly inner = new InMemoryActivityLog()) {}
  private check(): void {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  }
  async create(...args: Parameters<ActivityLog['create']>) { this.check(); return this.inner.create(...args); }
  async exists(id: string) { this.check(); return this.inner.exists(id); }
  async markStarted(id: string) { this.check(); return this.inner.markStarted(id); }
  async append(id: string, activity: Partial<Activity>) { this.check(); return this.inner.append(id, activity); }
  async since(id: string, watermark?: number) { this.check(); return this.inner.since(id, watermark); }
  async turnsDone(id: string) { this.check(); return this.inner.turnsDone(id); }
  async markTurnsDone(id: string, seq: number) { this.check(); return this.inner.markTurnsDone(id, seq); }
}

function userActivity(text: string): Partial<Activity> {
  return {
    type: ActivityTypes.Message,
    text,
    from: { id: 'u', role: 'user' } as never,
    recipient: { id: 'bot', role: 'bot' } as never,
    conversation: { id: CONVERSATION } as never,
    channelId: 'webchat',
  };
}

async function setup() {
  const log = new FlakyLog();
  await log.create(CONVERSATION, { tenant: 'generic' });
  const logger = { error: vi.fn() };
  const adapter = new DirectLineAdapter({ log, botId: 'bot', botName: 'Bot', logger, retryBaseMs: 20 });
  const seen: { text: string; tenant: unknown }[] = [];
  /** Replies "re: <text>", except to "quiet" (nothing) and "reply then fail". */
  const logic = async (context: TurnContext) => {
    const text = context.activity.text ?? '';
    seen.push({ text, tenant: (context.activity.channelData as { tenant?: unknown }).tenant });
    if (text === 'quiet') return;
    await context.sendActivity(`re: ${text}`);
    if (text === 'reply then fail') throw new Error('saving state failed');
  };
  const store = (text: string) => log.append(CONVERSATION, userActivity(text));
  const transcript = async () => (await log.inner.since(CONVERSATION)).activities;
  const repliesTo = (all: StoredActivity[], id: string) => all.filter((a) => a.from?.role === 'bot' && a.replyToId === id);
  return { log, logger, adapter, logic, seen, store, transcript, repliesTo };
}

describe('owed turns of stored Direct Line activities', () => {
  it('runs turns a dead process left owed, in order, before the next one, each once', async () => {
    const { adapter, logic, seen, store, transcript, repliesTo } = await setup();
    // Stored by a process that died before their turns ran.
    const first = await store('one');
    const second = await store('two');
    const third = await store('three');
    await adapter.processStored(third, logic, { tenant: 'derby' });
    expect(seen).toEqual([
      { text: 'one', tenant: 'derby' },
      { text: 'two', tenant: 'derby' },
      { text: 'three', tenant: 'derby' },
    ]);
    // The turns the earlier activities' own requests would have queued find nothing owed.
    await adapter.processStored(first, logic);
    await adapter.processStored(second, logic);
    expect(seen).toHaveLength(3);
    const all = await transcript();
    for (const stored of [first, second, third]) expect(repliesTo(all, stored.id)).toHaveLength(1);
    expect(all.map((a) => a.text)).toEqual(['one', 'two', 'three', 're: one', 're: two', 're: three']);
  });

  it('finds them on the first request after a restart (once per conversation), and not for a new conversation', async () => {
    const { log, adapter, logic, seen, store } = await setup();
    await store('left behind');
    const since = vi.spyOn(log, 'since');
    await adapter.recover(CONVERSATION, logic, { tenant: 'generic' });
    expect(seen.map((s) => s.text)).toEqual(['left behind']);
    since.mockClear();
    await adapter.recover(CONVERSATION, logic);
    expect(since).not.toHaveBeenCalled();

    await log.create('conv-new', { tenant: 'generic' });
    adapter.conversationCreated('conv-new');
    await adapter.recover('conv-new', logic);
    expect(since).not.toHaveBeenCalled();
  });

  it('does not run again a turn that sent nothing', async () => {
    const { adapter, logic, seen, store } = await setup();
    const quiet = await store('quiet');
    await adapter.processStored(quiet, logic);
    const next = await store('next');
    await adapter.processStored(next, logic);
    await adapter.processStored(quiet, logic);
    expect(seen.map((s) => s.text)).toEqual(['quiet', 'next']);
  });

  it('adds no apology after a reply, and does not run that turn again', async () => {
    const { adapter, logger, logic, seen, store, transcript, repliesTo } = await setup();
    const failing = await store('reply then fail');
    await adapter.processStored(failing, logic);
    expect(logger.error).toHaveBeenCalled();
    await adapter.processStored(await store('next'), logic);
    expect(seen.map((s) => s.text)).toEqual(['reply then fail', 'next']);
    expect(repliesTo(await transcript(), failing.id).map((a) => a.text)).toEqual(['re: reply then fail']);
  });

  it('tries a turn again once the database is back when neither its answer nor an apology could be stored', async () => {
    const { log, adapter, logic, seen, store, transcript, repliesTo } = await setup();
    const stored = await store('during the outage');
    log.down = true;
    const queued = store('refused').catch((error: unknown) => error);
    expect(await queued).toMatchObject({ code: 'ECONNREFUSED' });
    await adapter.processStored(stored, logic); // cannot even read the turn cursor
    expect(seen).toEqual([]);
    await sleep(100); // a retry or two, failing too
    log.down = false;
    const deadline = Date.now() + 5000;
    while (repliesTo(await transcript(), stored.id).length === 0 && Date.now() < deadline) await sleep(20);
    expect(seen.map((s) => s.text)).toEqual(['during the outage']);
    await sleep(200);
    const all = await transcript();
    expect(repliesTo(all, stored.id).map((a) => a.text)).toEqual(['re: during the outage']);
    expect(all.filter((a) => a.from?.role === 'user').map((a) => a.text)).toEqual(['during the outage']);
  });

  it('tries a turn again when the database went away during it, and answers it once', async () => {
    const { log, adapter, store, transcript, repliesTo } = await setup();
    let runs = 0;
    const logic = async (context: TurnContext) => {
      runs += 1;
      if (runs === 1) log.down = true; // mid-turn: neither the reply nor the apology can be stored
      await context.sendActivity(`re: ${context.activity.text}`);
    };
    const stored = await store('dropped mid-turn');
    await adapter.processStored(stored, logic);
    expect(runs).toBe(1);
    await sleep(60);
    log.down = false;
    const deadline = Date.now() + 5000;
    while (repliesTo(await transcript(), stored.id).length === 0 && Date.now() < deadline) await sleep(20);
    await sleep(200);
    expect(runs).toBe(2);
    expect(repliesTo(await transcript(), stored.id).map((a) => a.text)).toEqual(['re: dropped mid-turn']);
  });

  it('apologises once for a turn that fails, and does not run it again', async () => {
    const { adapter, store, transcript, repliesTo } = await setup();
    const logic = vi.fn(async () => {
      throw new Error('the bot broke');
    });
    const stored = await store('anything');
    await adapter.processStored(stored, logic);
    await adapter.recover(CONVERSATION, logic);
    await adapter.processStored(stored, logic);
    expect(logic).toHaveBeenCalledTimes(1);
    expect(repliesTo(await transcript(), stored.id).map((a) => a.text)).toEqual([expect.stringMatching(/^Sorry, something went wrong/)]);
  });

  it('stops retrying once draining for shutdown', async () => {
    const { log, adapter, logic, seen, store } = await setup();
    const stored = await store('left for the next start');
    log.down = true;
    await adapter.processStored(stored, logic);
    expect(await adapter.drain(100)).toBe(true);
    log.down = false;
    await sleep(200);
    expect(seen).toEqual([]);
  });
});
