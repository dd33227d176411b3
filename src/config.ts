import { isIP } from 'node:net';
import { z } from 'zod';
import { AdviserTokenFormatError, parseAdviserTokens } from './advisers/tokens';

const port = z.coerce.number().int().min(0).max(65535);

// --- Azure Bot Service and Teams (begin) ---
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const MICROSOFT_APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;
export type MicrosoftAppType = (typeof MICROSOFT_APP_TYPES)[number];
const appType = z
  .string()
  .transform((value) => MICROSOFT_APP_TYPES.find((t) => t.toLowerCase() === value.trim().toLowerCase()) ?? value)
  .pipe(z.enum(MICROSOFT_APP_TYPES, { errorMap: () => ({ message: 'must be MultiTenant, SingleTenant or UserAssignedMSI' }) }));
const onOff = z
  .enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'], { errorMap: () => ({ message: 'must be true or false' }) })
  .transform((value) => ['true', '1', 'on', 'yes'].includes(value));
// --- Azure Bot Service and Teams (end) ---

// --- Web chat and widget (begin) ---
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Comma-separated origins (scheme://host[:port]), https or, for local testing, http on this machine. */
const originList = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const origins: string[] = [];
    for (const entry of value.split(',').map((part) => part.trim()).filter((part) => part.length > 0)) {
      let url: URL | undefined;
      try {
        url = new URL(entry);
      } catch {
        url = undefined;
      }
      const bare = entry.replace(/\/$/, '').toLowerCase();
      const secure = url?.protocol === 'https:' || (url?.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
      if (!url || !secure || url.origin.toLowerCase() !== bare) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `"${entry.slice(0, 100)}" is not an https origin such as https://www.localoffer.example.gov.uk (no path)`,
        });
        return z.NEVER;
      }
      if (!origins.includes(url.origin)) origins.push(url.origin);
    }
    return origins;
  });
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
/** What express's `trust proxy` accepts, less `true` (which would let anyone name their own address). */
const trustProxy = z
  .string()
  .trim()
  .refine(
    (value) =>
      /^(10|[1-9])$/.test(value) ||
      value.split(',').every((part) => {
        const [address, prefix, ...rest] = part.trim().split('/');
        if (TRUST_PROXY_NAMES.has(part.trim())) return true;
        const version = isIP(address ?? '');
        if (version === 0 || rest.length > 0) return false;
        return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
      }),
    'must be the number of proxies in front (1 to 10), or their addresses or subnets (e.g. 10.0.0.0/8), or loopback, linklocal, uniquelocal; comma-separated',
  )
  .transform((value): number | string => (/^\d+$/.test(value) ? Number(value) : value));
// --- Web chat and widget (end) ---

// --- Adviser console (begin) ---
/** ADVISER_TOKENS: see src/advisers/tokens.ts and .env.example. Errors never repeat the value. */
const adviserTokens = z
  .string()
  .default('')
  .transform((value, ctx) => {
    try {
      return parseAdviserTokens(value);
    } catch (error) {
      if (!(error instanceof AdviserTokenFormatError)) throw error;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: error.message });
      return z.NEVER;
    }
  });
