/**
 * Structured logs, one JSON object a line. Callers pass ids and counts only: never message text,
 * names, phone numbers or email addresses (people's data here is about children).
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

let threshold = ORDER.info;
let sink: (line: string) => void = (line) => process.stdout.write(`${line}\n`);

export function configureLog(level: Level | 'silent', output?: (line: string) => void): void {
  threshold = ORDER[level];
  if (output) sink = output;
}

function write(level: Level, event: string, fields: Record<string, string | number | boolean | undefined>): void {
  if (ORDER[level] < threshold) return;
  sink(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
}

export const log = {
  debug: (event: string, fields: Record<string, string | number | boolean | undefined> = {}) => write('debug', event, fields),
  info: (event: string, fields: Record<string, string | number | boolean | undefined> = {}) => write('info', event, fields),
  warn: (event: string, fields: Record<string, string | number | boolean | undefined> = {}) => write('warn', event, fields),
  error: (event: string, fields: Record<string, string | number | boolean | undefined> = {}) => write('error', event, fields),
};

/** The error's kind and a message without the input that caused it. */
export function errorFields(error: unknown): Record<string, string> {
  if (error instanceof Error) return { error: error.name, detail: error.message.slice(0, 200) };
  return { error: 'unknown' };
}
