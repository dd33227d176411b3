import path from 'node:path';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { ConversationState, MemoryStorage, UserState, type Storage } from 'botbuilder';
import { MainDialog } from '../dialogs/mainDialog';
import { AssistantBot } from './bot/assistantBot';
import type { ConversationData } from './bot/conversationData';
import { InMemoryActivityLog } from './channels/directline/activityLog';
import { DirectLineAdapter } from './channels/directline/adapter';
import { createDirectLineRouter } from './channels/directline/router';
import { createWebRouter } from './channels/web';
import type { Config } from './config';
import { createAssistantCore, type AssistantCore } from './core/assistant';
import { errorFields, log } from './log';
import { tokenSecretFor } from './tokenSecret';

export interface Assistant {
  app: Express;
  core: AssistantCore;
  bot: AssistantBot;
}

export const BOT_ID = 'send-assistant';
export const BOT_NAME = 'SEND assistant';

/** Builds the whole assistant from validated settings; nothing listens until the caller says. */
export function createAssistant(config: Config, storage: Storage = new MemoryStorage()): Assistant {
  const core = createAssistantCore(path.resolve(config.KNOWLEDGE_DIR));
  if (!core.knowledge.tenants.has(config.DEFAULT_TENANT)) {
    throw new Error(`DEFAULT_TENANT: there is no knowledge/tenants/${config.DEFAULT_TENANT}.yaml`);
  }
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const conversationData = conversationState.createProperty<ConversationData>('conversationData');
  const services = {
    understander: core.understander,
    replies: core.replies,
    conversationData,
    defaultTenant: config.DEFAULT_TENANT,
  };
  const bot = new AssistantBot({
    conversationState,
    userState,
    conversationData,
    mainDialog: new MainDialog(services),
    replies: core.replies,
    defaultTenant: config.DEFAULT_TENANT,
    knownTenant: (id) => core.knowledge.tenants.has(id),
  });

  const activityLog = new InMemoryActivityLog();
  const logger = { error: (message: string) => log.error('turn_failed', { detail: message.slice(0, 200) }) };
  const adapter = new DirectLineAdapter({ log: activityLog, botId: BOT_ID, botName: BOT_NAME, logger });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.use(createDirectLineRouter({
    adapter,
    logic: (context) => bot.run(context),
    log: activityLog,
    tokenSecret: tokenSecretFor(config),
    tokenTtlSeconds: config.DIRECTLINE_TOKEN_TTL_SECONDS,
    resolveTenant: (name) => (name === undefined ? config.DEFAULT_TENANT : core.knowledge.tenants.has(name) ? name : undefined),
    defaultTenant: config.DEFAULT_TENANT,
    botId: BOT_ID,
    botName: BOT_NAME,
    logger,
  }));
  app.use(createWebRouter());
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
  return { app, core, bot };
}
