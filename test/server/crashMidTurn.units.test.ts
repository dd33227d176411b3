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

describe('turns that follow on from this process\'s last turn', () => {
  /** A conversation this process created: each message stored, then its turn, as the router does. */
  async function created() {
    const parts = await setup();
    await parts.log.create('conv-2', { tenant: 'generic' });
    parts.adapter.conversationCreated(CONVERSATION);
    const send = async (text: string) => {
      const stored = await parts.store(text);
      await parts.adapter.processStored(stored, parts.logic);
      return stored;
    };
    return { ...parts, send };
  }

  it('run without reading the log back, and answer each message once, in order', async () => {
    const { log, adapter, logic, seen, send, transcript, repliesTo } = await created();
    const since = vi.spyOn(log, 'since');
    const turnsDone = vi.spyOn(log, 'turnsDone');
    await adapter.processActivity({ ...userActivity(''), type: ActivityTypes.ConversationUpdate, channelData: {} }, logic); // the greeting
    const sent = [await send('one'), await send('two'), await send('three')];
    expect(since).not.toHaveBeenCalled();
    expect(turnsDone).not.toHaveBeenCalled();
    expect(seen.map((s) => s.text)).toEqual(['', 'one', 'two', 'three']);
    const all = await transcript();
    for (const stored of sent) expect(repliesTo(all, stored.id)).toHaveLength(1);
  });

  it('read the log when something was stored in between, and run an owed turn first', async () => {
    const { log, adapter, logic, seen, send, store, transcript, repliesTo } = await created();
    await send('one');
    // Stored by another instance that stopped before its turn ran.
    const orphan = await store('from elsewhere');
    const since = vi.spyOn(log, 'since');
    await send('two');
    expect(since).toHaveBeenCalled();
    expect(seen.map((s) => s.text)).toEqual(['one', 'from elsewhere', 'two']);
    expect(repliesTo(await transcript(), orphan.id)).toHaveLength(1);
    await adapter.processStored(orphan, logic); // its own request's turn finds nothing owed
    expect(seen).toHaveLength(3);
  });

  it('read the log after a message arrives during a turn, and answer both once', async () => {
    const { adapter, logic, seen, store, transcript, repliesTo } = await created();
    const first = await store('one');
    const running = adapter.processStored(first, logic);
    const second = await store('two'); // stored while the first turn is queued or running
    await Promise.all([running, adapter.processStored(second, logic)]);
    expect(seen.map((s) => s.text)).toEqual(['one', 'two']);
    const all = await transcript();
    expect(repliesTo(all, first.id)).toHaveLength(1);
    expect(repliesTo(all, second.id)).toHaveLength(1);
  });

  it('leave a cursor behind that a restarted process trusts: nothing answered runs again, a quiet turn neither', async () => {
    const { log, logic, seen, send, store } = await created();
    for (const text of ['one', 'quiet', 'two', 'three']) await send(text);
    const owed = await store('left when the process died');
    const restarted = new DirectLineAdapter({ log, botId: 'bot', botName: 'Bot', logger: { error: vi.fn() } });
    await restarted.recover(CONVERSATION, logic);
    expect(seen.map((s) => s.text)).toEqual(['one', 'quiet', 'two', 'three', 'left when the process died']);
    expect(await log.turnsDone(CONVERSATION)).toBeGreaterThanOrEqual(3); // moved past the quiet turn
    expect(owed.id).toBeTruthy();
  });

  it('with other instances, do not run again a turn another instance ran while it waited', async () => {
    const { log, logic, seen, store, transcript, repliesTo } = await setup();
    // Instances sharing a database share a turn lock; here one in-process lock for both.
    let held = Promise.resolve();
    const turnLock = <T>(_id: string, work: () => Promise<T>): Promise<T> => {
      const run = held.then(work);
      held = run.then(() => undefined, () => undefined);
      return run;
    };
    const a = new DirectLineAdapter({ log, botId: 'bot', botName: 'Bot', logger: { error: vi.fn() }, turnLock });
    const b = new DirectLineAdapter({ log, botId: 'bot', botName: 'Bot', logger: { error: vi.fn() }, turnLock });
    a.conversationCreated(CONVERSATION);
    await a.processStored(await store('one'), logic);
    const two = await store('two');
    await b.recover(CONVERSATION, logic); // B catches up on a poll before A's turn for it runs
    await a.processStored(two, logic);
    expect(seen.map((s) => s.text)).toEqual(['one', 'two']);
    expect(repliesTo(await transcript(), two.id)).toHaveLength(1);
    await a.processStored(await store('three'), logic);
    expect(seen.map((s) => s.text)).toEqual(['one', 'two', 'three']);
  });

  it('move the stored cursor on at least every 16 activities even when every turn is answered', async () => {
    const { log, send } = await created();
    for (let i = 0; i < 20; i += 1) await send(`message ${i}`);
    expect(await log.turnsDone(CONVERSATION)).toBeGreaterThanOrEqual(40 - 16);
  });
});
