/**
 * A bare Bot Framework echo bot behind the project's own Direct Line router, adapter, activity log
 * and store (and, on PostgreSQL, its turn lock): what `npm run bench` compares the assistant with,
 * so the difference is the assistant's own work (understanding, dialogs, conversation state).
 * Run as a child process by bench/load.ts with the same environment as the real server; stops on
 * SIGTERM.
 */
import type { Server } from 'node:http';
import express from 'express';
import { ActivityHandler, MessageFactory } from 'botbuilder';
import { DirectLineAdapter } from '../src/channels/directline/adapter';
import { createDirectLine } from '../src/channels/directline/router';
import { StoreActivityLog } from '../src/channels/directline/storeActivityLog';
import { postgresTurnLock, type ClosableTurnLock } from '../src/channels/directline/turnLock';
import { loadConfig } from '../src/config';
import { configureLog, log } from '../src/log';
import { createStore, isPostgresUrl } from '../src/store/store';
import { directLineSettings } from '../src/channels/directline/settings';

const BOT_ID = 'echo-bot';
const BOT_NAME = 'Echo';

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      const added = context.activity.membersAdded ?? [];
      if (added.some((member) => member.id !== context.activity.recipient.id)) {
        await context.sendActivity(MessageFactory.text('Hello, I echo.'));
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      await context.sendActivity(MessageFactory.text(`echo: ${context.activity.text ?? ''}`));
      await next();
    });
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  configureLog(config.LOG_LEVEL);
  const store = await createStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, schema: config.DATABASE_SCHEMA });
  let turnLock: ClosableTurnLock | undefined;
  if (store.kind === 'postgres' && isPostgresUrl(config.DATABASE_URL)) {
    turnLock = postgresTurnLock({ connectionString: config.DATABASE_URL.trim(), schema: config.DATABASE_SCHEMA });
  }
  const activityLog = new StoreActivityLog(store);
  const logger = {
    error: (message: string, details: Record<string, unknown> = {}) =>
      log.error('turn_failed', {
        detail: message.slice(0, 200),
        errorName: typeof details.errorName === 'string' ? details.errorName.slice(0, 100) : undefined,
      }),
  };
  const adapter = new DirectLineAdapter({ log: activityLog, botId: BOT_ID, botName: BOT_NAME, logger, turnLock: turnLock?.run });
  const bot = new EchoBot();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY ?? false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const directLine = createDirectLine({
    ...directLineSettings(config, app),
    botId: BOT_ID,
    botName: BOT_NAME,
    adapter,
    logic: (context) => bot.run(context),
    log: activityLog,
    resolveTenant: (name) => (name === undefined || name === config.DEFAULT_TENANT ? config.DEFAULT_TENANT : undefined),
    logger,
  });
  app.use(directLine.router);
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NotFound', message: 'There is nothing at this address.' } });
  });

  const server: Server = app.listen(config.PORT, config.HOST);
  directLine.streams?.attach(server);

  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 8000).unref();
    directLine.streams?.goingAway();
    server.close();
    server.closeAllConnections();
    void (async () => {
      await directLine.streams?.close();
      await adapter.drain(3000);
      await turnLock?.close().catch(() => undefined);
      await store.close();
      process.exit(0);
    })().catch(() => process.exit(1));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`Cannot start the echo bot: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
