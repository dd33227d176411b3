import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/advisers/accounts';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { configureLog } from '../../src/log';
import type { Store } from '../../src/store/store';
import { expectedCsvRows, expectedFigures, parseCsv, type Expected, type View } from './expected';
import { CALLBACK_CONTACT, CALLBACK_NAME, generateMonth, londonDay, shiftDay, UNANSWERED_GROUPS, type Generated } from './generate';

/**
 * Insight for the SEND service, end to end: a generated month written into a real SQLite store,
 * the real assistant (createAssistant) listening on a port, and every figure of the page's JSON
 * API and of the CSV export checked against counts worked out here from the generated data, for
 * several periods, councils and channels and for advisers limited to some councils; suppression
 * of anything under 5; marking a group of unanswered questions; and no way in for the public.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'insights test password';
const TOPICS = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'knowledge/taxonomy.json'), 'utf8')) as { topics: Array<{ id: string }> }).topics.map((t) => t.id);
const CSV_HEADER = ['period_from', 'period_to', 'tenant', 'channel', 'section', 'key', 'label', 'value', 'unit', 'status'];

let dir: string;
let store: Store;
let generated: Generated;
let assistant: Assistant;
let server: Server;
let base: string;
let titles: Map<string, string>;
const cookies = new Map<string, string>();

async function signIn(username: string): Promise<string> {
  const cached = cookies.get(username);
  if (cached) return cached;
  const res = await fetch(`${base}/advisers/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(res.status).toBe(204);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('adviser_session='))!.split(';')[0]!;
  cookies.set(username, cookie);
  return cookie;
}

async function get(route: string, username?: string): Promise<Response> {
  return fetch(`${base}${route}`, { headers: username ? { cookie: await signIn(username) } : {}, redirect: 'manual' });
}

function queryOf(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** Compares one response of the JSON API with what the generated data says. */
function checkJson(json: any, expected: Expected): void {
  const f = expected.figures;
  expect(json.period).toEqual(f.period);
  expect(json.threshold).toBe(5);
  expect(json.conversations).toEqual(f.conversations);
  expect(json.topics).toEqual(f.topics);
  expect(json.outcomes.map(({ label: _l, ...rest }: { label: string }) => rest)).toEqual(f.outcomes);
  expect(json.outcomes.every((o: { label: unknown }) => typeof o.label === 'string' && o.label.length > 0)).toBe(true);
  expect(json.feedback).toEqual(f.feedback);
  expect({ ...json.handoffs, fates: json.handoffs.fates.map(({ label: _l, ...rest }: { label: string }) => rest) }).toEqual(f.handoffs);
  expect(json.callbacks).toEqual(f.callbacks);

  // Unanswered questions: the groups of 5 or more, biggest first, each exactly a designed group.
  const groups = json.unanswered.groups as Array<{ key: string; value: number; status: string; example: string; others: string[]; ids: string[] }>;
  expect(groups.map((g) => g.value)).toEqual(expected.unanswered.groups.map((g) => g.count));
  expect(new Set(groups.map((g) => [...g.ids].sort().join()))).toEqual(new Set(expected.unanswered.groups.map((g) => g.ids.join())));
  for (const group of groups) {
    const designed = expected.unanswered.groups.find((g) => g.ids.join() === [...group.ids].sort().join())!;
    expect(group.status).toBe('shown');
    expect(group.ids).toHaveLength(group.value);
    expect(designed.texts).toContain(group.example);
    expect(group.others.length).toBeLessThanOrEqual(3);
    for (const other of group.others) expect(designed.texts).toContain(other);
    expect(new Set([group.example, ...group.others].map((t) => t.toLowerCase())).size).toBe(group.others.length + 1);
    expect(group.key).toMatch(/^[0-9a-f]{16}$/);
  }
  expect(json.unanswered.hiddenGroups).toBe(expected.unanswered.hiddenGroups);
  expect(json.unanswered.limited).toBe(false);

  // Suppressed means no number anywhere.
  const text = JSON.stringify(json);
  expect(text).not.toMatch(/"value":[0-4][,}]/);
  expect(text).not.toContain(CALLBACK_NAME);
  expect(text).not.toContain(CALLBACK_CONTACT);
  expect(text).not.toContain('gen-');
}

