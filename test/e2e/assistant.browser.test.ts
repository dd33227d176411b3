import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the assistant browser test: ${CHROMIUM} is missing (apt-get install -y chromium).`);

/** Starts the assistant exactly as `npm start` does, on a free port and a throwaway data folder. */
async function startAssistant(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/server.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'development', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the assistant did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = output.match(/localhost:(\d+)/)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the assistant exited (${code}): ${output}`)));
  });
  return { child, base };
}

describe.skipIf(!hasChromium)('the assistant in a real browser', () => {
  let browser: Browser;
  let child: ChildProcess;
  let base: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'send-assistant-e2e-'));
    ({ child, base } = await startAssistant(dataDir));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    child?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['derby', '01332 641414'],
    ['milton-keynes', '01908 254518'],
  ])('answers "How do I appeal?" with its source for %s', async (tenant, sendiassPhone) => {
    const page = await browser.newPage();
    await page.goto(`${base}/?tenant=${tenant}`);
    await page.getByText(/automated assistant for .*SEND service/i).first().waitFor({ timeout: 20_000 });
    const input = page.locator('input[data-id="webchat-sendbox-input"]');
    await input.fill('How do I appeal?');
    await input.press('Enter');
    await page.getByText('Where this comes from').first().waitFor({ timeout: 20_000 });
    const transcript = await page.locator('#webchat').innerText();
    expect(transcript).toMatch(/tribunal/i);
    expect(transcript).toMatch(/Code of Practice|council|Information, Advice and Support/i);
    expect(transcript).not.toMatch(/Send failed/i);
    expect(transcript).not.toContain('{{');
    // A sentence after a list is a paragraph of its own, not pulled into the last bullet.
    const lastBullets = await page.locator('#webchat li').evaluateAll((items) => items.map((li) => li.textContent ?? ''));
    expect(lastBullets.filter((text) => /Take care with paid SEND advocates|There is more in the SEND Code of Practice/.test(text))).toEqual([]);
    await expect(page.locator('#webchat p').filter({ hasText: 'Take care with paid SEND advocates' }).count()).resolves.toBe(1);

    await input.fill('can I talk to a person');
    await input.press('Enter');
    await page.getByText(sendiassPhone).first().waitFor({ timeout: 20_000 });
    await page.close();
  }, 60_000);

  it('shows what a person typed as text, never as HTML', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/?tenant=derby`);
    await page.getByText(/automated assistant/i).first().waitFor({ timeout: 20_000 });
    const input = page.locator('input[data-id="webchat-sendbox-input"]');
    await input.fill('<img src=x onerror="document.title=\'pwned\'"> <b>bold</b>');
    await input.press('Enter');
    await page.getByText('<b>bold</b>', { exact: false }).first().waitFor({ timeout: 20_000 });
    expect(await page.title()).not.toBe('pwned');
    expect(await page.locator('[role="log"] img[src="x"]').count()).toBe(0);
    await page.close();
  }, 60_000);
});
