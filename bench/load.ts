/**
 * Load benchmark: `npm run bench` (figures as text), `npm run --silent bench -- --json` (one JSON
 * object on stdout), `npm run bench -- --soak MINUTES` (moderate load for that long).
 *
 * Each server runs in a child process of its own on 127.0.0.1 (so its memory and CPU are its own);
 * this process only generates load. On SQLite and, when one answers, on PostgreSQL (DATABASE_URL,
 * else postgres://postgres@127.0.0.1:5432/test, in a fresh schema dropped afterwards):
 *  - the assistant (src/server.ts) at 1, 10 and 100 concurrent visitors, each going through
 *    scripted conversations (a greeting, two FAQ questions, a clarifying question and "1", thanks)
 *    over the Direct Line endpoints: turns per second and latency from posting a message to
 *    receiving the bot's reply to it (over the conversation's streamUrl WebSocket, or with
 *    `--transport poll` by GET …/activities?watermark= every `--poll-ms`);
 *  - the same load on a bare echo bot behind the same Direct Line router, adapter and store;
 *  - the server's memory (RSS) with 1,000 open conversations, one message each;
 *  - start-up time, spawn to the first 200 from GET /healthz;
 *  - every message answered exactly once (bot replies counted per message by replyToId).
 * And, once, a bare express endpoint answering a JSON POST under the same concurrency.
 *
 * Figures only: nothing here passes or fails. Options: --json, --seconds N (per load level,
 * default 6), --concurrency 1,10,100, --conversations 1000, --store both|sqlite|postgres,
 * --transport ws|poll, --poll-ms 20, --soak MINUTES [--soak-concurrency 10 --think-ms 250
 * --heap-snapshots DIR].
 *
 * The soak starts its server with `--expose-gc` and the bench-only preload bench/loadHeapProbe.ts
 * (answering over an IPC channel from this process, nothing over HTTP) and reports, each minute,
 * the heap in use after a forced full GC beside RSS: RSS alone cannot tell a leak from V8 growing
 * its heap lazily. `--heap-snapshots DIR` also writes a heap snapshot there after the first and
 * the last minute, to compare retained sizes by constructor (writing one takes several times the
 * heap's size in RSS, which stays: read the RSS column of such a run with that in mind).
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  openConversations,
  runDirectLinePhase,
  runExpressPhase,
  checkTranscripts,
  type Check,
  type DirectLinePhaseResult,
  type ExpressPhaseResult,
  type LatencySummary,
  type Transport,
} from './loadClient';
import {
  freshSchema,
  postgresTarget,
  round1,
  sleep,
  startServer,
  type LogSummary,
  type RunningServer,
  type ServerKind,
  type StoreKind,
  type StoreTarget,
} from './loadServers';

// ---- options -------------------------------------------------------------------------------------

interface Options {
  json: boolean;
  seconds: number;
  concurrency: number[];
  conversations: number;
  stores: StoreKind[];
  transport: Transport;
  pollMs: number;
  soakMinutes: number;
  soakConcurrency: number;
  thinkMs: number;
  startupRuns: number;
  heapSnapshotDir?: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    json: false,
    seconds: 6,
    concurrency: [1, 10, 100],
    conversations: 1000,
    stores: ['sqlite', 'postgres'],
    transport: 'ws',
    pollMs: 20,
    soakMinutes: 0,
    soakConcurrency: 10,
    thinkMs: 250,
    startupRuns: 3,
  };
  const number = (name: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => argv[++i];
    switch (arg) {
      case '--json':
        options.json = true;
        break;
      case '--seconds':
        options.seconds = number(arg, value(), 1, 120);
        break;
      case '--concurrency':
        options.concurrency = (value() ?? '').split(',').map((part) => Math.round(number(arg, part, 1, 500)));
        break;
      case '--conversations':
        options.conversations = Math.round(number(arg, value(), 1, 5000));
        break;
      case '--store': {
        const store = value();
        if (store === 'both') options.stores = ['sqlite', 'postgres'];
        else if (store === 'sqlite' || store === 'postgres') options.stores = [store];
        else throw new Error('--store must be both, sqlite or postgres');
        break;
      }
      case '--transport': {
        const transport = value();
        if (transport !== 'ws' && transport !== 'poll') throw new Error('--transport must be ws or poll');
        options.transport = transport;
        break;
      }
      case '--poll-ms':
        options.pollMs = number(arg, value(), 1, 5000);
        break;
      case '--soak':
        options.soakMinutes = Math.round(number(arg, value(), 1, 24 * 60));
        break;
      case '--soak-concurrency':
        options.soakConcurrency = Math.round(number(arg, value(), 1, 500));
        break;
      case '--think-ms':
        options.thinkMs = number(arg, value(), 0, 60_000);
        break;
      case '--heap-snapshots': {
        const dir = value();
        if (!dir) throw new Error('--heap-snapshots needs a directory');
        options.heapSnapshotDir = dir;
        break;
      }
      case '--startup-runs':
        options.startupRuns = Math.round(number(arg, value(), 2, 10));
        break;
      default:
        throw new Error(`Unknown option ${arg}`);
    }
  }
  return options;
}

// ---- output --------------------------------------------------------------------------------------

let jsonMode = false;
/** Progress goes to stderr; in --json mode stdout carries the JSON object alone. */
const progress = (line: string) => process.stderr.write(`${line}\n`);
const print = (line = '') => {
  if (!jsonMode) process.stdout.write(`${line}\n`);
};

