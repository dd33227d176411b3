import { existsSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { ActivityHandler } from 'botbuilder';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
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
/** Suggested actions as long as the assistant's real ones. */
const STARTERS = [
  'Help me work out what to do',
  "I'm not happy with the help my child gets at school. What should I do first?",
  'How long do I have to appeal to the SEND Tribunal?',
  'Do I have to go to mediation before I appeal? How do I get a mediation certificate?',
];
/** Two long messages sent together, as after a disclosure of risk: the first must stay in view. */
const URGENT =
  "URGENT FIRST LINE. I'm worried by what you've said.\n\nIf anyone is in danger right now, call 999.\n\n" +
  '- Childline (for children and young people): 0800 1111, free, any time\n- Samaritans (for anyone): 116 123, free, any time\n\n' +
  'Milton Keynes Council children\'s services, through the council\'s website or switchboard.';
const FOLLOW_UP =
  "I'm sorry, there's no adviser available to chat right now. Advisers are available Monday to Friday, 9:30am to 3:30pm.\n\n" +
  'If you like, I can take a few details so an adviser can call or email you back. They will try to get in touch when they are next working.\n\n' +
  'You can also contact SENDIASS. Their advice is free, impartial and confidential.\n\nFOLLOW-UP LAST LINE.';
/** Numbers as the knowledge writes them, and things that look like numbers but are not phones. */
const NUMBERS =
  'If anyone is in danger, call 999.\n\n- Childline: 0800 1111\n- Samaritans: 116 123\n\n' +
  'Derby SENDIASS on 01332 641414, or Contact on 0808 808 3555. Code of Practice 11.67 to 11.111, £999, in 2026, 9:30am. ' +
  'Forms on GOV.UK; advice at www.ipsea.org.uk.';

class TestBot extends ActivityHandler {
  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) {
          await context.sendActivity({
            type: 'message',
            text: GREETING,
            suggestedActions: { to: [], actions: STARTERS.map((title) => ({ type: 'imBack', title, value: title })) },
          });
        }
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      const text = context.activity.text ?? '';
      if (text === 'urgent please') {
        await context.sendActivities([
          { type: 'message', text: URGENT, textFormat: 'markdown' },
          { type: 'message', text: FOLLOW_UP, textFormat: 'markdown' },
        ]);
      } else if (text.startsWith('numbers')) {
        await context.sendActivity({ type: 'message', text: NUMBERS, textFormat: 'markdown' });
      } else {
        await context.sendActivity(`You said: ${text} [${context.activity.channelData?.tenant}]`);
      }
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

/** The page and Direct Line over an in-memory log, with the scripted test bot behind them. */
async function startChatServer(): Promise<{ server: Server; base: string }> {
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
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base };
}

describe.skipIf(!hasChromium)(`the web chat page in Chromium (${CHROMIUM})`, () => {
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, base } = await startChatServer());
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

/** Resolves once the chat has stopped scrolling (its position unchanged for 20 frames in a row). */
async function scrollingSettled(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const scroller = document.querySelector('#webchat .webchat__basic-transcript__scrollable');
        let last = -1;
        let still = 0;
        const check = () => {
          const top = scroller ? scroller.scrollTop : 0;
          still = top === last ? still + 1 : 0;
          last = top;
          if (still >= 20) resolve();
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
  );
}

/** Whether an element is on screen, within the chat's scrolling area. */
async function inView(page: Page, locator: Locator): Promise<boolean> {
  const scroller = await page.locator('#webchat .webchat__basic-transcript__scrollable').boundingBox();
  const box = await locator.boundingBox();
  if (!scroller || !box) return false;
  return box.y >= scroller.y - 1 && box.y + box.height <= scroller.y + scroller.height + 1 && box.y + box.height <= page.viewportSize()!.height;
}

