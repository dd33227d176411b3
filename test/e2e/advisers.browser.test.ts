import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDesk } from '../advisers/fakeDesk';
import { PASSWORD, startConsole, type ConsoleSetup } from '../advisers/harness';
import { CHROMIUM, CHROMIUM_ARGS } from './widgetHarness';
import { axeViolations } from './axe';

/**
 * The adviser console in Debian's Chromium, under its real Content-Security-Policy, against an
 * in-memory hand-off desk: sign in, see the queue (a hostile summary shown as text), claim, reply,
 * get a live message, close; and axe-core finds nothing on the signed-out and signed-in pages.
 */

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the adviser console browser test: ${CHROMIUM} is missing (apt-get install -y chromium).`);

const HOSTILE = '<img src=x onerror=alert(1)>';

function seed(desk: FakeDesk): { urgent: string; hostile: string } {
  const hostile = desk.add({
    tenant: 'derby',
    reason: 'asked',
    minutesAgo: 12,
    summary: {
      reason: 'asked',
      tenant: 'derby',
      channel: 'directline',
      consent: true,
      topic: { id: 'tribunal-appeal', title: `Appeals ${HOSTILE}` },
      asked: `My son's EHCP ${HOSTILE} was refused`,
      dates: [{ label: 'Decision letter', date: '2026-01-02' }],
      deadlines: [{ label: 'Appeal to the Tribunal', date: '2026-03-02', rule: '2 months from the letter' }],
      transcript: { conversationId: 'conv-hostile', href: '/advisers' },
    },
    lines: [
      { from: 'person', text: `Hello ${HOSTILE}` },
      { from: 'assistant', text: 'I will find a person for you.' },
    ],
  });
  const urgent = desk.add({ tenant: 'derby', reason: 'safeguarding', minutesAgo: 1, channel: 'sms' });
  desk.addCallback({ tenant: 'derby', name: `Pat ${HOSTILE}`, contact: '07700 900123', bestTime: 'After 3pm' });
  return { urgent: urgent.id, hostile: hostile.id };
}

