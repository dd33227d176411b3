import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

/**
 * Production and the Bot Framework settings: the real server (`node --import tsx src/server.ts`)
 * refuses to start without MicrosoftAppId, and the settings are checked as a whole.
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const APP_ID = '0a1b2c3d-1111-4222-8333-444455556666';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const TOKEN_SECRET = 'production-test-token-secret-0123456789abcdef';

const children = new Set<ChildProcess>();
const dataDir = mkdtempSync(path.join(tmpdir(), 'send-botservice-prod-'));

afterEach(() => {
  // Only the children this file started, by their own handle.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Outcome {
  /** Exit code, or 'listening' once the server says it is ready (then it is killed). */
  result: number | 'listening';
  stdout: string;
  stderr: string;
  port?: number;
  child: ChildProcess;
}

function runServer(extra: Record<string, string>): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    ...extra,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No outcome within 25 s: ${stderr}`)), 25_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = /web chat at http:\/\/localhost:(\d+)\//.exec(stdout);
      if (ready) {
        clearTimeout(timer);
        resolve({ result: 'listening', stdout, stderr, port: Number(ready[1]), child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ result: code ?? -1, stdout, stderr, child });
    });
  });
}

describe('a production start', () => {
  it('without MicrosoftAppId exits 1 with a message naming the setting', async () => {
    const outcome = await runServer({ NODE_ENV: 'production', DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET });
    expect(outcome.result).toBe(1);
    expect(outcome.stderr).toMatch(/^Cannot start: Invalid configuration:\n {2}MicrosoftAppId: required in production/m);
    expect(outcome.stderr).toMatch(/BOT_SERVICE_ENABLED=false/);
  }, 30_000);

  it('with MicrosoftAppId but no password exits 1 naming MicrosoftAppPassword', async () => {
    const outcome = await runServer({ NODE_ENV: 'production', DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET, MicrosoftAppId: APP_ID });
    expect(outcome.result).toBe(1);
    expect(outcome.stderr).toMatch(/MicrosoftAppPassword: required/);
  }, 30_000);

  it('with an App ID and password starts, and /api/messages wants a token', async () => {
    const secret = 'a-client-secret-that-must-never-be-printed';
    const outcome = await runServer({
      NODE_ENV: 'production',
      DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET,
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: secret,
      LOG_LEVEL: 'info',
    });
    expect(outcome.result).toBe('listening');
    const response = await fetch(`http://127.0.0.1:${outcome.port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', channelId: 'msteams', conversation: { id: 'a:1' }, serviceUrl: 'https://smba.trafficmanager.net/uk/', text: 'hi' }),
    });
    expect(response.status).toBe(401);
    expect(outcome.stdout + outcome.stderr).not.toContain(secret);
  }, 30_000);

  it('with BOT_SERVICE_ENABLED=false starts without an App ID and has no /api/messages', async () => {
    const outcome = await runServer({ NODE_ENV: 'production', DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET, BOT_SERVICE_ENABLED: 'false' });
    expect(outcome.result).toBe('listening');
    const response = await fetch(`http://127.0.0.1:${outcome.port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(404);
  }, 30_000);
});

describe('Bot Framework settings', () => {
  const password = 'client-secret-value-0123456789';

  it('defaults to on, without credentials, outside production', () => {
    const config = loadConfig({});
    expect(config.BOT_SERVICE_ENABLED).toBe(true);
    expect(config.MicrosoftAppId).toBeUndefined();
  });

  it.each([
    [{ MicrosoftAppId: APP_ID, MicrosoftAppPassword: password }, 'MultiTenant'],
    [{ MicrosoftAppId: APP_ID, MicrosoftAppPassword: password, MicrosoftAppType: 'singletenant', MicrosoftAppTenantId: TENANT_ID }, 'SingleTenant'],
    [{ MicrosoftAppId: APP_ID, MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: TENANT_ID }, 'UserAssignedMSI'],
  ])('accepts %j', (env, type) => {
    const config = loadConfig({ ...env, NODE_ENV: 'production', DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET });
    expect(config.MicrosoftAppType ?? 'MultiTenant').toBe(type);
  });

  it.each([
    [{ MicrosoftAppId: 'my-bot' }, 'MicrosoftAppId: must be'],
    [{ MicrosoftAppId: APP_ID }, 'MicrosoftAppPassword: required'],
    [{ MicrosoftAppPassword: password }, 'MicrosoftAppId: required when MicrosoftAppPassword is set'],
    [{ MicrosoftAppId: APP_ID, MicrosoftAppPassword: password, MicrosoftAppType: 'Personal' }, 'MicrosoftAppType: must be MultiTenant, SingleTenant or UserAssignedMSI'],
    [{ MicrosoftAppId: APP_ID, MicrosoftAppPassword: password, MicrosoftAppType: 'SingleTenant' }, 'MicrosoftAppTenantId: required'],
    [{ MicrosoftAppId: APP_ID, MicrosoftAppType: 'UserAssignedMSI' }, 'MicrosoftAppTenantId: required'],
    [{ MicrosoftAppId: APP_ID, MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: TENANT_ID, MicrosoftAppPassword: password }, 'MicrosoftAppPassword: must not be set'],
    [{ MicrosoftAppId: APP_ID, MicrosoftAppPassword: password, MicrosoftAppTenantId: 'contoso' }, 'MicrosoftAppTenantId: must be'],
    [{ BOT_SERVICE_ENABLED: 'maybe' }, 'BOT_SERVICE_ENABLED: must be true or false'],
    [{ NODE_ENV: 'production', DIRECTLINE_TOKEN_SECRET: TOKEN_SECRET }, 'MicrosoftAppId: required in production'],
  ])('%j stops start-up naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never repeats the password in an error', () => {
    try {
      loadConfig({ MicrosoftAppPassword: password });
      throw new Error('expected an error');
    } catch (error) {
      expect((error as Error).message).not.toContain(password);
    }
  });
});
