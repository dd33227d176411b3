import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';

/**
 * For the widget's browser tests: the real assistant on one origin, and a stand-in council page
 * (web/widget-test.html, with the widget's one script tag) on another, served with the strict
 * Content-Security-Policy the README asks councils for.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN_SECRET = 'widget-test-secret-0123456789abcdef-0123456789';
/** The hash of an empty <style> element: what Web Chat's emotion needs (see src/channels/web.ts). */
export const EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

export interface WidgetSetup {
  assistant: Assistant;
  /** The assistant, e.g. http://127.0.0.1:40001 */
  assistantBase: string;
  /** The council's page, on another origin. */
  pageUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/** The policy a council's page would send, allowing the assistant and nothing else. */
export function councilPagePolicy(assistantBase: string): string {
  const socket = assistantBase.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    `script-src ${assistantBase}`,
    `style-src ${assistantBase} ${EMPTY_STYLE_HASH}`,
    `img-src ${assistantBase} data: blob:`,
    `font-src ${assistantBase} data:`,
    `connect-src ${assistantBase} ${socket}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function startWidgetSetup(): Promise<WidgetSetup> {
  configureLog('silent');
  let assistantBase = '';
  const template = readFileSync(path.join(REPO_ROOT, 'web/widget-test.html'), 'utf8');
  const council: Server = createServer((req, res) => {
    if (req.url !== '/' && !req.url?.startsWith('/?')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': councilPagePolicy(assistantBase),
    });
    res.end(template.replaceAll('__ASSISTANT_ORIGIN__', assistantBase));
  });
  council.listen(0, '127.0.0.1');
  await once(council, 'listening');
  const pageOrigin = `http://127.0.0.1:${(council.address() as AddressInfo).port}`;

  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-widget-e2e-'));
  const assistant = await createAssistant(
    loadConfig({
      NODE_ENV: 'test',
      KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
      DATA_DIR: dataDir,
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
      WIDGET_ALLOWED_ORIGINS: pageOrigin,
      LOG_LEVEL: 'silent',
    }),
    { retention: false },
  );
  const server = assistant.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  assistantBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    assistant,
    assistantBase,
    pageUrl: `${pageOrigin}/`,
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      await assistant.close({ drainMs: 1000 });
      server.closeAllConnections();
      council.closeAllConnections();
      await Promise.all([new Promise((resolve) => server.close(resolve)), new Promise((resolve) => council.close(resolve))]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Collects what must not happen on a page: console errors (which include CSP violations), page
 * errors, failed responses, and requests to anywhere but the page's and the assistant's origins.
 */
export function watchProblems(page: Page, allowedOrigins: string[]): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  page.on('request', (request) => {
    const url = request.url();
    if (/^(data|blob):/.test(url)) return;
    const origin = new URL(url).origin;
    if (!allowedOrigins.includes(origin)) problems.push(`request to another site: ${url}`);
  });
  return problems;
}

/** Records Content-Security-Policy violations from inside the page too (they are also console errors). */
export async function recordCspViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const violations: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = violations;
    document.addEventListener('securitypolicyviolation', (event) => {
      violations.push(`${event.violatedDirective} ${event.blockedURI || '(inline)'}`);
    });
  });
}

export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);
}
