import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  councilPagePolicy,
  cspViolations,
  recordCspViolations,
  startWidgetSetup,
  watchProblems,
  type WidgetSetup,
} from './widgetHarness';

/**
 * The widget as a council embeds it: one script tag on a page of another origin with a strict
 * CSP, the real assistant behind it. Used by keyboard only; the conversation survives a reload.
 */

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the widget browser test: ${CHROMIUM} is missing (apt-get install -y chromium).`);

const LAUNCHER = 'button.send-assistant__launcher';
const PANEL = '#send-assistant-panel';
const SEND_BOX = 'input[data-id="webchat-sendbox-input"]';

async function focusedMatches(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector);
}

async function focusIsInPanel(page: Page): Promise<boolean> {
  return page.evaluate((s) => document.querySelector(s)?.contains(document.activeElement) ?? false, PANEL);
}

async function tabTo(page: Page, selector: string, maxPresses = 15): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    if (await focusedMatches(page, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** The chat's visible bubbles (Web Chat repeats texts in screen reader labels). */
function transcript(page: Page): Promise<string> {
  return page.locator(`${PANEL} .webchat__basic-transcript`).innerText();
}

describe.skipIf(!hasChromium)(`the embeddable widget in Chromium (${CHROMIUM})`, () => {
  let setup: WidgetSetup;

  beforeAll(async () => {
    setup = await startWidgetSetup();
  }, 60_000);

  afterAll(async () => {
    await setup?.close();
  });

  it('is opened by keyboard, answers with its source over a WebSocket, and keeps the conversation across a reload', { timeout: 120_000 }, async () => {
    const page = await setup.browser.newPage();
    await recordCspViolations(page);
    const problems = watchProblems(page, [new URL(setup.pageUrl).origin, setup.assistantBase]);
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));

    const response = await page.goto(setup.pageUrl);
    expect(response?.headers()['content-security-policy']).toBe(councilPagePolicy(setup.assistantBase));
    await expect(page.locator('script:not([src])').count()).resolves.toBe(0);

    // Tab to the button: a real button, named by its text, saying it is collapsed.
    const launcher = page.locator(LAUNCHER);
    await launcher.waitFor({ state: 'visible', timeout: 15_000 });
    await tabTo(page, LAUNCHER);
    await expect(launcher.getAttribute('aria-expanded')).resolves.toBe('false');
    await expect(launcher.innerText()).resolves.toBe('Ask about SEND disagreements');
    const focusStyle = await launcher.evaluate((element) => {
      const style = getComputedStyle(element);
      return { background: style.backgroundColor, shadow: style.boxShadow };
    });
    expect(focusStyle.background).toBe('rgb(255, 221, 0)'); // the visible focus style
    expect(focusStyle.shadow).not.toBe('none');

    // Enter opens the panel, and focus moves into it: to the send box once Web Chat is there.
    await page.keyboard.press('Enter');
    await expect(launcher.getAttribute('aria-expanded')).resolves.toBe('true');
    await page.locator(PANEL).waitFor({ state: 'visible' });
    expect(await focusIsInPanel(page)).toBe(true);
    await page.locator(SEND_BOX).waitFor({ timeout: 30_000 });
    await page.waitForFunction((s) => document.activeElement?.matches(s), SEND_BOX, { timeout: 10_000 });
    await page.getByText(/automated assistant/i).first().waitFor({ timeout: 20_000 });

    // Web Chat's live region (aria-live) announces new messages to screen readers, then empties.
    await page.evaluate(() => {
      const region = document.querySelector('#send-assistant-panel .webchat__live-region-transcript');
      const heard: string[] = [];
      (window as unknown as { announced: string[] }).announced = heard;
      if (!region) return;
      new MutationObserver(() => heard.push(region.textContent ?? '')).observe(region, { childList: true, subtree: true, characterData: true });
    });
    await expect(page.locator(`${PANEL} .webchat__live-region-transcript`).getAttribute('aria-live')).resolves.toBe('polite');

    // Ask by typing, as a keyboard user does.
    await page.keyboard.type('How do I appeal?');
    await page.keyboard.press('Enter');
    await page.locator(PANEL).getByText('Where this comes from').first().waitFor({ timeout: 30_000 });
    const first = await transcript(page);
    expect(first).toContain('How do I appeal?');
    expect(first).toMatch(/tribunal/i);
    expect(first).not.toMatch(/Send failed/i);
    // Replies come over the Direct Line stream, not by polling.
    expect(sockets.some((url) => url.startsWith(setup.assistantBase.replace(/^http/, 'ws')) && url.includes('/stream?'))).toBe(true);

    const announced = await page.evaluate(() => (window as unknown as { announced: string[] }).announced.join(' '));
    expect(announced).toMatch(/tribunal/i);

    // Escape closes the panel and gives the focus back to the button.
    await page.locator(SEND_BOX).focus();
    await page.keyboard.press('Escape');
    await page.locator(PANEL).waitFor({ state: 'hidden' });
    await expect(launcher.getAttribute('aria-expanded')).resolves.toBe('false');
    expect(await focusedMatches(page, LAUNCHER)).toBe(true);

    // Open again, then reload: the same conversation, earlier messages still shown.
    await page.keyboard.press('Enter');
    await page.locator(SEND_BOX).waitFor();
    const conversationsBefore = await page.evaluate(() => Object.keys(sessionStorage).length);
    await page.reload();
    await page.locator(PANEL).waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator(PANEL).getByText('Where this comes from').first().waitFor({ timeout: 30_000 });
    const afterReload = await transcript(page);
    expect(afterReload).toContain('How do I appeal?');
    expect(await page.evaluate(() => Object.keys(sessionStorage).length)).toBe(conversationsBefore);

    // The conversation goes on: the next answer arrives, and nothing is shown twice.
    const input = page.locator(SEND_BOX);
    await input.focus();
    await page.keyboard.type('can I talk to a person');
    await page.keyboard.press('Enter');
    await page.locator(PANEL).getByText('01332 641414').first().waitFor({ timeout: 30_000 });
    // The council's number is a tap-to-call link (chat-extras.js, loaded under the council's CSP).
    const call = page.locator(`${PANEL} .webchat__bubble:not(.webchat__bubble--from-user) a[href="tel:01332641414"]`).first();
    await call.waitFor({ timeout: 10_000 });
    await expect(call.innerText()).resolves.toBe('01332 641414');
    expect(await page.locator(`${PANEL} .webchat__bubble--from-user a`).count()).toBe(0);
    // The send box takes what the server does, and no more.
    await expect(page.locator(SEND_BOX).getAttribute('maxlength')).resolves.toBe('5000');
    const bubbles = page.locator(`${PANEL} .webchat__bubble__content`);
    const texts = await bubbles.allInnerTexts();
    expect(texts.filter((text) => text.trim() === 'How do I appeal?')).toHaveLength(1);
    expect(texts.filter((text) => /automated assistant/i.test(text))).toHaveLength(1);
    await expect(page.getByText(/Send failed/i).count()).resolves.toBe(0);

    expect(await cspViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses the chat to a site that is not allowed (CORS)', { timeout: 30_000 }, async () => {
    const page = await setup.browser.newPage();
    // A page on the assistant's own origin may call it; one on an unlisted origin may not.
    await page.goto(`${setup.assistantBase}/healthz`);
    const sameOrigin = await page.evaluate(async () => (await fetch('/api/webchat/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    expect(sameOrigin).toBe(200);
    await page.goto('data:text/html,<title>elsewhere</title>');
    const elsewhere = await page.evaluate(async (base) => {
      try {
        await fetch(`${base}/api/webchat/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return 'allowed';
      } catch {
        return 'blocked';
      }
    }, setup.assistantBase);
    expect(elsewhere).toBe('blocked');
    await page.close();
  });
});
