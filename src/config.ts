import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3978),
  HOST: z.string().min(1).default('0.0.0.0'),
  KNOWLEDGE_DIR: z.string().min(1).default('./knowledge'),
  DATA_DIR: z.string().min(1).default('./data'),
  DEFAULT_TENANT: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a tenant id such as derby').default('generic'),
  DIRECTLINE_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DIRECTLINE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(1800),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

/** Reads settings from the environment; a wrong value stops start-up naming the setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  if (result.data.NODE_ENV === 'production' && !result.data.DIRECTLINE_TOKEN_SECRET) {
    throw new ConfigError('Invalid configuration:\n  DIRECTLINE_TOKEN_SECRET: required in production (at least 32 random characters)');
  }
  return result.data;
}