function checkCsv(csv: string, expected: Expected, scope: { tenant: string; channel: string }): void {
  const rows = parseCsv(csv);
  expect(rows[0]).toEqual(CSV_HEADER);
  const body = rows.slice(1);
  for (const row of body) {
    expect(row).toHaveLength(CSV_HEADER.length);
    expect(row.slice(0, 4)).toEqual([expected.figures.period.from, expected.figures.period.to, scope.tenant, scope.channel]);
    expect(row[6]!.length).toBeGreaterThan(0);
  }
  expect(body.map((r) => [r[4], r[5], r[7], r[8], r[9]])).toEqual(expectedCsvRows(expected));
  // Topic labels are the knowledge's titles.
  for (const row of body.filter((r) => r[4] === 'topics' && r[5] !== 'hidden_topics')) expect(row[6]).toBe(titles.get(row[5]!) ?? row[5]);
  // Never a suppressed number, never anything anyone typed, never a person's details.
  for (const row of body) if (row[9] !== 'shown') expect(row[7]).toBe('');
  for (const row of body) if (row[9] === 'shown' && row[8] === 'count') expect(Number(row[7])).toBeGreaterThanOrEqual(5);
  for (const texts of Object.values(UNANSWERED_GROUPS)) for (const t of texts) expect(csv).not.toContain(t);
  expect(csv).not.toContain(CALLBACK_NAME);
  expect(csv).not.toContain(CALLBACK_CONTACT);
  expect(csv).not.toContain('gen-');
}

async function checkView(view: View, params: Record<string, string | undefined>, username = 'max', csvTenant?: string): Promise<Expected> {
  const expected = expectedFigures(generated, view, titles);
  const res = await get(`/advisers/insights.json${queryOf(params)}`, username);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const json = await res.json();
  checkJson(json, expected);
  const csv = await get(`/advisers/insights.csv${queryOf(params)}`, username);
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="send-insights_[0-9_a-z-]+\.csv"$/);
  checkCsv(await csv.text(), expected, { tenant: csvTenant ?? params.tenant ?? 'all', channel: params.channel ?? 'all' });
  return expected;
}

