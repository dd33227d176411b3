import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ADVISER_PAGE_CSP, adviserOf, requireAdviser, requireJsonForChanges, type AdviserLog } from '../advisers/router';
import type { AdviserAuth } from '../advisers/session';
import type { KnowledgeBase } from '../core/knowledge/load';
import { errorFields } from '../log';
import type { Store, UnansweredStatus } from '../store/store';
import { aggregate } from './aggregate';
import { insightsCsv } from './csv';
import { loadRecords, newUnansweredIn, type Scope } from './load';
import { PeriodError, periodOf } from './period';

/**
 * Insight for the SEND service, in the adviser console: the page at /advisers/insights (charts
 * with table alternatives), its figures as JSON (/advisers/insights.json) and CSV
 * (/advisers/insights.csv), and marking groups of unanswered questions
 * (POST /advisers/insights/unanswered). Chart.js is served from the project at
 * /advisers/assets/vendor/chart.umd.js.
 *
 * Mount it beside the console router, at the same path:
 * `app.use('/advisers', createInsightsRouter({ store, knowledge: core.knowledge, advisers, log }))`.
 *
 * Signed-in advisers and managers only (the console's session cookie or a bearer token): the page
 * sends anyone else to the sign-in page, the API answers 401. An adviser who works for some
 * councils sees only their figures. Every count goes through the suppression rule
 * (./suppress.ts); nothing here logs message text.
 */

export interface InsightsRouterOptions {
  store: Store;
  knowledge: Pick<KnowledgeBase, 'topics' | 'tenants'>;
  /** The console router (createAdviserRouter): its sign-in checks are reused. */
  advisers: { auth: AdviserAuth; requireAdviser: RequestHandler };
  log?: AdviserLog;
  /** The clock for the default period (tests). */
  now?: () => Date;
}

const WEB_DIR = fileURLToPath(new URL('../../web/advisers/insights/', import.meta.url));
const ASSETS = new Map([
  ['insights.js', 'insights.js'],
  ['insights.css', 'insights.css'],
]);
/** Chart.js's UMD build (a dependency: `npm ci` provides it). */
export const CHART_JS_FILE = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
export const CHART_JS_PATH = '/assets/vendor/chart.umd.js';

