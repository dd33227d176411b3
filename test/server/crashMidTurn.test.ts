import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  Conversation,
  REPO_ROOT,
  TOKEN_SECRET,
  botMessages,
  call,
  describe as describeActivities,
  dropSchema,
  expectOrderedOnce,
  freshSchema,
  postgresTarget,
  sleep,
  type Activity,
} from './helpers';

/**
 * A message posted to Direct Line is stored before its turn runs. The real server (a child
 * process) is SIGKILLed while turns are under way, at points a test-only preload makes it stop at
 * (no timing involved), and started again on the same store:
 * - a turn that had started but stored nothing yet, with a second message queued behind it: after
 *   the restart both are answered, once each, in order;
 * - a turn that had stored its reply but not yet saved its state: not answered a second time;
 * - (PostgreSQL) a turn waiting for its conversation's turn lock, held by the test: answered once.
 * On SQLite and on PostgreSQL.
 */

const QUESTION = 'How long do I have to appeal to the SEND Tribunal?';
const OTHER = 'zorblat quux';

const children = new Set<ChildProcess>();
const scratch = mkdtempSync(path.join(tmpdir(), 'send-crash-'));

/**
 * Loaded with `--import` before the server: stops (forever) the turn of an activity whose
 * clientActivityID starts `hold-before` just before the bot runs, and that of one starting
 * `hold-after` just after its first message has been stored, saying so on stderr. It patches the
 * adapter class the server itself uses (one module instance under tsx's ESM loader).
 */
const HOLD_PRELOAD = path.join(scratch, 'holdTurns.mjs');
writeFileSync(
  HOLD_PRELOAD,
  `import { DirectLineAdapter } from ${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'src/channels/directline/adapter.ts')).href)};
const tag = (activity) => String(activity?.channelData?.clientActivityID ?? '');
const hold = (where) => {
  process.stderr.write('HOLD:' + where + '\\n');
  return new Promise(() => {});
};
const runTurn = DirectLineAdapter.prototype.runTurn;
if (typeof runTurn !== 'function') throw new Error('DirectLineAdapter.prototype.runTurn is gone: update this preload');
DirectLineAdapter.prototype.runTurn = async function (conversationId, activity, logic) {
  if (tag(activity).startsWith('hold-before')) await hold('before');
  return runTurn.call(this, conversationId, activity, logic);
};
const sendActivities = DirectLineAdapter.prototype.sendActivities;
DirectLineAdapter.prototype.sendActivities = async function (context, activities) {
  const sent = await sendActivities.call(this, context, activities);
  if (tag(context.activity).startsWith('hold-after') && activities.some((a) => a.type === 'message')) await hold('after');
  return sent;
};
`,
);

afterEach(() => {
  // Only the children this file started, by their own handle.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  base: string;
  stdout: () => string;
  stderr: () => string;
}

function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Built from scratch so a DATABASE_URL in the test environment cannot leak into the SQLite run.
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    // Logged (to the test), to check that no message text is.
    LOG_LEVEL: 'info',
    DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
    ...extra,
  };
}

function startServer(env: NodeJS.ProcessEnv, options: { hold?: boolean } = {}, timeoutMs = 30_000): Promise<Running> {
  const args = ['--import', 'tsx', ...(options.hold ? ['--import', pathToFileURL(HOLD_PRELOAD).href] : []), 'src/server.ts'];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The server did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = /web chat at http:\/\/localhost:(\d+)\//.exec(stdout);
      if (ready) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${ready[1]}`, stdout: () => stdout, stderr: () => stderr });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The server exited (${code ?? signal}) before it was ready: ${stderr}`));
    });
  });
}

