import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/advisers/accounts';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import type { Store } from '../../src/store/store';
import { expectedFigures, type Expected } from '../insights/expected';
import { generateMonth, type Generated } from '../insights/generate';
import { CHROMIUM, CHROMIUM_ARGS } from './widgetHarness';
import { axeViolations } from './axe';

/**
 * The insights page in Debian's Chromium, under its real Content-Security-Policy, against the real
 * assistant and a store holding a generated month: an adviser signs in on the console, follows
 * the link, sees every chart drawn (pixels on each canvas) with its table holding the figures,
 * marks a group of unanswered questions, and axe-core finds nothing wrong. No CSP violations.
 *
 * UPDATE_SCREENSHOT=1 also saves the page as docs/insights.png (for the README).
 */

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the insights browser test: ${CHROMIUM} is missing (apt-get install -y chromium).`);

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'insights browser password';
const TOPICS = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'knowledge/taxonomy.json'), 'utf8')) as { topics: Array<{ id: string }> }).topics.map((t) => t.id);
const CANVASES = ['chart-days', 'chart-topics', 'chart-outcomes', 'chart-feedback', 'chart-handoffs', 'chart-times', 'chart-callbacks'];

function countText(c: { value: number | null; status: string }): string {
  return c.value !== null ? c.value.toLocaleString('en-GB') : c.status === 'hidden' ? 'hidden' : 'fewer than 5';
}

describe.skipIf(!hasChromium)(`the insights page in Chromium (${CHROMIUM})`, () => {
  let dir: string;
  let store: Store;
  let generated: Generated;
  let assistant: Assistant;
  let server: Server;
  let base: string;
  let browser: Browser;
  let titles: Map<string, string>;

  beforeAll(async () => {
    configureLog('silent');
    dir = mkdtempSync(path.join(tmpdir(), 'send-insights-browser-'));
    ({ store, generated } = await generateMonth({ dataDir: path.join(dir, 'store'), topics: TOPICS }));
    const passwordHash = await hashPassword(PASSWORD, { cost: 4 });
    await store.upsertAdviser({ id: 'max', displayName: 'Max Manager', passwordHash, role: 'manager', tenants: [] });
    assistant = await createAssistant(
      loadConfig({
        NODE_ENV: 'test',
        KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
        DATA_DIR: path.join(dir, 'app'),
        DIRECTLINE_TOKEN_SECRET: 'insights-browser-secret-0123456789abcdef-012345',
        ADVISER_SESSION_SECRET: 'insights-browser-session-secret-0123456789abcdef',
      }),
      { store, retention: false },
    );
    titles = new Map([...assistant.core.knowledge.topics.values()].map((t) => [t.id, t.title]));
    server = assistant.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await assistant?.close({ drainMs: 100 });
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function watched(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
    // Collected before any of the page's scripts run: every CSP violation the page causes.
    await context.addInitScript(() => {
      const w = window as unknown as { cspViolations: string[] };
      w.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        w.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/401 \(Unauthorized\)/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    return { page, problems };
  }

  async function signInAndOpen(page: Page): Promise<void> {
    await page.goto(`${base}/advisers`);
    await page.getByLabel('Username', { exact: true }).fill('max');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: /^Insight for the service/ }).click();
    await page.waitForURL(/\/advisers\/insights/);
    await page.getByText(/^Showing /).waitFor({ timeout: 15_000 });
  }

  /** Pixels on the canvas that are neither blank nor white, and those in a bar colour. */
  async function drawn(page: Page, id: string): Promise<{ inked: number; bars: number; width: number; height: number }> {
    return page.evaluate((canvasId) => {
      const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
      const { width, height } = canvas;
      const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      let inked = 0;
      let bars = 0;
      const colours = [[0x1d, 0x70, 0xb8], [0x00, 0x70, 0x3c], [0xaa, 0x2a, 0x16], [0x50, 0x5a, 0x5f]];
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
        if (a > 0 && !(r > 245 && g > 245 && b > 245)) inked++;
        if (a > 200 && colours.some(([cr, cg, cb]) => Math.abs(r - cr!) < 8 && Math.abs(g - cg!) < 8 && Math.abs(b - cb!) < 8)) bars++;
      }
      return { inked, bars, width, height };
    }, id);
  }

  it('draws every chart, with tables holding the same figures, under the strict CSP; marks an unanswered group', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    const { page, problems } = await watched(context);
    await signInAndOpen(page);
    const expected: Expected = expectedFigures(generated, { from: generated.from, to: generated.to }, titles);

    // Every chart is drawn: pixels in its bar colours, not just axes.
    for (const id of CANVASES) {
      const result = await drawn(page, id);
      expect(result.width, id).toBeGreaterThan(100);
      expect(result.inked, id).toBeGreaterThan(500);
      expect(result.bars, id).toBeGreaterThan(200);
      expect(await page.locator(`#${id}`).getAttribute('role')).toBe('img');
      expect((await page.locator(`#${id}`).getAttribute('aria-label'))!.length, id).toBeGreaterThan(40);
    }
    const total = expected.figures.conversations.total.value!;
    expect(await page.locator('#chart-days').getAttribute('aria-label')).toContain(`${total.toLocaleString('en-GB')} in all`);

    // The tables hold the figures (checked against the generated month, not the API).
    const dayRows = await page.locator('#table-days tbody tr').allTextContents();
    expect(dayRows).toHaveLength(30);
    expect(await page.locator('#table-days tbody td').allTextContents()).toEqual(expected.figures.conversations.perDay.map(countText));
    expect(await page.locator('#table-topics tbody th').allTextContents()).toEqual([
      ...expected.figures.topics.top.map((t) => t.title),
      ...(expected.figures.topics.hiddenTopics ? [`${expected.figures.topics.hiddenTopics} other topic${expected.figures.topics.hiddenTopics === 1 ? '' : 's'}`] : []),
    ]);
    expect((await page.locator('#table-topics tbody td').allTextContents()).slice(0, expected.figures.topics.top.length)).toEqual(
      expected.figures.topics.top.map(countText),
    );
    expect(await page.locator('#table-outcomes tbody td').allTextContents()).toEqual(expected.figures.outcomes.map(countText));
    const fb = expected.figures.feedback;
    expect(await page.locator('#table-feedback tbody td').allTextContents()).toEqual([fb.answers.yes, fb.answers.no, fb.handoffs.yes, fb.handoffs.no].map(countText));
    const h = expected.figures.handoffs;
    expect(await page.locator('#table-handoffs tbody td').allTextContents()).toEqual([h.total, ...h.fates, h.safeguarding].map(countText));
    const c = expected.figures.callbacks;
    expect(await page.locator('#table-callbacks tbody td').allTextContents()).toEqual([c.total, c.done, c.open].map(countText));
    expect(await page.locator('#summary dd').allTextContents()).toEqual([expected.figures.conversations.total, h.total, h.safeguarding, c.total].map(countText));
    const t = (d: { medianSeconds: number | null; p90Seconds: number | null }) => [d.medianSeconds, d.p90Seconds].map((s) => (s === null ? 'fewer than 5 people' : s));
    const timeCells = await page.locator('#table-times tbody td, #table-callback-times tbody td').allTextContents();
    expect(timeCells).toHaveLength(6);
    [h.waitToClaim, h.timeToClose, c.timeToDone].flatMap(t).forEach((seconds, i) => {
      if (typeof seconds === 'string') expect(timeCells[i]).toBe(seconds);
      else expect(timeCells[i]).toMatch(Math.round(seconds / 60) < 60 ? new RegExp(`^${Math.round(seconds / 60)} minutes?$`) : /^\d+ (hours?|days?)( \d+ (minutes?|hours?))?$/);
    });
    expect(await page.locator('table:not(:has(caption))').count()).toBe(0);

    // Unanswered questions: groups of 5 or more, biggest first.
    const counts = await page.locator('#unanswered-list .group__count').allTextContents();
    expect(counts).toEqual(expected.unanswered.groups.map((g) => `${g.count} questions`));
    expect(await page.locator('#unanswered-hidden').textContent()).toContain(`${expected.unanswered.hiddenGroups} smaller groups`);

    if (process.env.UPDATE_SCREENSHOT === '1') {
      await page.screenshot({ path: path.join(REPO_ROOT, 'docs/insights.png'), fullPage: true });
    }

    // Mark the biggest group as added to the knowledge.
    const first = page.locator('#unanswered-list > li').first();
    const firstIds = expected.unanswered.groups[0]!.ids;
    await first.getByRole('button', { name: 'Added to knowledge' }).click();
    await page.getByText(`Marked ${firstIds.length} questions as added to the knowledge.`).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('#unanswered-list .group__count').allTextContents()).toEqual(
      expected.unanswered.groups.slice(1).map((g) => `${g.count} questions`),
    );
    const added = new Set((await store.listUnanswered({ status: 'added', limit: 1000 })).map((u) => u.id));
    for (const id of firstIds) expect(added.has(id)).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('unanswered-title');

    // A filter: one council; the CSV link follows the filters.
    await page.getByLabel('Council').selectOption('derby');
    await page.getByRole('button', { name: 'Show figures' }).click();
    await page.getByText(/^Showing .*Derby City Council, all channels\.$/).waitFor();
    expect(page.url()).toContain('tenant=derby');
    expect(await page.locator('#csv').getAttribute('href')).toMatch(/^\/advisers\/insights\.csv\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&tenant=derby$/);
    const derby = expectedFigures(generated, { from: generated.from, to: generated.to, tenants: ['derby'] }, titles);
    expect(await page.locator('#summary dd').first().textContent()).toBe(countText(derby.figures.conversations.total));

    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('finds no accessibility problems (axe-core), wide and narrow, with the tables open', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    const { page, problems } = await watched(context);
    await signInAndOpen(page);
    expect(await axeViolations(page)).toEqual([]);
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
    expect(await axeViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.waitForTimeout(300);
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(problems).toEqual([]);
    await context.close();
  });
});
