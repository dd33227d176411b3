import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAssistant, type Assistant } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startFakeConnector, type FakeConnector } from '../fixtures/teams/fakeBotFramework';

export interface BotServiceAssistant {
  assistant: Assistant;
  server: Server;
  base: string;
  connector: FakeConnector;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The assistant as `npm start` builds it (no App ID: /api/messages open to loopback callers), on a
 * port of its own with a data directory of its own, and a fake Bot Framework connector recording
 * what Teams would receive. `prepare` may write into the data directory (a copy of the knowledge,
 * say) and return more settings.
 */
export async function startBotServiceAssistant(
  prefix: string,
  options: { env?: Record<string, string>; prepare?: (dataDir: string) => Record<string, string> | void } = {},
): Promise<BotServiceAssistant> {
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  const prepared = options.prepare?.(dataDir) ?? {};
  const connector = await startFakeConnector();
  const assistant = await createAssistant(
    loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'test', ...options.env, ...prepared }),
    { retention: false },
  );
  const server = assistant.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    assistant,
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connector,
    dataDir,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await assistant.close({ drainMs: 1000 });
      await connector.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
