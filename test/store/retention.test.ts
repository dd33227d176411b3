import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configureLog } from '../../src/log';
import { startRetention, type RetentionJob } from '../../src/store/retention';
import type { PurgeCounts } from '../../src/store/store';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const counts: PurgeCounts = { activities: 1, conversations: 0, state: 0, callbacks: 0, feedback: 0, unanswered: 0, handoffs: 0, turnOutcomes: 2 };

describe('retention scheduler', () => {
  let job: RetentionJob | undefined;
  const lines: string[] = [];

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
    lines.length = 0;
    configureLog('info', (line) => lines.push(line));
  });

  afterEach(() => {
    job?.stop();
    job = undefined;
    vi.useRealTimers();
    configureLog('silent');
  });

  it('purges data older than 30 days by default, at start and then every N hours', async () => {
    const cutoffs: Date[] = [];
    const store = { purgeOlderThan: vi.fn(async (cutoff: Date) => (cutoffs.push(cutoff), counts)) };
    job = startRetention(store, { everyHours: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(cutoffs.map((d) => d.toISOString())).toEqual(['2026-01-30T12:00:00.000Z']);
    await vi.advanceTimersByTimeAsync(2 * HOUR - 1);
    expect(cutoffs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(cutoffs).toHaveLength(2);
    expect(cutoffs[1]!.getTime()).toBe(Date.parse('2026-03-01T14:00:00Z') - 30 * DAY);
    await vi.advanceTimersByTimeAsync(4 * HOUR);
    expect(cutoffs).toHaveLength(4);
    job.stop();
    await vi.advanceTimersByTimeAsync(10 * HOUR);
    expect(cutoffs).toHaveLength(4);
    expect(lines.some((line) => line.includes('"event":"store.retention_purged"') && line.includes('"activities":1'))).toBe(true);
    expect(lines.some((line) => line.includes('"event":"store.retention_purged"') && line.includes('"turnOutcomes":2'))).toBe(true);
  });

  it('uses the configured number of days and never keeps the process alive', () => {
    const unref = vi.spyOn(globalThis, 'setInterval');
    const store = { purgeOlderThan: vi.fn(async () => counts) };
    job = startRetention(store, { days: 7, runAtStart: false });
    const timer = unref.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    unref.mockRestore();
    expect(store.purgeOlderThan).not.toHaveBeenCalled();
    return job.runNow().then((result) => {
      expect(result).toEqual(counts);
      expect(store.purgeOlderThan).toHaveBeenCalledWith(new Date(Date.parse('2026-03-01T12:00:00Z') - 7 * DAY));
    });
  });

  it('does not overlap runs and survives a failing purge', async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const store = {
      purgeOlderThan: vi.fn(() => {
        calls += 1;
        if (calls === 1) return new Promise<PurgeCounts>((resolve) => (release = () => resolve(counts)));
        if (calls === 2) return Promise.reject(new Error('database down'));
        return Promise.resolve(counts);
      }),
    };
    job = startRetention(store, { runAtStart: false, everyHours: 1 });
    const first = job.runNow();
    const second = job.runNow();
    expect(second).toBe(first);
    release!();
    expect(await first).toEqual(counts);
    expect(await job.runNow()).toBeUndefined();
    expect(lines.some((line) => line.includes('store.retention_failed'))).toBe(true);
    expect(await job.runNow()).toEqual(counts);
    expect(calls).toBe(3);
  });

  it('refuses nonsense settings', () => {
    const store = { purgeOlderThan: vi.fn(async () => counts) };
    expect(() => startRetention(store, { days: 0 })).toThrow(RangeError);
    expect(() => startRetention(store, { everyHours: -1 })).toThrow(RangeError);
  });
});