describe.skipIf(!hasChromium)(`the adviser console in Chromium (${CHROMIUM})`, () => {
  let browser: Browser;
  let setup: ConsoleSetup;
  let ids: { urgent: string; hostile: string };

  beforeAll(async () => {
    setup = await startConsole({ router: { heartbeatMs: 5000 } });
    ids = seed(setup.desk);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await setup?.close();
  });

  async function watched(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/401 \(Unauthorized\)/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    return { page, problems };
  }

  async function signIn(page: Page, username: string): Promise<void> {
    await page.goto(`${setup.base}/advisers`);
    await page.getByLabel('Username', { exact: true }).fill(username);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#queue-list li').first().waitFor({ timeout: 10_000 });
  }

  it('signs in, shows the queue with urgent first and hostile text as text, claims, replies, hears the person and closes', { timeout: 60_000 }, async () => {
    // No bypassCSP here: the page must work under its own policy.
    const context = await browser.newContext();
    const { page, problems } = await watched(context);

    await page.goto(`${setup.base}/advisers`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // A wrong password first: a clear message, and focus on it.
    await page.getByLabel('Username', { exact: true }).fill('sam');
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The username or password is not right.').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sign-in-error');

    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#queue-list li').first().waitFor({ timeout: 10_000 });
    await page.getByText('Signed in as').waitFor();
    await page.getByText('Live updates on').waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('queue-title');

    // Urgent first, clearly marked.
    const first = page.locator('#queue-list li').first();
    expect(await first.getAttribute('data-id')).toBe(ids.urgent);
    expect(await first.textContent()).toMatch(/Urgent: safeguarding/i);
    expect(await first.textContent()).toMatch(/SMS/);

    // The hostile summary is on the page as text, and no element was made from it.
    const hostileItem = page.locator(`#queue-list li[data-id="${ids.hostile}"]`);
    expect(await hostileItem.textContent()).toContain(`My son's EHCP ${HOSTILE} was refused`);
    expect(await hostileItem.textContent()).toMatch(/Derby, Web chat/);
    expect(await hostileItem.textContent()).toMatch(/Waiting 12 minutes/);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('#callbacks-list').textContent()).toContain(`Pat ${HOSTILE}`);

    // Open it: the summary and the whole transcript.
    await hostileItem.getByRole('button', { name: /^View/ }).click();
    await expect.poll(() => page.locator('#conversation-title').textContent()).toBe('Conversation from Derby, Web chat');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('conversation-title');
    const summary = page.locator('#summary');
    expect(await summary.textContent()).toContain(`Appeals ${HOSTILE}`);
    expect(await summary.textContent()).toContain('Decision letter: Friday 2 January 2026');
    expect(await summary.textContent()).toContain('Appeal to the Tribunal: Monday 2 March 2026');
    expect(await page.locator('#transcript').textContent()).toContain(`Hello ${HOSTILE}`);
    expect(await page.locator('img').count()).toBe(0);

    // Claim: the reply box appears and has focus.
    await page.getByRole('button', { name: 'Claim this conversation' }).click();
    await page.locator('#reply-text').waitFor({ state: 'visible' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('reply-text');
    expect(setup.desk.handoffs.get(ids.hostile)?.claimedBy).toBe('console:sam');
    await page.locator(`#mine-list li[data-id="${ids.hostile}"]`).waitFor();

    // Reply with the keyboard only.
    await page.keyboard.type('Hello, I am Sam. <b>Not bold</b>');
    await page.keyboard.press('Control+Enter');
    await page.locator('#transcript .line--adviser').getByText('Hello, I am Sam. <b>Not bold</b>').waitFor();
    expect(setup.desk.replies.at(-1)).toEqual({ adviserId: 'console:sam', handoffId: ids.hostile, text: 'Hello, I am Sam. <b>Not bold</b>' });
    expect(await page.locator('#transcript b').count()).toBe(0);
    expect(await page.locator('#reply-text').inputValue()).toBe('');

    // The person writes: it arrives through the event stream and is announced.
    setup.desk.personWrites(ids.hostile, `Thanks ${HOSTILE}`);
    await page.locator('#transcript .line--person').getByText(`Thanks ${HOSTILE}`).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('#announce-polite').textContent()).toContain(`New message from the person: Thanks ${HOSTILE}`);

    // A second adviser cannot claim what Sam holds: the queue no longer offers it.
    const other = await browser.newContext();
    const second = await watched(other);
    await signIn(second.page, 'kim');
    expect(await second.page.locator(`#queue-list li[data-id="${ids.hostile}"]`).count()).toBe(0);
    // A link from a Teams card opens that conversation, also on a fresh load.
    const title = second.page.locator('#conversation-title');
    await second.page.goto(`${setup.base}/advisers/#/handoffs/${ids.urgent}`);
    await expect.poll(() => title.textContent()).toBe('Urgent: Conversation from Derby, SMS');
    await second.page.reload();
    await expect.poll(() => title.textContent()).toBe('Urgent: Conversation from Derby, SMS');
    await expect.poll(() => second.page.evaluate(() => document.activeElement?.id)).toBe('conversation-title');
    expect(second.problems).toEqual([]);
    await other.close();

    // Close, with a confirmation step.
    await page.getByRole('button', { name: 'Close conversation' }).click();
    await page.getByRole('button', { name: 'Yes, close it' }).click();
    await page.getByText('Choose a conversation from the queue or from My conversations.').waitFor();
    expect(setup.desk.closed.at(-1)).toEqual({ adviserId: 'console:sam', handoffId: ids.hostile });
    await expect.poll(() => page.locator(`#mine-list li[data-id="${ids.hostile}"]`).count()).toBe(0);

    // Sign out: back to the form.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out.').waitFor();
    expect(await page.locator('#console').isHidden()).toBe(true);

    expect(problems).toEqual([]);
    await context.close();
  });

  it('says no one can sign in when there are no accounts, and shows no form', { timeout: 30_000 }, async () => {
    const empty = await startConsole({ accounts: [] });
    const context = await browser.newContext();
    try {
      const { page, problems } = await watched(context);
      await page.goto(`${empty.base}/advisers`);
      await page.getByText(/No one can sign in yet/).waitFor();
      expect(await page.locator('#sign-in-form').isHidden()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      await empty.close();
    }
  });

  it('finds no accessibility problems (axe-core) signed out, signed in, with a conversation open, and in a narrow window', { timeout: 60_000 }, async () => {
    const extra = setup.desk.add({ tenant: 'derby', reason: 'not-confident' });
    const context = await browser.newContext({ bypassCSP: true });
    const { page } = await watched(context);
    await page.goto(`${setup.base}/advisers`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    await signIn(page, 'sam');
    await page.getByText('Live updates on').waitFor({ timeout: 10_000 });
    expect(await axeViolations(page)).toEqual([]);

    await page.locator(`#queue-list li[data-id="${extra.id}"]`).getByRole('button', { name: /^Claim/ }).click();
    await page.locator('#reply-text').waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Close conversation' }).click();
    await page.getByRole('button', { name: 'Yes, close it' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    await page.setViewportSize({ width: 360, height: 740 });
    expect(await axeViolations(page)).toEqual([]);
    // Nothing wider than the window.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await context.close();
  });
});
