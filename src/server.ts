import { createAssistant } from './app';
import { ConfigError, loadConfig } from './config';
import { KnowledgeError } from './core/knowledge/load';
import { configureLog, errorFields, log } from './log';

function start(): void {
  let config;
  try {
    config = loadConfig();
    configureLog(config.LOG_LEVEL);
    const { app, core } = createAssistant(config);
    const server = app.listen(config.PORT, config.HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config!.PORT;
      log.info('listening', { port, topics: core.knowledge.topics.size, tenants: core.knowledge.tenants.size });
      process.stdout.write(`SEND assistant ready: web chat at http://localhost:${port}/\n`);
    });
    const stop = () => server.close(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof KnowledgeError) {
      process.stderr.write(`Cannot start: ${error.message}\n`);
      process.exit(1);
    }
    log.error('startup_failed', errorFields(error));
    process.stderr.write(`Cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

start();
