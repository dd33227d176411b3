import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssistant, type Assistant } from '../../src/app';
import { ConversationNotFoundError } from '../../src/channels/directline/activityLog';
import { ConversationTokens } from '../../src/channels/directline/tokens';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import {
  Conversation,
  REPO_ROOT,
  TOKEN_SECRET,
  botMessages,
  call,
  dropSchema,
  expectOrderedOnce,
  freshSchema,
  postgresTarget,
} from './helpers';

/**
 * The assistant with its web chat transcript in the store (SQLite and PostgreSQL): watermarks are
 * the store's sequence numbers, and bad requests (unknown conversations, forged or misdirected
 * tokens, odd watermarks) get a clear 4xx, never a 500.
 */

const target = await postgresTarget();
if (target.skip) console.warn(`[storeLog.test] PostgreSQL cases skipped: ${target.skip}`);

const kinds = [
  { name: 'SQLite', skip: false },
  { name: 'PostgreSQL', skip: target.skip !== undefined },
] as const;

for (const kind of kinds) {
  describe.skipIf(kind.skip)(`the web chat on the ${kind.name} store`, () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'send-storelog-'));
    const schema = freshSchema('storelog_test');
    const settings = {
      NODE_ENV: 'test',
      KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
      DATA_DIR: dataDir,
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
      ...(kind.name === 'PostgreSQL' && { DATABASE_URL: target.url!, DATABASE_SCHEMA: schema }),
    };
    let assistant: Assistant;
    let server: Server;
    let base: string;

    async function start(): Promise<void> {
      assistant = await createAssistant(loadConfig(settings));
      server = assistant.app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    async function stop(): Promise<void> {
      await new Promise((resolve) => server.close(resolve));
      await assistant.close();
    }

    beforeAll(async () => {
      configureLog('silent');
      await start();
    });

    afterAll(async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (kind.name === 'PostgreSQL') await dropSchema(target.url!, schema);
    });

    it(`keeps the transcript in the ${kind.name} store, with store sequence numbers as watermarks`, async () => {
      expect(assistant.store.kind).toBe(kind.name === 'SQLite' ? 'sqlite' : 'postgres');
      const tab = await Conversation.begin(base);
      await tab.waitFor((all) => botMessages(all).length === 1, 10_000, 'the welcome');
      // Starting it again (a second tab, a reload) never greets twice.
      const again = await call(base, '/v3/directline/conversations', { method: 'POST', token: tab.token, body: {} });
      expect(again.status).toBe(200);

      const asked = await tab.say('How long do I have to appeal to the SEND Tribunal?');
      expect(asked).toBe(`${tab.id}|0000002`);
      await tab.waitFor((all) => botMessages(all).find((m) => m.replyToId === asked), 10_000, 'the answer');
      const page = await tab.list();
      expect(page.watermark).toBe('3');
      expectOrderedOnce(page.activities, tab.id);
      for (const activity of page.activities) {
        expect(new Date(activity.timestamp).toISOString()).toBe(activity.timestamp);
        expect(activity.conversation).toEqual({ id: tab.id });
      }
      expect(page.activities[1]).toMatchObject({ type: 'message', from: { id: 'r_tab', role: 'user' }, channelData: { clientActivityID: expect.any(String) } });

      const entries = await assistant.store.listActivities(tab.id);
      expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3]);
      expect(entries.map((entry) => entry.activity)).toEqual(page.activities);
      expect((await assistant.store.getConversation(tab.id))).toMatchObject({ tenant: 'generic', channel: 'webchat', started: true, lastSeq: 3 });

      // From a watermark: only what is newer. At or beyond the end: nothing, and the real end.
      expect((await tab.list('1')).activities.map((m) => m.id)).toEqual(page.activities.slice(1).map((m) => m.id));
      expect(await tab.list('3')).toEqual({ activities: [], watermark: '3' });
      expect(await tab.list('999999999999999')).toEqual({ activities: [], watermark: '3' });
      expect((await tab.list('0')).activities).toHaveLength(3);
    });

    it('answers bad requests with a clear 4xx', async () => {
      const tab = await Conversation.begin(base);
      const other = await Conversation.begin(base);
      const genuine = new ConversationTokens({ secret: TOKEN_SECRET, ttlSeconds: 600 });
      const forger = new ConversationTokens({ secret: 'not-the-server-secret-0123456789abcdef', ttlSeconds: 600 });
      const unknownToken = genuine.issue('no-such-conversation', 'generic').token;
      const forgedToken = forger.issue(tab.id, 'generic').token;
      const expired = new ConversationTokens({ secret: TOKEN_SECRET, ttlSeconds: 60, now: () => Date.now() - 3_600_000 }).issue(tab.id, 'generic').token;
      const message = { type: 'message', text: 'hello' };

      const cases: [string, Promise<{ status: number; json: any }>, number, string][] = [
        ['unknown conversation: activities', call(base, '/v3/directline/conversations/no-such-conversation/activities', { token: unknownToken }), 404, 'conversation_not_found'],
        ['unknown conversation: post', call(base, '/v3/directline/conversations/no-such-conversation/activities', { method: 'POST', token: unknownToken, body: message }), 404, 'conversation_not_found'],
        ['unknown conversation: start', call(base, '/v3/directline/conversations', { method: 'POST', token: unknownToken, body: {} }), 404, 'conversation_not_found'],
        ['unknown conversation: refresh', call(base, '/v3/directline/tokens/refresh', { method: 'POST', token: unknownToken }), 404, 'conversation_not_found'],
        ['token for another conversation', call(base, `/v3/directline/conversations/${other.id}/activities`, { token: tab.token }), 403, 'wrong_conversation'],
        ['unknown id with a real token', call(base, '/v3/directline/conversations/no-such-conversation/activities', { token: tab.token }), 403, 'wrong_conversation'],
        ['forged token', call(base, `/v3/directline/conversations/${tab.id}/activities`, { token: forgedToken }), 401, 'invalid_token'],
        ['forged token: post', call(base, `/v3/directline/conversations/${tab.id}/activities`, { method: 'POST', token: forgedToken, body: message }), 401, 'invalid_token'],
        ['garbage token', call(base, `/v3/directline/conversations/${tab.id}/activities`, { token: 'abc.def' }), 401, 'invalid_token'],
        ['no token', call(base, `/v3/directline/conversations/${tab.id}/activities`), 401, 'missing_token'],
        ['expired token', call(base, `/v3/directline/conversations/${tab.id}/activities`, { token: expired }), 403, 'token_expired'],
        ['watermark not a number', call(base, `/v3/directline/conversations/${tab.id}/activities?watermark=-1`, { token: tab.token }), 400, 'invalid_watermark'],
        ['unknown council', call(base, '/api/webchat/token', { method: 'POST', body: { tenant: 'atlantis' } }), 400, 'unknown_tenant'],
      ];
      for (const [what, pending, status, code] of cases) {
        const reply = await pending;
        expect({ what, status: reply.status, code: reply.json?.error?.code }).toEqual({ what, status, code });
      }
      // None of that touched the real conversations.
      expect(await assistant.store.conversationExists('no-such-conversation')).toBe(false);
      expect((await other.list()).activities.filter((m) => m.from.role === 'user')).toHaveLength(0);
    });

    it('tells the log caller about an unknown conversation with its own error', async () => {
      await expect(assistant.activityLog.since('no-such-conversation')).rejects.toBeInstanceOf(ConversationNotFoundError);
      await expect(assistant.activityLog.append('no-such-conversation', { type: 'message', text: 'x' })).rejects.toBeInstanceOf(ConversationNotFoundError);
      expect(await assistant.activityLog.markStarted('no-such-conversation')).toBe(false);
    });

    it('carries a conversation on after the assistant is closed and built again on the same store', async () => {
      const tab = await Conversation.begin(base);
      await tab.waitFor((all) => botMessages(all).length === 1, 10_000, 'the welcome');
      await tab.say('mediation');
      await tab.waitFor((all) => botMessages(all).length === 2, 10_000, 'the clarifying question');
      await stop();
      await start();
      const resumed = tab.at(base);
      const chose = await resumed.say('1');
      const answer = await resumed.waitFor((all) => botMessages(all).find((m) => m.replyToId === chose), 10_000, 'the answer');
      expect(answer.text).toContain('Mediation');
      expectOrderedOnce((await resumed.list()).activities, tab.id);
    });
  });
}
