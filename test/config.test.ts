import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('has working defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3978);
    expect(config.DEFAULT_TENANT).toBe('generic');
    expect(config.NODE_ENV).toBe('development');
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
  ])('%j stops start-up naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