export const CHANNELS: ReadonlyArray<{ id: string; name: string }> = [
  { id: 'webchat', name: 'Web chat' },
  { id: 'sms', name: 'SMS' },
  { id: 'msteams', name: 'Teams' },
];
const CHANNEL_PATTERN = /^[a-z0-9][a-z0-9._-]{0,39}$/;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;
const MARKS: readonly UnansweredStatus[] = ['added', 'out-of-scope'];
export const MAX_MARK_IDS = 5000;
const BODY_LIMIT = '256kb';

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createInsightsRouter(options: InsightsRouterOptions): Router {
  const { store, knowledge } = options;
  const now = options.now ?? (() => new Date());
  const log = options.log;
  const router = Router();
  const requirePage = requireAdviser(options.advisers.auth, { page: true });
  const requireApi = options.advisers.requireAdviser;

  // ---- The page and its assets --------------------------------------------------------------------
  router.get(['/insights', '/insights/'], requirePage, (_req, res, next) => {
    res.setHeader('Content-Security-Policy', ADVISER_PAGE_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    sendFile(res, path.join(WEB_DIR, 'index.html'), 'no-store', next);
  });
  router.get('/insights/assets/:file', (req, res, next) => {
    const file = ASSETS.get(req.params.file ?? '');
    if (!file) return next();
    sendFile(res, path.join(WEB_DIR, file), 'no-cache', next);
  });
  router.get(CHART_JS_PATH, (_req, res, next) => sendFile(res, CHART_JS_FILE, 'public, max-age=86400', next));
  router.get(`${CHART_JS_PATH}.map`, (_req, res, next) => sendFile(res, `${CHART_JS_FILE}.map`, 'public, max-age=86400', next));

  // ---- The figures --------------------------------------------------------------------------------
  const noStore: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  };

  /** The period, councils and channel asked for, checked against what this adviser may see. */
  function request(req: Request, res: Response) {
    const identity = adviserOf(res).identity;
    const query = (name: string): string | undefined => {
      const value = req.query[name];
      if (value === undefined || value === '') return undefined;
      if (typeof value !== 'string') throw new RequestError(400, 'BadRequest', `Give "${name}" once.`);
      return value;
    };
    let period;
    try {
      period = periodOf(query('from'), query('to'), now());
    } catch (error) {
      if (error instanceof PeriodError) throw new RequestError(400, 'BadRequest', error.message);
      throw error;
    }
    const tenant = query('tenant');
    const channel = query('channel');
    const own = identity.tenants.length > 0 ? identity.tenants : undefined;
    if (tenant !== undefined) {
      if (!knowledge.tenants.has(tenant)) throw new RequestError(400, 'UnknownCouncil', 'There is no council with that id.');
      if (own && !own.includes(tenant)) throw new RequestError(403, 'Forbidden', 'You can see figures only for the councils you work for.');
    }
    if (channel !== undefined && !CHANNEL_PATTERN.test(channel)) {
      throw new RequestError(400, 'BadRequest', '"channel" must be a channel id such as webchat, sms or msteams.');
    }
    const scope: Scope = { tenants: tenant !== undefined ? [tenant] : own, channel };
    return { identity, period, tenant, channel, scope, own };
  }

  async function figures(req: Request, res: Response) {
    const asked = request(req, res);
    const records = await loadRecords(store, asked.period, asked.scope);
    const insights = aggregate(records, {
      from: asked.period.from,
      to: asked.period.to,
      topicTitle: (id) => knowledge.topics.get(id)?.title,
    });
    return { ...asked, insights };
  }

  router.get('/insights.json', noStore, requireApi, route(async (req, res) => {
    const { identity, tenant, channel, own, insights } = await figures(req, res);
    log?.info('insights_viewed', { adviser: identity.id, from: insights.period.from, to: insights.period.to, tenant, channel });
    const tenants = [...knowledge.tenants.values()]
      .filter((t) => !own || own.includes(t.id))
      .map((t) => ({ id: t.id, name: t.councilName }))
      .sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));
    res.json({
      viewer: { name: identity.name, role: identity.role },
      filters: { from: insights.period.from, to: insights.period.to, tenant: tenant ?? null, channel: channel ?? null, tenants: own ?? null },
      options: { tenants, channels: CHANNELS, allTenants: !own || own.length > 1 },
      ...insights,
    });
  }));

  router.get('/insights.csv', noStore, requireApi, route(async (req, res) => {
    const { identity, tenant, channel, own, insights } = await figures(req, res);
    log?.info('insights_exported', { adviser: identity.id, from: insights.period.from, to: insights.period.to, tenant, channel });
    const csv = insightsCsv(insights, { tenant: tenant ?? (own ? own.join('|') : 'all'), channel: channel ?? 'all' });
    const name = `send-insights_${insights.period.from}_${insights.period.to}${tenant ? `_${tenant}` : ''}${channel ? `_${channel}` : ''}.csv`;
    res.setHeader('Content-Type', 'text/csv; charset=utf-8; header=present');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(csv);
  }));

  // ---- Marking a group of unanswered questions ----------------------------------------------------
  router.post(
    '/insights/unanswered',
    noStore,
    requireJsonForChanges,
    requireApi,
    express.json({ limit: BODY_LIMIT, strict: true, type: () => true }),
    route(async (req, res) => {
      const identity = adviserOf(res).identity;
      const body = req.body as unknown;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RequestError(400, 'BadRequest', 'The request body must be a JSON object.');
      const { ids, status } = body as Record<string, unknown>;
      if (typeof status !== 'string' || !MARKS.includes(status as UnansweredStatus)) {
        throw new RequestError(400, 'BadRequest', '"status" must be "added" or "out-of-scope".');
      }
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_MARK_IDS || !ids.every((id) => typeof id === 'string' && ID_PATTERN.test(id))) {
        throw new RequestError(400, 'BadRequest', `"ids" must be a list of 1 to ${MAX_MARK_IDS} question ids.`);
      }
      const wanted = [...new Set(ids as string[])];
      // Only questions still new, of the councils this adviser works for.
      const found = new Set(await newUnansweredIn(store, wanted, identity.tenants.length > 0 ? identity.tenants : undefined));
      const marking = wanted.filter((id) => found.has(id));
      if (marking.length === 0) {
        throw new RequestError(409, 'NothingToMark', 'These questions have already been marked, or are not ones you can see. Refresh the page.');
      }
      const marked = await store.markUnanswered(marking, status as UnansweredStatus);
      await store.audit({ actor: identity.id, action: 'unanswered.mark', target: marking[0]! });
      log?.info('unanswered_marked', { adviser: identity.id, status, count: marked });
      res.json({ marked, status });
    }),
  );

  router.use(errors(log));
  return router;
}

function route(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    handler(req, res).catch(next);
  };
}

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function sendFile(res: Response, file: string, cacheControl: string, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.sendFile(file, { headers: { 'Cache-Control': cacheControl } }, (error) => {
    if (error) next(error);
  });
}

/** Errors as JSON; anything unexpected is 500 and logged by kind (never with the request's data). */
function errors(log: AdviserLog | undefined): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof RequestError) return sendError(res, error.status, error.code, error.message);
    const type = typeof error?.type === 'string' ? (error.type as string) : '';
    const status = typeof error?.status === 'number' ? (error.status as number) : 500;
    if (type === 'entity.too.large' || status === 413) return sendError(res, 413, 'TooLarge', 'The request is too large.');
    if (type === 'entity.parse.failed') return sendError(res, 400, 'BadRequest', 'The request body is not valid JSON.');
    if (status === 404 && (error as { code?: string })?.code === 'ENOENT') return sendError(res, 404, 'NotFound', 'There is nothing at this address.');
    if (status >= 400 && status < 500) return sendError(res, status, 'BadRequest', 'The request could not be read.');
    log?.error('insights_failed', errorFields(error));
    sendError(res, 500, 'ServerError', 'Something went wrong on our side.');
  };
}
