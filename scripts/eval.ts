import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { evalDeadlines } from './evalDeadlines';
import { evalIntents } from './evalIntents';

/**
 * npm run --silent eval -- intents FILE.jsonl
 * npm run --silent eval -- deadlines FILE.jsonl
 * One JSON line out per line in, in order. No network; knowledge is read from ./knowledge.
 */
async function main(): Promise<void> {
  const [kind, file] = process.argv.slice(2);
  if (!kind || !file || !['intents', 'deadlines'].includes(kind)) {
    process.stderr.write('usage: npm run --silent eval -- intents|deadlines FILE.jsonl\n');
    process.exit(2);
  }
  const lines = createInterface({ input: file === '-' ? process.stdin : createReadStream(file), crlfDelay: Infinity });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (kind === 'intents') await evalIntents(lines, out);
  else await evalDeadlines(lines, out);
}

main().catch((error: unknown) => {
  process.stderr.write(`eval failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
