import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WS from 'ws';
import type { ActivityPage, StoredActivity } from '../../src/channels/directline/activityLog';
import { APPEND_NOTICE_CHANNEL, StoreActivityLog } from '../../src/channels/directline/storeActivityLog';
import { DirectLineStreams } from '../../src/channels/directline/streams';
import { ConversationTokens } from '../../src/channels/directline/tokens';
import { configureLog } from '../../src/log';
import { PostgresStore } from '../../src/store/postgresStore';
import { SqliteStore } from '../../src/store/sqliteStore';
import type { Store } from '../../src/store/store';
import { dropSchema, freshSchema, postgresTarget } from '../server/helpers';

/**
 * An activity appended in this process goes straight to the streams that have everything before
 * it, without reading it back from the log; every other stream reads the log. Either way each
 * stream gets every activity exactly once, in order, on SQLite and on PostgreSQL, with a second
 * instance appending to the same conversations.
 */

const SECRET = 'fast-path-test-secret-0123456789abcdef-0123456789';

const target = await postgresTarget();
if (target.skip) console.warn(`[directlineStreamsFastPath.test] PostgreSQL cases skipped: ${target.skip}`);

const kinds = [
  { name: 'SQLite', skip: false },
  { name: 'PostgreSQL', skip: target.skip !== undefined },
] as const;

interface Frame {
  activities: StoredActivity[];
  watermark: string;
}

interface Stream {
  socket: WS;
  frames: Frame[];
  seqs(): number[];
  waitForSeq(seq: number, timeoutMs?: number): Promise<void>;
}

