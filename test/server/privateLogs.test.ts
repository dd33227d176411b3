import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import {
  FakeTwilioApi, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_PUBLIC_BASE_URL, inboundParams, sendWebhook,
} from '../helpers/fakeSmsProvider';
import { Conversation, TOKEN_SECRET, botMessages } from './helpers';

const PRIVATE = {
  name: 'Maisie Thornbury',
  email: 'maisie.parent@example.org',
  phone: '07700 900982',
  smsNumber: '+447700900982',
  school: 'Larkspur Primary',
};

/** Everything logged during whole conversations, at the most talkative level, holds none of what people typed. */
describe('logs hold no message text, names, phone numbers or emails', () => {
  const lines: string[] = [];
  let assistant: Assistant;
  let server: Server;
  let base: string;
  let dataDir: string;
  let api: FakeTwilioApi;

  beforeAll(async () => {
    configureLog('debug', (line) => lines.push(line));
    api = await FakeTwilioApi.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'private-logs-'));
    assistant = await createAssistant(loadConfig({
      DATA_DIR: dataDir,
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
      LOG_LEVEL: 'debug',
      TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      TWILIO_API_BASE_URL: api.baseUrl,
      PUBLIC_BASE_URL: TEST_PUBLIC_BASE_URL,
      SMS_ID_SECRET: 'sms-id-secret-for-tests-0123456789abcdef',
    }), { retention: false });
    server = assistant.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.close();
    await assistant?.close();
    await api?.close();
    configureLog('silent');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('after web chat and SMS conversations full of personal details', async () => {
    const chat = await Conversation.begin(base);
    const messages = [
      `Hi, I'm ${PRIVATE.name}, my email is ${PRIVATE.email} and my number is ${PRIVATE.phone}`,
      `${PRIVATE.school} won't give my son the support in his EHCP. How do I complain?`,
      'blorp wizzle',
      'the council refused to assess him, the letter was dated 3 March 2026, how long do I have to appeal?',
    ];
    for (const text of messages) {
      const before = botMessages((await chat.list()).activities).length;
      await chat.say(text);
      await chat.waitFor((all) => (botMessages(all).length > before ? true : undefined));
    }
    for (const body of [`this is ${PRIVATE.name}, ${PRIVATE.email}`, 'STOP', 'START', 'how do I appeal?']) {
      const reply = await sendWebhook(base, inboundParams({ from: PRIVATE.smsNumber, to: '+441332555777', body }));
      expect(reply.status).toBe(200);
    }
    // A forged request and a bad one are logged too: still nothing personal.
    await sendWebhook(base, inboundParams({ from: PRIVATE.smsNumber, to: '+441332555777', body: PRIVATE.email }), { signature: 'forged' });

    const logged = lines.join('\n');
    // The logs do say what happened (so the check below has something to look at).
    expect(lines.length).toBeGreaterThan(5);
    expect(logged).toMatch(/"event":"sms[._]/);
    for (const value of [PRIVATE.name, 'Maisie', 'Thornbury', PRIVATE.email, PRIVATE.phone, '07700', '900982', PRIVATE.school, 'blorp', 'EHCP']) {
      expect(logged, `the logs mention ${value}`).not.toContain(value);
    }
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  }, 60_000);
});
