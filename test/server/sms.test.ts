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
import { TOKEN_SECRET } from './helpers';

configureLog('silent');

/** The whole assistant as `npm start` builds it, with SMS turned on by its settings. */
describe('SMS through the assistant server', () => {
  let api: FakeTwilioApi;
  let assistant: Assistant;
  let server: Server;
  let url: string;
  let dataDir: string;
  const council = '+441332555777';

  beforeAll(async () => {
    api = await FakeTwilioApi.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'sms-server-'));
    const config = loadConfig({
      DATA_DIR: dataDir,
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
      LOG_LEVEL: 'silent',
      TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      TWILIO_API_BASE_URL: api.baseUrl,
      PUBLIC_BASE_URL: TEST_PUBLIC_BASE_URL,
      SMS_ID_SECRET: 'sms-id-secret-for-tests-0123456789abcdef',
    });
    assistant = await createAssistant(config, { retention: false });
    server = assistant.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.close();
    await assistant?.close();
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a forged request, and nothing of it is remembered', async () => {
    const from = '+447700900101';
    const forged = await sendWebhook(url, inboundParams({ from, to: council, body: 'hello' }), { signature: 'forged' });
    expect(forged.status).toBe(403);
    // Had the forged message been processed, this would not be the first turn: no welcome.
    const real = await sendWebhook(url, inboundParams({ from, to: council, body: 'how long do I have to appeal to the tribunal?' }));
    expect(real.status).toBe(200);
    expect(real.message).toMatch(/automated SEND assistant/i);
    expect(real.message).toMatch(/2 months|two months/i);
  });

  it('holds a conversation in plain numbered text within three segments', async () => {
    const from = '+447700900102';
    const first = await sendWebhook(url, inboundParams({ from, to: council, body: 'what is mediation' }));
    expect(first.message).toMatch(/Reply 1/);
    // Each message is its own SMS, within three segments; only the last one offers choices.
    expect(first.messages.length).toBeGreaterThanOrEqual(1);
    for (const message of first.messages) expect(message.length).toBeLessThanOrEqual(3 * 153);
    expect(first.messages.filter((m) => /Reply 1/.test(m))).toHaveLength(1);
    expect(first.messages[first.messages.length - 1]).toMatch(/Reply 1/);
    const picked = await sendWebhook(url, inboundParams({ from, to: council, body: '1' }));
    expect(picked.status).toBe(200);
    expect(picked.message).toBeTruthy();
    expect(picked.message).not.toMatch(/not sure|did not understand/i);
    expect(api.requests).toHaveLength(0);
  });

  it('answers the text over the per-minute limit with one short notice, and the next ones with nothing', async () => {
    const from = '+447700900104';
    // SMS_LIMIT_PER_MINUTE is 10 by default.
    for (let n = 1; n <= 10; n += 1) {
      const answered = await sendWebhook(url, inboundParams({ from, to: council, body: `question ${n} about mediation` }));
      expect(answered.status, `text ${n}`).toBe(200);
      expect(answered.message, `text ${n}`).toBeTruthy();
    }
    const eleventh = await sendWebhook(url, inboundParams({ from, to: council, body: 'what is mediation' }));
    expect(eleventh.status).toBe(200);
    expect(eleventh.messages).toEqual(["You've sent a lot of texts in a short time. Please wait a minute, then text again."]);
    for (const body of ['what is mediation', 'hello?', 'HELP']) {
      const quiet = await sendWebhook(url, inboundParams({ from, to: council, body }));
      expect(quiet.status, body).toBe(200);
      expect(quiet.message, body).toBeUndefined();
    }
    expect(api.requests).toHaveLength(0);
  });

  it('answers a repeated delivery of the same message once', async () => {
    const params = inboundParams({ from: '+447700900103', to: council, body: 'can I complain about the school' });
    const first = await sendWebhook(url, params);
    const again = await sendWebhook(url, params);
    expect(first.message).toBeTruthy();
    expect(again.status).toBe(200);
    expect(again.message).toBeUndefined();
  });
});