async function kill(running: Running): Promise<void> {
  const exited = once(running.child, 'exit');
  running.child.kill('SIGKILL');
  await exited;
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Posts a message with the given clientActivityID (which the preload looks at); returns its id. */
async function post(tab: Conversation, text: string, clientActivityID: string): Promise<string> {
  const posted = await call(tab.base, `/v3/directline/conversations/${tab.id}/activities`, {
    method: 'POST',
    token: tab.token,
    body: { type: 'message', text, textFormat: 'plain', locale: 'en-GB', from: { id: 'r_tab', role: 'user' }, channelData: { clientActivityID } },
  });
  expect(posted.status).toBe(200);
  return posted.json.id as string;
}

const repliesTo = (activities: Activity[], id: string) => botMessages(activities).filter((a) => a.replyToId === id);

/**
 * Answered, and once: a turn run twice (or an apology on top of an answer) would repeat a reply,
 * the bot's answers to these messages being the same each time. Whatever the bot says to them.
 */
function expectAnsweredOnce(activities: Activity[], id: string): void {
  const replies = repliesTo(activities, id);
  expect(replies.length, describeActivities(activities)).toBeGreaterThan(0);
  expect(new Set(replies.map((a) => a.text)).size, describeActivities(activities)).toBe(replies.length);
  expect(replies.filter((a) => a.text?.startsWith('Sorry, something went wrong')), describeActivities(activities)).toEqual([]);
}

async function crashMidTurn(env: NodeJS.ProcessEnv, postgres?: { url: string; schema: string }): Promise<void> {
  let running = await startServer(env, { hold: true });

  // A: its turn has started (the bot is about to run) when the process dies; a second message waits behind it.
  const a = await Conversation.begin(running.base);
  await a.waitFor((all) => botMessages(all).length === 1, 10_000, 'the welcome');
  const a1 = await post(a, QUESTION, 'hold-before-a1');
  await until(() => running.stderr().includes('HOLD:before'), 'the turn to stop before the bot runs');
  const a2 = await post(a, OTHER, 'tab-a2');

  // B: its reply is stored, its state not yet, when the process dies.
  const b = await Conversation.begin(running.base);
  await b.waitFor((all) => botMessages(all).length === 1, 10_000, 'the welcome');
  const b1 = await post(b, QUESTION, 'hold-after-b1');
  await until(() => running.stderr().includes('HOLD:after'), 'the turn to stop after its reply');
  const bBefore = await b.waitFor((all) => (repliesTo(all, b1).length > 0 ? all : undefined), 10_000, 'the reply stored before the crash');

  // C (PostgreSQL): its turn waits for the conversation's turn lock, which the test holds.
  let c: Conversation | undefined;
  let c1: string | undefined;
  let locker: pg.Client | undefined;
  if (postgres) {
    c = await Conversation.begin(running.base);
    await c.waitFor((all) => botMessages(all).length === 1, 10_000, 'the welcome');
    locker = new pg.Client({ connectionString: postgres.url });
    locker.on('error', () => undefined);
    await locker.connect();
    await locker.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', [`send-assistant:turn:${postgres.schema}`, c.id]);
    c1 = await post(c, QUESTION, 'tab-c1');
    // Its turn cannot run while the lock is held; a little time lets it get as far as waiting.
    await sleep(300);
  }

  const aBefore = (await a.list()).activities;
  expect(repliesTo(aBefore, a1), describeActivities(aBefore)).toHaveLength(0);
  expect(repliesTo(aBefore, a2)).toHaveLength(0);
  const cBefore = c ? (await c.list()).activities : [];
  if (c) expect(repliesTo(cBefore, c1!)).toHaveLength(0);
  await kill(running);
  await locker?.end();

  running = await startServer(env);
  // Web Chat polls again: the first poll after the restart finds the owed turns.
  const aAfter = a.at(running.base);
  const aAll = await aAfter.waitFor(
    (all) => (repliesTo(all, a1).length > 0 && repliesTo(all, a2).length > 0 ? all : undefined),
    20_000,
    'answers to both messages stored before the crash',
  );
  const bAfter = b.at(running.base);
  const cAfter = c?.at(running.base);
  if (cAfter) await cAfter.waitFor((all) => repliesTo(all, c1!).length > 0, 20_000, 'the answer to the message that waited for the lock');
  // B's conversation carries on; its next turn looks back at what is owed, and nothing is.
  await bAfter.list();
  const b2 = await post(bAfter, OTHER, 'tab-b2');
  await bAfter.waitFor((all) => repliesTo(all, b2).length > 0, 20_000, 'the answer to the next message');

  // Nothing more turns up later (no turn runs twice).
  await sleep(1500);
  const aFinal = (await aAfter.list()).activities;
  expect(aFinal).toEqual((await aAfter.list()).activities);
  expect(aFinal.slice(0, aAll.length)).toEqual(aAll);
  expectOrderedOnce(aFinal, a.id);
  expect(aFinal.slice(0, aBefore.length)).toEqual(aBefore);
  expectAnsweredOnce(aFinal, a1);
  expectAnsweredOnce(aFinal, a2);
  // In order: the first message's answer comes before the second's.
  const index = (id: string) => aFinal.findIndex((m) => m.replyToId === id && m.from.role === 'bot');
  expect(index(a1)).toBeLessThan(index(a2));
  expect(repliesTo(aFinal, a1)[0]!.text).toMatch(/tribunal/i);

  const bFinal = (await bAfter.list()).activities;
  expectOrderedOnce(bFinal, b.id);
  expect(bFinal.slice(0, bBefore.length)).toEqual(bBefore);
  expect(repliesTo(bFinal, b1), describeActivities(bFinal)).toEqual(repliesTo(bBefore, b1));
  expectAnsweredOnce(bFinal, b2);
  expect(bFinal.filter((m) => m.from.role === 'user').map((m) => m.text)).toEqual([QUESTION, OTHER]);

  if (cAfter) {
    const cFinal = (await cAfter.list()).activities;
    expectOrderedOnce(cFinal, c!.id);
    expect(cFinal.slice(0, cBefore.length)).toEqual(cBefore);
    expectAnsweredOnce(cFinal, c1!);
  }

  // A graceful stop still drains: a message sent just before SIGTERM is answered before exit.
  const lastWords = await post(aAfter, QUESTION, 'tab-a3');
  const exited = once(running.child, 'exit');
  running.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  expect(code, running.stderr()).toBe(0);
  running = await startServer(env);
  const drained = (await aAfter.at(running.base).list()).activities;
  expectAnsweredOnce(drained, lastWords);
  expectOrderedOnce(drained, a.id);
  await sleep(500);
  expect((await aAfter.at(running.base).list()).activities).toEqual(drained);

  // Nothing anyone typed is in the server's log.
  const logged = running.stdout();
  await kill(running);
  expect(logged).toContain('"event":"listening"');
  expect(logged).not.toMatch(/zorblat|Tribunal|r_tab/i);
}

describe('a crash mid-turn on SQLite', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-crash-sqlite-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers every stored message exactly once after a restart, in order', async () => {
    await crashMidTurn(serverEnv({ DATA_DIR: dataDir }));
  }, 120_000);
});

const target = await postgresTarget();
if (target.skip) console.warn(`[crashMidTurn.test] PostgreSQL tests skipped: ${target.skip}`);

describe.skipIf(target.skip !== undefined)('a crash mid-turn on PostgreSQL', () => {
  const url = target.url!;
  const schema = freshSchema('crash_test');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-crash-pg-'));
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(url, schema);
  });

  it('answers every stored message exactly once after a restart, in order, also one that waited for the turn lock', async () => {
    await crashMidTurn(serverEnv({ DATA_DIR: dataDir, DATABASE_URL: url, DATABASE_SCHEMA: schema }), { url, schema });
  }, 120_000);
});