// --- Adviser console (end) ---

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
  /**
   * PostgreSQL connections per instance for the store, and as many again for the turn lock (plus
   * one for change notices): a managed database with a low connection limit may need fewer.
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(100).optional(),
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** A conversation with an adviser where nobody has written for this long is closed; the assistant comes back. */
  HANDOFF_SILENCE_MINUTES: z.coerce.number().int().min(1).max(1440).default(20),
  // SMS (Twilio-style). TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL together turn SMS on.
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID: AC and 32 hex characters').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16, "must be the Twilio account's auth token").optional(),
  TWILIO_API_BASE_URL: z.string().url('must be a URL such as https://api.twilio.com').default('https://api.twilio.com'),
  PUBLIC_BASE_URL: z.string().url('must be the public https URL the SMS provider calls, e.g. https://assistant.example.gov.uk').optional(),
  SMS_ID_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SMS_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(10),
  SMS_LIMIT_PER_DAY: z.coerce.number().int().min(1).max(10_000).default(100),
  SMS_LIMIT_GLOBAL_PER_DAY: z.coerce.number().int().min(1).max(10_000_000).default(5000),
  // --- Web chat and widget (begin): see .env.example ---
  WIDGET_ALLOWED_ORIGINS: originList,
  WEBCHAT_TOKEN_LIMIT: z.coerce.number().int().min(1).max(100_000).default(100),
  WEBCHAT_TOKEN_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  DIRECTLINE_STREAMS_PER_CONVERSATION: z.coerce.number().int().min(1).max(100).default(4),
  DIRECTLINE_STREAMS_PER_IP: z.coerce.number().int().min(1).max(100_000).default(50),
  TRUST_PROXY: trustProxy.optional(),
  // --- Web chat and widget (end) ---
  // --- Azure Bot Service and Teams (begin): POST /api/messages; see .env.example ---
  BOT_SERVICE_ENABLED: onOff.default('true'),
  MicrosoftAppId: z.string().trim().regex(GUID, "must be the bot's Microsoft App ID, a GUID such as 00000000-0000-0000-0000-000000000000").optional(),
  // Never echoed in errors or logs.
  MicrosoftAppPassword: z.string().min(1).optional(),
  MicrosoftAppType: appType.optional(),
  MicrosoftAppTenantId: z.string().trim().regex(GUID, "must be the Microsoft Entra tenant ID (directory ID), a GUID").optional(),
  // --- Azure Bot Service and Teams (end) ---
  // --- Adviser console (begin): /advisers; see .env.example ---
  ADVISER_TOKENS: adviserTokens,
  // Never echoed in errors or logs.
  ADVISER_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ADVISER_SESSION_HOURS: z.coerce.number().int('must be a whole number of hours').min(1).max(24).default(8),
  // --- Adviser console (end) ---
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
  for (const name of ['DATABASE_SCHEMA', 'DATABASE_POOL_SIZE'] as const) {
    if (result.data[name] !== undefined && result.data.DATABASE_URL === undefined) {
      throw new ConfigError(`Invalid configuration:\n  ${name}: only used with a PostgreSQL DATABASE_URL`);
    }
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
  // --- Web chat and widget (begin) ---
  if (result.data.NODE_ENV === 'production' && result.data.WIDGET_ALLOWED_ORIGINS.some((origin) => !origin.startsWith('https://'))) {
    throw new ConfigError('Invalid configuration:\n  WIDGET_ALLOWED_ORIGINS: only https origins in production');
  }
  // --- Web chat and widget (end) ---
  checkBotService(result.data); // Azure Bot Service and Teams
  return result.data;
}

// --- Azure Bot Service and Teams (begin) ---
/**
 * The Bot Framework credentials must be whole: an App ID with its password (MultiTenant,
 * SingleTenant) or with a managed identity (UserAssignedMSI). Without an App ID, /api/messages
 * accepts unauthenticated requests (from this machine only: the Bot Framework Emulator), so
 * production refuses to start without one unless BOT_SERVICE_ENABLED=false turns the endpoint off.
 */
function checkBotService(config: z.infer<typeof schema>): void {
  const fail = (line: string): never => {
    throw new ConfigError(`Invalid configuration:\n  ${line}`);
  };
  if (!config.BOT_SERVICE_ENABLED) return;
  const type = config.MicrosoftAppType ?? 'MultiTenant';
  if (!config.MicrosoftAppId) {
    const stray = (['MicrosoftAppPassword', 'MicrosoftAppType', 'MicrosoftAppTenantId'] as const).filter((k) => config[k] !== undefined);
    if (stray.length > 0) fail(`MicrosoftAppId: required when ${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} set (the bot's App ID from its Azure Bot resource)`);
    if (config.NODE_ENV === 'production') {
      fail(
        'MicrosoftAppId: required in production for /api/messages (Azure Bot Service and Teams): without it the endpoint ' +
          "would accept requests from anyone. Set MicrosoftAppId and MicrosoftAppPassword from the bot's Azure registration " +
          '(or MicrosoftAppType=UserAssignedMSI with MicrosoftAppTenantId), or BOT_SERVICE_ENABLED=false to run without Teams and Azure Bot Service',
      );
    }
    return;
  }
  if (type === 'UserAssignedMSI') {
    if (config.MicrosoftAppPassword !== undefined) fail('MicrosoftAppPassword: must not be set with MicrosoftAppType=UserAssignedMSI (the managed identity signs in)');
    if (!config.MicrosoftAppTenantId) fail('MicrosoftAppTenantId: required with MicrosoftAppType=UserAssignedMSI');
    return;
  }
  if (!config.MicrosoftAppPassword) fail(`MicrosoftAppPassword: required with MicrosoftAppId (MicrosoftAppType=${type}); use the client secret of the bot's app registration`);
  if (type === 'SingleTenant' && !config.MicrosoftAppTenantId) fail('MicrosoftAppTenantId: required with MicrosoftAppType=SingleTenant');
}
// --- Azure Bot Service and Teams (end) ---

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
