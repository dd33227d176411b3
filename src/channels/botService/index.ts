import type { Express } from 'express';
import type { Storage } from 'botbuilder';
import type { Config } from '../../config';
import type { TurnLock } from '../directline/turnLock';
import { removeBotMention } from '../teams/mentions';
import { councilResolver, type CouncilResolver } from '../teams/council';
import { BotServiceAdapter, type BotServiceLog, type TurnLogic } from './adapter';
import { authenticationEnabled, botServiceCredentialsFrom, createBotFrameworkAuthentication, type BotServiceAuthOptions } from './auth';
import { createBotServiceRouter, MESSAGES_PATH } from './router';

export { BotServiceAdapter, MESSAGES_PATH };

export interface MountBotServiceOptions {
  config: Config;
  logic: TurnLogic;
  storage?: Storage;
  turnLock?: TurnLock;
  log: BotServiceLog;
  /** Tests: local OpenID metadata and credentials (see auth.ts). */
  auth?: BotServiceAuthOptions;
  /**
   * The council of each activity (teams/council.ts: Teams' Microsoft Entra tenant id, looked up in
   * the tenant files' `teamsEntraTenantIds`). Without it every activity is DEFAULT_TENANT's. A
   * council id a caller writes in channelData is never used either way.
   */
  councilOf?: CouncilResolver;
}

/**
 * POST /api/messages for Azure Bot Service and Teams, unless BOT_SERVICE_ENABLED=false. With
 * MicrosoftAppId set every request must carry a valid Bot Framework JWT; without one (development
 * only: production refuses to start, see config.ts) only the Bot Framework Emulator on this
 * machine is answered.
 */
export function mountBotService(app: Express, options: MountBotServiceOptions): BotServiceAdapter | undefined {
  const { config } = options;
  if (!config.BOT_SERVICE_ENABLED) return undefined;
  const credentials = botServiceCredentialsFrom(config);
  const authenticated = authenticationEnabled(credentials);
  const adapter = new BotServiceAdapter({
    auth: createBotFrameworkAuthentication(credentials, options.auth),
    storage: options.storage,
    turnLock: options.turnLock,
    log: options.log,
    councilOf: options.councilOf ?? councilResolver(new Map(), config.DEFAULT_TENANT),
  });
  adapter.use(removeBotMention);
  app.use(createBotServiceRouter({ adapter, logic: options.logic, authenticated, log: options.log }));
  if (!authenticated) options.log.info('bot_service.emulator_only', { path: MESSAGES_PATH, setting: 'MicrosoftAppId' });
  return adapter;
}
