import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import {
  CLARIFY_PROMPT,
  Conversation,
  REPO_ROOT,
  TOKEN_SECRET,
  botMessages,
  describe as describeActivities,
  dropSchema,
  expectOrderedOnce,
  freshSchema,
  postgresTarget,
} from './helpers';

/**
 * Two instances of the assistant on one PostgreSQL, as behind a load balancer: a conversation
 * moves freely between them, and turns of one conversation never overlap even when its messages
 * arrive at both at once (two tabs), so no turn's state is lost and every message is answered once.
 */

const target = await postgresTarget();
if (target.skip) console.warn(`[instances.test] skipped: ${target.skip}`);

const logLines: string[] = [];

interface Instance {
  assistant: Assistant;
  server: Server;
  base: string;
}

describe.skipIf(target.skip !== undefined)('several instances on one PostgreSQL', () => {
  const url = target.url!;
  const schema = freshSchema('instances_test');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-instances-'));
  let a: Instance;
  let b: Instance;

  async function startInstance(): Promise<Instance> {
    const config = loadConfig({
      NODE_ENV: 'test',
      KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
      DATA_DIR: dataDir,
      DATABASE_URL: url,
      DATABASE_SCHEMA: schema,
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
    });
    const assistant = await createAssistant(config);
    const server = assistant.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { assistant, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  async function stopInstance(instance: Instance | undefined): Promise<void> {
    if (!instance) return;
    await new Promise((resolve) => instance.server.close(resolve));
    await instance.assistant.close();
  }

  beforeAll(async () => {
    configureLog('debug', (line) => logLines.push(line));
    a = await startInstance();
    b = await startInstance();
  });

  afterAll(async () => {
    await stopInstance(a);
    await stopInstance(b);
    configureLog('silent');
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(url, schema);
  });

  it('continues on B a conversation started on A, dialog step included', async () => {
    expect(a.assistant.store.kind).toBe('postgres');
    const onA = await Conversation.begin(a.base);
    const onB = onA.at(b.base);
    await onB.waitFor((all) => botMessages(all).length === 1, 10_000, 'the welcome, seen from B');

    const asked = await onB.say('mediation');
    await onA.waitFor((all) => botMessages(all).find((m) => m.replyToId === asked && m.text?.includes(CLARIFY_PROMPT)), 10_000, 'the prompt, seen from A');
    const chose = await onA.say('1');
    const answer = await onB.waitFor((all) => botMessages(all).find((m) => m.replyToId === chose), 10_000, 'the answer, seen from B');
    expect(answer.text).toContain('Mediation');
    expect(answer.text).not.toContain(CLARIFY_PROMPT);

    const fromA = (await onA.list()).activities;
    const fromB = (await onB.list()).activities;
    expect(fromB).toEqual(fromA);
    expectOrderedOnce(fromA, onA.id);
    expect(fromA.map((m) => `${m.from.role}:${m.replyToId === undefined ? '' : 'reply'}`)).toEqual([
      'bot:', // the welcome
      'user:',
      'bot:reply',
      'user:',
      'bot:reply',
    ]);
  });

  it('answers every message of two tabs on two instances exactly once, in one unbroken transcript', async () => {
    // Messages it cannot place: the first gets "say it another way", the second in a row a person's
    // contact details, and so on. That count lives in conversation state, so if two turns ever ran
    // at once one's update would be lost and the replies would stop alternating.
    const texts = Array.from({ length: 30 }, (_, i) => `zorblat ${String.fromCharCode(97 + (i % 26))}${i >= 26 ? 'x' : ''} quux`);
    const tabA = await Conversation.begin(a.base);
    const tabB = tabA.at(b.base);
    await tabA.waitFor((all) => botMessages(all).length === 1, 10_000, 'the welcome');

    const ids = await Promise.all(texts.map((text, i) => (i % 2 === 0 ? tabA : tabB).say(text)));
    expect(new Set(ids).size).toBe(30);

    const all = await tabB.waitFor(
      (activities) => (ids.every((id) => botMessages(activities).some((m) => m.replyToId === id)) ? activities : undefined),
      30_000,
      'an answer to every message',
    );
    // Nothing more arrives afterwards (no message answered twice, late).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const settled = (await tabA.list()).activities;
    expect(settled).toEqual(all);
    expect((await tabB.list()).activities).toEqual(settled);

    expectOrderedOnce(settled, tabA.id);
    const users = settled.filter((m) => m.from.role === 'user');
    expect(users.map((m) => m.id).sort()).toEqual([...ids].sort());
    expect(users.map((m) => m.text).sort()).toEqual([...texts].sort());
    const replies = botMessages(settled).slice(1);
    expect(replies, describeActivities(settled)).toHaveLength(30);
    for (const id of ids) expect(replies.filter((m) => m.replyToId === id)).toHaveLength(1);

    // The turns took turns: the replies alternate, in transcript order.
    const kinds = replies.map((m) => (m.text?.startsWith("Sorry, I'm not sure") ? 'again' : 'person'));
    expect(kinds).toEqual(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 'again' : 'person')));
  }, 60_000);

  it('keeps what people type out of the logs', () => {
    const joined = logLines.join('\n');
    expect(joined).not.toMatch(/zorblat|mediation|r_tab/i);
  });
});
