import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { MemoryStorage } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssistantBot } from '../../src/bot/createAssistantBot';
import { smsText } from '../../src/bot/renderReply';
import { createSmsRouter } from '../../src/channels/sms/router';
import { encodingOf, segmentCount } from '../../src/channels/sms/segments';
import { createSmsAdapter } from '../../src/channels/sms/smsAdapter';
import { configureLog } from '../../src/log';
import { core } from '../helpers/testBot';
import {
  FakeTwilioApi,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TEST_PUBLIC_BASE_URL,
  inboundParams,
  sendWebhook,
} from '../helpers/fakeSmsProvider';

configureLog('silent');

const PARENT = '+447700900456';

let api: FakeTwilioApi;
let server: Server;
let url: string;
let derbyNumber: string;

/** The project's real bot (as test/helpers/testBot.ts builds it), behind the SMS adapter and webhook. */
beforeAll(async () => {
  api = await FakeTwilioApi.start();
  const { knowledge } = core();
  // The tenant files list no SMS numbers yet: this test gives Derby one.
  derbyNumber = '+441332555001';
  const numbers = new Map<string, string>();
  for (const tenant of knowledge.tenants.values()) for (const number of tenant.smsNumbers) numbers.set(number, tenant.id);
  numbers.set(derbyNumber, 'derby');

  const storage = new MemoryStorage();
  const bot = createAssistantBot({ core: core(), storage, defaultTenant: 'generic' });
  const adapter = createSmsAdapter({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, apiBaseUrl: api.baseUrl, idSecret: 'real-bot-test-secret-0123456789' });
  const app = express();
  app.use(
    createSmsRouter({
      adapter,
      logic: (context) => bot.run(context),
      authToken: TEST_AUTH_TOKEN,
      publicBaseUrl: TEST_PUBLIC_BASE_URL,
      tenantForNumber: (to) => numbers.get(to) ?? 'generic',
      storage,
      serviceName: (tenant) => `${knowledge.tenants.get(tenant)?.councilName ?? 'Council'} SEND advice`,
    }),
  );
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  server.closeAllConnections();
  await api.close();
});

describe('SMS with the real assistant', () => {
  it('greets on the first text for the council of the number written to, then answers in plain SMS', async () => {
    const first = await sendWebhook(url, inboundParams({ from: PARENT, to: derbyNumber, body: 'hello' }));
    expect(first.status).toBe(200);
    const greeting = first.message ?? '';
    // It starts with the welcome for Derby (the council of the number), as rendered for SMS.
    const { replies } = core();
    const derbyWelcome = smsText(replies.welcome('derby'));
    expect(derbyWelcome).not.toBe(smsText(replies.welcome('generic')));
    expect(greeting.startsWith(derbyWelcome.slice(0, 120))).toBe(true);
    expect(segmentCount(greeting)).toBeLessThanOrEqual(3);
    expect(encodingOf(greeting)).toBe('GSM-7');
    // Plain text: no markdown, and choices as numbers.
    expect(greeting).not.toMatch(/\*\*|\]\(/);
    expect(greeting).toMatch(/\n1 /);

    const help = await sendWebhook(url, inboundParams({ from: PARENT, to: derbyNumber, body: 'HELP' }));
    expect(help.message).toBe(
      'Derby City Council SEND advice: automated answers about SEND disagreements. Text your question. Reply STOP to stop texts, START to restart.',
    );

    const answer = await sendWebhook(url, inboundParams({ from: PARENT, to: derbyNumber, body: 'how long do I have to appeal to the tribunal?' }));
    expect(answer.status).toBe(200);
    const text = answer.message ?? '';
    expect(text.length).toBeGreaterThan(20);
    expect(text.startsWith(derbyWelcome.slice(0, 60))).toBe(false); // greeted once only
    expect(segmentCount(text)).toBeLessThanOrEqual(3);
    expect(text).not.toMatch(/\*\*|Where this comes from/);
    expect(text).toMatch(/tribunal|appeal|deadline|date/i);
    expect(api.requests).toHaveLength(0);
  });
});
