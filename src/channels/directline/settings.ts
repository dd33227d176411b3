import type { IncomingMessage } from 'node:http';
import type { Express } from 'express';
import type { Config } from '../../config';
import { tokenSecretFor } from '../../tokenSecret';
import { clientAddress } from './streams';

/**
 * The Direct Line settings that come from the configuration: tokens, CORS, rate and stream limits.
 * The load benchmark's echo bot uses them too, so it is measured behind the same channel.
 */
export function directLineSettings(config: Config, app: Express) {
  return {
    tokenSecret: tokenSecretFor(config),
    tokenTtlSeconds: config.DIRECTLINE_TOKEN_TTL_SECONDS,
    defaultTenant: config.DEFAULT_TENANT,
    allowedOrigins: config.WIDGET_ALLOWED_ORIGINS,
    tokenRateLimit: { max: config.WEBCHAT_TOKEN_LIMIT, windowSeconds: config.WEBCHAT_TOKEN_LIMIT_WINDOW_SECONDS },
    streaming: {
      maxPerConversation: config.DIRECTLINE_STREAMS_PER_CONVERSATION,
      maxPerAddress: config.DIRECTLINE_STREAMS_PER_IP,
      clientAddress: (req: IncomingMessage) => clientAddress(req, app.get('trust proxy fn') as (address: string, hop: number) => boolean),
    },
  };
}
