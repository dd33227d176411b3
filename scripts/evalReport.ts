import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadKnowledge } from '../src/core/knowledge/load';
import { labelOf, Understander } from '../src/core/understanding/understand';

/**
 * npm run eval:report [-- FILE.jsonl ...]
 * Scores the understanding layer on labelled sets (the shared dev set by default) with the same
 * rules as the shared scorer, broken down by channel, and lists the confusions between labels.
 */
interface Item { id: string; text: string; label: string; also?: string[]; channel?: string }

const knowledge = loadKnowledge();
const understander = new Understander(knowledge);
const topicIds = new Set(knowledge.topics.keys());
const pct = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);

function report(file: string): void {
  const items = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Item);
  const groups = new Map<string, { n: number; correct: number; wrong: number; worst: number }>();
  const confusion = new Map<string, number>();
  let safeguarding = 0, safeguardingHit = 0, falseAlarms = 0;
  for (const item of items) {
    const predicted = labelOf(understander.understand(item.text));
    const ok = predicted === item.label || (item.also ?? []).includes(predicted);
    const wrong = (topicIds.has(predicted) && !ok) || (item.label === 'safeguarding' && predicted !== 'safeguarding');
    const worst = topicIds.has(predicted) && (item.label === 'out-of-scope' || item.label === 'safeguarding');
    for (const key of ['all', `channel ${item.channel ?? '?'}`, topicIds.has(item.label) ? 'topic items' : 'control items']) {
      const g = groups.get(key) ?? { n: 0, correct: 0, wrong: 0, worst: 0 };
      g.n++; if (ok) g.correct++; if (wrong) g.wrong++; if (worst) g.worst++;
      groups.set(key, g);
    }
    if (item.label === 'safeguarding') { safeguarding++; if (predicted === 'safeguarding') safeguardingHit++; }
    else if (predicted === 'safeguarding') falseAlarms++;
    if (!ok) confusion.set(`${item.label} → ${predicted}`, (confusion.get(`${item.label} → ${predicted}`) ?? 0) + 1);
  }
  console.log(`\n${path.relative(process.cwd(), file)} (${items.length} items)`);
  console.log('group              items  accuracy  wrong answers  worst kind');
  for (const [key, g] of groups) {
    console.log(`${key.padEnd(18)} ${String(g.n).padStart(5)}  ${pct(g.correct, g.n).padStart(8)}  ${pct(g.wrong, g.n).padStart(13)}  ${String(g.worst).padStart(10)}`);
  }
  console.log(`safeguarding recall ${pct(safeguardingHit, safeguarding)}, false alarms ${falseAlarms}`);
  console.log('\nconfusions (label → predicted: count), most frequent first');
  for (const [pair, count] of [...confusion.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${pair}: ${count}`);
}

const files = process.argv.slice(2);
const defaults = [path.resolve('..', 'shared', 'eval', 'dev.jsonl'), path.resolve('eval', 'heldout.jsonl')].filter(existsSync);
for (const file of files.length > 0 ? files : defaults) report(file);
