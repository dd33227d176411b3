import { randomUUID } from 'node:crypto';
import { ConversationState, TestAdapter, type StoreItems } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConversationNotFoundError,
  ETagConflictError,
  StoreInputError,
  TURN_OUTCOMES,
  type ConversationFilter,
  type Handoff,
  type HandoffFilter,
  type NewAdviser,
  type Store,
  type TurnOutcomeFilter,
  type UnansweredFilter,
} from '../../src/store/store';

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

/** `at(iso)` moves the store's clock; times given as ISO strings are exact to the millisecond. */
interface Clocked {
  store: Store;
  at(iso: string): void;
}

export function storeConformance(label: string, newHarness: () => Promise<StoreHarness>): void {
  describe(`Store conformance: ${label}`, () => {
    let harness: StoreHarness;
    let store: Store;

    /** A second instance on the same database with a clock of the test's own. */
    async function clocked(start: string): Promise<Clocked> {
      let now = Date.parse(start);
      const opened = await harness.open({ now: () => new Date(now) });
      return {
        store: opened,
        at: (iso: string) => {
          now = Date.parse(iso);
        },
      };
    }

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

    // ---- Hand-off references, summaries and lists --------------------------------------------------

    describe('hand-off references, summary updates and listing', () => {
      const reference = (conversationId: string, serviceUrl = 'https://smba.example/uk/') => ({
        activityId: 'act-1',
        bot: { id: 'bot', name: 'SEND assistant' },
        channelId: 'msteams',
        conversation: { id: conversationId, isGroup: false },
        serviceUrl,
        user: { id: 'person-1', aadObjectId: null },
      });

      it('stores the conversation reference and returns it on the hand-off; enqueueing again with one replaces it', async () => {
        const conversationId = uid('conv');
        const first = await store.enqueueHandoff({
          conversationId,
          tenant: 'derby',
          channel: 'msteams',
          reason: 'asked',
          summary: { topic: 'mediation' },
          reference: reference(conversationId),
        });
        expect(first.reference).toEqual(reference(conversationId));
        expect((await store.getHandoff(first.id))?.reference).toEqual(reference(conversationId));
        expect((await store.listQueue('derby'))[0]?.reference).toEqual(reference(conversationId));
        expect((await store.findOpenHandoff(conversationId))?.reference).toEqual(reference(conversationId));

        // Again without a reference: the stored one stays.
        const again = await store.enqueueHandoff({ conversationId, tenant: 'derby', channel: 'msteams', reason: 'asked', summary: {} });
        expect(again).toEqual(first);
        // Again with a newer one: replaced (the latest reaches the person).
        const moved = await store.enqueueHandoff({
          conversationId,
          tenant: 'derby',
          channel: 'msteams',
          reason: 'not-confident',
          summary: {},
          reference: reference(conversationId, 'https://smba.example/emea/'),
        });
        expect(moved).toMatchObject({ id: first.id, urgent: false, summary: { topic: 'mediation' } });
        expect(moved.reference?.serviceUrl).toBe('https://smba.example/emea/');
        // Escalated without a reference: urgent, new summary, reference kept.
        const escalated = await store.enqueueHandoff({ conversationId, tenant: 'derby', channel: 'msteams', reason: 'safeguarding', summary: { s: 1 } });
        expect(escalated).toMatchObject({ id: first.id, urgent: true, summary: { s: 1 } });
        expect(escalated.reference?.serviceUrl).toBe('https://smba.example/emea/');

        const without = await store.enqueueHandoff({ conversationId: uid('conv'), tenant: 'derby', channel: 'webchat', reason: 'asked', summary: {} });
        expect(without.reference).toBeUndefined();
        expect('reference' in without).toBe(false);
      });

      it.each([
        ['an array', [1, 2]],
        ['a string', 'ref'],
        ['a number', 5],
      ])('refuses a reference that is %s', async (_what, bad) => {
        await expectRejects(
          store.enqueueHandoff({ conversationId: uid('conv'), tenant: 'derby', channel: 'webchat', reason: 'asked', summary: {}, reference: bad as never }),
          StoreInputError,
        );
      });

      it('updates the summary of an open hand-off only', async () => {
        const queued = await store.enqueueHandoff({ conversationId: uid('conv'), tenant: 'derby', channel: 'webchat', reason: 'asked', summary: { v: 1 } });
        const claimed = await store.enqueueHandoff({ conversationId: uid('conv'), tenant: 'derby', channel: 'webchat', reason: 'asked', summary: { v: 1 } });
        const closed = await store.enqueueHandoff({ conversationId: uid('conv'), tenant: 'derby', channel: 'webchat', reason: 'asked', summary: { v: 1 } });
        await store.claimHandoff(claimed.id, 'adviser-1');
        await store.closeHandoff(closed.id);
        const cases: [string, string, boolean][] = [
          ['queued', queued.id, true],
          ['claimed', claimed.id, true],
          ['closed', closed.id, false],
          ['unknown', uid('nope'), false],
        ];
        for (const [what, id, expected] of cases) {
          expect(await store.updateHandoffSummary(id, { v: 2, what, nested: { dates: ['2026-01-02'] } }), what).toBe(expected);
        }
        expect((await store.getHandoff(queued.id))?.summary).toEqual({ v: 2, what: 'queued', nested: { dates: ['2026-01-02'] } });
        expect((await store.getHandoff(claimed.id))).toMatchObject({ status: 'claimed', claimedBy: 'adviser-1', summary: { v: 2, what: 'claimed' } });
        expect((await store.getHandoff(closed.id))?.summary).toEqual({ v: 1 });
        await expectRejects(store.updateHandoffSummary('', {}), StoreInputError);
        await expectRejects(store.updateHandoffSummary(queued.id, [] as never), StoreInputError);
        await expectRejects(store.updateHandoffSummary(queued.id, null as never), StoreInputError);
      });

      it('lists hand-offs by tenant, status, adviser and creation time, oldest first', async () => {
        const { store: timed, at } = await clocked('2026-03-02T09:00:00.000Z');
        const make = async (time: string, tenant: string, reason: Handoff['reason'] = 'asked') => {
          at(time);
          return timed.enqueueHandoff({ conversationId: uid('conv'), tenant, channel: 'webchat', reason, summary: {} });
        };
        // Created out of time order on purpose: the list is by creation time, not insertion.
        const h2 = await make('2026-03-02T10:00:00.000Z', 'derby');
        const h1 = await make('2026-03-01T10:00:00.000Z', 'derby', 'safeguarding');
        const h3 = await make('2026-03-03T10:00:00.000Z', 'worcestershire');
        const h4 = await make('2026-03-04T10:00:00.000Z', 'derby');
        const h5 = await make('2026-03-05T10:00:00.000Z', 'derby');
        await timed.claimHandoff(h2.id, 'adviser-1');
        await timed.claimHandoff(h3.id, 'adviser-2');
        await timed.claimHandoff(h4.id, 'adviser-1');
        await timed.closeHandoff(h4.id, 'adviser-1');
        const ids = { h1: h1.id, h2: h2.id, h3: h3.id, h4: h4.id, h5: h5.id };
        const cases: [string, HandoffFilter | undefined, (keyof typeof ids)[]][] = [
          ['no filter', undefined, ['h1', 'h2', 'h3', 'h4', 'h5']],
          ['empty filter', {}, ['h1', 'h2', 'h3', 'h4', 'h5']],
          ['tenant', { tenant: 'derby' }, ['h1', 'h2', 'h4', 'h5']],
          ['one status', { status: ['queued'] }, ['h1', 'h5']],
          ['open', { status: ['queued', 'claimed'] }, ['h1', 'h2', 'h3', 'h5']],
          ['empty status list: any', { status: [] }, ['h1', 'h2', 'h3', 'h4', 'h5']],
          ['closed', { status: ['closed'] }, ['h4']],
          ['claimed by (closed ones keep it)', { claimedBy: 'adviser-1' }, ['h2', 'h4']],
          ['claimed by, still claimed', { claimedBy: 'adviser-1', status: ['claimed'] }, ['h2']],
          ['from is inclusive', { from: new Date('2026-03-03T10:00:00.000Z') }, ['h3', 'h4', 'h5']],
          ['to is exclusive', { to: new Date('2026-03-03T10:00:00.000Z') }, ['h1', 'h2']],
          ['range and tenant', { from: new Date('2026-03-02T00:00:00Z'), to: new Date('2026-03-05T00:00:00Z'), tenant: 'derby' }, ['h2', 'h4']],
          ['limit', { limit: 2 }, ['h1', 'h2']],
          ['limit below 1 gives 1', { limit: 0 }, ['h1']],
          ['unknown tenant', { tenant: 'nowhere' }, []],
        ];
        for (const [what, filter, expected] of cases) {
          expect((await store.listHandoffs(filter)).map((h) => h.id), what).toEqual(expected.map((k) => ids[k]));
        }
        const [first] = await store.listHandoffs({ limit: 1 });
        expect(first).toEqual(await store.getHandoff(h1.id));
        expect(first?.createdAt).toBe('2026-03-01T10:00:00.000Z');
      });

      it('caps the hand-off list at 1000 by default and 10,000 at most', async () => {
        const { store: timed } = await clocked('2026-03-02T09:00:00.000Z');
        // Far more than enough to see the default cap; few enough to stay quick.
        await Promise.all(
          Array.from({ length: 1003 }, () =>
            timed.enqueueHandoff({ conversationId: uid('conv'), tenant: 'derby', channel: 'webchat', reason: 'asked', summary: {} }),
          ),
        );
        expect(await store.listHandoffs()).toHaveLength(1000);
        expect(await store.listHandoffs({ limit: 50_000 })).toHaveLength(1003);
      });

      it.each([
        ['an unknown status', { status: ['lost'] }],
        ['a status that is not a list', { status: 'queued' }],
        ['an invalid from', { from: new Date('nonsense') }],
        ['a to that is not a Date', { to: '2026-01-01' }],
        ['a tenant that is not text', { tenant: 7 }],
      ])('refuses a hand-off filter with %s', async (_what, filter) => {
        await expectRejects(store.listHandoffs(filter as never), StoreInputError);
      });
    });

    // ---- Conversations list --------------------------------------------------------------------

    describe('listing conversations', () => {
      it('lists by creation time (oldest first), tenant and channel, with a limit', async () => {
        const { store: timed, at } = await clocked('2026-02-01T00:00:00.000Z');
        const make = async (id: string, time: string, tenant: string, channel: string) => {
          at(time);
          await timed.createConversation(id, { tenant, channel });
        };
        await make('conv-b', '2026-02-01T12:00:00.000Z', 'derby', 'webchat');
        await make('conv-c', '2026-02-03T12:00:00.000Z', 'derby', 'sms');
        await make('conv-a', '2026-02-02T12:00:00.000Z', 'worcestershire', 'webchat');
        // Same creation time: by id, in byte order ('Z' before 'a').
        await make('conv-e', '2026-02-04T12:00:00.000Z', 'derby', 'webchat');
        await make('conv-D', '2026-02-04T12:00:00.000Z', 'derby', 'webchat');
        const cases: [string, ConversationFilter | undefined, string[]][] = [
          ['all', undefined, ['conv-b', 'conv-a', 'conv-c', 'conv-D', 'conv-e']],
          ['tenant', { tenant: 'derby' }, ['conv-b', 'conv-c', 'conv-D', 'conv-e']],
          ['channel', { channel: 'webchat' }, ['conv-b', 'conv-a', 'conv-D', 'conv-e']],
          ['tenant and channel', { tenant: 'derby', channel: 'sms' }, ['conv-c']],
          ['from inclusive', { from: new Date('2026-02-03T12:00:00.000Z') }, ['conv-c', 'conv-D', 'conv-e']],
          ['to exclusive', { to: new Date('2026-02-03T12:00:00.000Z') }, ['conv-b', 'conv-a']],
          ['empty range', { from: new Date('2026-02-03T00:00:00Z'), to: new Date('2026-02-03T00:00:00Z') }, []],
          ['limit', { limit: 3 }, ['conv-b', 'conv-a', 'conv-c']],
        ];
        for (const [what, filter, expected] of cases) {
          expect((await store.listConversations(filter)).map((c) => c.id), what).toEqual(expected);
        }
        expect((await store.listConversations({ tenant: 'worcestershire' }))[0]).toEqual(await store.getConversation('conv-a'));
        expect((await store.listConversations({ limit: 1 }))[0]?.createdAt).toBe('2026-02-01T12:00:00.000Z');
        await expectRejects(store.listConversations({ from: new Date(Number.NaN) }), StoreInputError);
      });
    });

    // ---- Adviser accounts ----------------------------------------------------------------------

    describe('adviser accounts', () => {
      const sam: NewAdviser = { id: 'console:sam', displayName: 'Sam Adviser', passwordHash: 'scrypt$salt$hash', role: 'adviser', tenants: ['derby'] };

      it('creates, replaces, reads, lists (by id) and deletes accounts', async () => {
        const { store: timed, at } = await clocked('2026-03-01T09:00:00.000Z');
        const created = await timed.upsertAdviser(sam);
        expect(created).toEqual({ ...sam, createdAt: '2026-03-01T09:00:00.000Z', updatedAt: '2026-03-01T09:00:00.000Z' });
        expect(await store.getAdviser(sam.id)).toEqual(created);

        at('2026-03-02T09:00:00.000Z');
        await timed.markAdviserSeen(sam.id);
        at('2026-03-03T09:00:00.000Z');
        // Replaces every field; an omitted password hash leaves the account without one.
        const updated = await timed.upsertAdviser({ id: sam.id, displayName: 'Sam A.', role: 'manager', tenants: ['derby', 'worcestershire', 'derby'] });
        expect(updated).toEqual({
          id: sam.id,
          displayName: 'Sam A.',
          role: 'manager',
          tenants: ['derby', 'worcestershire'],
          createdAt: '2026-03-01T09:00:00.000Z',
          updatedAt: '2026-03-03T09:00:00.000Z',
          lastSeenAt: '2026-03-02T09:00:00.000Z',
        });
        expect('passwordHash' in updated).toBe(false);
        expect(await store.getAdviser(sam.id)).toEqual(updated);

        await timed.upsertAdviser({ id: 'teams:b', displayName: 'B', role: 'adviser', tenants: [] });
        await timed.upsertAdviser({ id: 'console:Zed', displayName: 'Zed', role: 'adviser', tenants: [] });
        await timed.upsertAdviser({ id: 'console:alex', displayName: 'Alex', role: 'manager', tenants: [] });
        const listed = await store.listAdvisers();
        expect(listed.map((a) => a.id)).toEqual(['console:Zed', 'console:alex', 'console:sam', 'teams:b']);
        expect(listed.find((a) => a.id === 'teams:b')?.tenants).toEqual([]);

        expect(await store.deleteAdviser(sam.id)).toBe(true);
        expect(await store.deleteAdviser(sam.id)).toBe(false);
        expect(await store.getAdviser(sam.id)).toBeUndefined();
        // Unknown: nothing happens.
        await store.markAdviserSeen(sam.id);
        expect(await store.getAdviser(sam.id)).toBeUndefined();
      });

      it('counts advisers seen since a time, for a council or all', async () => {
        const { store: timed, at } = await clocked('2026-03-01T09:00:00.000Z');
        const accounts: [string, string[], string | undefined][] = [
          ['all-councils', [], '2026-03-10T09:00:00.000Z'],
          ['derby-only', ['derby'], '2026-03-09T09:00:00.000Z'],
          ['derby-worcs', ['derby', 'worcestershire'], '2026-03-08T09:00:00.000Z'],
          ['worcs-only', ['worcestershire'], '2026-03-10T09:00:00.000Z'],
          ['never-seen', ['derby'], undefined],
        ];
        for (const [id, tenants, seen] of accounts) {
          await timed.upsertAdviser({ id, displayName: id, role: 'adviser', tenants });
          if (seen) {
            at(seen);
            await timed.markAdviserSeen(id);
          }
        }
        const cases: [string, string, string | undefined, number][] = [
          ['everyone seen', '2026-03-01T00:00:00.000Z', undefined, 4],
          ['cutoff is inclusive', '2026-03-09T09:00:00.000Z', undefined, 3],
          ['derby: its own and all-council advisers', '2026-03-01T00:00:00.000Z', 'derby', 3],
          ['derby, recently', '2026-03-09T00:00:00.000Z', 'derby', 2],
          ['worcestershire', '2026-03-01T00:00:00.000Z', 'worcestershire', 3],
          ['a council nobody named: only all-council advisers', '2026-03-01T00:00:00.000Z', 'milton-keynes', 1],
          ['nobody since', '2026-03-11T00:00:00.000Z', undefined, 0],
        ];
        for (const [what, cutoff, tenant, expected] of cases) {
          expect(await store.countAdvisersSeenSince(new Date(cutoff), tenant), what).toBe(expected);
        }
        await expectRejects(store.countAdvisersSeenSince(new Date('nonsense')), StoreInputError);
      });

      it.each([
        ['an empty id', { ...sam, id: '' }],
        ['no display name', { ...sam, displayName: '' }],
        ['an unknown role', { ...sam, role: 'admin' }],
        ['tenants that are not a list', { ...sam, tenants: 'derby' }],
        ['an empty tenant', { ...sam, tenants: ['derby', ''] }],
        ['an empty password hash', { ...sam, passwordHash: '' }],
      ])('refuses an adviser with %s', async (_what, input) => {
        await expectRejects(store.upsertAdviser(input as never), StoreInputError);
        expect(await store.listAdvisers()).toEqual([]);
      });

      it('refuses empty ids when reading, deleting or marking advisers', async () => {
        await expectRejects(store.getAdviser(''), StoreInputError);
        await expectRejects(store.deleteAdviser(''), StoreInputError);
        await expectRejects(store.markAdviserSeen(''), StoreInputError);
      });
    });

    // ---- Turn outcomes -------------------------------------------------------------------------

    describe('turn outcomes', () => {
      it('stores every kind of outcome (ids and categories only) and lists them oldest first', async () => {
        const { store: timed, at } = await clocked('2026-04-01T08:00:00.000Z');
        const base = Date.parse('2026-04-01T08:00:00.000Z');
        for (const [i, outcome] of TURN_OUTCOMES.entries()) {
          at(new Date(base + i * 60_000).toISOString());
          await timed.addTurnOutcome({ conversationId: 'c1', tenant: 'derby', channel: 'webchat', outcome, topicId: i % 2 ? 'mediation' : undefined });
        }
        const all = await store.listTurnOutcomes({});
        expect(all.map((t) => t.outcome)).toEqual([...TURN_OUTCOMES]);
        expect(all[0]).toEqual({ conversationId: 'c1', tenant: 'derby', channel: 'webchat', outcome: 'answered', at: '2026-04-01T08:00:00.000Z' });
        expect(all[1]).toEqual({
          conversationId: 'c1',
          tenant: 'derby',
          channel: 'webchat',
          outcome: 'clarified',
          topicId: 'mediation',
          at: '2026-04-01T08:01:00.000Z',
        });
      });

      it('filters by time, tenant and channel', async () => {
        const { store: timed, at } = await clocked('2026-04-01T08:00:00.000Z');
        const add = async (time: string, tenant: string, channel: string, outcome: (typeof TURN_OUTCOMES)[number]) => {
          at(time);
          await timed.addTurnOutcome({ conversationId: uid('conv'), tenant, channel, outcome });
        };
        await add('2026-04-02T10:00:00.000Z', 'derby', 'webchat', 'clarified');
        await add('2026-04-01T10:00:00.000Z', 'derby', 'sms', 'answered');
        await add('2026-04-03T10:00:00.000Z', 'worcestershire', 'webchat', 'out-of-scope');
        await add('2026-04-04T10:00:00.000Z', 'derby', 'webchat', 'safeguarding');
        const cases: [string, TurnOutcomeFilter, string[]][] = [
          ['all, by time', {}, ['answered', 'clarified', 'out-of-scope', 'safeguarding']],
          ['tenant', { tenant: 'derby' }, ['answered', 'clarified', 'safeguarding']],
          ['channel', { channel: 'webchat' }, ['clarified', 'out-of-scope', 'safeguarding']],
          ['tenant and channel', { tenant: 'derby', channel: 'sms' }, ['answered']],
          ['from inclusive', { from: new Date('2026-04-03T10:00:00.000Z') }, ['out-of-scope', 'safeguarding']],
          ['to exclusive', { to: new Date('2026-04-03T10:00:00.000Z') }, ['answered', 'clarified']],
          ['range', { from: new Date('2026-04-02T00:00:00Z'), to: new Date('2026-04-04T00:00:00Z'), tenant: 'derby' }, ['clarified']],
        ];
        for (const [what, filter, expected] of cases) {
          expect((await store.listTurnOutcomes(filter)).map((t) => t.outcome), what).toEqual(expected);
        }
      });

      it.each([
        ['an unknown outcome', { conversationId: 'c', tenant: 'derby', channel: 'webchat', outcome: 'great' }],
        ['no conversation id', { conversationId: '', tenant: 'derby', channel: 'webchat', outcome: 'answered' }],
        ['no tenant', { conversationId: 'c', tenant: '', channel: 'webchat', outcome: 'answered' }],
        ['no channel', { conversationId: 'c', tenant: 'derby', outcome: 'answered' }],
        ['a topic that is not text', { conversationId: 'c', tenant: 'derby', channel: 'webchat', outcome: 'answered', topicId: 3 }],
      ])('refuses a turn outcome with %s', async (_what, input) => {
        await expectRejects(store.addTurnOutcome(input as never), StoreInputError);
        expect(await store.listTurnOutcomes({})).toEqual([]);
      });

      it('refuses a bad time range', async () => {
        await expectRejects(store.listTurnOutcomes({ from: new Date('x') }), StoreInputError);
      });
    });

    // ---- Unanswered status and time ranges -----------------------------------------------------

    describe('unanswered question status and time ranges', () => {
      it("starts unanswered questions as 'new' and marks them, counting only real changes", async () => {
        const { store: timed, at } = await clocked('2026-05-01T09:00:00.000Z');
        const u1 = await timed.addUnanswered({ tenant: 'derby', channel: 'sms', text: 'q1' });
        at('2026-05-02T09:00:00.000Z');
        const u2 = await timed.addUnanswered({ tenant: 'derby', channel: 'webchat', text: 'q2' });
        at('2026-05-03T09:00:00.000Z');
        const u3 = await timed.addUnanswered({ tenant: 'worcestershire', channel: 'webchat', text: 'q3' });
        expect([u1.status, u2.status, u3.status]).toEqual(['new', 'new', 'new']);
        expect(u1.createdAt).toBe('2026-05-01T09:00:00.000Z');

        expect(await store.markUnanswered([u1.id, u2.id, u1.id, uid('unknown')], 'added')).toBe(2);
        expect(await store.markUnanswered([u1.id, u2.id], 'added')).toBe(0);
        expect(await store.markUnanswered([u2.id], 'out-of-scope')).toBe(1);
        expect(await store.markUnanswered([], 'added')).toBe(0);

        const cases: [string, UnansweredFilter, string[]][] = [
          ['all, newest first', {}, ['q3', 'q2', 'q1']],
          ['new', { status: 'new' }, ['q3']],
          ['added', { status: 'added' }, ['q1']],
          ['out of scope', { status: 'out-of-scope' }, ['q2']],
          ['from inclusive', { from: new Date('2026-05-02T09:00:00.000Z') }, ['q3', 'q2']],
          ['to exclusive', { to: new Date('2026-05-02T09:00:00.000Z') }, ['q1']],
          ['range, tenant and status', { from: new Date('2026-05-01T00:00:00Z'), tenant: 'derby', status: 'out-of-scope' }, ['q2']],
          ['limit', { limit: 2 }, ['q3', 'q2']],
        ];
        for (const [what, filter, expected] of cases) {
          expect((await store.listUnanswered(filter)).map((u) => u.text), what).toEqual(expected);
        }
        expect((await store.listUnanswered({ status: 'added' }))[0]).toEqual({ ...u1, status: 'added' });
      });

      it.each([
        ['an unknown status', () => store.markUnanswered(['x'], 'done' as never)],
        ['ids that are not a list', () => store.markUnanswered('x' as never, 'added')],
        ['an empty id', () => store.markUnanswered(['x', ''], 'added')],
        ['a list filter with an unknown status', () => store.listUnanswered({ status: 'old' as never })],
        ['a list filter with a bad date', () => store.listUnanswered({ to: new Date('x') })],
      ])('refuses %s', async (_what, call) => {
        await expectRejects(call(), StoreInputError);
      });

      it('lists feedback and call-backs within a time range', async () => {
        const { store: timed, at } = await clocked('2026-06-01T09:00:00.000Z');
        const f1 = await timed.addFeedback({ conversationId: 'c1', topicId: 'mediation', helpful: true });
        const c1 = await timed.addCallback({ tenant: 'derby', channel: 'sms', name: 'A', contact: '07700 900300', consent: true });
        at('2026-06-02T09:00:00.000Z');
        const f2 = await timed.addFeedback({ conversationId: 'c2', topicId: 'mediation', helpful: false });
        const c2 = await timed.addCallback({ tenant: 'derby', channel: 'sms', name: 'B', contact: '07700 900301', consent: true });
        at('2026-06-03T09:00:00.000Z');
        const f3 = await timed.addFeedback({ conversationId: 'c3', helpful: true });
        const c3 = await timed.addCallback({ tenant: 'worcestershire', channel: 'webchat', name: 'C', contact: 'c@example.org', consent: true });
        await timed.markCallbackDone(c3.id, 'adviser-1');

        const feedbackCases: [string, Parameters<Store['listFeedback']>[0], string[]][] = [
          ['all', {}, [f1.id, f2.id, f3.id]],
          ['from inclusive', { from: new Date('2026-06-02T09:00:00.000Z') }, [f2.id, f3.id]],
          ['to exclusive', { to: new Date('2026-06-02T09:00:00.000Z') }, [f1.id]],
          ['range and topic', { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-04T00:00:00Z'), topicId: 'mediation' }, [f1.id, f2.id]],
        ];
        for (const [what, filter, expected] of feedbackCases) {
          expect((await store.listFeedback(filter)).map((f) => f.id), what).toEqual(expected);
        }
        const callbackCases: [string, Parameters<Store['listCallbacks']>[0], string[]][] = [
          ['all', {}, [c1.id, c2.id, c3.id]],
          ['from inclusive', { from: new Date('2026-06-02T09:00:00.000Z') }, [c2.id, c3.id]],
          ['to exclusive', { to: new Date('2026-06-02T09:00:00.000Z') }, [c1.id]],
          ['range and status', { from: new Date('2026-06-02T00:00:00Z'), status: 'open' }, [c2.id]],
          ['range and tenant', { from: new Date('2026-06-02T00:00:00Z'), tenant: 'worcestershire' }, [c3.id]],
        ];
        for (const [what, filter, expected] of callbackCases) {
          expect((await store.listCallbacks(filter)).map((c) => c.id), what).toEqual(expected);
        }
        expect((await store.listCallbacks({ from: new Date('2026-06-03T00:00:00Z') }))[0]).toMatchObject({
          createdAt: '2026-06-03T09:00:00.000Z',
          consentAt: '2026-06-03T09:00:00.000Z',
          doneAt: '2026-06-03T09:00:00.000Z',
        });
        await expectRejects(store.listCallbacks({ status: 'closed' as never }), StoreInputError);
        await expectRejects(store.listFeedback({ from: 'yesterday' as never }), StoreInputError);
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
        await old.addTurnOutcome({ conversationId: oldConv, tenant: 'derby', channel: 'webchat', outcome: 'answered', topicId: 'mediation' });
        await old.addTurnOutcome({ conversationId: spanning, tenant: 'derby', channel: 'webchat', outcome: 'handed-off' });
        await old.upsertAdviser({ id: 'console:old', displayName: 'Old Adviser', role: 'adviser', tenants: [] });
        await old.markAdviserSeen('console:old');
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
        await store.addTurnOutcome({ conversationId: spanning, tenant: 'derby', channel: 'webchat', outcome: 'deadline' });

        const counts = await store.purgeOlderThan(new Date(realNow - 30 * DAY));
        expect(counts).toEqual({
          activities: 2,
          conversations: 1,
          state: 1,
          callbacks: 1,
          feedback: 1,
          unanswered: 1,
          handoffs: 1,
          turnOutcomes: 2,
        });
        expect((await store.listTurnOutcomes({})).map((t) => t.outcome)).toEqual(['deadline']);
        // Adviser accounts are staff data, not people's: retention leaves them (and their last visit).
        expect((await store.getAdviser('console:old'))?.lastSeenAt).toBe(new Date(realNow - 40 * DAY).toISOString());

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
          turnOutcomes: 0,
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
        const handoff = await target.enqueueHandoff({
          conversationId: c1,
          tenant,
          channel: 'webchat',
          reason: 'asked',
          summary: { who: userId },
          reference: { conversation: { id: c1 }, serviceUrl: 'https://webchat.example/', user: { id: userId } },
        });
        const callback = await target.addCallback({ tenant, channel: 'webchat', conversationId: c2, name: userId, contact: `${userId}@example.org`, consent: true });
        const byUser = await target.addCallback({ tenant, channel: 'sms', userId, name: userId, contact: '07700 900002', consent: true });
        const feedback = await target.addFeedback({ conversationId: c1, helpful: true, comment: userId });
        await target.addTurnOutcome({ conversationId: c1, tenant, channel: 'webchat', outcome: 'answered', topicId: 'mediation' });
        await target.addTurnOutcome({ conversationId: c2, tenant, channel: 'webchat', outcome: 'handed-off' });
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
        expect(byUser.handoffs[0]?.reference).toEqual({ conversation: { id: a.c1 }, serviceUrl: 'https://webchat.example/', user: { id: 'user-a' } });
        expect(byUser.turnOutcomes.map((t) => [t.conversationId, t.outcome])).toEqual([
          [a.c1, 'answered'],
          [a.c2, 'handed-off'],
        ]);
        expect(JSON.stringify(byUser)).not.toContain('user-b');

        const byConversation = await store.exportPerson(a.c2);
        expect(byConversation.conversations.map((c) => c.id).sort()).toEqual([a.c1, a.c2].sort());
        expect(JSON.stringify(byConversation)).not.toContain('user-b');
        expect(b.c1).not.toBe(a.c1);
      });

      it("deletes one person's data and leaves everyone else's", async () => {
        const a = await seedPerson(store, 'user-a', 'derby');
        const b = await seedPerson(store, 'user-b', 'derby');
        await store.upsertAdviser({ id: 'user-a', displayName: 'Staff who shares the id', role: 'adviser', tenants: [] });
        const before = await store.exportPerson('user-b');
        const counts = await store.deletePerson('user-a');
        expect(counts).toEqual({ conversations: 2, activities: 2, state: 3, handoffs: 1, callbacks: 2, feedback: 1, turnOutcomes: 2 });
        const after = await store.exportPerson('user-a');
        expect(after).toMatchObject({ conversations: [], activities: [], state: [], handoffs: [], callbacks: [], feedback: [], turnOutcomes: [] });
        expect(after).not.toHaveProperty('advisers');
        // Adviser accounts are staff data: never part of a person's deletion.
        expect(await store.getAdviser('user-a')).toBeDefined();
        expect(await store.conversationExists(a.c1)).toBe(false);
        expect(await store.getHandoff(a.handoff.id)).toBeUndefined();
        const untouched = await store.exportPerson('user-b');
        expect({ ...untouched, exportedAt: '' }).toEqual({ ...before, exportedAt: '' });
        expect(await store.getHandoff(b.handoff.id)).toBeDefined();
        expect(await store.deletePerson('user-a')).toEqual({
          conversations: 0,
          activities: 0,
          state: 0,
          handoffs: 0,
          callbacks: 0,
          feedback: 0,
          turnOutcomes: 0,
        });
        // By a conversation id: the person found through it loses the outcomes of all their conversations.
        const c = await seedPerson(store, 'user-c', 'derby');
        expect((await store.deletePerson(c.c2)).turnOutcomes).toBe(2);
        expect((await store.exportPerson(c.c1)).turnOutcomes).toEqual([]);
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
