import { errorFields, log } from '../log';
import type { PurgeCounts, Store } from './store';

export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_RETENTION_EVERY_HOURS = 6;

export interface RetentionOptions {
  /** Keep this many days; older data is purged. Default 30. */
  days?: number;
  /** How often to purge. Default every 6 hours. */
  everyHours?: number;
  /** Purge once straight away as well (default true). */
  runAtStart?: boolean;
  now?: () => Date;
  /** Called after each successful purge (metrics, tests). */
  onPurged?: (counts: PurgeCounts, cutoff: Date) => void;
}

export interface RetentionJob {
  /** Purges now (waits for a run already under way rather than starting a second one). */
  runNow(): Promise<PurgeCounts | undefined>;
  stop(): void;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

/**
 * Runs `store.purgeOlderThan(now - days)` every `everyHours` hours. The timer is unref'd, so it
 * never keeps the process alive; runs never overlap; a failed run is logged (counts and error
 * kind only) and the next one tries again.
 */
export function startRetention(store: Pick<Store, 'purgeOlderThan'>, options: RetentionOptions = {}): RetentionJob {
  const days = positive(options.days, DEFAULT_RETENTION_DAYS, 'days');
  const everyMs = positive(options.everyHours, DEFAULT_RETENTION_EVERY_HOURS, 'everyHours') * HOUR_MS;
  const now = options.now ?? (() => new Date());
  let running: Promise<PurgeCounts | undefined> | undefined;
  let stopped = false;

  const run = (): Promise<PurgeCounts | undefined> => {
    if (running) return running;
    const cutoff = new Date(now().getTime() - days * DAY_MS);
    running = store
      .purgeOlderThan(cutoff)
      .then((counts) => {
        log.info('store.retention_purged', { days, ...counts });
        options.onPurged?.(counts, cutoff);
        return counts;
      })
      .catch((error: unknown) => {
        log.error('store.retention_failed', { days, ...errorFields(error) });
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => {
    if (!stopped) void run();
  }, everyMs);
  timer.unref();
  let first: NodeJS.Timeout | undefined;
  if (options.runAtStart ?? true) {
    first = setTimeout(() => {
      if (!stopped) void run();
    }, 0);
    first.unref();
  }

  return {
    runNow: run,
    stop: () => {
      stopped = true;
      clearInterval(timer);
      if (first) clearTimeout(first);
    },
  };
}