// ---- measuring one phase ------------------------------------------------------------------------

interface Resources {
  server_cpu_pct: number;
  /** Server CPU time per turn (Direct Line) or per request (express), in ms: less sensitive to other load than rates. */
  server_cpu_ms_per_unit: number;
  loadgen_cpu_pct: number;
  server_rss_mb: number;
  /** The machine's 1-minute load average at the end of the phase (other processes count too). */
  load_avg_1m: number;
}

/**
 * Runs a phase and adds what the server and this process used while the load ran (up to the
 * moment `run` calls its argument, or to its end), not counting the exactly-once check after it.
 */
async function measured<T extends { elapsed_s: number }>(server: RunningServer, run: (loadEnded: () => void) => Promise<T>): Promise<T & Resources> {
  const serverCpu = server.cpuMs();
  const ownCpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let usage: { server: number; own: number; wall: number } | undefined;
  const loadEnded = () => {
    if (usage) return;
    const own = process.cpuUsage(ownCpu);
    usage = {
      server: server.cpuMs() - serverCpu,
      own: (own.user + own.system) / 1000,
      wall: Number(process.hrtime.bigint() - started) / 1e6,
    };
  };
  const result = await run(loadEnded);
  loadEnded();
  const { server: serverMs, own, wall } = usage!;
  const units = 'turns' in result ? (result.turns as number) : 'requests' in result ? (result.requests as number) : 0;
  return {
    ...result,
    // 100 % is one core, 200 % both.
    server_cpu_pct: Math.round((serverMs / wall) * 100),
    loadgen_cpu_pct: Math.round((own / wall) * 100),
    server_cpu_ms_per_unit: units > 0 ? Math.round((serverMs / units) * 100) / 100 : NaN,
    server_rss_mb: server.memory().rss_mb,
    load_avg_1m: round1(os.loadavg()[0] ?? NaN),
  };
}

type DirectLinePhase = DirectLinePhaseResult & Resources;
type ExpressPhase = ExpressPhaseResult & Resources;

interface BotRun {
  startup_ms: number;
  phases: Record<string, DirectLinePhase>;
  warmup_check: Check;
  log_events: Record<string, number>;
  other_output: string[];
}

interface MemoryRun {
  startup_ms: number;
  idle_rss_mb: number;
  conversations_opened: number;
  conversations_answered: number;
  open_s: number;
  rss_mb_1000: number;
  peak_rss_mb: number;
  errors: Record<string, number>;
  check: Check;
  log_events: Record<string, number>;
}

interface StoreRun {
  store: StoreKind;
  startup_ms: number;
  startup_ms_samples: number[];
  assistant: BotRun;
  echo: BotRun;
  memory: MemoryRun;
}

function storeTarget(kind: StoreKind, pgUrl: string | undefined): StoreTarget {
  return kind === 'postgres' ? { kind, url: pgUrl } : { kind };
}