beforeAll(async () => {
  configureLog('silent');
  dir = mkdtempSync(path.join(tmpdir(), 'send-insights-'));
  ({ store, generated } = await generateMonth({ dataDir: path.join(dir, 'store'), topics: TOPICS }));
  const passwordHash = await hashPassword(PASSWORD, { cost: 4 });
  await store.upsertAdviser({ id: 'max', displayName: 'Max Manager', passwordHash, role: 'manager', tenants: [] });
  await store.upsertAdviser({ id: 'ana', displayName: 'Ana Adviser', passwordHash, role: 'adviser', tenants: [] });
  await store.upsertAdviser({ id: 'sam', displayName: 'Sam Derby', passwordHash, role: 'adviser', tenants: ['derby'] });
  await store.upsertAdviser({ id: 'wyn', displayName: 'Wyn Two', passwordHash, role: 'adviser', tenants: ['worcestershire', 'milton-keynes'] });
  assistant = await createAssistant(
    loadConfig({
      NODE_ENV: 'test',
      KNOWLEDGE_DIR: path.join(REPO_ROOT, 'knowledge'),
      DATA_DIR: path.join(dir, 'app'),
      DIRECTLINE_TOKEN_SECRET: 'insights-test-secret-0123456789abcdef-0123456789',
      ADVISER_SESSION_SECRET: 'insights-test-session-secret-0123456789abcdef',
    }),
    { store, retention: false },
  );
  titles = new Map([...assistant.core.knowledge.topics.values()].map((t) => [t.id, t.title]));
  server = assistant.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await assistant?.close({ drainMs: 100 });
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('insights: who can see them', () => {
  it('turns the public away: the page goes to the sign-in, the API answers 401', async () => {
    const page = await get('/advisers/insights');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/advisers');
    for (const route of ['/advisers/insights.json', '/advisers/insights.csv', '/advisers/insights.json?tenant=derby']) {
      const res = await get(route);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'SignInRequired' } });
    }
    const forged = await fetch(`${base}/advisers/insights.json`, { headers: { cookie: 'adviser_session=eyJ2IjoxfQ.forged' } });
    expect(forged.status).toBe(401);
    const bearer = await fetch(`${base}/advisers/insights.csv`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(bearer.status).toBe(401);
    const post = await fetch(`${base}/advisers/insights/unanswered`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [generated.unanswered[0]!.id], status: 'added' }),
    });
    expect(post.status).toBe(401);
    const form = await fetch(`${base}/advisers/insights/unanswered`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'status=added' });
    expect(form.status).toBe(415);
    expect((await store.listUnanswered({ status: 'added', limit: 1000 })).length).toBe(2);
  });

  it('serves the page to advisers and managers under a strict CSP, with its scripts and Chart.js from this server', async () => {
    for (const who of ['max', 'ana', 'sam']) {
      const page = await get('/advisers/insights', who);
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/style-src 'self'(;|$)/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      const html = await page.text();
      expect(html).toMatch(/<main[^>]*>[\s\S]*<h1/);
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
      expect(html).toContain('src="/advisers/assets/vendor/chart.umd.js"');
      expect((html.match(/<canvas [^>]*role="img" aria-label="[^"]+"/g) ?? []).length).toBe((html.match(/<canvas/g) ?? []).length);
    }
    const chart = await get('/advisers/assets/vendor/chart.umd.js');
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/javascript/);
    expect(await chart.text()).toMatch(/^\/\*!\n \* Chart\.js v4\./);
    for (const asset of ['insights.js', 'insights.css']) {
      const res = await get(`/advisers/insights/assets/${asset}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(asset.endsWith('.js') ? /javascript/ : /text\/css/);
    }
    for (const missing of ['/advisers/insights/assets/index.html', '/advisers/insights/assets/..%2F..%2F..%2Fpackage.json', '/advisers/assets/vendor/chart.js']) {
      expect((await get(missing)).status).toBe(404);
    }
    // The console links to it.
    expect(await (await get('/advisers')).text()).toContain('href="/advisers/insights"');
  });

  it('never builds HTML from strings in the page script', () => {
    const code = readFileSync(path.join(REPO_ROOT, 'web/advisers/insights/insights.js'), 'utf8');
    expect(code).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|DOMParser|createContextualFragment|srcdoc/);
  });
});

describe('insights: every figure, against the generated month', () => {
  it('has a month that exercises suppression (sanity of the generated data)', () => {
    const month = expectedFigures(generated, { from: generated.from, to: generated.to }, titles);
    const days = month.figures.conversations.perDay;
    expect(days.find((d) => d.date === generated.quietDay)).toMatchObject({ value: null, status: 'fewer-than-5' });
    expect(days.filter((d) => d.status === 'hidden')).toHaveLength(1);
    expect(month.figures.topics.hiddenTopics).toBeGreaterThan(0);
    expect(month.unanswered.groups.map((g) => g.count)).toEqual([11, 7, 5]);
    expect(month.unanswered.hiddenGroups).toBe(6);
    const small = expectedFigures(generated, { from: generated.from, to: generated.to, tenants: ['worcestershire'], channel: 'msteams' }, titles);
    expect(JSON.stringify(small.figures)).toContain('fewer-than-5');
  });

  it('the default: the last 30 days, all councils and channels', async () => {
    const to = londonDay(Date.now());
    const res = await get('/advisers/insights.json', 'max');
    const json = await res.json();
    expect(json.filters).toEqual({ from: shiftDay(to, -29), to, tenant: null, channel: null, tenants: null });
    expect(json.viewer).toEqual({ name: 'Max Manager', role: 'manager' });
    expect(json.options.channels.map((c: { id: string }) => c.id)).toEqual(['webchat', 'sms', 'msteams']);
    expect(json.options.tenants.map((t: { id: string }) => t.id).sort()).toEqual(['derby', 'generic', 'milton-keynes', 'worcestershire']);
    expect(json.options.allTenants).toBe(true);
    await checkView({ from: shiftDay(to, -29), to }, {});
  });

  it('one council', async () => {
    await checkView({ from: generated.from, to: generated.to, tenants: ['derby'] }, { from: generated.from, to: generated.to, tenant: 'derby' });
  });

  it('one channel over part of the month', async () => {
    const from = shiftDay(generated.from, 5);
    const to = shiftDay(generated.from, 18);
    await checkView({ from, to, channel: 'sms' }, { from, to, channel: 'sms' });
  });

  it('a council and a channel together', async () => {
    await checkView(
      { from: generated.from, to: generated.to, tenants: ['milton-keynes'], channel: 'webchat' },
      { from: generated.from, to: generated.to, tenant: 'milton-keynes', channel: 'webchat' },
    );
  });

  it('a small council on a small channel: mostly "fewer than 5"', async () => {
    const expected = await checkView(
      { from: generated.from, to: generated.to, tenants: ['worcestershire'], channel: 'msteams' },
      { from: generated.from, to: generated.to, tenant: 'worcestershire', channel: 'msteams' },
    );
    expect(expected.figures.handoffs.waitToClaim.status).toBe('fewer-than-5');
  });

  it('one quiet day: everything is fewer than 5', async () => {
    const expected = await checkView({ from: generated.quietDay, to: generated.quietDay }, { from: generated.quietDay, to: generated.quietDay });
    expect(expected.figures.conversations.total).toEqual({ value: null, status: 'fewer-than-5' });
  });

  it('the weeks before the month (with a change of the clocks)', async () => {
    const from = shiftDay(generated.from, -45);
    const to = shiftDay(generated.from, 2);
    await checkView({ from, to }, { from, to });
  });

  it('an adviser for one council sees only that council, and is refused another', async () => {
    const res = await get('/advisers/insights.json', 'sam');
    const json = await res.json();
    expect(json.filters.tenants).toEqual(['derby']);
    expect(json.options.tenants).toEqual([{ id: 'derby', name: 'Derby City Council' }]);
    expect(json.options.allTenants).toBe(false);
    const to = londonDay(Date.now());
    await checkView({ from: shiftDay(to, -29), to, tenants: ['derby'] }, {}, 'sam', 'derby');
    await checkView({ from: generated.from, to: generated.to, tenants: ['derby'], channel: 'webchat' }, { from: generated.from, to: generated.to, tenant: 'derby', channel: 'webchat' }, 'sam');
    for (const route of ['/advisers/insights.json?tenant=milton-keynes', '/advisers/insights.csv?tenant=worcestershire']) {
      const refused = await get(route, 'sam');
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'Forbidden' } });
    }
  });

  it('an adviser for two councils sees both together, or either', async () => {
    const to = londonDay(Date.now());
    await checkView({ from: shiftDay(to, -29), to, tenants: ['worcestershire', 'milton-keynes'] }, {}, 'wyn', 'worcestershire|milton-keynes');
    await checkView({ from: generated.from, to: generated.to, tenants: ['worcestershire'] }, { from: generated.from, to: generated.to, tenant: 'worcestershire' }, 'wyn');
    expect((await get('/advisers/insights.json?tenant=derby', 'wyn')).status).toBe(403);
  });

  it('an adviser (not a manager) for every council sees what a manager sees', async () => {
    await checkView({ from: generated.from, to: generated.to }, { from: generated.from, to: generated.to }, 'ana');
  });

  it('refuses a period, council or channel it cannot read, with a clear 400', async () => {
    for (const query of [
      '?from=2026-13-01',
      '?from=01/02/2026',
      '?to=2026-02-30',
      `?from=${generated.to}&to=${generated.from}`,
      `?from=${shiftDay(generated.to, -400)}&to=${generated.to}`,
      '?tenant=nowhere',
      '?channel=Web%20Chat',
      '?from=2026-01-01&from=2026-01-02',
    ]) {
      const res = await get(`/advisers/insights.json${query}`, 'max');
      expect(res.status, query).toBe(400);
      const body = await res.json();
      expect(body.error.message.length).toBeGreaterThan(10);
      expect((await get(`/advisers/insights.csv${query}`, 'max')).status).toBe(400);
    }
  });
});

describe('insights: marking a group of unanswered questions', () => {
  async function post(username: string | undefined, body: unknown, contentType = 'application/json'): Promise<Response> {
    return fetch(`${base}/advisers/insights/unanswered`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(username && { cookie: await signIn(username) }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  async function groupsNow(username = 'max'): Promise<Array<{ ids: string[]; value: number }>> {
    const json = await (await get(`/advisers/insights.json${queryOf({ from: generated.from, to: generated.to })}`, username)).json();
    return json.unanswered.groups;
  }

  it('refuses what it cannot read', async () => {
    const id = generated.unanswered[0]!.id;
    for (const body of [{ ids: [id], status: 'new' }, { ids: [id] }, { ids: id, status: 'added' }, { ids: [], status: 'added' }, { ids: [42], status: 'added' }, [id], 'not json']) {
      const res = await post('max', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await post('max', { ids: [id], status: 'added' }, 'text/plain')).status).toBe(415);
    expect((await post('max', { ids: ['no-such-question'], status: 'added' })).status).toBe(409);
  });

  it('marks every question of a group, audits it, and the group leaves the list', async () => {
    const groups = await groupsNow();
    const transport = groups.find((g) => g.value === 11)!;
    const res = await post('ana', { ids: transport.ids, status: 'added' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ marked: 11, status: 'added' });
    const added = new Set((await store.listUnanswered({ status: 'added', limit: 1000 })).map((u) => u.id));
    for (const id of transport.ids) expect(added.has(id)).toBe(true);
    const audit = await store.listAudit({ actor: 'console:ana' });
    expect(audit[0]).toMatchObject({ actor: 'console:ana', action: 'unanswered.mark', target: transport.ids[0] });
    for (const u of generated.unanswered) if (transport.ids.includes(u.id)) u.status = 'added';
    // Every figure again, without that group.
    await checkView({ from: generated.from, to: generated.to }, { from: generated.from, to: generated.to });
    expect((await groupsNow()).map((g) => g.value)).toEqual([7, 5]);
    // Marked already: nothing to do.
    expect((await post('ana', { ids: transport.ids, status: 'out-of-scope' })).status).toBe(409);
  });

  it('an adviser for one council can mark only that council\'s questions', async () => {
    const budget = generated.unanswered.filter((u) => u.group === 'budget' && u.status === 'new');
    const others = budget.filter((u) => u.tenant !== 'derby');
    const derby = budget.filter((u) => u.tenant === 'derby');
    expect(others.length).toBeGreaterThan(0);
    expect((await post('sam', { ids: others.map((u) => u.id), status: 'out-of-scope' })).status).toBe(409);
    const res = await post('sam', { ids: budget.map((u) => u.id), status: 'out-of-scope' });
    if (derby.length === 0) {
      expect(res.status).toBe(409);
    } else {
      expect(await res.json()).toEqual({ marked: derby.length, status: 'out-of-scope' });
      for (const u of derby) u.status = 'added';
    }
    const left = new Set((await store.listUnanswered({ status: 'new', limit: 1000 })).map((u) => u.id));
    for (const u of others) expect(left.has(u.id)).toBe(true);
    await checkView({ from: generated.from, to: generated.to }, { from: generated.from, to: generated.to });
  });
});
