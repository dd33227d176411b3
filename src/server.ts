import type { Server } from 'node:http';
import { createAssistant, type Assistant } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { KnowledgeError } from './core/knowledge/load';
import { configureLog, errorFields, log } from './log';

/** How long running and queued turns (and open requests) get to finish on SIGTERM/SIGINT. */
const SHUTDOWN_GRACE_MS = 5000;
/** After this the process exits whatever is still going on. */
const SHUTDOWN_LIMIT_MS = 10_000;

function fail(error: unknown): never {
  if (error instanceof ConfigError || error instanceof KnowledgeError) {
    process.stderr.write(`Cannot start: ${error.message}\n`);
  } else {
    log.error('startup_failed', errorFields(error));
    process.stderr.write(`Cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
}

function listen(assistant: Assistant, config: Config): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = assistant.app.listen(config.PORT, config.HOST);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Stops accepting connections and waits (up to `ms`) for open requests to finish. */
function stopAccepting(server: Server, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, ms);
    // Closes idle keep-alive connections too (Node 19+); open requests finish first.
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** An error's kind and code only: messages can quote what was being processed. */
function faultFields(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { error: typeof error };
  const code = (error as { code?: unknown }).code;
  return { error: error.name, ...(typeof code === 'string' && { code: code.slice(0, 40) }) };
}

async function start(): Promise<void> {
  // A promise whose failure nobody handled (a fire-and-forget write while the database is away,
  // say) is logged; Node's default would end the process and every conversation's turn with it.
  process.on('unhandledRejection', (reason) => {
    log.error('unhandled_rejection', faultFields(reason));
  });
  let stop: ((reason: string, exitCode?: number) => void) | undefined;
  // Something threw with nothing to catch it: the process may be in a bad state, so it stops, but
  // gracefully, letting running turns finish (turns it cannot finish are run after the restart).
  process.on('uncaughtException', (error) => {
    log.error('uncaught_exception', faultFields(error));
    if (stop) stop('uncaughtException', 1);
    else process.exit(1);
  });

  let config: Config;
  let assistant: Assistant;
  try {
    config = loadConfig();
    configureLog(config.LOG_LEVEL);
    assistant = await createAssistant(config);
  } catch (error) {
    fail(error);
  }

  let server: Server;
  try {
    server = await listen(assistant, config);
  } catch (error) {
    await assistant.close({ drainMs: 0 }).catch(() => undefined);
    fail(error);
  }

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  log.info('listening', {
    port,
    store: assistant.store.kind,
    topics: assistant.core.knowledge.topics.size,
    tenants: assistant.core.knowledge.tenants.size,
  });
  process.stdout.write(`SEND assistant ready: web chat at http://localhost:${port}/\n`);

  let stopping = false;
  stop = (signal: string, exitCode = 0) => {
    if (stopping) {
      if (signal === 'uncaughtException') return; // already stopping; the limit below still holds
      log.warn('shutdown_forced', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('shutting_down', { signal });
    const limit = setTimeout(() => {
      log.error('shutdown_timed_out', { afterMs: SHUTDOWN_LIMIT_MS });
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    limit.unref();
    const started = Date.now();
    void (async () => {
      // Requests already in flight queue their turns before they answer, so once the server has
      // stopped, every turn there will be is queued; then the turns get what is left of the grace.
      await stopAccepting(server, SHUTDOWN_GRACE_MS);
      await assistant.close({ drainMs: Math.max(0, SHUTDOWN_GRACE_MS - (Date.now() - started)) });
      log.info('stopped', { afterMs: Date.now() - started });
      process.exit(exitCode);
    })().catch((error: unknown) => {
      log.error('shutdown_failed', errorFields(error));
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop?.('SIGTERM'));
  process.on('SIGINT', () => stop?.('SIGINT'));
}

void start();
