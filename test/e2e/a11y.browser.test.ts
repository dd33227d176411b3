import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startWidgetSetup, type WidgetSetup } from './widgetHarness';
import { axeViolations } from './axe';

/**
 * axe-core (WCAG 2.0, 2.1 and 2.2 A and AA, and best practices) on the web chat page and on a
 * council's page with the widget, closed and open with a conversation in it.
 */

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the accessibility browser test: ${CHROMIUM} is missing (apt-get install -y chromium).`);

describe.skipIf(!hasChromium)(`accessibility (axe-core) in Chromium (${CHROMIUM})`, () => {
  let setup: WidgetSetup;

  beforeAll(async () => {
    setup = await startWidgetSetup();
  }, 60_000);

  afterAll(async () => {
    await setup?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await setup.browser.newContext({ bypassCSP: true });
    return context.newPage();
  }

  it('finds nothing on the web chat page with a conversation in it', { timeout: 60_000 }, async () => {
    const page = await newPage();
    await page.goto(`${setup.assistantBase}/?tenant=derby`);
    await page.getByText(/automated assistant for .*SEND service/i).first().waitFor({ timeout: 20_000 });
    const input = page.locator('input[data-id="webchat-sendbox-input"]');
    await input.fill('How do I appeal?');
    await input.press('Enter');
    await page.getByText('Where this comes from').first().waitFor({ timeout: 20_000 });
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('finds nothing on a council page with the widget closed, then open with a conversation', { timeout: 60_000 }, async () => {
    const page = await newPage();
    await page.goto(setup.pageUrl);
    await page.locator('button.send-assistant__launcher').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await axeViolations(page)).toEqual([]);

    await page.locator('button.send-assistant__launcher').click();
    const input = page.locator('#send-assistant-panel input[data-id="webchat-sendbox-input"]');
    await input.waitFor({ timeout: 30_000 });
    await page.getByText(/automated assistant for .*SEND service/i).first().waitFor({ timeout: 20_000 });
    await input.fill('How do I appeal?');
    await input.press('Enter');
    await page.locator('#send-assistant-panel').getByText('Where this comes from').first().waitFor({ timeout: 20_000 });
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  });
});
