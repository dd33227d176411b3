import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssistant, type Assistant } from '../../src/app';
import { RateLimiter } from '../../src/channels/directline/rateLimit';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';

/**
 * What the assistant's server promises council sites and browsers: helmet headers and a strict
 * CSP on every response, CORS only for the configured council origins, the widget's files
 * loadable from other sites, and a per-address limit on starting chats.
 */

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const COUNCIL = 'https://localoffer.example.gov.uk';
const EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

async function start(settings: Record<string, string>): Promise<{ assistant: Assistant; server: Server; base: string; dataDir: string }> {
  configureLog('silent');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'send-webchat-security-'));
  const assistant = await createAssistant(
    loadConfig({
      NODE_ENV: 'test',
      KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
      DATA_DIR: dataDir,
      DIRECTLINE_TOKEN_SECRET: 'security-test-secret-0123456789abcdef-0123456789',
      ...settings,
    }),
    { retention: false },
  );
  const server = assistant.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { assistant, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dataDir };
}

async function stop(started: Awaited<ReturnType<typeof start>> | undefined): Promise<void> {
  if (!started) return;
  await started.assistant.close({ drainMs: 1000 });
  started.server.closeAllConnections();
  await new Promise((resolve) => started.server.close(resolve));
  rmSync(started.dataDir, { recursive: true, force: true });
}

function newChat(base: string, headers: Record<string, string> = {}) {
  return fetch(`${base}/api/webchat/token`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
}

describe('headers, CSP and CORS', () => {
  let started: Awaited<ReturnType<typeof start>>;

  beforeAll(async () => {
    started = await start({ WIDGET_ALLOWED_ORIGINS: `${COUNCIL}, https://www.other-council.example` });
  });

  afterAll(() => stop(started));

  it('puts helmet headers and the strict CSP on every response: pages, scripts, JSON and 404s', async () => {
    for (const target of ['/', '/widget.js', '/healthz', '/nowhere']) {
      const response = await fetch(started.base + target);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, target).toContain("default-src 'none'");
      expect(csp, target).toMatch(/script-src 'self'(;|$)/);
      expect(csp, target).toContain(`style-src 'self' ${EMPTY_STYLE_HASH}`);
      expect(csp, target).not.toContain('unsafe-inline');
      expect(csp, target).not.toContain('unsafe-eval');
      expect(response.headers.get('x-content-type-options'), target).toBe('nosniff');
      expect(response.headers.get('strict-transport-security'), target).toMatch(/max-age=\d+/);
      expect(response.headers.get('x-frame-options'), target).toBe('SAMEORIGIN');
      expect(response.headers.get('referrer-policy'), target).toBe('no-referrer');
      expect(response.headers.get('x-powered-by'), target).toBeNull();
    }
  });

  it('lets council pages load the widget, its styles and Web Chat from here, and nothing else', async () => {
    for (const file of ['/widget.js', '/widget.css', '/webchat/webchat.js']) {
      const response = await fetch(started.base + file);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('cross-origin-resource-policy'), file).toBe('cross-origin');
      await response.arrayBuffer();
    }
    const page = await fetch(`${started.base}/`);
    expect(page.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style=/);
  });

  it('answers CORS preflights for configured council origins only, with the headers Direct Line sends', async () => {
    for (const target of ['/api/webchat/token', '/v3/directline/tokens/refresh', '/v3/directline/conversations/abc/activities']) {
      const preflight = (origin: string) =>
        fetch(started.base + target, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization,content-type,x-ms-bot-agent,x-requested-with',
          },
        });
      const allowed = await preflight(COUNCIL);
      expect(allowed.status, target).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin'), target).toBe(COUNCIL);
      expect(allowed.headers.get('access-control-allow-headers'), target).toBe('authorization, content-type, x-ms-bot-agent, x-requested-with');
      expect(allowed.headers.get('access-control-allow-credentials'), target).toBeNull();
      const other = await preflight('https://evil.example');
      expect(other.headers.get('access-control-allow-origin'), target).toBeNull();
    }
    const issued = await newChat(started.base, { origin: 'https://www.other-council.example' });
    expect(issued.headers.get('access-control-allow-origin')).toBe('https://www.other-council.example');
    expect(issued.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(await issued.json()).toMatchObject({ token: expect.any(String), webSocket: true });
  });
});

describe('the limit on starting chats', () => {
  let started: Awaited<ReturnType<typeof start>>;

  beforeAll(async () => {
    started = await start({ WEBCHAT_TOKEN_LIMIT: '3', WEBCHAT_TOKEN_LIMIT_WINDOW_SECONDS: '120', WIDGET_ALLOWED_ORIGINS: COUNCIL });
  });

  afterAll(() => stop(started));

  it('answers 429 with Retry-After (readable by the widget) once an address has started its allowance', async () => {
    for (let i = 0; i < 3; i++) expect((await newChat(started.base)).status).toBe(200);
    const refused = await newChat(started.base, { origin: COUNCIL });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(refused.headers.get('access-control-allow-origin')).toBe(COUNCIL);
    expect(await refused.json()).toEqual({ error: { code: 'too_many_requests', message: expect.any(String) } });
    // Requests it would refuse anyway do not count, and do not get a 429.
    expect((await fetch(`${started.base}/api/webchat/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tenant":"nowhere"}' })).status).toBe(400);
    // Behind no trusted proxy, X-Forwarded-For is not believed.
    expect((await newChat(started.base, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(429);
  });
});

describe('the limit behind a trusted proxy (TRUST_PROXY)', () => {
  let started: Awaited<ReturnType<typeof start>>;

  beforeAll(async () => {
    started = await start({ WEBCHAT_TOKEN_LIMIT: '1', TRUST_PROXY: 'loopback' });
  });

  afterAll(() => stop(started));

  it('counts each client address the proxy names separately', async () => {
    expect((await newChat(started.base, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
    expect((await newChat(started.base, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(429);
    expect((await newChat(started.base, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
  });

  it('gives wss stream URLs when the proxy says the request came over https', async () => {
    const issued = await newChat(started.base, { 'x-forwarded-for': '203.0.113.3' });
    const { token } = (await issued.json()) as { token: string };
    const startedChat = await fetch(`${started.base}/v3/directline/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'assistant.example.gov.uk' },
      body: '{}',
    });
    expect(((await startedChat.json()) as { streamUrl: string }).streamUrl).toMatch(/^wss:\/\/assistant\.example\.gov\.uk\/v3\/directline\/conversations\/[\w-]+\/stream\?t=/);
  });
});

describe('RateLimiter', () => {
  it('allows max per window, then says how long to wait, and forgets old windows', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ max: 2, windowSeconds: 60, maxKeys: 2, now: () => now });
    expect(limiter.take('a')).toEqual({ allowed: true });
    expect(limiter.take('a')).toEqual({ allowed: true });
    now += 15_000;
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(limiter.take('b')).toEqual({ allowed: true });
    now += 45_000;
    expect(limiter.take('a')).toEqual({ allowed: true });
    limiter.take('c');
    limiter.take('d'); // beyond maxKeys: the oldest window is forgotten
    expect(limiter.take('b')).toEqual({ allowed: true });
  });
});