async function withServer<T>(
  kind: ServerKind,
  store: StoreTarget,
  use: (server: RunningServer) => Promise<T>,
  extra: { heapProbe?: boolean } = {},
): Promise<T> {
  const schema = store.kind === 'postgres' ? freshSchema(kind.slice(0, 4)) : undefined;
  const server = await startServer({ kind, store, schema, heapProbe: extra.heapProbe });
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

async function botRun(kind: 'assistant' | 'echo', store: StoreTarget, options: Options): Promise<BotRun> {
  return withServer(kind, store, async (server) => {
    progress(`  ${kind} on ${store.kind}: up in ${server.startupMs} ms (pid ${server.pid})`);
    // Warm-up (JIT, the store's caches), checked but not counted in the figures.
    const warmup = await runDirectLinePhase({
      base: server.base,
      concurrency: 4,
      seconds: 1.5,
      transport: options.transport,
      pollMs: options.pollMs,
      replyTimeoutMs: 15_000,
      maxConversations: 40,
      firstConversation: 10_000,
    });
    const phases: Record<string, DirectLinePhase> = {};
    let first = 0;
    for (const concurrency of options.concurrency) {
      const before = server.logSummary();
      const phase = await measured(server, (onLoadEnd) =>
        runDirectLinePhase({
          onLoadEnd,
          base: server.base,
          concurrency,
          seconds: options.seconds,
          transport: options.transport,
          pollMs: options.pollMs,
          replyTimeoutMs: 15_000,
          maxConversations: 5000,
          firstConversation: first,
        }),
      );
      first += phase.conversations_started;
      phases[String(concurrency)] = phase;
      const logged = server.logSummary(before);
      const logNote = Object.keys(logged.events).length > 0 ? `, server logged ${JSON.stringify(logged.events)}` : '';
      progress(
        `    ${concurrency} concurrent: ${phase.turns_per_s} turns/s, p95 ${phase.latency.p95_ms} ms, ` +
          `lost ${phase.check.lost}, duplicated ${phase.check.duplicated}${errorsNote(phase.errors)}${logNote}`,
      );
    }
    if (!server.alive) progress(`  ${kind} on ${store.kind} exited during the run (${server.exitStatus})`);
    const logs: LogSummary = server.logSummary();
    return {
      startup_ms: server.startupMs,
      phases,
      warmup_check: warmup.check,
      log_events: logs.events,
      other_output: logs.samples,
    };
  });
}

async function memoryRun(store: StoreTarget, options: Options): Promise<MemoryRun> {
  return withServer('assistant', store, async (server) => {
    await sleep(1000);
    const idle = server.memory().rss_mb;
    progress(`  memory on ${store.kind}: up in ${server.startupMs} ms, idle RSS ${idle} MB; opening ${options.conversations} conversations`);
    const held = await openConversations({
      base: server.base,
      count: options.conversations,
      concurrency: 50,
      transport: options.transport,
      pollMs: Math.max(options.pollMs, 100),
      replyTimeoutMs: 15_000,
      maxSeconds: 90,
    });
    await sleep(2000); // let the turns' garbage settle a little; RSS is what the OS sees, GC or not
    const memory = server.memory();
    const check = await checkTranscripts(held.sessions);
    for (const session of held.sessions) session.close();
    progress(`    ${held.answered}/${options.conversations} answered in ${held.elapsed_s} s: RSS ${memory.rss_mb} MB (peak ${memory.hwm_mb} MB)`);
    return {
      startup_ms: server.startupMs,
      idle_rss_mb: idle,
      conversations_opened: held.opened,
      conversations_answered: held.answered,
      open_s: held.elapsed_s,
      rss_mb_1000: memory.rss_mb,
      peak_rss_mb: memory.hwm_mb,
      errors: held.errors,
      check,
      log_events: server.logSummary().events,
    };
  });
}

async function startupOnly(store: StoreTarget): Promise<number> {
  return withServer('assistant', store, async (server) => server.startupMs);
}

async function storeRun(kind: StoreKind, pgUrl: string | undefined, options: Options): Promise<StoreRun> {
  const store = storeTarget(kind, pgUrl);
  progress(`${kind}:`);
  const assistant = await botRun('assistant', store, options);
  const echo = await botRun('echo', store, options);
  const memory = await memoryRun(store, options);
  const samples = [assistant.startup_ms, memory.startup_ms];
  while (samples.length < options.startupRuns) samples.push(await startupOnly(store));
  return { store: kind, startup_ms: median(samples), startup_ms_samples: samples, assistant, echo, memory };
}

async function expressRun(options: Options): Promise<{ startup_ms: number; phases: Record<string, ExpressPhase> }> {
  return withServer('express', { kind: 'sqlite' }, async (server) => {
    progress(`express: up in ${server.startupMs} ms`);
    await runExpressPhase({ base: server.base, concurrency: 10, seconds: 1, maxRequests: 5000 });
    const phases: Record<string, ExpressPhase> = {};
    for (const concurrency of options.concurrency) {
      const phase = await measured(server, () =>
        runExpressPhase({ base: server.base, concurrency, seconds: options.seconds, maxRequests: 2_000_000 }),
      );
      phases[String(concurrency)] = phase;
      progress(`    ${concurrency} concurrent: ${phase.rps} requests/s, p95 ${phase.latency.p95_ms} ms${errorsNote(phase.errors)}`);
    }
    return { startup_ms: server.startupMs, phases };
  });
}

// ---- the standard run ----------------------------------------------------------------------------

function machine(loadAtStart: number[]) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory_gb: round1(os.totalmem() / 1024 ** 3),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    load_avg_at_start: loadAtStart.map(round1),
    load_avg_at_end: os.loadavg().map(round1),
  };
}

