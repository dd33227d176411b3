import net from 'node:net';

/**
 * A TCP proxy for fault tests: put it between the app and a server (PostgreSQL) and make the
 * server "go away" without touching it. `cut()` resets every open connection (both sides) and
 * resets new ones as soon as they arrive, as a failed network or a dead database host would;
 * `restore()` lets connections through again.
 */
export interface TcpProxy {
  readonly port: number;
  /** Connections currently passed through. */
  readonly open: number;
  /** Connections refused while cut. */
  readonly refused: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let cut = false;
  let refused = 0;

  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (cut) {
      refused += 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    upstream.on('error', () => undefined);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  function resetAll(): void {
    for (const { client, upstream } of [...pairs]) {
      // A reset (RST) rather than an orderly close: the app sees ECONNRESET mid-whatever, and
      // PostgreSQL ends the backend (releasing its advisory locks).
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
    }
    pairs.clear();
  }

  return {
    port,
    get open() {
      return pairs.size;
    },
    get refused() {
      return refused;
    },
    cut() {
      cut = true;
      resetAll();
    },
    restore() {
      cut = false;
    },
    async close() {
      cut = true;
      resetAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same `postgres://` URL, pointed at the proxy instead. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
