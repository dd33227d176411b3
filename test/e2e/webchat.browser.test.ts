import { existsSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { ActivityHandler } from 'botbuilder';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryActivityLog } from '../../src/channels/directline/activityLog';
import { DirectLineAdapter } from '../../src/channels/directline/adapter';
import { createDirectLineRouter } from '../../src/channels/directline/router';
import { createWebRouter } from '../../src/channels/web';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`Skipping the web chat browser test: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

const GREETING = 'Hello, I am the test assistant.';

class TestBot extends ActivityHandler {
  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) await context.sendActivity(GREETING);
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      await context.sendActivity(`You said: ${context.activity.text} [${context.activity.channelData?.tenant}]`);
      await next();
    });
  }
}

describe('the web chat page and bundle over HTTP', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use(createWebRouter());
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server?.close();
  });

  it('serves a page with no inline script under a strict CSP, and Web Chat from this server', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    const html = await page.text();
    expect(html).toMatch(/<main>[\s\S]*<h1>/);
    expect(html).toContain('automated assistant, not a person');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/https?:\/\//);

    const script = await fetch(`${base}/chat.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    const bundle = await fetch(`${base}/webchat/webchat.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(1_000_000);
  });
});

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

describe.skipIf(!hasChromium)(`the web chat page in Chromium (${CHROMIUM})`, () => {
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const log = new InMemoryActivityLog();
    const adapter = new DirectLineAdapter({ log, botId: 'test-bot', botName: 'Test assistant' });
    const bot = new TestBot();
    const app = express();
    app.use(createWebRouter());
    app.use(
      createDirectLineRouter({
        adapter,
        logic: (context) => bot.run(context),
        log,
        tokenSecret: 'browser-test-secret-0123456789abcdef0123',
        tokenTtlSeconds: 1800,
        resolveTenant: (name) => (name === 'derby' ? name : undefined),
        defaultTenant: 'generic',
        botId: 'test-bot',
        botName: 'Test assistant',
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    server?.closeAllConnections();
  });

  it('chats through Web Chat with no send failure and no CSP violation', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });

    const response = await page.goto(`${base}/?tenant=derby`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect(page.locator('main h1').count()).resolves.toBe(1);
    await expect(page.getByText('automated assistant, not a person').count()).resolves.toBe(1);

    // Web Chat also repeats texts in screen reader labels, so look at the bubbles only.
    const bubble = (text: string) => page.locator('.webchat__bubble__content p').filter({ hasText: exactly(text) });

    await bubble(GREETING).waitFor({ timeout: 15_000 });
    const input = page.locator('input[data-id="webchat-sendbox-input"]');
    await input.fill('What is mediation?');
    await input.press('Enter');

    await bubble('You said: What is mediation? [derby]').waitFor({ timeout: 15_000 });
    // The user's own bubble appears once: Web Chat matched the echo by its clientActivityID.
    await expect(bubble('What is mediation?').count()).resolves.toBe(1);
    await expect(bubble(GREETING).count()).resolves.toBe(1);
    await page.getByText(/^Sending/).waitFor({ state: 'detached', timeout: 5_000 });
    await expect(page.getByText(/Send failed/i).count()).resolves.toBe(0);
    expect(problems).toEqual([]);
  });

  it('carries on the same conversation after a reload, history included', { timeout: 90_000 }, async () => {
    const page = await browser.newPage();
    const newChats: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/webchat/token')) newChats.push(request.url());
    });
    const bubble = (text: string) => page.locator('.webchat__bubble__content p').filter({ hasText: exactly(text) });
    const say = async (text: string) => {
      const input = page.locator('input[data-id="webchat-sendbox-input"]');
      await input.fill(text);
      await input.press('Enter');
      await bubble(`You said: ${text} [derby]`).waitFor({ timeout: 15_000 });
    };

    await page.goto(`${base}/?tenant=derby`);
    await bubble(GREETING).waitFor({ timeout: 15_000 });
    await say('before the reload');
    await page.reload();
    await bubble('You said: before the reload [derby]').waitFor({ timeout: 15_000 });
    await say('after the reload');

    expect(newChats).toHaveLength(1);
    for (const text of [GREETING, 'before the reload', 'You said: before the reload [derby]', 'after the reload']) {
      await expect(bubble(text).count(), text).resolves.toBe(1);
    }
    // The person's earlier message is still shown as theirs.
    await expect(page.locator('.webchat__bubble--from-user').filter({ hasText: 'before the reload' }).count()).resolves.toBe(1);
  });

  it('says so when the council in the address is unknown', { timeout: 30_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/?tenant=%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
    await page.getByText('not set up for that council').waitFor({ timeout: 10_000 });
    await expect(page.locator('script:not([src])').count()).resolves.toBe(0);
  });
});
