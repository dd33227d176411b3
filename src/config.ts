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
  // Never echoed in errors or logs: it may hold a password.
  DATABASE_URL: z
    .string()
    .refine(isDatabaseUrl, 'must be a PostgreSQL URL such as postgres://user:password@host:5432/database')
    .optional(),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,39}$/, 'must be lower-case letters, digits and underscores (at most 40), starting with a letter or _')
    .optional(),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  // SMS (Twilio-style). TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL together turn SMS on.
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID: AC and 32 hex characters').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16, "must be the Twilio account's auth token").optional(),
  TWILIO_API_BASE_URL: z.string().url('must be a URL such as https://api.twilio.com').default('https://api.twilio.com'),
  PUBLIC_BASE_URL: z.string().url('must be the public https URL the SMS provider calls, e.g. https://assistant.example.gov.uk').optional(),
  SMS_ID_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SMS_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(10),
  SMS_LIMIT_PER_DAY: z.coerce.number().int().min(1).max(10_000).default(100),
  SMS_LIMIT_GLOBAL_PER_DAY: z.coerce.number().int().min(1).max(10_000_000).default(5000),
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
  if (result.data.DATABASE_SCHEMA !== undefined && result.data.DATABASE_URL === undefined) {
    throw new ConfigError('Invalid configuration:\n  DATABASE_SCHEMA: only used with a PostgreSQL DATABASE_URL');
  }
  const sms = [result.data.TWILIO_ACCOUNT_SID, result.data.TWILIO_AUTH_TOKEN, result.data.PUBLIC_BASE_URL];
  if (sms.some((v) => v !== undefined) && sms.some((v) => v === undefined)) {
    throw new ConfigError('Invalid configuration:\n  TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL: set all three to turn SMS on, or none');
  }
  if (result.data.NODE_ENV === 'production' && result.data.TWILIO_AUTH_TOKEN !== undefined) {
    if (!result.data.SMS_ID_SECRET) {
      throw new ConfigError('Invalid configuration:\n  SMS_ID_SECRET: required in production when SMS is on (at least 32 random characters)');
    }
    if (!result.data.PUBLIC_BASE_URL?.startsWith('https://')) {
      throw new ConfigError('Invalid configuration:\n  PUBLIC_BASE_URL: must be https in production');
    }
  }
  return result.data;
}

/**
 * `postgres://` or `postgresql://` and a well-formed URL (a password with reserved characters must
 * be percent-encoded). `postgres:///db?host=/run/postgresql` (a Unix socket) is allowed.
 */
function isDatabaseUrl(value: string): boolean {
  if (!/^postgres(ql)?:\/\//i.test(value.trim())) return false;
  try {
    new URL(value.trim());
    return true;
  } catch {
    return false;
  }
}
