import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('has working defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3978);
    expect(config.DEFAULT_TENANT).toBe('generic');
    expect(config.NODE_ENV).toBe('development');
    expect(config.DATA_DIR).toBe('./data');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.DATABASE_SCHEMA).toBeUndefined();
    expect(config.RETENTION_DAYS).toBe(30);
  });

  it('accepts PostgreSQL URLs, a schema and a retention period', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://assistant:s3cret@db.internal:5432/send',
      DATABASE_SCHEMA: 'send_assistant',
      RETENTION_DAYS: '90',
    });
    expect(config.DATABASE_URL).toBe('postgresql://assistant:s3cret@db.internal:5432/send');
    expect(config.DATABASE_SCHEMA).toBe('send_assistant');
    expect(config.RETENTION_DAYS).toBe(90);
    expect(loadConfig({ DATABASE_URL: 'postgres:///send?host=/run/postgresql' }).DATABASE_URL).toMatch(/^postgres:/);
    expect(loadConfig({ RETENTION_DAYS: '1' }).RETENTION_DAYS).toBe(1);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/send', DATABASE_POOL_SIZE: '4' }).DATABASE_POOL_SIZE).toBe(4);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/send' }).DATABASE_POOL_SIZE).toBeUndefined();
    expect(loadConfig({ RETENTION_DAYS: '3650' }).RETENTION_DAYS).toBe(3650);
  });

  it('never repeats the database URL (it may hold a password) in an error', () => {
    const url = 'mysql://admin:hunter2-secret@db.internal/send';
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(/DATABASE_URL/);
    try {
      loadConfig({ DATABASE_URL: url });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DIRECTLINE_TOKEN_SECRET: '' }).PORT).toBe(3978);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ DEFAULT_TENANT: 'Derby City' }, 'DEFAULT_TENANT'],
    [{ DIRECTLINE_TOKEN_SECRET: 'short' }, 'DIRECTLINE_TOKEN_SECRET'],
    [{ DIRECTLINE_TOKEN_TTL_SECONDS: '5' }, 'DIRECTLINE_TOKEN_TTL_SECONDS'],
    [{ NODE_ENV: 'production' }, 'DIRECTLINE_TOKEN_SECRET'],
    [{ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/send' }, 'DIRECTLINE_TOKEN_SECRET'],
    [{ DATABASE_URL: 'mysql://db/send' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'sqlite:./data/assistant.sqlite' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://' + 'x'.repeat(3) + ':99999999/db' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://db/send', DATABASE_SCHEMA: 'Send-Assistant' }, 'DATABASE_SCHEMA'],
    [{ DATABASE_SCHEMA: 'send_assistant' }, 'DATABASE_SCHEMA'],
    [{ DATABASE_POOL_SIZE: '4' }, 'DATABASE_POOL_SIZE'],
    [{ DATABASE_URL: 'postgres://db/send', DATABASE_POOL_SIZE: '1' }, 'DATABASE_POOL_SIZE'],
    [{ DATABASE_URL: 'postgres://db/send', DATABASE_POOL_SIZE: '101' }, 'DATABASE_POOL_SIZE'],
    [{ DATABASE_URL: 'postgres://db/send', DATABASE_POOL_SIZE: 'lots' }, 'DATABASE_POOL_SIZE'],
    [{ RETENTION_DAYS: '0' }, 'RETENTION_DAYS'],
    [{ RETENTION_DAYS: '3651' }, 'RETENTION_DAYS'],
    [{ RETENTION_DAYS: '7.5' }, 'RETENTION_DAYS'],
    [{ RETENTION_DAYS: 'a month' }, 'RETENTION_DAYS'],
  ])('%j stops start-up naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});

describe('SMS settings', () => {
  const sms = {
    TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 'auth-token-0123456789abcdef',
    PUBLIC_BASE_URL: 'https://assistant.council.example',
  };

  it('turns SMS on with all three provider settings', () => {
    const config = loadConfig(sms);
    expect(config.TWILIO_ACCOUNT_SID).toBe(sms.TWILIO_ACCOUNT_SID);
    expect(config.SMS_LIMIT_PER_MINUTE).toBe(10);
  });

  it.each(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'PUBLIC_BASE_URL'] as const)('refuses to start with %s missing', (missing) => {
    const env: Record<string, string> = { ...sms };
    delete env[missing];
    expect(() => loadConfig(env)).toThrow(/set all three/);
  });

  it('never repeats the auth token in an error', () => {
    try {
      loadConfig({ ...sms, TWILIO_AUTH_TOKEN: 'short' });
      throw new Error('expected an error');
    } catch (error) {
      expect((error as Error).message).toMatch(/TWILIO_AUTH_TOKEN/);
      expect((error as Error).message).not.toContain('short');
    }
  });

  it('needs SMS_ID_SECRET and an https address in production', () => {
    const production = { ...sms, NODE_ENV: 'production', DIRECTLINE_TOKEN_SECRET: 'x'.repeat(40) };
    expect(() => loadConfig(production)).toThrow(/SMS_ID_SECRET/);
    expect(() => loadConfig({ ...production, SMS_ID_SECRET: 'y'.repeat(40), PUBLIC_BASE_URL: 'http://assistant.council.example' })).toThrow(/https/);
  });
});
