/**
 * Questions the assistant could not answer: which to keep (so the knowledge base can grow), and
 * how to group them roughly by similarity for `npm run report:unanswered`. Texts reach here
 * already redacted (src/core/redact.ts).
 */
import { normaliseWords } from '../understanding/normalise';

/**
 * Whether an out-of-scope message is still about SEND (school, plans, support, needs…) and so
 * worth keeping as a gap in the knowledge base. Bins and parking are not.
 */
export function isSendFlavoured(text: string): boolean {
  const t = text.toLowerCase();
  return /\b(send|sen|senco|sendco|sendiass|sendias|ehc|ehcp|ehcps|ehc ?na|education,? health and care|special (educational|needs|school)|additional needs|send support|sen support|disab\w*|autis\w*|adhd|asd|asc|dyslexi\w*|dyspraxi\w*|school|schools|nursery|college|academy|pupil|teacher|head ?teacher|teaching assistant|1:1|one to one|tribunal|mediation|annual review|provision|placement|local offer|local authority|the council|the la|needs assessment|educational psycholog\w*|speech and language|occupational therap\w*|camhs|transport|exclu\w*|my (son|daughter|child|children|kids?|boy|girl|grandson|granddaughter)|young person)\b/.test(t);
}

/** Common words that say nothing about what was asked. */
const STOPWORDS = new Set(
  ('a an the i im me my we our us you your he she it its they them his her their is are was were be been am do does did ' +
    'to of in on at for with about from by and or but if so not no can could would should will what how when where who ' +
    'which why that this there have has had get got want need please hi hello just any some one dont cant wont ive id ' +
    'there also really very still been being as into than then too only now').split(' '),
);

/** Content words of a question, normalised the way the matcher sees them. */
export function keywordsOf(text: string): string[] {
  // Redaction markers ([name], [phone]…) say nothing about what was asked.
  const words = normaliseWords(text.replace(/\[[a-z ]+\]/gi, ' '));
  return [...new Set(words.filter((w) => !STOPWORDS.has(w) && w.length > 1))];
}

function similarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  // Dice coefficient: kinder than Jaccard to a short question inside a longer one.
  return (2 * shared) / (a.size + b.size);
}

export interface QuestionGroup {
  /** The most typical question of the group (the one most like the others). */
  example: string;
  count: number;
  /** A few more, different, questions from the group. */
  others: string[];
  /** The words the group has in common most often. */
  keywords: string[];
  /** Counts by tenant (council) and channel, when given. */
  tenants: Record<string, number>;
  channels: Record<string, number>;
}

export interface QuestionRecord {
  text: string;
  tenant?: string;
  channel?: string;
}

/** Two questions this similar (0–1) go in one group. */
export const GROUP_SIMILARITY = 0.5;

/**
 * Groups questions roughly: greedy, each question joins the group whose words it shares most
 * (Dice coefficient of content words against the group's word counts), else starts a new one.
 * Largest groups first. Linear in groups × questions: fine for thousands.
 */
export function groupQuestions(records: readonly QuestionRecord[], threshold = GROUP_SIMILARITY): QuestionGroup[] {
  interface Building {
    members: Array<{ record: QuestionRecord; words: Set<string> }>;
    counts: Map<string, number>;
  }
  const groups: Building[] = [];
  for (const record of records) {
    const words = new Set(keywordsOf(record.text));
    let best: Building | undefined;
    let bestScore = 0;
    for (const group of groups) {
      // The group's core: words used by at least half its members.
      const core = new Set([...group.counts].filter(([, n]) => n * 2 >= group.members.length).map(([w]) => w));
      const score = similarity(words, core);
      if (score > bestScore) {
        best = group;
        bestScore = score;
      }
    }
    if (!best || bestScore < threshold) {
      best = { members: [], counts: new Map() };
      groups.push(best);
    }
    best.members.push({ record, words });
    for (const w of words) best.counts.set(w, (best.counts.get(w) ?? 0) + 1);
  }
  return groups
    .map((group) => {
      const typical = [...group.members].sort((a, b) => score(b.words) - score(a.words))[0]!;
      function score(words: Set<string>): number {
        let total = 0;
        for (const w of words) total += group.counts.get(w) ?? 0;
        return total / Math.max(1, words.size);
      }
      const seen = new Set([typical.record.text.toLowerCase()]);
      const others: string[] = [];
      for (const m of group.members) {
        const key = m.record.text.toLowerCase();
        if (seen.has(key) || others.length >= 3) continue;
        seen.add(key);
        others.push(m.record.text);
      }
      const tally = (pick: (r: QuestionRecord) => string | undefined) => {
        const out: Record<string, number> = {};
        for (const m of group.members) {
          const key = pick(m.record);
          if (key) out[key] = (out[key] ?? 0) + 1;
        }
        return out;
      };
      return {
        example: typical.record.text,
        count: group.members.length,
        others,
        keywords: [...group.counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5).map(([w]) => w),
        tenants: tally((r) => r.tenant),
        channels: tally((r) => r.channel),
      };
    })
    .sort((a, b) => b.count - a.count || a.example.localeCompare(b.example));
}
