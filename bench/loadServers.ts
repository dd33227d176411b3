/**
 * The servers `npm run bench` measures, each in a child process of its own (so its memory and CPU
 * are its own): the real assistant (`src/server.ts`, as `npm start` runs it but without tsx's
 * supervising process), the echo bot behind the same Direct Line code, and a bare express app.
 * Only ever on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const HOST = '127.0.0.1';
const TOKEN_SECRET = 'bench-load-secret-0123456789abcdef-0123456789abcdef';

export type ServerKind = 'assistant' | 'echo' | 'express';
export type StoreKind = 'sqlite' | 'postgres';

const ENTRY: Record<ServerKind, string> = {
  assistant: 'src/server.ts',
  echo: 'bench/loadEchoServer.ts',
  express: 'bench/loadExpressServer.ts',
};

export interface StoreTarget {
  kind: StoreKind;
  /** PostgreSQL only. */
  url?: string;
}

export interface LogSummary {
  /** Log lines at warn or error, counted by level and event (the assistant logs ids and counts only). */
  events: Record<string, number>;
  /** Lines on stderr, and any stdout line that is not a JSON log line (first few kept). */
  otherLines: number;
  samples: string[];
}

export interface HeapAfterGc {
  heap_used_mb: number;
  heap_total_mb: number;
  external_mb: number;
  array_buffers_mb: number;
  rss_mb: number;
}

export class RunningServer {
  readonly base: string;
  startupMs = 0;
  private readonly logs: LogSummary = { events: {}, otherLines: 0, samples: [] };
  private exited = false;
  private exitCode: number | string | null = null;
  /** Requests to the bench-only heap probe, numbered to match replies. */
  private probeRequests = 0;

  constructor(
    readonly kind: ServerKind,
    readonly child: ChildProcess,
    readonly port: number,
    /** process.hrtime.bigint() just before spawn. */
    readonly spawnedAt: bigint,
    private readonly cleanup: () => Promise<void>,
  ) {
    this.base = `http://${HOST}:${port}`;
    child.once('exit', (code, signal) => {
      this.exited = true;
      this.exitCode = code ?? signal;
    });
    let pending = { out: '', err: '' };
    const take = (stream: 'out' | 'err', chunk: Buffer) => {
      pending[stream] += chunk.toString();
      const lines = pending[stream].split('\n');
      pending[stream] = lines.pop() ?? '';
      for (const line of lines) this.record(line, stream);
      if (pending[stream].length > 64 * 1024) pending = { ...pending, [stream]: '' };
    };
    child.stdout?.on('data', (chunk: Buffer) => take('out', chunk));
    child.stderr?.on('data', (chunk: Buffer) => take('err', chunk));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get exitStatus(): number | string | null {
    return this.exitCode;
  }

  /** Snapshot of warn/error log events so far; `since` subtracts an earlier snapshot. */
  logSummary(since?: LogSummary): LogSummary {
    const events: Record<string, number> = {};
    for (const [key, count] of Object.entries(this.logs.events)) {
      const delta = count - (since?.events[key] ?? 0);
      if (delta > 0) events[key] = delta;
    }
    return {
      events,
      otherLines: this.logs.otherLines - (since?.otherLines ?? 0),
      samples: this.logs.samples.slice(since?.samples.length ?? 0),
    };
  }

  private record(line: string, stream: 'out' | 'err'): void {
    const text = line.trim();
    if (!text) return;
    if (stream === 'out' && text.startsWith('{')) {
      try {
        const entry = JSON.parse(text) as { level?: string; event?: string; errorName?: string; error?: string };
        if (entry.level === 'warn' || entry.level === 'error') {
          const key = `${entry.level}:${entry.event ?? '?'}${entry.errorName ? `/${entry.errorName}` : entry.error ? `/${entry.error}` : ''}`;
          this.logs.events[key] = (this.logs.events[key] ?? 0) + 1;
        }
        return;
      } catch {
        // not a log line: counted below
      }
    }
    if (stream === 'out' && /ready: web chat at/.test(text)) return;
    this.logs.otherLines += 1;
    if (this.logs.samples.length < 20) this.logs.samples.push(`${stream}: ${text.slice(0, 300)}`);
  }

  /** Resident set size and its peak, from /proc (MiB). */
  memory(): { rss_mb: number; hwm_mb: number } {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      return { rss_mb: round1(kb('VmRSS') / 1024), hwm_mb: round1(kb('VmHWM') / 1024) };
    } catch {
      return { rss_mb: NaN, hwm_mb: NaN };
    }
  }

  /**
   * The server's heap after a forced full GC (MiB), from the bench-only probe (start it with
   * `heapProbe: true`); NaN figures when the probe is not there or does not answer in time.
   */
  async heapAfterGc(timeoutMs = 30_000): Promise<HeapAfterGc> {
    const reply = await this.ask({ type: 'heap' }, timeoutMs);
    const figure = (key: string) => (typeof reply?.[key] === 'number' ? (reply[key] as number) : NaN);
    return {
      heap_used_mb: reply?.gc === true ? figure('heap_used_mb') : NaN,
      heap_total_mb: figure('heap_total_mb'),
      external_mb: figure('external_mb'),
      array_buffers_mb: figure('array_buffers_mb'),
      rss_mb: figure('rss_mb'),
    };
  }

  /** Writes a V8 heap snapshot (after a full GC) to `file`, through the bench-only probe. */
  async heapSnapshot(file: string, timeoutMs = 120_000): Promise<string> {
    const reply = await this.ask({ type: 'snapshot', file }, timeoutMs);
    if (!reply) throw new Error('the heap probe did not answer');
    if (typeof reply.error === 'string') throw new Error(`heap snapshot failed: ${reply.error}`);
    return String(reply.file);
  }

