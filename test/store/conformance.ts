import { randomUUID } from 'node:crypto';
import { ConversationState, TestAdapter, type StoreItems } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConversationNotFoundError, ETagConflictError, StoreInputError, type Handoff, type Store } from '../../src/store/store';

/**
 * One behaviour suite for every Store implementation. A harness is one empty database of the
 * test's own; `open` may be called several times to get instances that share it (as several
 * server processes would), and `dispose` closes them all and removes the database.
 */
export interface StoreHarness {
  open(options?: { now?: () => Date }): Promise<Store>;
  dispose(): Promise<void>;
}

const DAY = 24 * 60 * 60 * 1000;

function uid(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

async function expectRejects(promise: Promise<unknown>, type: new (...args: never[]) => Error): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as Error;
  }
  throw new Error(`expected a ${type.name}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await sleep(10);
  }
}

export function storeConformance(label: string, newHarness: () => Promise<StoreHarness>): void {
  describe(`Store conformance: ${label}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await newHarness();
      store = await harness.open();
    });

    afterEach(async () => {
      await harness.dispose();
    });

    // ---- Bot Framework state -----------------------------------------------------------------

    describe('bot storage', () => {
      it('round-trips nested state and returns only the keys that exist', async () => {
        const storage = store.botStorage();
        const value = {
          dialogState: {
            dialogStack: [{ id: 'deadline', state: { stepIndex: 2, values: { letterDate: '2026-01-02', confirmed: true } } }],
          },
          profile: { tenant: 'derby', topics: ['mediation', 'tribunal-appeal'], nothing: null, count: 3.5 },
          text: 'Ünïcödé — “quotes” and \u0000 nul',
        };
        await storage.write({ 'test/conversations/c1/': { ...value } });
        expect(await storage.read([])).toEqual({});
        const items = await storage.read(['test/conversations/c1/', 'test/conversations/unknown/']);
        expect(Object.keys(items)).toEqual(['test/conversations/c1/']);
        const { eTag, ...stored } = items['test/conversations/c1/'] as Record<string, unknown>;
        expect(stored).toEqual(value);
        expect(typeof eTag).toBe('string');
        expect(String(eTag).length).toBeGreaterThan(0);
      });

      it('writes a new key with no eTag, but refuses a second no-eTag write to it (never overwrites silently)', async () => {
        const storage = store.botStorage();
        await storage.write({ k: { v: 1 } });
        const error = await expectRejects(storage.write({ k: { v: 2 } }), ETagConflictError);
        expect(error.message).not.toContain('k:');
        expect((await storage.read(['k'])).k).toMatchObject({ v: 1 });
      });

      it('refuses a stale eTag, accepts the current one and gives a new eTag on every write', async () => {
        const storage = store.botStorage();
        await storage.write({ k: { v: 1 } });
        const first = (await storage.read(['k'])).k as { v: number; eTag: string };
        await storage.write({ k: { ...first, v: 2 } });
        const second = (await storage.read(['k'])).k as { v: number; eTag: string };
        expect(second.v).toBe(2);
        expect(second.eTag).not.toBe(first.eTag);

        await expectRejects(storage.write({ k: { ...first, v: 99 } }), ETagConflictError);
        expect((await storage.read(['k'])).k).toEqual(second);

        await storage.write({ k: { ...second, v: 3 } });
        const third = (await storage.read(['k'])).k as { v: number; eTag: string };
        expect(third.v).toBe(3);
        expect(new Set([first.eTag, second.eTag, third.eTag]).size).toBe(3);
      });

      it("overwrites unconditionally with eTag '*' (existing or new key)", async () => {
        const storage = store.botStorage();
        await storage.write({ k: { v: 1 } });
        const before = (await storage.read(['k'])).k as { eTag: string };
        await storage.write({ k: { v: 2, eTag: '*' } });
        const after = (await storage.read(['k'])).k as { v: number; eTag: string };
        expect(after.v).toBe(2);
        expect(after.eTag).not.toBe(before.eTag);
        await storage.write({ fresh: { v: 'new', eTag: '*' } });
        expect((await storage.read(['fresh'])).fresh).toMatchObject({ v: 'new' });
      });

      it('writes nothing of a batch that has a conflict', async () => {
        const storage = store.botStorage();
        await storage.write({ a: { v: 1 } });
        const stale = (await storage.read(['a'])).a as { eTag: string };
        await storage.write({ a: { v: 2, eTag: '*' } });
        await expectRejects(storage.write({ b: { v: 'b' }, a: { ...stale, v: 3 } }), ETagConflictError);
        expect(await storage.read(['b'])).toEqual({});
        expect((await storage.read(['a'])).a).toMatchObject({ v: 2 });
      });

      it('deletes keys; a write with the old eTag after a delete is refused', async () => {
        const storage = store.botStorage();
        await storage.write({ a: { v: 1 }, b: { v: 2 } });
        const a = (await storage.read(['a'])).a as { eTag: string };
        await storage.delete(['a', 'never-existed']);
        expect(Object.keys(await storage.read(['a', 'b']))).toEqual(['b']);
        await expectRejects(storage.write({ a: { ...a, v: 5 } }), ETagConflictError);
        await storage.write({ a: { v: 'again' } });
        expect((await storage.read(['a'])).a).toMatchObject({ v: 'again' });
      });

      it('lets exactly one of many concurrent writers with the same eTag (or creating the same key) win, across instances', async () => {
        const other = await harness.open();
        const storages = [store.botStorage(), other.botStorage()];
        await storages[0]!.write({ k: { v: 0 } });
        const base = (await storages[0]!.read(['k'])).k as { eTag: string };
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) => storages[i % 2]!.write({ k: { ...base, v: i + 1 } })),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ETagConflictError);

        const creates = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => storages[i % 2]!.write({ fresh: { i } })));
        expect(creates.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      });

      it('backs botbuilder ConversationState, and the state survives a restart mid-dialog', async () => {
        const turn = async (target: Store, text: string): Promise<string> => {
          const state = new ConversationState(target.botStorage());
          const count = state.createProperty<number>('count');
          const replies: string[] = [];
          const adapter = new TestAdapter(async (context) => {
            const n = (await count.get(context, 0)) + 1;
            await count.set(context, n);
            await context.sendActivity(`turn ${n}: ${context.activity.text}`);
            await state.saveChanges(context);
          });
          await adapter.send(text).assertReply((activity) => {
            replies.push(String(activity.text));
          });
          return replies[0]!;
        };
        expect(await turn(store, 'one')).toBe('turn 1: one');
        expect(await turn(store, 'two')).toBe('turn 2: two');
        await store.close();
        const restarted = await harness.open();
        expect(await turn(restarted, 'three')).toBe('turn 3: three');
        const keys = Object.keys(await restarted.botStorage().read(['test/conversations/Convo1/']));
        expect(keys).toEqual(['test/conversations/Convo1/']);
      });
    });

    // ---- Conversations and transcript --------------------------------------------------------

    describe('conversations and transcript', () => {
      it('creates a conversation once; a second create changes nothing', async () => {
        const id = uid('conv');
        expect(await store.conversationExists(id)).toBe(false);
        expect(await store.getConversation(id)).toBeUndefined();
        const created = await store.createConversation(id, { tenant: 'derby', channel: 'webchat', userId: 'u1' });
        expect(created).toMatchObject({ id, tenant: 'derby', channel: 'webchat', userId: 'u1', lastSeq: 0, started: false });
        const again = await store.createConversation(id, { tenant: 'generic', channel: 'sms' });
        expect(again).toEqual(created);
        expect(await store.conversationExists(id)).toBe(true);
        expect(await store.getConversation(id)).toEqual(created);
      });

      it('marks a conversation started for exactly one of many concurrent callers', async () => {
        const id = uid('conv');
        await store.createConversation(id, { tenant: 'derby', channel: 'webchat' });
        const other = await harness.open();
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).markConversationStarted(id)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.getConversation(id))?.started).toBe(true);
        expect(await store.markConversationStarted(uid('unknown'))).toBe(false);
      });

      it('appends in order with increasing sequence numbers and lists after a sequence number', async () => {
        const id = uid('conv');
        await store.createConversation(id, { tenant: 'derby', channel: 'webchat' });
        const sent = [];
        for (let i = 1; i <= 5; i += 1) {
          sent.push(
            await store.appendActivity(id, {
              type: 'message',
              id: `a${i}`,
              text: `message ${i}`,
              timestamp: new Date(Date.UTC(2026, 0, i)),
              channelData: { clientActivityID: `client-${i}`, nested: { list: [i, { deep: true }] } },
            }),
          );
        }
        expect(sent.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(sent.every((e) => e.duplicate === false)).toBe(true);
        const all = await store.listActivities(id);
        expect(all.map((e) => e.id)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
        expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(all[2]!.activity).toEqual({
          type: 'message',
          id: 'a3',
          text: 'message 3',
          timestamp: '2026-01-03T00:00:00.000Z',
          channelData: { clientActivityID: 'client-3', nested: { list: [3, { deep: true }] } },
        });
        expect(all[0]!.conversationId).toBe(id);
        expect((await store.listActivities(id, 3)).map((e) => e.id)).toEqual(['a4', 'a5']);
        expect(await store.listActivities(id, 5)).toEqual([]);
        expect((await store.getConversation(id))?.lastSeq).toBe(5);
      });

      it('is idempotent by activity id: the same id twice is stored once', async () => {
        const id = uid('conv');
        await store.createConversation(id, { tenant: 'derby', channel: 'msteams' });
        const first = await store.appendActivity(id, { type: 'message', id: 'dup', text: 'first copy' });
        await store.appendActivity(id, { type: 'message', id: 'other', text: 'x' });
        const repeat = await store.appendActivity(id, { type: 'message', id: 'dup', text: 'second copy' });
        expect(repeat.duplicate).toBe(true);
        expect(repeat.seq).toBe(first.seq);
        expect(repeat.activity.text).toBe('first copy');
        const all = await store.listActivities(id);
        expect(all.map((e) => e.id)).toEqual(['dup', 'other']);
        expect((await store.getConversation(id))?.lastSeq).toBe(2);
        // The same activity id in another conversation is a different activity.
        const id2 = uid('conv');
        await store.createConversation(id2, { tenant: 'derby', channel: 'msteams' });
        expect((await store.appendActivity(id2, { type: 'message', id: 'dup' })).duplicate).toBe(false);
      });

      it('gives an id to an activity without one and keeps \\u0000 and unicode text intact', async () => {
        const id = uid('conv');
        await store.createConversation(id, { tenant: 'derby', channel: 'webchat' });
        const entry = await store.appendActivity(id, { type: 'message', text: 'nul \u0000 and emoji 🙂' });
        expect(entry.id).toBe(`${id}|0000001`);
        expect(entry.activity.id).toBe(entry.id);
        const [listed] = await store.listActivities(id);
        expect(listed?.activity.text).toBe('nul \u0000 and emoji 🙂');
      });

      it('refuses activities for an unknown conversation and lists none for it', async () => {
        const id = uid('missing');
        await expectRejects(store.appendActivity(id, { type: 'message', text: 'x' }), ConversationNotFoundError);
        await expectRejects(store.listActivities(id), ConversationNotFoundError);
        await expectRejects(store.listActivities(id, -1), StoreInputError);
      });

      it('loses nothing when 200 activities (and 50 repeats) are appended concurrently through two instances', async () => {
        const other = await harness.open();
        const id = uid('conv');
        await store.createConversation(id, { tenant: 'derby', channel: 'webchat' });
        const ids = Array.from({ length: 200 }, (_, i) => `act-${i}`);
        const appends = ids.map((activityId, i) => (i % 2 ? other : store).appendActivity(id, { type: 'message', id: activityId, text: `m${i}` }));
        const repeats = ids.slice(0, 50).map((activityId, i) => (i % 2 ? store : other).appendActivity(id, { type: 'message', id: activityId }));
        const results = await Promise.all([...appends, ...repeats]);
        expect(results.filter((r) => !r.duplicate)).toHaveLength(200);
        expect(results.filter((r) => r.duplicate)).toHaveLength(50);
        const all = await store.listActivities(id);
        expect(all).toHaveLength(200);
        expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(new Set(all.map((e) => e.id))).toEqual(new Set(ids));
        expect((await other.getConversation(id))?.lastSeq).toBe(200);
      });
    });

    // ---- Hand-off queue ------------------------------------------------------------------------

    describe('hand-off queue', () => {
      const enqueue = (target: Store, reason: Handoff['reason'], tenant = 'derby', conversationId = uid('conv')) =>
        target.enqueueHandoff({ conversationId, tenant, channel: 'webchat', reason, summary: { topic: 'mediation', dates: ['2026-01-02'] } });

      it('puts urgent (safeguarding) hand-offs first, then first in, first out', async () => {
        const a = await enqueue(store, 'asked');
        const b = await enqueue(store, 'not-confident');
        const c = await enqueue(store, 'safeguarding');
        const d = await enqueue(store, 'asked');
        const e = await enqueue(store, 'safeguarding');
        const other = await enqueue(store, 'asked', 'worcestershire');
        expect(c.urgent).toBe(true);
        expect(a.urgent).toBe(false);
        expect(a).toMatchObject({ status: 'queued', tenant: 'derby', channel: 'webchat', reason: 'asked' });
        expect(a.summary).toEqual({ topic: 'mediation', dates: ['2026-01-02'] });
        expect((await store.listQueue('derby')).map((h) => h.id)).toEqual([c.id, e.id, a.id, b.id, d.id]);
        expect((await store.listQueue()).map((h) => h.id)).toEqual([c.id, e.id, a.id, b.id, d.id, other.id]);
        expect((await store.listQueue('worcestershire')).map((h) => h.id)).toEqual([other.id]);

        const claimed = [];
        for (let i = 0; i < 5; i += 1) claimed.push((await store.claimNext('adviser-1', 'derby'))?.id);
        expect(claimed).toEqual([c.id, e.id, a.id, b.id, d.id]);
        expect(await store.claimNext('adviser-1', 'derby')).toBeUndefined();
        expect((await store.claimNext('adviser-2'))?.id).toBe(other.id);
        expect(await store.listQueue()).toEqual([]);
      });

      it('keeps one open hand-off per conversation and makes it urgent when safeguarding comes in', async () => {
        const conversationId = uid('conv');
        const first = await enqueue(store, 'asked', 'derby', conversationId);
        const again = await enqueue(store, 'not-confident', 'derby', conversationId);
        expect(again.id).toBe(first.id);
        expect(again.urgent).toBe(false);
        const urgentOne = await enqueue(store, 'asked');
        const escalated = await store.enqueueHandoff({
          conversationId,
          tenant: 'derby',
          channel: 'webchat',
          reason: 'safeguarding',
          summary: { topic: 'safeguarding' },
        });
        expect(escalated).toMatchObject({ id: first.id, urgent: true, reason: 'safeguarding', summary: { topic: 'safeguarding' } });
        expect((await store.listQueue('derby')).map((h) => h.id)).toEqual([first.id, urgentOne.id]);
        expect((await store.findOpenHandoff(conversationId))?.id).toBe(first.id);
        expect(await store.closeHandoff(first.id, 'adviser-1')).toBe(true);
        expect(await store.findOpenHandoff(conversationId)).toBeUndefined();
        const next = await enqueue(store, 'asked', 'derby', conversationId);
        expect(next.id).not.toBe(first.id);
      });

      it('lets exactly one of 20 concurrent claimers (two instances) win, every time', async () => {
        const other = await harness.open();
        for (let round = 0; round < 5; round += 1) {
          const handoff = await enqueue(store, round % 2 ? 'safeguarding' : 'asked');
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).claimHandoff(handoff.id, `adviser-${i}`)),
          );
          const winners = results.flatMap((won, i) => (won ? [i] : []));
          expect(winners).toHaveLength(1);
          const stored = await store.getHandoff(handoff.id);
          expect(stored).toMatchObject({ status: 'claimed', claimedBy: `adviser-${winners[0]}` });
          expect(stored?.claimedAt).toBeTypeOf('string');
        }
      });

      it('hands each queued item to exactly one of many concurrent claimNext callers', async () => {
        const other = await harness.open();
        const queued = [];
        for (let i = 0; i < 5; i += 1) queued.push((await enqueue(store, 'asked', 'milton-keynes')).id);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).claimNext(`adviser-${i}`, 'milton-keynes')),
        );
        const got = results.filter((h): h is Handoff => h !== undefined);
        expect(got).toHaveLength(5);
        expect(new Set(got.map((h) => h.id))).toEqual(new Set(queued));
        for (const h of got) expect(h.status).toBe('claimed');
        expect(await store.listQueue('milton-keynes')).toEqual([]);
      });

      it('claims, transfers and closes only from the right status', async () => {
        const h = await enqueue(store, 'asked');
        expect(await store.transferHandoff(h.id, 'adviser-1', 'adviser-2')).toBe(false);
        expect(await store.claimHandoff(h.id, 'adviser-1')).toBe(true);
        expect(await store.claimHandoff(h.id, 'adviser-2')).toBe(false);
        expect(await store.transferHandoff(h.id, 'adviser-3', 'adviser-2')).toBe(false);
        expect(await store.transferHandoff(h.id, 'adviser-1', 'adviser-2')).toBe(true);
        expect((await store.getHandoff(h.id))?.claimedBy).toBe('adviser-2');
        expect(await store.closeHandoff(h.id, 'adviser-2')).toBe(true);
        expect(await store.closeHandoff(h.id, 'adviser-2')).toBe(false);
        expect(await store.claimHandoff(h.id, 'adviser-1')).toBe(false);
        expect(await store.getHandoff(h.id)).toMatchObject({ status: 'closed', closedBy: 'adviser-2' });
        expect(await store.getHandoff(uid('nope'))).toBeUndefined();
        expect(await store.claimHandoff(uid('nope'), 'adviser-1')).toBe(false);
        await expectRejects(
          store.enqueueHandoff({ conversationId: 'c', tenant: 'derby', channel: 'webchat', reason: 'bored' as never, summary: {} }),
          StoreInputError,
        );
      });
    });

    // ---- Call-backs, feedback, unanswered, audit -------------------------------------------------

    describe('call-backs, feedback, unanswered questions and audit', () => {
      it('stores a call-back only with consent, lists by tenant and status, and marks it done once', async () => {
        await expectRejects(
          store.addCallback({ tenant: 'derby', channel: 'sms', name: 'A', contact: '07700 900123', consent: false }),
          StoreInputError,
        );
        const cb = await store.addCallback({
          tenant: 'derby',
          channel: 'webchat',
          conversationId: 'c1',
          name: 'Sam',
          contact: '07700 900123',
          bestTime: 'mornings',
          consent: true,
        });
        const other = await store.addCallback({ tenant: 'generic', channel: 'sms', name: 'Jo', contact: 'jo@example.org', consent: true });
        expect(cb).toMatchObject({ status: 'open', name: 'Sam', contact: '07700 900123', bestTime: 'mornings', conversationId: 'c1' });
        expect(cb.consentAt).toBeTypeOf('string');
        expect((await store.listCallbacks()).map((c) => c.id)).toEqual([cb.id, other.id]);
        expect((await store.listCallbacks({ tenant: 'derby' })).map((c) => c.id)).toEqual([cb.id]);
        expect(await store.markCallbackDone(cb.id, 'adviser-1')).toBe(true);
        expect(await store.markCallbackDone(cb.id, 'adviser-1')).toBe(false);
        expect((await store.listCallbacks({ status: 'open' })).map((c) => c.id)).toEqual([other.id]);
        expect((await store.listCallbacks({ status: 'done' }))[0]).toMatchObject({ id: cb.id, doneBy: 'adviser-1' });
      });

      it('stores feedback and unanswered questions', async () => {
        const f1 = await store.addFeedback({ conversationId: 'c1', topicId: 'mediation', helpful: true });
        const f2 = await store.addFeedback({ conversationId: 'c2', helpful: false, comment: 'too long' });
        expect(f1).toMatchObject({ conversationId: 'c1', topicId: 'mediation', helpful: true });
        expect(f2).toMatchObject({ helpful: false, comment: 'too long' });
        expect(f2.topicId).toBeUndefined();
        expect((await store.listFeedback()).map((f) => f.id)).toEqual([f1.id, f2.id]);
        expect((await store.listFeedback({ conversationId: 'c2' })).map((f) => f.id)).toEqual([f2.id]);
        expect((await store.listFeedback({ topicId: 'mediation' })).map((f) => f.id)).toEqual([f1.id]);

        const u1 = await store.addUnanswered({ tenant: 'derby', channel: 'sms', text: 'what about [name] transport' });
        const u2 = await store.addUnanswered({ tenant: 'generic', channel: 'webchat', text: 'q2' });
        const u3 = await store.addUnanswered({ tenant: 'derby', channel: 'webchat', text: 'q3' });
        expect((await store.listUnanswered()).map((u) => u.id)).toEqual([u3.id, u2.id, u1.id]);
        expect((await store.listUnanswered({ tenant: 'derby' })).map((u) => u.text)).toEqual(['q3', 'what about [name] transport']);
        expect(await store.listUnanswered({ limit: 1 })).toHaveLength(1);
      });

      it('keeps an audit log, newest first, filtered by actor or target', async () => {
        const e1 = await store.audit({ actor: 'adviser-1', action: 'handoff.claim', target: 'h1' });
        const e2 = await store.audit({ actor: 'adviser-2', action: 'handoff.claim', target: 'h2' });
        const e3 = await store.audit({ actor: 'adviser-1', action: 'handoff.close', target: 'h1' });
        expect(e1).toMatchObject({ actor: 'adviser-1', action: 'handoff.claim', target: 'h1' });
        expect(e2.id).toBeGreaterThan(e1.id);
        expect((await store.listAudit()).map((e) => e.id)).toEqual([e3.id, e2.id, e1.id]);
        expect((await store.listAudit({ actor: 'adviser-1' })).map((e) => e.action)).toEqual(['handoff.close', 'handoff.claim']);
        expect((await store.listAudit({ target: 'h2' })).map((e) => e.id)).toEqual([e2.id]);
        expect(await store.listAudit({ limit: 2 })).toHaveLength(2);
      });
    });

    // ---- Retention ---------------------------------------------------------------------------

    describe('retention', () => {
      it('purges what is older than the cutoff and keeps what is newer', async () => {
        const realNow = Date.now();
        const old = await harness.open({ now: () => new Date(realNow - 40 * DAY) });
        const oldConv = uid('old');
        const newConv = uid('new');
        const spanning = uid('span');
        await old.createConversation(oldConv, { tenant: 'derby', channel: 'webchat' });
        await old.appendActivity(oldConv, { type: 'message', id: 'o1', text: 'old' });
        await old.createConversation(spanning, { tenant: 'derby', channel: 'webchat' });
        await old.appendActivity(spanning, { type: 'message', id: 's1' });
        await old.botStorage().write({ [`webchat/conversations/${oldConv}/`]: { step: 1 } });
        const optOutKey = `sms-channel/opt-out/${uid('number')}`;
        await old.botStorage().write({ [optOutKey]: { optedOut: true } });
        await old.addCallback({ tenant: 'derby', channel: 'sms', name: 'Old', contact: '07700 900000', consent: true });
        await old.addFeedback({ conversationId: oldConv, helpful: true });
        await old.addUnanswered({ tenant: 'derby', channel: 'sms', text: 'old question' });
        const oldClosed = await old.enqueueHandoff({ conversationId: oldConv, tenant: 'derby', channel: 'webchat', reason: 'asked', summary: {} });
        await old.closeHandoff(oldClosed.id);
        const oldOpen = await old.enqueueHandoff({ conversationId: spanning, tenant: 'derby', channel: 'webchat', reason: 'asked', summary: {} });
        const oldAudit = await old.audit({ actor: 'adviser-1', action: 'handoff.close', target: oldClosed.id });

        await store.createConversation(newConv, { tenant: 'derby', channel: 'webchat' });
        await store.appendActivity(newConv, { type: 'message', id: 'n1', text: 'new' });
        await store.appendActivity(spanning, { type: 'message', id: 's2' });
        await store.botStorage().write({ [`webchat/conversations/${newConv}/`]: { step: 2 } });
        const newCallback = await store.addCallback({ tenant: 'derby', channel: 'sms', name: 'New', contact: '07700 900001', consent: true });
        await store.addFeedback({ conversationId: newConv, helpful: false });
        await store.addUnanswered({ tenant: 'derby', channel: 'sms', text: 'new question' });

        const counts = await store.purgeOlderThan(new Date(realNow - 30 * DAY));
        expect(counts).toEqual({ activities: 2, conversations: 1, state: 1, callbacks: 1, feedback: 1, unanswered: 1, handoffs: 1 });

        expect(await store.conversationExists(oldConv)).toBe(false);
        expect(await store.botStorage().read([`webchat/conversations/${oldConv}/`])).toEqual({});
        expect(Object.keys(await store.botStorage().read([`webchat/conversations/${newConv}/`]))).toHaveLength(1);
        // An SMS opt-out is an instruction to honour for good, not conversation data to forget.
        expect(Object.keys(await store.botStorage().read([optOutKey]))).toHaveLength(1);
        expect((await store.listActivities(newConv)).map((e) => e.id)).toEqual(['n1']);
        // A conversation still in use keeps its recent activity; sequence numbers are never reused.
        expect((await store.listActivities(spanning)).map((e) => [e.id, e.seq])).toEqual([['s2', 2]]);
        expect((await store.appendActivity(spanning, { type: 'message', id: 's3' })).seq).toBe(3);
        expect((await store.listCallbacks()).map((c) => c.id)).toEqual([newCallback.id]);
        expect((await store.listFeedback()).map((f) => f.conversationId)).toEqual([newConv]);
        expect((await store.listUnanswered()).map((u) => u.text)).toEqual(['new question']);
        expect(await store.getHandoff(oldClosed.id)).toBeUndefined();
        expect((await store.getHandoff(oldOpen.id))?.status).toBe('queued');
        expect((await store.listAudit()).map((e) => e.id)).toContain(oldAudit.id);

        expect(await store.purgeOlderThan(new Date(realNow - 30 * DAY))).toEqual({
          activities: 0,
          conversations: 0,
          state: 0,
          callbacks: 0,
          feedback: 0,
          unanswered: 0,
          handoffs: 0,
        });
      });
    });

    // ---- One person's data -------------------------------------------------------------------

    describe("a person's data", () => {
      async function seedPerson(target: Store, userId: string, tenant: string) {
        const c1 = uid('conv');
        const c2 = uid('conv');
        await target.createConversation(c1, { tenant, channel: 'webchat', userId });
        await target.createConversation(c2, { tenant, channel: 'webchat', userId });
        await target.appendActivity(c1, { type: 'message', id: 'm1', text: `${userId} first` });
        await target.appendActivity(c2, { type: 'message', id: 'm1', text: `${userId} second` });
        const state: StoreItems = {
          [`webchat/conversations/${c1}/`]: { who: userId },
          [`webchat/users/${userId}/`]: { profile: { who: userId } },
          [`webchat/conversations/${c2}/users/${userId}/`]: { private: true },
        };
        await target.botStorage().write(state);
        const handoff = await target.enqueueHandoff({ conversationId: c1, tenant, channel: 'webchat', reason: 'asked', summary: { who: userId } });
        const callback = await target.addCallback({ tenant, channel: 'webchat', conversationId: c2, name: userId, contact: `${userId}@example.org`, consent: true });
        const byUser = await target.addCallback({ tenant, channel: 'sms', userId, name: userId, contact: '07700 900002', consent: true });
        const feedback = await target.addFeedback({ conversationId: c1, helpful: true, comment: userId });
        return { c1, c2, handoff, callback, byUser, feedback };
      }

      it("exports one person's data by user id or by conversation id, and nobody else's", async () => {
        const a = await seedPerson(store, 'user-a', 'derby');
        const b = await seedPerson(store, 'user-b', 'derby');
        const byUser = await store.exportPerson('user-a');
        expect(byUser.subject).toBe('user-a');
        expect(byUser.conversations.map((c) => c.id).sort()).toEqual([a.c1, a.c2].sort());
        expect(byUser.activities.map((e) => e.activity.text).sort()).toEqual(['user-a first', 'user-a second']);
        expect(byUser.state.map((s) => s.key).sort()).toEqual(
          [`webchat/conversations/${a.c1}/`, `webchat/conversations/${a.c2}/users/user-a/`, 'webchat/users/user-a/'].sort(),
        );
        expect(byUser.state.find((s) => s.key === 'webchat/users/user-a/')?.value).toEqual({ profile: { who: 'user-a' } });
        expect(byUser.handoffs.map((h) => h.id)).toEqual([a.handoff.id]);
        expect(byUser.callbacks.map((c) => c.id).sort()).toEqual([a.callback.id, a.byUser.id].sort());
        expect(byUser.feedback.map((f) => f.id)).toEqual([a.feedback.id]);
        expect(JSON.stringify(byUser)).not.toContain('user-b');

        const byConversation = await store.exportPerson(a.c2);
        expect(byConversation.conversations.map((c) => c.id).sort()).toEqual([a.c1, a.c2].sort());
        expect(JSON.stringify(byConversation)).not.toContain('user-b');
        expect(b.c1).not.toBe(a.c1);
      });

      it("deletes one person's data and leaves everyone else's", async () => {
        const a = await seedPerson(store, 'user-a', 'derby');
        const b = await seedPerson(store, 'user-b', 'derby');
        const before = await store.exportPerson('user-b');
        const counts = await store.deletePerson('user-a');
        expect(counts).toEqual({ conversations: 2, activities: 2, state: 3, handoffs: 1, callbacks: 2, feedback: 1 });
        const after = await store.exportPerson('user-a');
        expect(after).toMatchObject({ conversations: [], activities: [], state: [], handoffs: [], callbacks: [], feedback: [] });
        expect(await store.conversationExists(a.c1)).toBe(false);
        expect(await store.getHandoff(a.handoff.id)).toBeUndefined();
        const untouched = await store.exportPerson('user-b');
        expect({ ...untouched, exportedAt: '' }).toEqual({ ...before, exportedAt: '' });
        expect(await store.getHandoff(b.handoff.id)).toBeDefined();
        expect(await store.deletePerson('user-a')).toEqual({ conversations: 0, activities: 0, state: 0, handoffs: 0, callbacks: 0, feedback: 0 });
      });
    });

    // ---- Publish / subscribe -----------------------------------------------------------------

    describe('publish and subscribe', () => {
      it('delivers across two instances in publish order, exactly once each', async () => {
        const other = await harness.open();
        const atOther: unknown[] = [];
        const atSelf: unknown[] = [];
        const elsewhere: unknown[] = [];
        const offOther = await other.subscribe('activity', (payload) => atOther.push(payload));
        await store.subscribe('activity', (payload) => atSelf.push(payload));
        await other.subscribe('queue', (payload) => elsewhere.push(payload));

        const messages = Array.from({ length: 50 }, (_, i) => ({ conversationId: 'c1', seq: i + 1, nested: { ok: true } }));
        await Promise.all(messages.map((message) => store.publish('activity', message)));
        await waitFor(() => atOther.length >= 50 && atSelf.length >= 50);
        await sleep(300);
        expect(atOther).toEqual(messages);
        expect(atSelf).toEqual(messages);
        expect(elsewhere).toEqual([]);

        await offOther();
        await store.publish('activity', { after: 'unsubscribe' });
        await waitFor(() => atSelf.length === 51);
        await sleep(200);
        expect(atOther).toHaveLength(50);
      });

      it('keeps delivering to other subscribers when one handler throws', async () => {
        const other = await harness.open();
        const got: unknown[] = [];
        await other.subscribe('c', () => {
          throw new Error('handler bug');
        });
        await other.subscribe('c', (payload) => got.push(payload));
        await store.publish('c', 1);
        await store.publish('c', 2);
        await waitFor(() => got.length === 2);
        expect(got).toEqual([1, 2]);
      });
    });

    // ---- Migrations --------------------------------------------------------------------------

    describe('schema', () => {
      it('applies migrations once when several instances start together', async () => {
        const fresh = await newHarness();
        try {
          const stores = await Promise.all([fresh.open(), fresh.open(), fresh.open()]);
          const versions = await Promise.all(stores.map((s) => s.schemaVersion()));
          expect(new Set(versions).size).toBe(1);
          expect(versions[0]).toBeGreaterThanOrEqual(1);
          const id = uid('conv');
          await stores[0]!.createConversation(id, { tenant: 'derby', channel: 'webchat' });
          expect(await stores[2]!.conversationExists(id)).toBe(true);
        } finally {
          await fresh.dispose();
        }
      });
    });
  });
}
