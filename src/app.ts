import type { Server } from 'node:http';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Express } from 'express';
import helmet from 'helmet';
import type { AssistantBot } from './bot/assistantBot';
import { createAssistantBot } from './bot/createAssistantBot';
import type { ActivityLog } from './channels/directline/activityLog';
import { DirectLineAdapter, WEBCHAT_CHANNEL_ID } from './channels/directline/adapter';
import { createDirectLine } from './channels/directline/router';
import { directLineSettings } from './channels/directline/settings';
import type { DirectLineStreams } from './channels/directline/streams';
import { StoreActivityLog } from './channels/directline/storeActivityLog';
import { postgresTurnLock, type ClosableTurnLock } from './channels/directline/turnLock';
import { CONTENT_SECURITY_POLICY_DIRECTIVES, createWebRouter } from './channels/web';
// Azure Bot Service and Teams (POST /api/messages)
import { mountBotService, type BotServiceAdapter } from './channels/botService';
import { createSmsRouter } from './channels/sms/router';
import { createSmsAdapter, SMS_CHANNEL_ID, type SmsAdapter } from './channels/sms/smsAdapter';
import { adviserAvailability } from './core/handoff/hours';
import { estimateWait } from './core/handoff/wait';
import { HandoffService, consoleHref } from './handoff/service';
import { adviserAccountsFrom } from './advisers/accounts';
import { createAdviserRouter } from './advisers/router';
import { createInsightsRouter } from './insights/router';
import { sessionSecretFor } from './advisers/session';
import type { AdviserNotifier } from './handoff/types';
import { TeamsAdviserChannel, advisersChannelOf, handleAdviserActivity } from './channels/teams/adviserChannel';
import { councilResolver, teamsCouncilDirectory } from './channels/teams/council';
import { startHandoffSweeper, type HandoffSweeper } from './handoff/sweeper';
import type { ConversationReference, TurnContext } from 'botbuilder';
import type { Config } from './config';
import { createAssistantCore, type AssistantCore } from './core/assistant';
import { errorFields, log } from './log';
import { startRetention, type RetentionJob } from './store/retention';
import { createStore, isPostgresUrl, type Handoff, type Store } from './store/store';

export interface Assistant {
  app: Express;
  core: AssistantCore;
  bot: AssistantBot;
  store: Store;
  adapter: DirectLineAdapter;
  /** The hand-off to advisers: the queue, the desk the console and Teams use, the person's side. */
  handoff: HandoffService;
  /** Closes conversations with an adviser that have gone quiet (HANDOFF_SILENCE_MINUTES). */
  sweeper: HandoffSweeper;
  activityLog: ActivityLog;
  /** Present when SMS is configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL). */
  smsAdapter?: SmsAdapter;
  /** The Direct Line `streamUrl` WebSockets; attached to every server `app.listen` creates. */
  directLineStreams?: DirectLineStreams;
  /** POST /api/messages (Azure Bot Service, Teams, the Emulator); absent with BOT_SERVICE_ENABLED=false. */
  botServiceAdapter?: BotServiceAdapter;
  /**
   * Lets queued and running turns finish (up to `drainMs`, default 5 s), stops the retention job,
   * and closes the turn lock and the store (unless the caller passed the store in). Call it after
   * the HTTP server has stopped accepting. Safe to call more than once.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

export interface AssistantOptions {
  /**
   * A store to use instead of opening the configured one; the caller keeps it (close() leaves it
   * open). A PostgreSQL store still needs DATABASE_URL in the config, for the turn lock.
   */
  store?: Store;
  /** Run the retention job (default true). */
  retention?: boolean;
}

export const BOT_ID = 'send-assistant';
export const BOT_NAME = 'SEND assistant';

export const DEFAULT_DRAIN_MS = 5000;

/**
 * Builds the whole assistant from validated settings and opens its store: the SQLite file in
 * DATA_DIR (created on first start), or PostgreSQL when DATABASE_URL is set. Conversation and
 * user state and the web chat transcript live in the store, so conversations survive a restart
 * and several instances can share one PostgreSQL. Nothing listens until the caller says.
 */