function headlineConcurrency(options: Options): string {
  const best = [...options.concurrency].sort((a, b) => Math.abs(a - 10) - Math.abs(b - 10))[0]!;
  return String(best);
}

function addChecks(into: Check, check: Check): void {
  for (const key of Object.keys(into) as (keyof Check)[]) into[key] += check[key];
}

function emptyCheck(): Check {
  return {
    conversations_checked: 0,
    messages_posted: 0,
    lost: 0,
    duplicated: 0,
    welcome_lost: 0,
    welcome_duplicated: 0,
    apologies: 0,
    not_understood: 0,
    delivered_twice: 0,
    unreadable: 0,
  };
}

async function standard(options: Options): Promise<void> {
  const loadAtStart = os.loadavg();
  const startedAt = Date.now();
  const transportNote =
    options.transport === 'ws'
      ? 'streamUrl WebSocket (pushed by the server, as Web Chat uses it)'
      : `polling GET …/activities?watermark= every ${options.pollMs} ms`;
  progress(`Load benchmark: ${options.seconds} s per level at ${options.concurrency.join(', ')} concurrent; replies over ${transportNote}`);

  const pg = options.stores.includes('postgres') ? await postgresTarget() : undefined;
  const pgUrl = pg && 'url' in pg ? pg.url : undefined;
  const pgSkip = pg && 'skip' in pg ? pg.skip : undefined;
  if (pgSkip) progress(`PostgreSQL skipped: ${pgSkip}`);

  // The floor first, so it and the SQLite headline are measured close together in time.
  const express = await expressRun(options);
  const stores: StoreRun[] = [];
  for (const kind of options.stores) {
    if (kind === 'postgres' && !pgUrl) continue;
    stores.push(await storeRun(kind, pgUrl, options));
  }

  const totals = emptyCheck();
  const errors: Record<string, number> = {};
  for (const run of stores) {
    for (const bot of [run.assistant, run.echo]) {
      addChecks(totals, bot.warmup_check);
      for (const phase of Object.values(bot.phases)) {
        addChecks(totals, phase.check);
        for (const [key, n] of Object.entries(phase.errors)) errors[key] = (errors[key] ?? 0) + n;
      }
    }
    addChecks(totals, run.memory.check);
    for (const [key, n] of Object.entries(run.memory.errors)) errors[key] = (errors[key] ?? 0) + n;
  }

  const c = headlineConcurrency(options);
  const head = stores[0];
  const turns = head?.assistant.phases[c]?.turns_per_s ?? NaN;
  const expressRps = express.phases[c]?.rps ?? NaN;
  const result = {
    measured_at: new Date(startedAt).toISOString(),
    duration_s: Math.round((Date.now() - startedAt) / 100) / 10,
    machine: machine(loadAtStart),
    transport: options.transport,
    latency_measured: `POST of the message sent → the bot's reply to it (replyToId) received over the ${options.transport === 'ws' ? 'streamUrl WebSocket' : `GET activities poll (every ${options.pollMs} ms)`}`,
    script: 'welcome, then: greeting, two FAQ questions, "mediation" (clarifying question), "1", thanks',
    headline: `${head?.store ?? 'none'} at ${c} concurrent`,
    turns_per_s: turns,
    echo_turns_per_s: head?.echo.phases[c]?.turns_per_s ?? NaN,
    express_rps: expressRps,
    turns_per_express_request: Math.round((turns / expressRps) * 1000) / 1000,
    // The same comparison by server CPU time, which other processes on the machine disturb less.
    cpu_ms_per_turn: head?.assistant.phases[c]?.server_cpu_ms_per_unit ?? NaN,
    echo_cpu_ms_per_turn: head?.echo.phases[c]?.server_cpu_ms_per_unit ?? NaN,
    express_cpu_ms_per_request: express.phases[c]?.server_cpu_ms_per_unit ?? NaN,
    p50_ms: head?.assistant.phases[c]?.latency.p50_ms ?? NaN,
    p95_ms: head?.assistant.phases[c]?.latency.p95_ms ?? NaN,
    p99_ms: head?.assistant.phases[c]?.latency.p99_ms ?? NaN,
    rss_mb_1000: head?.memory.rss_mb_1000 ?? NaN,
    startup_ms: head?.startup_ms ?? NaN,
    lost: totals.lost + totals.welcome_lost,
    duplicated: totals.duplicated + totals.welcome_duplicated,
    check: totals,
    errors,
    postgres_skipped: pgSkip ?? null,
    stores: Object.fromEntries(stores.map((run) => [run.store, run])),
    express,
  };

  if (jsonMode) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }

  print();
  print(`SEND assistant load benchmark, ${result.measured_at} (${result.duration_s} s)`);
  const m = result.machine;
  print(`machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, Node ${m.node}; load average ${m.load_avg_at_start.join(' ')} at start, ${m.load_avg_at_end.join(' ')} at end`);
  print(`latency: ${result.latency_measured}`);
  print(`script:  ${result.script}; ${options.seconds} s per level`);
  print(
    'columns: start = token + start + stream handshake + welcome (ms); conv/done = conversations started/finished; ' +
      'CPU% of one core over the phase (server child, and this load generator); ' +
      'CPUms/t = the server CPU time of the whole phase (conversation starts included) per turn; load1m = machine load average',
  );
  if (pgSkip) print(`PostgreSQL: skipped (${pgSkip})`);
  for (const run of stores) {
    print();
    print(`== ${run.store === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ==`);
    print(
      `start-up, spawn → GET /healthz 200: assistant ${run.startup_ms} ms (median of ${run.startup_ms_samples.join(', ')}); echo bot ${run.echo.startup_ms} ms`,
    );
    print(
      row(['server', 'conc', 'turns/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'start50', 'start95', 'conv', 'done', 'lost', 'dup', 'errors', 'srv CPU%', 'CPUms/t', 'gen CPU%', 'RSS MB', 'load1m']),
    );
    for (const [name, bot] of [['assistant', run.assistant], ['echo bot', run.echo]] as const) {
      for (const [conc, phase] of Object.entries(bot.phases)) {
        print(
          row([
            name,
            conc,
            phase.turns_per_s,
            phase.latency.p50_ms,
            phase.latency.p95_ms,
            phase.latency.p99_ms,
            phase.latency.max_ms,
            phase.start_latency.p50_ms,
            phase.start_latency.p95_ms,
            phase.conversations_started,
            phase.conversations_completed,
            phase.check.lost + phase.check.welcome_lost,
            phase.check.duplicated + phase.check.welcome_duplicated,
            sum(phase.errors),
            phase.server_cpu_pct,
            phase.server_cpu_ms_per_unit,
            phase.loadgen_cpu_pct,
            phase.server_rss_mb,
            phase.load_avg_1m,
          ]),
        );
      }
    }
    for (const [name, bot] of [['assistant', run.assistant], ['echo bot', run.echo]] as const) {
      for (const [conc, phase] of Object.entries(bot.phases)) {
        const extra = [
          Object.keys(phase.errors).length > 0 ? `client errors ${JSON.stringify(phase.errors)}` : '',
          phase.check.apologies > 0 ? `${phase.check.apologies} apologies (failed turns)` : '',
          phase.check.not_understood > 0 ? `${phase.check.not_understood} "not understood" replies` : '',
          phase.check.delivered_twice > 0 ? `${phase.check.delivered_twice} activities pushed twice` : '',
          phase.check.unreadable > 0 ? `${phase.check.unreadable} transcripts unreadable` : '',
        ].filter(Boolean);
        if (extra.length > 0) print(`  ${name} at ${conc}: ${extra.join('; ')}`);
      }
      const top = Object.entries(bot.phases).at(-1);
      if (top) {
        const steps = top[1].start_steps;
        const pair = (l: LatencySummary) => `${l.p50_ms}/${l.p95_ms}`;
        print(
          `  ${name} at ${top[0]}, conversation start p50/p95 ms: token ${pair(steps.token)}, start ${pair(steps.start)}, ` +
            `stream handshake ${pair(steps.stream)}, then welcome ${pair(steps.welcome)}`,
        );
      }
      if (Object.keys(bot.log_events).length > 0) print(`  ${name} server log (warn/error): ${JSON.stringify(bot.log_events)}`);
      if (bot.other_output.length > 0) print(`  ${name} server other output: ${bot.other_output.slice(0, 3).join(' | ')}`);
    }
    const mem = run.memory;
    print(
      `memory: idle ${mem.idle_rss_mb} MB RSS; ${mem.conversations_answered}/${options.conversations} conversations open (stream, welcome, one message answered, in ${mem.open_s} s): ` +
        `${mem.rss_mb_1000} MB RSS (peak ${mem.peak_rss_mb} MB); lost ${mem.check.lost + mem.check.welcome_lost}, duplicated ${mem.check.duplicated + mem.check.welcome_duplicated}` +
        `${errorsNote(mem.errors)}${Object.keys(mem.log_events).length > 0 ? `; server log ${JSON.stringify(mem.log_events)}` : ''}`,
    );
  }
  print();
  print('== express floor (POST JSON → JSON) ==');
  print(`start-up: ${express.startup_ms} ms`);
  print(row(['conc', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'srv CPU%', 'CPUms/r', 'gen CPU%', 'load1m']));
  for (const [conc, phase] of Object.entries(express.phases)) {
    print(
      row([
        conc,
        phase.rps,
        phase.latency.p50_ms,
        phase.latency.p95_ms,
        phase.latency.p99_ms,
        sum(phase.errors),
        phase.server_cpu_pct,
        phase.server_cpu_ms_per_unit,
        phase.loadgen_cpu_pct,
        phase.load_avg_1m,
      ]),
    );
  }
  print();
  print(`== headline (${result.headline}) ==`);
  print(`turns_per_s        ${result.turns_per_s}`);
  print(`echo_turns_per_s   ${result.echo_turns_per_s}`);
  print(`express_rps        ${result.express_rps}`);
  print(`turns_per_s / express_rps = ${(result.turns_per_express_request * 100).toFixed(1)} % (the aim is at least 25 %)`);
  print(
    `server CPU ms per turn: assistant ${result.cpu_ms_per_turn}, echo bot ${result.echo_cpu_ms_per_turn}; per express request ${result.express_cpu_ms_per_request} ` +
      `(express/assistant = ${((result.express_cpu_ms_per_request / result.cpu_ms_per_turn) * 100).toFixed(1)} %)`,
  );
  print(`p50 / p95 / p99    ${result.p50_ms} / ${result.p95_ms} / ${result.p99_ms} ms`);
  print(`rss_mb_1000        ${result.rss_mb_1000}`);
  print(`startup_ms         ${result.startup_ms}`);
  print(
    `exactly once, every phase and store: ${totals.messages_posted} messages in ${totals.conversations_checked} conversations; ` +
      `lost ${result.lost}, duplicated ${result.duplicated} (welcomes lost ${totals.welcome_lost}, duplicated ${totals.welcome_duplicated}); ` +
      `apologies ${totals.apologies}; not understood ${totals.not_understood}; pushed twice ${totals.delivered_twice}; unreadable ${totals.unreadable}`,
  );
  if (Object.keys(errors).length > 0) print(`client errors: ${JSON.stringify(errors)}`);
}

// ---- soak ----------------------------------------------------------------------------------------

async function soak(options: Options): Promise<void> {
  const kind = options.stores.length === 1 ? options.stores[0]! : 'sqlite';
  let pgUrl: string | undefined;
  if (kind === 'postgres') {
    const pg = await postgresTarget();
    if ('skip' in pg) {
      progress(`PostgreSQL unreachable: ${pg.skip}`);
      if (jsonMode) process.stdout.write(`${JSON.stringify({ soak_minutes: 0, skipped: pg.skip })}\n`);
      return;
    }
    pgUrl = pg.url;
  }
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  const minutes: {
    minute: number;
    turns: number;
    turns_per_s: number;
    latency: LatencySummary;
    rss_mb: number;
    peak_rss_mb: number;
    /** heapUsed right after a forced full GC in the server (the bench-only probe). */
    heap_mb_after_gc: number;
    /** The V8 heap's size then (what it has reserved, used or not). */
    heap_total_mb: number;
    /** Memory outside the V8 heap that V8 knows of (Buffers and the like), after the same GC. */
    external_mb: number;
    lost: number;
    duplicated: number;
    errors: number;
  }[] = [];
  const totals = emptyCheck();
  const errors: Record<string, number> = {};
  const snapshots: string[] = [];
  const snapshot = async (server: RunningServer, label: string) => {
    if (!options.heapSnapshotDir) return;
    mkdirSync(options.heapSnapshotDir, { recursive: true });
    const file = path.resolve(options.heapSnapshotDir, `soak-${startedAt.toISOString().replace(/[:.]/g, '-')}-${label}.heapsnapshot`);
    try {
      snapshots.push(await server.heapSnapshot(file));
      progress(`  heap snapshot (${label}): ${file}`);
    } catch (error) {
      progress(`  heap snapshot (${label}) failed: ${(error as Error).message}`);
    }
  };
  await withServer('assistant', storeTarget(kind, pgUrl), async (server) => {
    const idleHeap = await server.heapAfterGc();
    progress(
      `soak: ${options.soakMinutes} min on ${kind}, ${options.soakConcurrency} visitors, ${options.thinkMs} ms between a reply and the next message; ` +
        `server up in ${server.startupMs} ms, RSS ${server.memory().rss_mb} MB, heap after GC ${idleHeap.heap_used_mb} MB`,
    );
    print(row(['minute', 'turns', 'turns/s', 'p50 ms', 'p95 ms', 'p99 ms', 'RSS MB', 'peak MB', 'heapGC MB', 'heap MB', 'ext MB', 'lost', 'dup', 'errors']));
    for (let minute = 1; minute <= options.soakMinutes; minute++) {
      const phase = await runDirectLinePhase({
        base: server.base,
        concurrency: options.soakConcurrency,
        seconds: 60,
        transport: options.transport,
        pollMs: options.pollMs,
        replyTimeoutMs: 15_000,
        maxConversations: 100_000,
        thinkMs: options.thinkMs,
        firstConversation: minute * 100_000,
      });
      const memory = server.memory(); // before the forced GC, which would shrink it
      const heap = await server.heapAfterGc();
      addChecks(totals, phase.check);
      for (const [key, n] of Object.entries(phase.errors)) errors[key] = (errors[key] ?? 0) + n;
      const entry = {
        minute,
        turns: phase.turns,
        turns_per_s: phase.turns_per_s,
        latency: phase.latency,
        rss_mb: memory.rss_mb,
        peak_rss_mb: memory.hwm_mb,
        heap_mb_after_gc: heap.heap_used_mb,
        heap_total_mb: heap.heap_total_mb,
        external_mb: heap.external_mb,
        lost: phase.check.lost + phase.check.welcome_lost,
        duplicated: phase.check.duplicated + phase.check.welcome_duplicated,
        errors: sum(phase.errors),
      };
      minutes.push(entry);
      const line = row([
        minute,
        entry.turns,
        entry.turns_per_s,
        entry.latency.p50_ms,
        entry.latency.p95_ms,
        entry.latency.p99_ms,
        entry.rss_mb,
        entry.peak_rss_mb,
        entry.heap_mb_after_gc,
        entry.heap_total_mb,
        entry.external_mb,
        entry.lost,
        entry.duplicated,
        entry.errors,
      ]);
      if (jsonMode) progress(line);
      else print(line);
      if (!server.alive) {
        progress(`the server exited (${server.exitStatus}); soak stopped`);
        break;
      }
      if (minute === 1 && options.soakMinutes > 1) await snapshot(server, 'minute-1');
    }
    if (server.alive && minutes.length > 0) await snapshot(server, `minute-${minutes.length}`);
    // Growth from minute 2 (JIT, caches and the like have warmed up by then) to the last minute.
    const from = minutes.length >= 3 ? minutes[1]! : minutes[0];
    const to = minutes.at(-1);
    const heapGrowth = from && to && from !== to ? round1(to.heap_mb_after_gc - from.heap_mb_after_gc) : NaN;
    const rssGrowth = from && to && from !== to ? round1(to.rss_mb - from.rss_mb) : NaN;
    const logs = server.logSummary().events;
    const result = {
      measured_at: startedAt.toISOString(),
      machine: machine(loadAtStart),
      store: kind,
      transport: options.transport,
      soak_minutes: minutes.length,
      concurrency: options.soakConcurrency,
      think_ms: options.thinkMs,
      heap_mb_after_gc_idle: idleHeap.heap_used_mb,
      minutes,
      heap_growth_from_minute: from?.minute ?? null,
      heap_growth_mb: Number.isFinite(heapGrowth) ? heapGrowth : null,
      rss_growth_mb: Number.isFinite(rssGrowth) ? rssGrowth : null,
      heap_snapshots: snapshots,
      lost: totals.lost + totals.welcome_lost,
      duplicated: totals.duplicated + totals.welcome_duplicated,
      check: totals,
      errors,
      server_log_events: logs,
    };
    if (jsonMode) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      print(
        `soak total: ${totals.messages_posted} messages in ${totals.conversations_checked} conversations; lost ${result.lost}, duplicated ${result.duplicated}; ` +
          `apologies ${totals.apologies}; pushed twice ${totals.delivered_twice}`,
      );
      print(
        `soak memory: RSS ${minutes[0]?.rss_mb ?? NaN} → ${to?.rss_mb ?? NaN} MB; heap after full GC idle ${idleHeap.heap_used_mb} MB, ` +
          `${minutes[0]?.heap_mb_after_gc ?? NaN} → ${to?.heap_mb_after_gc ?? NaN} MB (minute 1 → ${to?.minute ?? '?'}); ` +
          `growth from minute ${from?.minute ?? '?'}: heap ${heapGrowth} MB, RSS ${rssGrowth} MB`,
      );
      if (Object.keys(errors).length > 0) print(`client errors: ${JSON.stringify(errors)}`);
      if (Object.keys(logs).length > 0) print(`server log (warn/error): ${JSON.stringify(logs)}`);
    }
  }, { heapProbe: true });
}

// ---- helpers -------------------------------------------------------------------------------------

function row(cells: (string | number)[]): string {
  return cells.map((cell, i) => (i === 0 ? String(cell).padEnd(10) : String(cell).padStart(8))).join(' ');
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((s, n) => s + n, 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : round1((sorted[mid - 1]! + sorted[mid]!) / 2);
}

function errorsNote(errors: Record<string, number>): string {
  return Object.keys(errors).length > 0 ? `, client errors ${JSON.stringify(errors)}` : '';
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  jsonMode = options.json;
  if (options.soakMinutes > 0) await soak(options);
  else await standard(options);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