function seqOf(activity: { id: string }): number {
  return Number(activity.id.split('|').pop());
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

for (const kind of kinds) {
  describe.skipIf(kind.skip)(`Direct Line streams on the ${kind.name} store`, () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'send-fastpath-'));
    const schema = freshSchema('fastpath_test');
    const tokens = new ConversationTokens({ secret: SECRET, ttlSeconds: 600 });
    let here: Store;
    let elsewhere: Store;
    /** This instance's log, whose streams are tested. */
    let log: StoreActivityLog;
    /** Another instance's log on the same database: its appends reach this one only as notices. */
    let other: StoreActivityLog;
    let streams: DirectLineStreams;
    let server: Server;
    let ws: string;
    const opened: WS[] = [];

    async function openStore(): Promise<Store> {
      return kind.name === 'SQLite'
        ? SqliteStore.open({ dataDir })
        : PostgresStore.open({ connectionString: target.url!, schema, poolSize: 4 });
    }

    beforeAll(async () => {
      configureLog('silent');
      here = await openStore();
      elsewhere = await openStore();
      log = new StoreActivityLog(here);
      other = new StoreActivityLog(elsewhere);
      // Keep-alives (and their re-reads) out of the way: only appends make streams read here.
      streams = new DirectLineStreams({ log, tokens, keepAliveMs: 60_000 });
      server = createServer((_req, res) => res.writeHead(404).end());
      streams.attach(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      ws = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterEach(() => {
      vi.restoreAllMocks();
      for (const socket of opened.splice(0)) socket.terminate();
    });

    afterAll(async () => {
      await streams?.close();
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      await here?.close();
      await elsewhere?.close();
      if (kind.name === 'PostgreSQL') await dropSchema(target.url!, schema);
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function conversation(): Promise<string> {
      const id = randomUUID();
      await log.create(id, { tenant: 'derby' });
      return id;
    }

    function say(on: StoreActivityLog, conversationId: string, text: string): Promise<StoredActivity> {
      return on.append(conversationId, { type: 'message', text, from: { id: 'r_person', role: 'user' } as never });
    }

    function openStream(conversationId: string, watermark?: number): Promise<Stream> {
      const query = `t=${encodeURIComponent(tokens.issue(conversationId, 'derby').token)}${watermark === undefined ? '' : `&watermark=${watermark}`}`;
      const socket = new WS(`${ws}/v3/directline/conversations/${conversationId}/stream?${query}`);
      opened.push(socket);
      const stream: Stream = {
        socket,
        frames: [],
        seqs: () => stream.frames.flatMap((frame) => frame.activities.map(seqOf)),
        async waitForSeq(seq, timeoutMs = 5000) {
          const deadline = Date.now() + timeoutMs;
          while (!stream.seqs().includes(seq)) {
            if (Date.now() > deadline) throw new Error(`no activity ${seq}; got ${JSON.stringify(stream.seqs())}`);
            await sleep(10);
          }
        },
      };
      socket.on('message', (data) => {
        const text = data.toString();
        if (text !== '') stream.frames.push(JSON.parse(text) as Frame);
      });
      return new Promise((resolve, reject) => {
        socket.once('open', () => resolve(stream));
        socket.once('error', reject);
      });
    }

    /** Each frame's watermark is its last activity's sequence number. */
    function expectWatermarksMatch(stream: Stream): void {
      for (const frame of stream.frames) expect(frame.watermark).toBe(String(seqOf(frame.activities.at(-1)!)));
    }

    it('sends an activity appended here straight to a stream that has everything before it, without reading the log', async () => {
      const id = await conversation();
      await say(log, id, 'one');
      const stream = await openStream(id);
      await stream.waitForSeq(1);

      const since = vi.spyOn(log, 'since');
      await say(log, id, 'two');
      await say(log, id, 'three');
      await stream.waitForSeq(3);
      // Long enough for the announcements of 2 and 3 to come back (through PostgreSQL's NOTIFY).
      await sleep(200);
      expect(since).not.toHaveBeenCalled();

      expect(stream.frames.map((frame) => frame.watermark)).toEqual(['1', '2', '3']);
      expect(stream.frames.map((frame) => frame.activities.map((a) => a.text))).toEqual([['one'], ['two'], ['three']]);
      // The same frame as a read of the log would have sent.
      vi.restoreAllMocks();
      const read = await log.since(id, 1);
      expect(stream.frames.slice(1)).toEqual(read.activities.map((activity) => ({ activities: [activity], watermark: String(seqOf(activity)) })));
    });

    it('still announces each append to the other instances, and reads what they append', async () => {
      const id = await conversation();
      const notices: unknown[] = [];
      const unsubscribe = await elsewhere.subscribe(APPEND_NOTICE_CHANNEL, (payload) => notices.push(payload));
      try {
        const stream = await openStream(id);
        await say(log, id, 'from here');
        await stream.waitForSeq(1);
        await vi.waitFor(() => expect(notices).toContainEqual({ c: id, s: 1 }));

        const since = vi.spyOn(log, 'since');
        await say(other, id, 'from elsewhere');
        await stream.waitForSeq(2);
        expect(since).toHaveBeenCalledWith(id, 1);
        expect(stream.seqs()).toEqual([1, 2]);
      } finally {
        await unsubscribe();
      }
    });

    it('delivers appends in quick succession exactly once and in order, here and elsewhere, also while reads are under way', async () => {
      const id = await conversation();
      await say(log, id, 'first');
      await say(log, id, 'second');
      const upToDate = await openStream(id);
      await upToDate.waitForSeq(2);

      // Slow reads, so appends land while a stream's read is in flight.
      const read = log.since.bind(log);
      vi.spyOn(log, 'since').mockImplementation(async (conversationId, watermark): Promise<ActivityPage> => {
        await sleep(30);
        return read(conversationId, watermark);
      });
      // Clients reconnecting, with an older watermark and with the latest: their first reads are
      // under way as the appends come, so the activity after that watermark must not go directly too.
      const reconnected = await openStream(id, 1);
      const caughtUp = await openStream(id, 2);
      const appends = range(1, 30).map((n) => say(n % 7 === 0 ? other : log, id, `burst ${n}`));
      await Promise.all(appends);
      await upToDate.waitForSeq(32);
      await reconnected.waitForSeq(32);
      await caughtUp.waitForSeq(32);
      await sleep(200);

      expect(upToDate.seqs()).toEqual(range(1, 32));
      expect(reconnected.seqs()).toEqual(range(2, 32));
      expect(caughtUp.seqs()).toEqual(range(3, 32));
      for (const stream of [upToDate, reconnected, caughtUp]) expectWatermarksMatch(stream);
      const texts = upToDate.frames.flatMap((frame) => frame.activities.map((a) => a.text));
      expect(new Set(texts).size).toBe(32);
    });

    it('gives a stream that reconnects with an older watermark what it missed once, then the rest as it comes', async () => {
      const id = await conversation();
      const first = await openStream(id);
      for (const text of ['a', 'b', 'c']) await say(log, id, text);
      await first.waitForSeq(3);
      first.socket.close();
      await once(first.socket, 'close');

      await say(log, id, 'd');
      await say(other, id, 'e');
      const again = await openStream(id, 2);
      await again.waitForSeq(5);
      await say(log, id, 'f');
      await say(log, id, 'g');
      await again.waitForSeq(7);
      await sleep(100);

      expect(first.seqs()).toEqual([1, 2, 3]);
      expect(again.frames[0]).toMatchObject({ watermark: '5' });
      expect(again.frames[0]!.activities.map((a) => a.text)).toEqual(['c', 'd', 'e']);
      expect(again.seqs()).toEqual([3, 4, 5, 6, 7]);
      expectWatermarksMatch(again);
    });
  });
}