export async function createAssistant(config: Config, options: AssistantOptions = {}): Promise<Assistant> {
  const core = createAssistantCore(path.resolve(config.KNOWLEDGE_DIR));
  if (!core.knowledge.tenants.has(config.DEFAULT_TENANT)) {
    throw new Error(`DEFAULT_TENANT: there is no knowledge/tenants/${config.DEFAULT_TENANT}.yaml`);
  }
  const ownsStore = options.store === undefined;
  if (options.store?.kind === 'postgres' && !isPostgresUrl(config.DATABASE_URL)) {
    throw new Error('A PostgreSQL store needs DATABASE_URL in the config (for the per-conversation turn lock)');
  }
  const store =
    options.store ??
    (await createStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, schema: config.DATABASE_SCHEMA, poolSize: config.DATABASE_POOL_SIZE }));
  let turnLock: ClosableTurnLock | undefined;
  try {
    if (store.kind === 'postgres' && isPostgresUrl(config.DATABASE_URL)) {
      turnLock = postgresTurnLock({ connectionString: config.DATABASE_URL.trim(), schema: config.DATABASE_SCHEMA, poolSize: config.DATABASE_POOL_SIZE });
      if (!config.DIRECTLINE_TOKEN_SECRET) {
        // A secret made in DATA_DIR is this instance's own: other instances would refuse its tokens.
        log.warn('token_secret_per_instance', { setting: 'DIRECTLINE_TOKEN_SECRET' });
      }
    }
    return build(config, core, store, ownsStore, turnLock, options.retention ?? true);
  } catch (error) {
    await turnLock?.close().catch(() => undefined);
    if (ownsStore) await store.close().catch(() => undefined);
    throw error;
  }
}

