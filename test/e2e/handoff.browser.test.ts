import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, ChatPage, REPLY_TIMEOUT, startAssistant, type RunningAssistant } from './chatPage';
import { axeViolations } from './axe';

/**
 * The hand-off as its two people meet it, in Debian's Chromium against the assistant started as
 * `npm start` starts it: an adviser account made with `npm run advisers -- add`, the adviser
 * signed in to /advisers, a parent on the web chat page asking for a person. The queue updates
 * live, the adviser claims, replies and closes; the parent sees the adviser's words as text and
 * the assistant coming back; axe-core finds nothing on the console with a real conversation open.
 */

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the hand-off browser test: ${CHROMIUM} is missing (apt-get install -y chromium).`);

const run = promisify(execFile);
const PASSWORD = 'browser test adviser password';

describe.skipIf(!hasChromium)('hand-off from the web chat page to the adviser console, in Chromium', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-handoff-browser-'));
  let assistant: RunningAssistant;
  let browser: Browser;

  beforeAll(async () => {
    // The account is made the way a council's IT team makes one.
    await run(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), 'scripts/advisers.ts', 'add', 'sam', '--name', 'Sam', '--role', 'adviser', '--all-tenants'], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', ADVISER_PASSWORD: PASSWORD, LOG_LEVEL: 'warn' },
    });
    assistant = await startAssistant(dataDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await assistant?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('queues, claims, relays both ways as text, closes, and the assistant comes back', { timeout: 120_000 }, async () => {
    const problems: string[] = [];
    // bypassCSP only so axe-core can be injected; the console's own CSP is tested in advisers.browser.test.ts.
    const adviserContext = await browser.newContext({ bypassCSP: true });
    const console_ = await adviserContext.newPage();
    console_.on('pageerror', (error) => problems.push(`console page: ${error.message}`));
    await console_.goto(`${assistant.base}/advisers`);
    await console_.getByLabel('Username', { exact: true }).fill('sam');
    await console_.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await console_.getByRole('button', { name: 'Sign in' }).click();
    await console_.getByText('Live updates on').waitFor({ timeout: REPLY_TIMEOUT });

    const personContext = await browser.newContext();
    const page = await personContext.newPage();
    page.on('pageerror', (error) => problems.push(`chat page: ${error.message}`));
    await page.goto(assistant.base);
    const chat = new ChatPage(page);
    await chat.sendBox.waitFor({ timeout: REPLY_TIMEOUT });
    await chat.type('Can I talk to a real person please? <i>today</i> if possible');
    await chat.see("Can I pass on what you've typed so far?").catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await chat.transcript()}`);
    });
    await chat.press('Yes, pass it on', 'suggested');
    await chat.see(/in the queue/);

    // The adviser's queue shows it without a reload, with the parent's words as text.
    const item = console_.locator('#queue-list li').first();
    await item.waitFor({ timeout: REPLY_TIMEOUT });
    expect(await item.textContent()).toContain('<i>today</i>');
    await item.getByRole('button', { name: /^Claim/ }).click();
    await console_.locator('#reply-text').waitFor({ state: 'visible' });
    await chat.see(/Sam/);

    await console_.locator('#reply-text').fill('Hello, I am Sam. <b>Not bold</b>. What happened today?');
    await console_.keyboard.press('Control+Enter');
    await chat.see('Hello, I am Sam. <b>Not bold</b>. What happened today?');
    expect(await page.locator('#webchat b').count()).toBe(0);

    const botBubbles = page.locator('#webchat .webchat__bubble:not(.webchat__bubble--from-user)');
    const botLinesBefore = await botBubbles.count();
    await chat.type('They sent him home at lunchtime');
    await console_.locator('#transcript .line--person').getByText('They sent him home at lunchtime').waitFor({ timeout: REPLY_TIMEOUT });
    await console_.locator('#reply-text').fill('Thank you. Did the school give you a letter?');
    await console_.keyboard.press('Control+Enter');
    await chat.see('Thank you. Did the school give you a letter?');
    // Between the two adviser lines the assistant said nothing of its own.
    expect(await botBubbles.count()).toBe(botLinesBefore + 1);

    expect(await axeViolations(console_)).toEqual([]);

    await console_.getByRole('button', { name: 'Close conversation' }).click();
    await console_.getByRole('button', { name: 'Yes, close it' }).click();
    await chat.see(/automated assistant again/);
    expect(problems).toEqual([]);
    await personContext.close();
    await adviserContext.close();
  });
});
