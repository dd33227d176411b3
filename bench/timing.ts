/** Per-message latency in microseconds, measured with process.hrtime.bigint(). */

export interface Latency {
  samples: number;
  p50_us: number;
  p99_us: number;
  mean_us: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function summarise(samplesUs: number[]): Latency {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length);
  return {
    samples: sorted.length,
    p50_us: round1(percentile(sorted, 50)),
    p99_us: round1(percentile(sorted, 99)),
    mean_us: round1(mean),
  };
}

/** Times `fn` on each text once, appending each duration (µs) to `into`; returns the results in order. */
export function timeEach<T>(texts: readonly string[], fn: (text: string) => T, into: number[]): T[] {
  const out: T[] = [];
  for (const text of texts) {
    const start = process.hrtime.bigint();
    const result = fn(text);
    const end = process.hrtime.bigint();
    into.push(Number(end - start) / 1000);
    out.push(result);
  }
  return out;
}

export async function timeEachAsync<T>(texts: readonly string[], fn: (text: string) => Promise<T>, into: number[]): Promise<T[]> {
  const out: T[] = [];
  for (const text of texts) {
    const start = process.hrtime.bigint();
    const result = await fn(text);
    const end = process.hrtime.bigint();
    into.push(Number(end - start) / 1000);
    out.push(result);
  }
  return out;
}

export function msSince(start: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;
}
