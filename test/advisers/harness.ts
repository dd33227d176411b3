import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import helmet from 'helmet';
import { hashPassword, InMemoryAdviserAccounts, type AdviserAccount } from '../../src/advisers/accounts';
import { createAdviserRouter, type AdviserRouter, type AdviserRouterOptions } from '../../src/advisers/router';
import type { AdviserToken } from '../../src/advisers/tokens';
import { CONTENT_SECURITY_POLICY_DIRECTIVES } from '../../src/channels/web';
import { FakeDesk } from './fakeDesk';

export const PASSWORD = 'correct horse battery';
export const SESSION_SECRET = 'adviser-session-test-secret-0123456789abcdef';

export interface Logged {
  level: string;
  event: string;
  fields: Record<string, unknown>;
}

export interface ConsoleSetup {
  base: string;
  desk: FakeDesk;
  accounts: InMemoryAdviserAccounts;
  router: AdviserRouter;
  logged: Logged[];
  /** Signs in and returns the Cookie header to send. */
  signIn(username: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

let hashed: Promise<string> | undefined;
/** One low-cost hash of PASSWORD for every test account (bcrypt cost 4: tests only). */
export function testHash(): Promise<string> {
  hashed ??= hashPassword(PASSWORD, { cost: 4 });
  return hashed;
}

export async function defaultAccounts(): Promise<AdviserAccount[]> {
  const passwordHash = await testHash();
  return [
    { id: 'sam', displayName: 'Sam Jones', passwordHash, role: 'adviser', tenants: ['derby'] },
    { id: 'kim', displayName: 'Kim Patel', passwordHash, role: 'adviser', tenants: ['derby'] },
    { id: 'max', displayName: 'Max Manager', passwordHash, role: 'manager', tenants: [] },
    { id: 'mk', displayName: 'Morgan Keynes', passwordHash, role: 'adviser', tenants: ['milton-keynes'] },
    { id: 'nopass', displayName: 'No Password', role: 'adviser', tenants: [] },
  ];
}

export async function startConsole(
  options: {
    accounts?: AdviserAccount[];
    tokens?: AdviserToken[];
    desk?: FakeDesk;
    router?: Partial<Omit<AdviserRouterOptions, 'desk' | 'accounts' | 'log'>>;
  } = {},
): Promise<ConsoleSetup> {
  const desk = options.desk ?? new FakeDesk();
  const accounts = new InMemoryAdviserAccounts(options.accounts ?? (await defaultAccounts()));
  const logged: Logged[] = [];
  const record = (level: string) => (event: string, fields: Record<string, string | number | boolean | undefined> = {}) => {
    logged.push({ level, event, fields });
  };
  const log = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const router = createAdviserRouter({
    desk,
    accounts,
    tokens: options.tokens ?? [],
    sessionSecret: SESSION_SECRET,
    log,
    ...options.router,
  });

  // As src/app.ts builds it: helmet with the site's CSP, then the console, then JSON 404s.
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY_DIRECTIVES } }));
  app.use('/advisers', router);
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NotFound', message: 'There is nothing at this address.' } });
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    desk,
    accounts,
    router,
    logged,
    async signIn(username: string, password = PASSWORD): Promise<string> {
      const res = await fetch(`${base}/advisers/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (res.status !== 204) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('adviser_session='));
      if (!cookie) throw new Error('no session cookie');
      return cookie.split(';')[0]!;
    },
    async close() {
      await router.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
