/**
 * Micro-benchmark of the store operations a Direct Line chat turn makes: appendActivity,
 * listActivities, getConversation and Bot Framework state reads and writes (botStorage()).
 * Prints operations per second; no pass/fail.
 *
 *   npx tsx bench/storeOps.ts                      SQLite, a fresh file in a temp dir
 *   npx tsx bench/storeOps.ts --n 5000 --rounds 5
 *   npx tsx bench/storeOps.ts --src /tmp/baseline/src   the same, against another copy of src/
 *     (a copy outside the repo needs node_modules beside it: ln -s "$PWD/node_modules" /tmp/baseline/)
 *   npx tsx bench/storeOps.ts --postgres postgres://postgres@127.0.0.1:5432/test   a fresh schema, dropped after
 *   npx tsx bench/storeOps.ts --concurrency 10 --only concurrent   just the concurrent chat turns
 *
 * Each figure is the median of `rounds` timed rounds (after one warm-up round): operations per
 * second of wall-clock time, and CPU time (user + system, this process) per operation, which is
 * less disturbed by other work on the machine. With PostgreSQL the CPU is the client's only.
 *
 * Every operation above runs alone (the next starts when it has resolved), so the SQLite store's
 * group commit (the writes of one event-loop turn share one transaction) has nothing to group.
 * The last measure, "chat turn cycle, K concurrent", starts K chat turns of K conversations at
 * once (`--concurrency`, default 10), as a loaded server would, and gives its figures per turn;
 * run it against a copy of src/ without group commit (`--src`) to compare.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Activity, Storage } from 'botbuilder';
import type { Store } from '../src/store/store';

interface Options {
  n: number;
  rounds: number;
  conversations: number;
  concurrency: number;
  /** Only the measures whose name contains this. */
  only?: string;
  src: string;
  postgres?: string;
}

function parseArgs(argv: string[]): Options {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const options: Options = { n: 2000, rounds: 3, conversations: 50, concurrency: 10, src: path.resolve(here, '../src') };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--n' && value) options.n = Number(value);
    else if (arg === '--rounds' && value) options.rounds = Number(value);
    else if (arg === '--conversations' && value) options.conversations = Number(value);
    else if (arg === '--concurrency' && value) options.concurrency = Number(value);
    else if (arg === '--only' && value) options.only = value;
    else if (arg === '--src' && value) options.src = path.resolve(value);
    else if (arg === '--postgres' && value) options.postgres = value;
    else continue;
    i += 1;
  }
  return options;
}

