/**
 * Whether an error means the database (or the connection to it) is unavailable for the moment,
 * rather than that the request or our code is wrong: refused, reset or dropped connections,
 * connection timeouts, PostgreSQL's connection-exception and shutdown states, a busy SQLite file,
 * a store or turn lock that is closing. Requests failing so get 503 with Retry-After, not 500.
 */
export function isUnavailable(error: unknown): boolean {
  for (let depth = 0, current = error; depth < 5 && current; depth += 1) {
    if (typeof current !== 'object') return false;
    const { code, message, errors } = current as { code?: unknown; message?: unknown; errors?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQL_STATES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    // Node's connect with several addresses fails with an AggregateError of each attempt's error.
    if (Array.isArray(errors) && errors.some((inner) => isUnavailable(inner))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

/** PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, lock_not_available (a turn lock waited too long). Class 08 is handled above. */
const SQL_STATES = new Set(['57P01', '57P02', '57P03', '53300', '55P03']);

/** pg's and pg-pool's own errors, which carry no code. */
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Cannot use a pool after calling end|Client was closed|Store is closed|The turn lock is closed/;