function build(
  config: Config,
  core: AssistantCore,
  store: Store,
  ownsStore: boolean,
  turnLock: ClosableTurnLock | undefined,
  retention: boolean,
): Assistant {
  const storage = store.botStorage();
  // The adviser desk: the queue and call-backs in the store; what must reach the person goes out on
  // their own channel (the adapters below exist by the time anyone is handed off).
  const channels: PersonChannels = {};
  const adviserNotifiers: AdviserNotifier[] = [];
  const handoff = new HandoffService({
    store,
    notifiers: adviserNotifiers,
    hours: (tenant, now) => {
      const found = core.knowledge.tenants.get(tenant);
      return found ? adviserAvailability(found, now) : { open: false };
    },
    estimateWait,
    deliver: (handoffToDeliver, event) => deliverToPerson(channels, config, handoffToDeliver, (context) => bot.handoffEvent(context, event)),
    // Web chat and SMS record both sides themselves; Teams and the Emulator do not.
    recordsOwnTranscript: (channel) => channel !== WEBCHAT_CHANNEL_ID && channel !== SMS_CHANNEL_ID,
    log,
  });
  // "Did this help?" answers and unanswered questions (redacted before they get here) go to the store.
  const bot = createAssistantBot({
    core, storage, defaultTenant: config.DEFAULT_TENANT, feedback: store, handoff, retentionDays: config.RETENTION_DAYS,
  });

  const activityLog = new StoreActivityLog(store);
  // The adapter's details name ids and the error's kind; its stack frames are left out of the log.
  const logger = {
    error: (message: string, details: Record<string, unknown> = {}) =>
      log.error('turn_failed', {
        detail: message.slice(0, 200),
        errorName: typeof details.errorName === 'string' ? details.errorName.slice(0, 100) : undefined,
      }),
  };
  const adapter = new DirectLineAdapter({ log: activityLog, botId: BOT_ID, botName: BOT_NAME, logger, turnLock: turnLock?.run });

  const app = express();
  app.disable('x-powered-by');
  // --- Web chat and widget (begin): proxies, security headers, a strict CSP on every response ---
  app.set('trust proxy', config.TRUST_PROXY ?? false);
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY_DIRECTIVES },
      // The widget's scripts opt in to cross-origin loading themselves (web.ts).
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }),
  );
  // --- Web chat and widget (end) ---
  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  // Ready only when the store answers: a load balancer stops sending people here while it can't.
  app.get('/readyz', (_req, res) => {
    store.conversationExists('readiness-probe').then(
      () => res.json({ status: 'ready' }),
      (error: unknown) => {
        log.warn('not_ready', errorFields(error));
        res.status(503).json({ status: 'unavailable' });
      },
    );
  });
  // --- Azure Bot Service and Teams (begin) ---
  // Advisers in Teams: hand-off cards, Accept, and replies in the card's thread go to the desk first.
  const councilName = (tenant: string) => core.knowledge.tenants.get(tenant)?.councilName;
  const consoleUrl = (h: Handoff) => (config.PUBLIC_BASE_URL ? new URL(consoleHref(h.id), config.PUBLIC_BASE_URL).toString() : undefined);
  const adviserDeps = { desk: handoff, storage, log, botName: BOT_NAME, councilName, consoleUrl };
  const botServiceAdapter = mountBotService(app, {
    config,
    logic: async (context) => {
      if (await handleAdviserActivity(context, adviserDeps)) return;
      await bot.run(context);
    },
    storage,
    turnLock: turnLock?.run,
    log,
    // Teams conversations belong to the council whose tenant file lists their Microsoft Entra tenant.
    councilOf: councilResolver(teamsCouncilDirectory(core.knowledge.tenants.values()), config.DEFAULT_TENANT),
  });
  if (botServiceAdapter && config.MicrosoftAppId) {
    adviserNotifiers.push(new TeamsAdviserChannel({
      adapter: botServiceAdapter,
      appId: config.MicrosoftAppId,
      storage,
      log,
      botName: BOT_NAME,
      channelFor: (tenant) => advisersChannelOf(core.knowledge.tenants.get(tenant)),
      councilName,
      consoleUrl,
    }));
  }
  // --- Azure Bot Service and Teams (end) ---
  // --- Web chat and widget (begin): Direct Line REST + streamUrl WebSockets, CORS for council sites ---
  const directLine = createDirectLine({
    ...directLineSettings(config, app),
    botId: BOT_ID,
    botName: BOT_NAME,
    adapter,
    logic: (context) => bot.run(context),
    log: activityLog,
    resolveTenant: (name) => (name === undefined ? config.DEFAULT_TENANT : core.knowledge.tenants.has(name) ? name : undefined),
    logger,
  });
  app.use(directLine.router);
  const directLineStreams = directLine.streams;
  // --- Web chat and widget (end) ---
  const smsAdapter = mountSms(app, config, core, store, storage, bot, turnLock);
  Object.assign(channels, { directLine: adapter, sms: smsAdapter, botService: botServiceAdapter });
  const sweeper = startHandoffSweeper(store, handoff, { silenceMs: config.HANDOFF_SILENCE_MINUTES * 60_000 });
  // The adviser console: sign-in, the live queue and call-backs, conversations, replies.
  const advisers = createAdviserRouter({
    desk: handoff,
    accounts: adviserAccountsFrom(store),
    tokens: config.ADVISER_TOKENS,
    sessionSecret: sessionSecretFor(config),
    sessionHours: config.ADVISER_SESSION_HOURS,
    secureCookies: config.NODE_ENV === 'production',
    log,
  });
  app.use('/advisers', advisers);
  app.use('/advisers', createInsightsRouter({ store, knowledge: core.knowledge, advisers, log }));
  // WebSocket upgrades never reach express, and long-lived streams would hold server.close() up:
  // every server app.listen makes hands upgrades to Direct Line and, on close, tells web chat
  // sockets to go away (1001, they reconnect elsewhere) and ends advisers' live updates.
  const listen = app.listen.bind(app) as (...args: unknown[]) => Server;
  app.listen = ((...args: unknown[]) => {
    const server = listen(...args);
    directLineStreams?.attach(server);
    const close = server.close.bind(server);
    server.close = ((callback?: (error?: Error) => void) => {
      directLineStreams?.goingAway();
      void advisers.close();
      return close(callback);
    }) as typeof server.close;
    return server;
  }) as typeof app.listen;
  app.use(createWebRouter({ contentSecurityPolicy: false }));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NotFound', message: 'There is nothing at this address.' } });
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) log.error('request_failed', errorFields(error));
    res.status(status).json({
      error: {
        code: status === 500 ? 'ServerError' : 'BadRequest',
        message: status === 413 ? 'The request is too large.' : status === 500 ? 'Something went wrong on our side.' : 'The request could not be read.',
      },
    });
  };
  app.use(onError);

  const retentionJob: RetentionJob | undefined = retention ? startRetention(store, { days: config.RETENTION_DAYS }) : undefined;
  let closing: Promise<void> | undefined;
  const close = (closeOptions: { drainMs?: number } = {}): Promise<void> => {
    closing ??= (async () => {
      const drainMs = closeOptions.drainMs ?? DEFAULT_DRAIN_MS;
      // Web chat streams go first: their clients reconnect (elsewhere) and catch up from the store.
      await directLineStreams?.close();
      // Advisers' live updates would hold server.close() up: they end, and the page reconnects.
      await advisers.close();
      const [drained, smsDrained, botServiceDrained] = await Promise.all([
        adapter.drain(drainMs),
        smsAdapter?.drain(drainMs) ?? true,
        botServiceAdapter?.drain(drainMs) ?? true,
      ]);
      if (!drained) log.warn('shutdown_turns_unfinished', { conversations: adapter.pendingConversations });
      if (!smsDrained) log.warn('shutdown_sms_turns_unfinished', { conversations: smsAdapter?.pendingConversations ?? 0 });
      if (!botServiceDrained) log.warn('shutdown_bot_service_turns_unfinished', { conversations: botServiceAdapter?.pendingConversations ?? 0 });
      retentionJob?.stop();
      sweeper.stop();
      await turnLock?.close().catch((error: unknown) => log.warn('turn_lock_close_failed', errorFields(error)));
      if (ownsStore) await store.close();
    })();
    return closing;
  };
  return { app, core, bot, store, handoff, sweeper, adapter, activityLog, smsAdapter, botServiceAdapter, directLineStreams, close };
}