async function openStore(options: Options): Promise<{ store: Store; dispose: () => Promise<void>; label: string }> {
  const { configureLog } = (await import(pathToFileURL(path.join(options.src, 'log.ts')).href)) as typeof import('../src/log');
  configureLog('silent');
  if (options.postgres) {
    const { PostgresStore } = (await import(pathToFileURL(path.join(options.src, 'store/postgresStore.ts')).href)) as typeof import('../src/store/postgresStore');
    const schema = `bench_store_${process.pid}_${Date.now().toString(36)}`;
    const store = await PostgresStore.open({ connectionString: options.postgres, schema });
    return {
      store,
      label: 'postgres',
      dispose: async () => {
        await store.close();
        const pg = (await import('pg')).default;
        const client = new pg.Client({ connectionString: options.postgres });
        await client.connect();
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
      },
    };
  }
  const { SqliteStore } = (await import(pathToFileURL(path.join(options.src, 'store/sqliteStore.ts')).href)) as typeof import('../src/store/sqliteStore');
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-store-'));
  const store = await SqliteStore.open({ dataDir: dir });
  return {
    store,
    label: 'sqlite',
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** About what Web Chat sends and the echo bot answers: ids, addresses, a timestamp, text. */
function activity(conversationId: string, i: number, fromBot: boolean): Partial<Activity> {
  return {
    type: 'message',
    timestamp: new Date() as unknown as Date,
    serviceUrl: 'http://127.0.0.1:3978/',
    channelId: 'webchat',
    from: fromBot ? { id: 'bot', name: 'SEND assistant', role: 'bot' } : { id: `dl_user-${i % 97}`, name: 'You', role: 'user' },
    recipient: fromBot ? { id: `dl_user-${i % 97}`, role: 'user' } : { id: 'bot', name: 'SEND assistant', role: 'bot' },
    conversation: { id: conversationId },
    text: fromBot ? `Echo: what is an EHCP and how long does it take? (${i})` : `what is an EHCP and how long does it take? (${i})`,
    textFormat: 'plain',
    locale: 'en-GB',
    inputHint: fromBot ? 'acceptingInput' : undefined,
    channelData: { clientActivityID: `${Date.now()}-${i}`, tenant: 'demo' },
    entities: [{ type: 'ClientCapabilities', requiresBotState: true, supportsListening: false, supportsTts: false }],
  } as unknown as Partial<Activity>;
}

type Step = (i: number) => Promise<unknown>;

/**
 * Median over the rounds of operations per wall-clock second and of CPU (user + system) µs per
 * operation. A step may make `perStep` operations (run concurrently): `n` counts operations.
 */
async function rate(n: number, rounds: number, step: Step, perStep = 1): Promise<{ opsPerSecond: number; cpuUs: number }> {
  const steps = Math.max(1, Math.ceil(n / perStep));
  const ops = steps * perStep;
  for (let i = 0; i < Math.min(steps, Math.ceil(200 / perStep)); i += 1) await step(i); // warm-up
  const rates: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < steps; i += 1) await step(r * steps + i);
    const used = process.cpuUsage(cpuStart);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(ops / seconds);
    cpu.push((used.user + used.system) / ops);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { opsPerSecond: median(rates), cpuUs: median(cpu) };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const { store, dispose, label } = await openStore(options);
  const storage: Storage = store.botStorage();
  const ids = Array.from({ length: options.conversations }, (_, i) => `bench-${i}-${Math.random().toString(36).slice(2, 8)}`);
  const conv = (i: number) => ids[i % ids.length]!;
  for (const id of ids) await store.createConversation(id, { tenant: 'demo', channel: 'webchat' });
  // Every conversation holds a few activities before listing starts.
  for (let i = 0; i < ids.length * 4; i += 1) await store.appendActivity(conv(i), activity(conv(i), i, i % 2 === 1));
  const stateKey = (i: number) => `webchat/conversations/${conv(i)}/`;
  const cursorKey = (i: number) => `directline-turns/conversations/${conv(i)}/`;
  for (let i = 0; i < ids.length; i += 1) await storage.write({ [stateKey(i)]: { dialogState: { stack: [] }, turn: 0, eTag: '*' } });

  const results: [string, { opsPerSecond: number; cpuUs: number }][] = [];
  const measure = async (name: string, step: Step, perStep = 1) => {
    if (options.only === undefined || name.includes(options.only)) results.push([name, await rate(options.n, options.rounds, step, perStep)]);
  };

  await measure('appendActivity (no id)', (i) => store.appendActivity(conv(i), activity(conv(i), i, i % 2 === 1)));
  const lastSeq = new Map<string, number>();
  for (const id of ids) lastSeq.set(id, (await store.getConversation(id))?.lastSeq ?? 0);
  await measure('listActivities (last 2 of a conversation)', (i) => store.listActivities(conv(i), Math.max(0, lastSeq.get(conv(i))! - 2)));
  await measure('getConversation + listActivities (a poll)', async (i) => {
    const c = await store.getConversation(conv(i));
    return store.listActivities(conv(i), Math.max(0, (c?.lastSeq ?? 0) - 2));
  });
  await measure('getConversation', (i) => store.getConversation(conv(i)));
  await measure('conversationExists', (i) => store.conversationExists(conv(i)));
  await measure('state read (1 key)', (i) => storage.read([stateKey(i)]));
  await measure("state write (1 key, eTag '*')", (i) => storage.write({ [cursorKey(i)]: { seq: i, eTag: '*' } }));
  await measure('state read + write (eTag match)', async (i) => {
    const key = stateKey(i);
    const item = (await storage.read([key]))[key] as Record<string, unknown>;
    await storage.write({ [key]: { ...item, turn: i } });
  });
  // One Direct Line turn, roughly: the user's message, the bot's state, its reply, the poll.
  const chatTurn = async (i: number) => {
    const id = conv(i);
    await store.conversationExists(id);
    const user = await store.appendActivity(id, activity(id, i, false));
    await storage.read([cursorKey(i)]);
    const key = stateKey(i);
    const item = (await storage.read([key]))[key] as Record<string, unknown>;
    await store.appendActivity(id, activity(id, i, true));
    await storage.write({ [key]: { ...item, turn: i } });
    await storage.write({ [cursorKey(i)]: { seq: user.seq, eTag: '*' } });
    const c = await store.getConversation(id);
    if (c && c.lastSeq > user.seq - 1) await store.listActivities(id, user.seq - 1);
  };
  await measure('chat turn cycle', chatTurn);
  // K turns of K different conversations at once, as on a loaded server: figures per turn.
  const k = Math.max(1, Math.min(options.concurrency, ids.length));
  await measure(
    `chat turn cycle, ${k} concurrent (per turn)`,
    (i) => Promise.all(Array.from({ length: k }, (_, j) => chatTurn(i * k + j))),
    k,
  );

  await dispose();
  console.log(`store ${label}, src ${options.src}, n ${options.n} x ${options.rounds} rounds (median), ${options.conversations} conversations`);
  if (options.only !== undefined) console.log(`  only the measures whose name contains "${options.only}"`);
  const width = Math.max(...results.map(([name]) => name.length));
  console.log(`  ${'operation'.padEnd(width)}  ${'ops/s'.padStart(8)}  ${'wall µs/op'.padStart(10)}  ${'CPU µs/op'.padStart(9)}`);
  for (const [name, { opsPerSecond, cpuUs }] of results) {
    console.log(
      `  ${name.padEnd(width)}  ${Math.round(opsPerSecond).toString().padStart(8)}  ${(1e6 / opsPerSecond).toFixed(1).padStart(10)}  ${cpuUs.toFixed(1).padStart(9)}`,
    );
  }
}

await main();
