/**
 * A fixed-window request counter per key (a client IP address), kept in memory: each instance
 * counts its own requests, which is enough to stop one address minting conversations in bulk.
 */

export interface RateLimitOptions {
  /** Requests allowed per key in each window. */
  max: number;
  windowSeconds: number;
  /** Keys remembered at once; the oldest window is forgotten beyond this. Default 50,000. */
  maxKeys?: number;
  /** Milliseconds since the epoch; for tests. */
  now?: () => number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Window {
  startedAt: number;
  count: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: RateLimitOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new Error('A rate limit needs a positive whole number of requests');
    if (!(options.windowSeconds > 0)) throw new Error('A rate limit needs a positive window');
    this.max = options.max;
    this.windowMs = options.windowSeconds * 1000;
    this.maxKeys = options.maxKeys ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  /** Counts one request for `key` and says whether it may go ahead. */
  take(key: string): RateLimitDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMs) {
      this.windows.delete(key);
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
      this.forgetOldest(now);
    }
    if (window.count >= this.max) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000)) };
    }
    window.count += 1;
    return { allowed: true };
  }

  /** Map order is insertion order, and a key is re-inserted when its window starts: oldest first. */
  private forgetOldest(now: number): void {
    for (const [key, window] of this.windows) {
      if (this.windows.size <= this.maxKeys && now - window.startedAt < this.windowMs) break;
      this.windows.delete(key);
    }
  }
}
