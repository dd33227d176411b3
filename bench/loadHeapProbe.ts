/**
 * Bench-only preload for the server the soak measures: `node --expose-gc --import tsx --import
 * ./bench/loadHeapProbe.ts src/server.ts`, spawned with an IPC channel (see loadServers.ts). It
 * answers messages from the parent process only, never anything over HTTP, and does nothing at all
 * in a normal start (no IPC channel there, and no `--expose-gc`).
 *
 *  - `{ type: 'heap', id }` → a full GC (twice: the second collects what the first's finalisers
 *    freed), then `{ type: 'heap', id, heap_used_mb, heap_total_mb, external_mb, array_buffers_mb,
 *    rss_mb }`.
 *  - `{ type: 'snapshot', id, file }` → a full GC, `v8.writeHeapSnapshot(file)`, then
 *    `{ type: 'snapshot', id, file }` (or `error`).
 */
import v8 from 'node:v8';

interface Request {
  type?: unknown;
  id?: unknown;
  file?: unknown;
}

const MB = 1024 * 1024;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

function fullGc(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  gc();
  return true;
}

if (typeof process.send === 'function') {
  const send = process.send.bind(process);
  process.on('message', (raw: unknown) => {
    const request = (raw ?? {}) as Request;
    const id = request.id;
    try {
      if (request.type === 'heap') {
        const collected = fullGc();
        const usage = process.memoryUsage();
        send({
          type: 'heap',
          id,
          gc: collected,
          heap_used_mb: mb(usage.heapUsed),
          heap_total_mb: mb(usage.heapTotal),
          external_mb: mb(usage.external),
          array_buffers_mb: mb(usage.arrayBuffers),
          rss_mb: mb(usage.rss),
        });
      } else if (request.type === 'snapshot' && typeof request.file === 'string') {
        fullGc();
        const file = v8.writeHeapSnapshot(request.file);
        send({ type: 'snapshot', id, file });
      }
    } catch (error) {
      send({ type: String(request.type), id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  // The channel must not keep the server up once it has been told to stop.
  process.channel?.unref();
}
