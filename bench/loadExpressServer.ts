/**
 * The floor for `npm run bench`: a bare express app that answers a JSON POST with JSON. Run as a
 * child process by bench/load.ts (PORT and HOST from the environment); stops on SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/api/echo', express.json({ limit: '64kb' }), (req, res) => {
  const text = typeof req.body?.text === 'string' ? req.body.text : '';
  res.json({ id: randomUUID(), type: 'message', text: `echo: ${text}` });
});

const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
});
