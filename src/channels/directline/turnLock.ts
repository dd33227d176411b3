import pg from 'pg';
import { errorFields, log } from '../../log';

/**
 * Runs `work` while holding the conversation's turn lock. Within one process the adapter already
 * runs a conversation's turns one at a time; a turn lock extends that across every instance
 * sharing a database, so two turns of one conversation never read and write its state at once.
 */
export type TurnLock = <T>(conversationId: string, work: () => Promise<T>) => Promise<T>;

export interface ClosableTurnLock {
  run: TurnLock;
  /** Waits for no one: call it after the adapter has drained. */
  close(): Promise<void>;
}

export interface PostgresTurnLockOptions {
  /** The same `postgres://…` as the store's; never logged. */
  connectionString: string;
  /** The store's schema, if any: conversations in different schemas never wait for each other. */
  schema?: string;
  /**
   * Connections for locks, held for the length of a turn (and while waiting for one). At most one
   * per conversation per instance, because the adapter queues a conversation's turns before they
   * ask for the lock; beyond this many conversations at once, turns wait for a connection (and
   * fail after 10 s without one). Closed after 30 s idle. It must be a pool of its own: if lock
   * holders could take every connection of the store's pool, their turns could not read state.
   * Default 10.
   */
  poolSize?: number;
  /** A turn that waits longer than this for its lock fails (the user gets an apology). Default 60 s. */
  waitTimeoutMs?: number;
}

const NAMESPACE = 'send-assistant:turn';

/**
 * A PostgreSQL session-level advisory lock per conversation, keyed by
 * `(hashtext('send-assistant:turn:<schema>'), hashtext(conversationId))`, on a small pool of its
 * own (the store keeps its pool to itself). Session-level rather than transaction-level so no
 * transaction stays open for the length of a turn; the lock is released explicitly, or by
 * PostgreSQL if the connection drops. A hash collision only makes two conversations take turns.
 * PostgreSQL queues waiting lockers, so turns run in about the order they asked for the lock.
 */
export function postgresTurnLock(options: PostgresTurnLockOptions): ClosableTurnLock {
  const waitMs = Math.max(1, Math.round(options.waitTimeoutMs ?? 60_000));
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    application_name: options.schema === undefined ? 'send-assistant:turn-lock' : `send-assistant:turn-lock (${options.schema})`,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    max: options.poolSize ?? 10,
    // lock_timeout bounds the wait in pg_advisory_lock.
    options: `-c lock_timeout=${waitMs}`,
  });
  pool.on('error', (error) => log.warn('turn_lock.pool_error', errorFields(error)));
  const space = `${NAMESPACE}:${options.schema ?? ''}`;
  let closed = false;

  const run: TurnLock = async (conversationId, work) => {
    if (closed) throw new Error('The turn lock is closed');
    const client = await pool.connect();
    // A checked-out client has no error listener of the pool's: without one, the connection
    // dropping mid-turn would be an uncaught 'error' event.
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
      log.warn('turn_lock.connection_lost', errorFields(error));
    };
    client.on('error', onError);
    let locked = false;
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', [space, conversationId]);
      locked = true;
      return await work();
    } finally {
      if (locked && !lost) {
        try {
          await client.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [space, conversationId]);
        } catch (error) {
          // Discarding the connection below releases the lock too.
          lost = error instanceof Error ? error : new Error('unlock failed');
        }
      }
      client.removeListener('error', onError);
      client.release(lost ?? (locked ? undefined : true));
    }
  };

  return {
    run,
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
