import { existsSync } from 'node:fs';
import path from 'node:path';
import { groupQuestions, type QuestionGroup } from '../src/core/flows/unanswered';
import { configureLog } from '../src/log';
import { createStore, isPostgresUrl } from '../src/store/store';

/**
 * npm run report:unanswered [-- --tenant derby] [--limit 1000] [--min 2] [--json]
 *
 * What people ask that the knowledge base lacks: the questions the assistant could not answer
 * (not understood, a clarifying question that ended unclear, out of scope but about SEND), already
 * redacted when they were kept, grouped roughly by similarity, biggest group first, with counts.
 *
 * Reads the store: SQLite under DATA_DIR (default ./data), or PostgreSQL when DATABASE_URL is
 * postgres://… (DATABASE_SCHEMA optional). Nothing is changed.
 */

interface Options {
  tenant?: string;
  limit: number;
  min: number;
  json: boolean;
}

const USAGE = 'usage: npm run report:unanswered -- [--tenant ID] [--limit N (max 1000)] [--min N] [--json]\n';

function parseArgs(args: string[]): Options {
  const options: Options = { limit: 1000, min: 1, json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    const count = (name: string, text: string) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number of 1 or more`);
      return n;
    };
    if (arg === '--tenant') options.tenant = value();
    else if (arg === '--limit') options.limit = Math.min(1000, count('--limit', value()));
    else if (arg === '--min') options.min = count('--min', value());
    else if (arg === '--json') options.json = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown option ${arg}`);
  }
  return options;
}

class UsageError extends Error {}

function tally(counts: Record<string, number>): string {
  return Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => `${k} ${n}`).join(', ');
}

function print(groups: QuestionGroup[], total: number, options: Options, span: { newest?: string; oldest?: string }): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const shown = groups.filter((g) => g.count >= options.min);
  out(`Unanswered questions${options.tenant ? ` for ${options.tenant}` : ''}: ${total} (the latest ${options.limit} at most), in ${groups.length} group(s).`);
  if (span.oldest && span.newest) out(`From ${span.oldest.slice(0, 10)} to ${span.newest.slice(0, 10)}. Texts were redacted when kept.`);
  if (shown.length < groups.length) out(`Showing the ${shown.length} group(s) asked at least ${options.min} times.`);
  out();
  for (const group of shown) {
    out(`${String(group.count).padStart(4)} x  ${group.example}`);
    if (group.keywords.length > 0) out(`         words: ${group.keywords.join(', ')}`);
    out(`         councils: ${tally(group.tenants)}   channels: ${tally(group.channels)}`);
    for (const other of group.others) out(`         also: ${other}`);
    out();
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // The report is the output: the store's start-up lines (migrations) would only get in the way.
  configureLog('warn', (line) => process.stderr.write(`${line}\n`));
  const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
  const dataDir = process.env.DATA_DIR?.trim() || './data';
  if (!isPostgresUrl(databaseUrl) && !existsSync(path.join(dataDir, 'assistant.sqlite'))) {
    // Opening the store would create an empty database: say there is nothing instead.
    if (options.json) process.stdout.write(`${JSON.stringify({ total: 0, groups: [] })}\n`);
    else process.stdout.write(`No questions have been kept yet (no database at ${path.join(dataDir, 'assistant.sqlite')}).\n`);
    return;
  }
  const store = await createStore({ databaseUrl, dataDir, schema: process.env.DATABASE_SCHEMA?.trim() || undefined });
  try {
    const rows = await store.listUnanswered({ tenant: options.tenant, limit: options.limit });
    const groups = groupQuestions(rows.map((r) => ({ text: r.text, tenant: r.tenant, channel: r.channel })));
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ total: rows.length, groups: groups.filter((g) => g.count >= options.min) }, null, 2)}\n`);
    } else {
      print(groups, rows.length, options, { newest: rows[0]?.createdAt, oldest: rows[rows.length - 1]?.createdAt });
    }
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  // The store's errors name no data; the connection string is never printed.
  process.stderr.write(`report failed: ${error instanceof Error ? error.name : 'unknown error'}: ${error instanceof Error ? error.message.slice(0, 200) : ''}\n`);
  process.exit(1);
});