describe.skipIf(!hasChromium)(`the web chat page on a phone (${CHROMIUM})`, () => {
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, base } = await startChatServer());
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'] });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    server?.closeAllConnections();
  });

  async function phone(width = 375, height = 700): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext({ viewport: { width, height }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    await page.goto(`${base}/?tenant=derby`);
    await page.locator('.webchat__bubble__content p').filter({ hasText: exactly(GREETING) }).waitFor({ timeout: 15_000 });
    return { page, problems, close: () => context.close() };
  }

  const sendBox = (page: Page) => page.locator('input[data-id="webchat-sendbox-input"]');

  it('keeps the first of several new messages in view, and still announces them all', { timeout: 60_000 }, async () => {
    const { page, problems, close } = await phone();
    await page.evaluate(() => {
      const region = document.querySelector('#webchat .webchat__live-region-transcript');
      const heard: string[] = [];
      (window as unknown as { heard: string[] }).heard = heard;
      if (region) new MutationObserver(() => heard.push(region.textContent ?? '')).observe(region, { childList: true, subtree: true, characterData: true });
    });
    await sendBox(page).fill('urgent please');
    await sendBox(page).press('Enter');
    await page.locator('.webchat__bubble__content p').filter({ hasText: 'FOLLOW-UP LAST LINE.' }).waitFor({ state: 'attached', timeout: 15_000 });
    await scrollingSettled(page);

    const transcript = page.locator('#webchat .webchat__basic-transcript');
    expect(await inView(page, transcript.locator('.webchat__bubble__content p').filter({ hasText: 'URGENT FIRST LINE.' }))).toBe(true);
    expect(await inView(page, transcript.getByRole('link', { name: '999' }))).toBe(true);
    // Screen readers hear both messages (Web Chat's live region), whatever is on screen.
    await page.waitForFunction(() => {
      const heard = (window as unknown as { heard: string[] }).heard.join(' ');
      return heard.includes('URGENT FIRST LINE') && heard.includes('FOLLOW-UP LAST LINE');
    });
    await page.screenshot({ path: path.join(tmpdir(), 'webchat-phone-several-messages.png') });
    expect(problems).toEqual([]);
    await close();
  });

  it('makes phone numbers in its own messages tap-to-call links, never in what the person typed', { timeout: 60_000 }, async () => {
    const { page, problems, close } = await phone();
    const typed = 'numbers: call me on 07700 900123 or 999 <b>now</b> <a href="tel:1">x</a>';
    await sendBox(page).fill(typed);
    await sendBox(page).press('Enter');
    const answer = page.locator('.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content').filter({ hasText: 'Derby SENDIASS' });
    await answer.waitFor({ timeout: 15_000 });
    await answer.locator('a[href^="tel:"]').nth(4).waitFor();

    const links = await answer.locator('a').evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
    expect(links).toEqual([
      ['999', 'tel:999'],
      ['0800 1111', 'tel:08001111'],
      ['116 123', 'tel:116123'],
      ['01332 641414', 'tel:01332641414'],
      ['0808 808 3555', 'tel:08088083555'],
      // Addresses written without https:// go to https://, not http://.
      ['GOV.UK', 'https://GOV.UK'],
      ['www.ipsea.org.uk', 'https://www.ipsea.org.uk'],
    ]);
    expect(await answer.innerText()).toContain('11.67 to 11.111, £999, in 2026, 9:30am');
    // Visible, and reachable by keyboard.
    const call = answer.getByRole('link', { name: '01332 641414' });
    expect(await call.isVisible()).toBe(true);
    await call.focus();
    expect(await call.evaluate((element) => element === document.activeElement)).toBe(true);

    // What the person typed: shown as they typed it, no links, no HTML.
    const mine = page.locator('.webchat__bubble--from-user .webchat__bubble__content').filter({ hasText: '07700 900123' });
    expect((await mine.innerText()).trim()).toBe(typed);
    expect(await mine.locator('a, b').count()).toBe(0);
    expect(problems).toEqual([]);
    await close();
  });

  it('limits the send box to 5,000 characters, counts near the limit, and never loses a refused message', { timeout: 60_000 }, async () => {
    const { page, problems, close } = await phone();
    const input = sendBox(page);
    const count = page.locator('#chat-count');

    await input.fill('a'.repeat(4499));
    expect(await count.isVisible()).toBe(false);
    await input.press('b');
    await expect(count.innerText()).resolves.toBe('4,500 of 5,000 characters');
    expect(await count.isVisible()).toBe(true);
    expect(await input.getAttribute('aria-describedby')).toContain('chat-count');

    const pasted = 'My daughter has had so many problems. '.repeat(140); // 5,320 characters
    await input.fill(pasted);
    expect(await input.inputValue()).toBe(pasted.slice(0, 5000));
    await expect(count.innerText()).resolves.toBe("5,000 of 5,000 characters. That's the most one message can have.");

    // A page without the limit (or another way past it): the server's 400 is shown, in words,
    // there is no Retry that cannot work, and what was typed is back in the box.
    await input.evaluate((element) => element.removeAttribute('maxlength'));
    await input.fill(pasted);
    await input.press('Enter');
    const alert = page.locator('#chat-alert[role="alert"]');
    await alert.filter({ hasText: 'Your message was not sent.' }).waitFor({ timeout: 15_000 });
    expect(await alert.innerText()).toBe(
      'Your message was not sent. Messages can be at most 5000 characters long. What you typed is back in the message box, so you can change it and send it again.',
    );
    expect(await alert.isVisible()).toBe(true);
    // (Web Chat sends the message trimmed: the trailing space is all that differs.)
    await page.waitForFunction((text) => (document.querySelector('input[data-id="webchat-sendbox-input"]') as HTMLInputElement).value === text, pasted.trim());
    await page.getByText('Not sent.').waitFor();
    expect(await page.getByText(/Retry/).count()).toBe(0);
    expect(await input.evaluate((element) => element === document.activeElement)).toBe(true);
    // Web Chat itself logs the refused post to the console; nothing else may go wrong.
    expect(problems.filter((p) => !/status of 400|Failed to post activity/.test(p))).toEqual([]);
    await close();
  });

  it.each([
    [375, 700],
    [320, 568],
  ])('at %ix%i: a compact heading, suggested actions readable in full, room for the conversation', { timeout: 60_000 }, async (width, height) => {
    const { page, problems, close } = await phone(width, height);
    const actions = page.locator('#webchat .webchat__suggested-action');
    await actions.nth(STARTERS.length - 1).waitFor({ state: 'attached', timeout: 15_000 });
    await page.screenshot({ path: path.join(tmpdir(), `webchat-phone-${width}x${height}.png`) });

    // Every label whole: nothing cut off with "…" (the text fits its button).
    expect(await actions.allInnerTexts()).toEqual(STARTERS);
    const cut = await actions.evaluateAll((buttons) =>
      buttons.filter((b) => {
        const text = b.querySelector('.webchat__suggested-actions__button-text') ?? b;
        return text.scrollWidth > text.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1;
      }).length,
    );
    expect(cut).toBe(0);
    // The first is on screen; the rest can be scrolled to, and each reached by keyboard.
    expect(await actions.first().isVisible()).toBe(true);
    await actions.last().focus();
    await actions.last().scrollIntoViewIfNeeded();
    const lastBox = (await actions.last().boundingBox())!;
    expect(lastBox.y + lastBox.height).toBeLessThanOrEqual(height);

    const heading = (await page.locator('h1').boundingBox())!;
    const notice = (await page.locator('.notice').boundingBox())!;
    expect(notice.y + notice.height).toBeLessThanOrEqual(110);
    expect(heading.height).toBeLessThanOrEqual(30);
    // The conversation keeps at least a third of the screen, with the buttons showing.
    const conversation = (await page.locator('#webchat .webchat__basic-transcript__scrollable').boundingBox())!;
    expect(conversation.height).toBeGreaterThanOrEqual(height / 3);
    expect(problems).toEqual([]);
    await close();
  });
});