/** The adapters that can reach a person on their own channel, outside a turn of theirs. */
interface PersonChannels {
  directLine?: DirectLineAdapter;
  sms?: SmsAdapter;
  botService?: BotServiceAdapter;
}

/** Runs a proactive turn in the hand-off's conversation, on the channel the person used. */
async function deliverToPerson(channels: PersonChannels, config: Config, handoff: Handoff, logic: (context: TurnContext) => Promise<void>): Promise<void> {
  const reference = (handoff.reference ?? { conversation: { id: handoff.conversationId } }) as Partial<ConversationReference>;
  if (handoff.channel === WEBCHAT_CHANNEL_ID) {
    if (!channels.directLine) throw new Error('Web chat is not running');
    return channels.directLine.continueConversation(reference, logic);
  }
  if (handoff.channel === SMS_CHANNEL_ID) {
    if (!channels.sms) throw new Error('SMS is not configured');
    return channels.sms.continueConversation(reference, logic);
  }
  if (!channels.botService) throw new Error('The Bot Service endpoint is not enabled');
  await channels.botService.continueConversationAsync(config.MicrosoftAppId ?? '', reference, logic);
}

/** The SMS webhook at /api/sms, when the provider's settings are all there. */
function mountSms(
  app: Express,
  config: Config,
  core: AssistantCore,
  store: Store,
  storage: ReturnType<Store['botStorage']>,
  bot: AssistantBot,
  turnLock: ClosableTurnLock | undefined,
): SmsAdapter | undefined {
  if (!config.TWILIO_ACCOUNT_SID || !config.TWILIO_AUTH_TOKEN || !config.PUBLIC_BASE_URL) return undefined;
  const tenantByNumber = new Map<string, string>();
  for (const tenant of core.knowledge.tenants.values()) {
    for (const number of tenant.smsNumbers) tenantByNumber.set(number, tenant.id);
  }
  const smsAdapter = createSmsAdapter({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    apiBaseUrl: config.TWILIO_API_BASE_URL,
    idSecret: config.SMS_ID_SECRET,
    fromNumberForTenant: (tenant) => core.knowledge.tenants.get(tenant)?.smsNumbers[0],
    transcript: store,
    botId: BOT_ID,
    botName: BOT_NAME,
    turnLock: turnLock?.run,
    log,
  });
  app.use(createSmsRouter({
    adapter: smsAdapter,
    logic: (context) => bot.run(context),
    authToken: config.TWILIO_AUTH_TOKEN,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    tenantForNumber: (to) => tenantByNumber.get(to) ?? config.DEFAULT_TENANT,
    storage,
    limits: {
      perNumberPerMinute: config.SMS_LIMIT_PER_MINUTE,
      perNumberPerDay: config.SMS_LIMIT_PER_DAY,
      globalPerDay: config.SMS_LIMIT_GLOBAL_PER_DAY,
    },
    serviceName: (id) => {
      const tenant = core.knowledge.tenants.get(id);
      return tenant && !tenant.generic ? `${tenant.councilName} SEND advice` : 'SEND advice service';
    },
    log,
  }));
  return smsAdapter;
}