  private ask(request: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
    const child = this.child;
    if (this.exited || typeof child.send !== 'function' || !child.connected) return Promise.resolve(undefined);
    const id = ++this.probeRequests;
    return new Promise((resolve) => {
      const done = (reply: Record<string, unknown> | undefined) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(reply);
      };
      const onMessage = (message: unknown) => {
        const reply = message as Record<string, unknown> | null;
        if (reply && typeof reply === 'object' && reply.id === id) done(reply);
      };
      const onExit = () => done(undefined);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ ...request, id }, (error) => {
        if (error) done(undefined);
      });
    });
  }

  /** CPU time (user + system) the process has used, in milliseconds, from /proc. */
  cpuMs(): number {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the command name (which is in parentheses and may hold spaces).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
      return (ticks * 1000) / CLOCK_TICKS;
    } catch {
      return NaN;
    }
  }

  /** SIGTERM (graceful), then SIGKILL after `graceMs`; then removes its data. Only this child. */
  async stop(graceMs = 8000): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!this.exited) this.child.kill('SIGKILL');
      }, graceMs);
      await gone;
      clearTimeout(timer);
    }
    await this.cleanup();
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills (by handle) whatever children are still running when the benchmark exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  kind: ServerKind;
  store?: StoreTarget;
  /** A PostgreSQL schema made for this server and dropped when it stops. */
  schema?: string;
  timeoutMs?: number;
  /** Extra node flags, e.g. `--cpu-prof` to see where a server's time goes. */
  nodeArgs?: string[];
  /**
   * Bench only: start with `--expose-gc`, the preload bench/loadHeapProbe.ts and an IPC channel,
   * so that `heapAfterGc()` and `heapSnapshot()` work. Nothing of it is reachable over HTTP.
   */
  heapProbe?: boolean;
}

/**
 * Spawns the server and polls GET /healthz every 10 ms; `startupMs` is from spawn to the first
 * 200 (which for the assistant includes loading tsx, the knowledge and the store's migrations).
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  installExitHook();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), `send-bench-${options.kind}-`));
  const env: NodeJS.ProcessEnv = {
    // Built from scratch, so a DATABASE_URL in the benchmark's environment cannot reach the SQLite run.
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST,
    LOG_LEVEL: 'warn',
    KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
    DATA_DIR: dataDir,
    DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
    // Every simulated visitor comes from 127.0.0.1: the per-address limits would otherwise refuse them.
    WEBCHAT_TOKEN_LIMIT: '100000',
    WEBCHAT_TOKEN_LIMIT_WINDOW_SECONDS: '600',
    DIRECTLINE_STREAMS_PER_IP: '100000',
    // Teams/Azure Bot Service is not measured; production refuses it without an App ID.
    BOT_SERVICE_ENABLED: 'false',
  };
  if (options.store?.kind === 'postgres') {
    env.DATABASE_URL = options.store.url;
    env.DATABASE_SCHEMA = options.schema;
  }
  const spawnedAt = process.hrtime.bigint();
  const probeArgs = options.heapProbe ? ['--expose-gc'] : [];
  const probeImport = options.heapProbe ? ['--import', pathToFileURL(path.join(REPO_ROOT, 'bench/loadHeapProbe.ts')).href] : [];
  const child = spawn(process.execPath, [...probeArgs, ...(options.nodeArgs ?? []), '--import', 'tsx', ...probeImport, ENTRY[options.kind]], {
    cwd: REPO_ROOT,
    env,
    stdio: options.heapProbe ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const cleanup = async () => {
    children.delete(child);
    rmSync(dataDir, { recursive: true, force: true });
    if (options.store?.kind === 'postgres' && options.store.url && options.schema) {
      await dropSchema(options.store.url, options.schema).catch(() => undefined);
    }
  };
  const server = new RunningServer(options.kind, child, port, spawnedAt, cleanup);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (!server.alive) break;
    try {
      const response = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) {
        server.startupMs = Math.round(Number(process.hrtime.bigint() - server.spawnedAt) / 1e5) / 10;
        return server;
      }
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
  const logs = server.logSummary();
  await server.stop(1000);
  throw new Error(
    `The ${options.kind} server did not answer /healthz (${server.exitStatus === null ? 'timed out' : `exited ${server.exitStatus}`}): ${logs.samples.join(' | ')}`,
  );
}

// ---- PostgreSQL ----------------------------------------------------------------------------------

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** DATABASE_URL when set, else the local default; a reason to skip when it does not answer. */
export async function postgresTarget(): Promise<{ url: string } | { skip: string }> {
  const fromEnv = process.env.DATABASE_URL?.trim();
  const url = fromEnv && /^postgres(ql)?:\/\//i.test(fromEnv) ? fromEnv : DEFAULT_PG_URL;
  const host = safeHost(url);
  if (host !== undefined && !isLoopback(host)) {
    return { skip: `DATABASE_URL points at ${host}, not this machine: the benchmark only talks to 127.0.0.1` };
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url };
  } catch (error) {
    return { skip: `no PostgreSQL at ${fromEnv ? 'DATABASE_URL' : DEFAULT_PG_URL} (${(error as Error).message})` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function freshSchema(label: string): string {
  return `bench_${label}_${process.pid}_${randomBytes(4).toString('hex')}`.slice(0, 40);
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,39}$/.test(schema)) throw new Error('bad schema name');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function safeHost(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.hostname) return parsed.hostname.replace(/^\[|\]$/g, '');
    return new URLSearchParams(parsed.search).get('host') ?? undefined; // a Unix socket: local
  } catch {
    return undefined;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host) || host.startsWith('/');
}

// ---- helpers -------------------------------------------------------------------------------------

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
