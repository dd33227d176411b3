import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createAssistantCore } from '../../src/core/assistant';
import { createStore, type Store } from '../../src/store/store';
import {
  CLARIFY_PROMPT,
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
 * The real server as a child process (`node --import tsx src/server.ts`, i.e. `npm start` without
 * tsx's extra supervising process, so SIGKILL reaches the server itself), killed half-way through
 * a clarifying question and started again on the same store: the conversation carries on at the
 * same step and its transcript is all still there. On SQLite and on PostgreSQL.
 */

const core = createAssistantCore(path.join(REPO_ROOT, 'knowledge'));
/** The first offered choice after "mediation" is the mediation topic: its answer starts so. */
const MEDIATION_ANSWER = core.replies.answer('mediation', 'generic').text.split('\n')[0]!;
const NOT_UNDERSTOOD = core.replies.notUnderstood().text;

interface Running {
  child: ChildProcess;
  base: string;
  stderr: () => string;
}

const children = new Set<ChildProcess>();

afterEach(() => {
  // Only the children this file started, by their own handle.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Built from scratch so a DATABASE_URL in the test environment cannot leak into the SQLite run.
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
    ...extra,
  };
}

function startServer(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
        resolve({ child, base: `http://127.0.0.1:${ready[1]}`, stderr: () => stderr });
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

/** The conversation's dialog stack as stored: non-empty once a turn that prompts has saved its state. */
async function waitForSavedPrompt(store: Store, conversationId: string): Promise<void> {
  const key = `webchat/conversations/${conversationId}/`;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const items = await store.botStorage().read([key]);
    const stack = (items[key] as { dialogState?: { dialogStack?: unknown[] } } | undefined)?.dialogState?.dialogStack;
    if (stack && stack.length > 0) return;
    await sleep(50);
  }
  throw new Error('The turn that asked the clarifying question never saved its state');
}

const hasText = (activities: Activity[], text: string) => botMessages(activities).find((a) => a.text?.includes(text));

async function restartMidDialog(env: NodeJS.ProcessEnv, openStore: () => Promise<Store>): Promise<void> {
  let running = await startServer(env);
  const tab = await Conversation.begin(running.base);
  await tab.waitFor((all) => botMessages(all).length >= 1, 10_000, 'the welcome');

  await tab.say('mediation');
  const prompt = await tab.waitFor((all) => hasText(all, CLARIFY_PROMPT), 10_000, 'the clarifying question');
  expect(JSON.stringify(prompt)).toContain('What mediation is');

  // The prompt is sent before the turn saves its state; SIGKILL once the state is in the store.
  const observer = await openStore();
  try {
    await waitForSavedPrompt(observer, tab.id);
  } finally {
    await observer.close();
  }
  const before = (await tab.list()).activities;
  await kill(running);

  running = await startServer(env);
  const resumed = tab.at(running.base);
  // The old token still works (same secret), and the transcript is all still there.
  const after = await resumed.list();
  expect(after.activities).toEqual(before);
  expect(after.watermark).toBe(String(before.length));

  const answerTo = await resumed.say('1');
  const answer = await resumed.waitFor(
    (all) => botMessages(all).find((a) => a.replyToId === answerTo),
    10_000,
    'the answer to the first choice',
  );
  expect(answer.text).not.toContain(NOT_UNDERSTOOD.slice(0, 40));
  expect(answer.text).toContain(MEDIATION_ANSWER);

  const all = (await resumed.list()).activities;
  expectOrderedOnce(all, tab.id);
  expect(all.slice(0, before.length)).toEqual(before);
  const users = all.filter((a) => a.from.role === 'user').map((a) => a.text);
  expect(users, describeActivities(all)).toEqual(['mediation', '1']);
  const bots = botMessages(all);
  expect(bots).toHaveLength(3); // welcome, the clarifying question, the answer
  expect(bots[1]!.text).toContain(CLARIFY_PROMPT);

  // Polling from the watermark the client held before the restart gives only what is new.
  const fresh = await resumed.list(String(before.length));
  expect(fresh.activities.map((a) => a.id)).toEqual(all.slice(before.length).map((a) => a.id));

  // Graceful stop: a message sent just before SIGTERM is answered before the store closes.
  const lastWords = await resumed.say('How long do I have to appeal to the SEND Tribunal?');
  const exited = once(running.child, 'exit');
  running.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  expect(code, running.stderr()).toBe(0);

  running = await startServer(env);
  const final = (await resumed.at(running.base).list()).activities;
  expect(botMessages(final).filter((a) => a.replyToId === lastWords)).toHaveLength(1);
  expectOrderedOnce(final, tab.id);
  await kill(running);
}

describe('restart on SQLite', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-restart-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('carries a conversation on at the same dialog step after SIGKILL, with its transcript', async () => {
    await restartMidDialog(serverEnv({ DATA_DIR: dataDir }), () => createStore({ dataDir }));
  }, 90_000);

  it('refuses a production start without DIRECTLINE_TOKEN_SECRET', async () => {
    const env = serverEnv({ DATA_DIR: dataDir, NODE_ENV: 'production' });
    delete env.DIRECTLINE_TOKEN_SECRET;
    await expect(startServer(env)).rejects.toThrow(/exited \(1\).*DIRECTLINE_TOKEN_SECRET/s);
  }, 30_000);
});

const target = await postgresTarget();
if (target.skip) console.warn(`[restart.test] PostgreSQL tests skipped: ${target.skip}`);

describe.skipIf(target.skip !== undefined)('restart on PostgreSQL', () => {
  const url = target.url!;
  const schema = freshSchema('restart_test');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-restart-pg-'));
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(url, schema);
  });

  it('carries a conversation on at the same dialog step after SIGKILL, with its transcript', async () => {
    const env = serverEnv({ DATA_DIR: dataDir, DATABASE_URL: url, DATABASE_SCHEMA: schema });
    await restartMidDialog(env, () => createStore({ databaseUrl: url, schema }));
  }, 90_000);
});
