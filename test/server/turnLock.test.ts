import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemoryActivityLog } from '../../src/channels/directline/activityLog';
import { DirectLineAdapter } from '../../src/channels/directline/adapter';
import { postgresTurnLock, type ClosableTurnLock } from '../../src/channels/directline/turnLock';
import { freshSchema, postgresTarget, sleep } from './helpers';

/** The per-conversation PostgreSQL advisory lock that keeps instances' turns from overlapping. */

const target = await postgresTarget();
if (target.skip) console.warn(`[turnLock.test] skipped: ${target.skip}`);

describe.skipIf(target.skip !== undefined)('the PostgreSQL turn lock', () => {
  // The schema only names the lock space here; no tables are made.
  const schema = freshSchema('turnlock_test');
  const locks: ClosableTurnLock[] = [];
  let one: ClosableTurnLock;
  let two: ClosableTurnLock;

  function lock(waitTimeoutMs?: number): ClosableTurnLock {
    const made = postgresTurnLock({ connectionString: target.url!, schema, waitTimeoutMs });
    locks.push(made);
    return made;
  }

  beforeAll(() => {
    one = lock();
    two = lock();
  });

  afterAll(async () => {
    await Promise.all(locks.map((l) => l.close()));
  });

  it('lets one turn of a conversation run at a time across instances, other conversations alongside', async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const turn = (name: string) => async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(30);
      order.push(name);
      running -= 1;
      return name;
    };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).run('conversation-x', turn(`x${i}`))));
    expect(results).toHaveLength(10);
    expect(most).toBe(1);
    expect(new Set(order).size).toBe(10);

    // Different conversations do not wait for each other.
    let together = 0;
    let peak = 0;
    const parallel = async () => {
      together += 1;
      peak = Math.max(peak, together);
      await sleep(100);
      together -= 1;
    };
    await Promise.all([one.run('conversation-y', parallel), two.run('conversation-z', parallel)]);
    expect(peak).toBe(2);
  });

  it('releases the lock when a turn fails', async () => {
    await expect(one.run('conversation-f', async () => { throw new Error('turn failed'); })).rejects.toThrow('turn failed');
    await expect(two.run('conversation-f', async () => 'next')).resolves.toBe('next');
  });

  it('gives up waiting after waitTimeoutMs, and the adapter apologises instead of running the turn', async () => {
    const impatient = lock(200);
    let release!: () => void;
    const held = one.run('conversation-w', () => new Promise<void>((resolve) => { release = resolve; }));
    await sleep(100);

    const log = new InMemoryActivityLog();
    await log.create('conversation-w', { tenant: 'generic' });
    const logger = { error: vi.fn() };
    const adapter = new DirectLineAdapter({ log, botId: 'bot', botName: 'Bot', logger, turnLock: impatient.run });
    const logic = vi.fn(async () => undefined);
    await adapter.processActivity({ type: 'message', text: 'secret words', conversation: { id: 'conversation-w' } as never, from: { id: 'u' } as never }, logic);
    expect(logic).not.toHaveBeenCalled();
    const page = await log.since('conversation-w');
    expect(page.activities.map((a) => a.text)).toEqual([expect.stringContaining('Sorry, something went wrong')]);
    expect(JSON.stringify(logger.error.mock.calls)).not.toContain('secret words');

    release();
    await held;
    await expect(impatient.run('conversation-w', async () => 'free again')).resolves.toBe('free again');
  });

  it('refuses new turns once closed', async () => {
    const closing = lock();
    await closing.close();
    await expect(closing.run('conversation-c', async () => 'never')).rejects.toThrow('closed');
  });
});
