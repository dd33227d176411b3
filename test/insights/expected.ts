import { londonDay, shiftDay, type Generated } from './generate';

/**
 * The figures the insights page should publish for a view of the generated month, worked out
 * here straight from what was generated: its own London days, its own suppression and its own
 * percentiles, nothing from src/insights.
 */

export interface View {
  from: string;
  to: string;
  /** Councils counted; undefined: all. */
  tenants?: string[];
  channel?: string;
}

type Status = 'shown' | 'fewer-than-5' | 'hidden';
export interface ExpectedCell {
  value: number | null;
  status: Status;
}
export interface ExpectedTimes {
  status: 'shown' | 'fewer-than-5';
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export const OUTCOMES = ['answered', 'clarified', 'handed-off', 'out-of-scope', 'not-understood', 'safeguarding', 'control', 'deadline', 'flow'];
export const FATES = ['claimed', 'abandoned', 'closed-unclaimed', 'waiting'];

/** Under 5 is never shown. */
export function small(n: number): ExpectedCell {
  return n < 5 ? { value: null, status: 'fewer-than-5' } : { value: n, status: 'shown' };
}

/** Parts of a total that is shown too: while what is hidden adds up to 1–4, hide the smallest part shown (first on a tie). */
export function parts(counts: number[]): ExpectedCell[] {
  const out = counts.map(small);
  const hiddenSum = () => counts.reduce((sum, n, i) => (out[i]!.status === 'shown' ? sum : sum + n), 0);
  while (hiddenSum() > 0 && hiddenSum() < 5) {
    const shownAt = counts.map((n, i) => [n, i] as const).filter(([, i]) => out[i]!.status === 'shown');
    if (shownAt.length === 0) break;
    const min = Math.min(...shownAt.map(([n]) => n));
    const i = shownAt.find(([n]) => n === min)![1];
    out[i] = { value: null, status: 'hidden' };
  }
  return out;
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const below = Math.floor(pos);
  const above = Math.ceil(pos);
  return s[below]! + (s[above]! - s[below]!) * (pos - below);
}

export function times(ms: number[]): ExpectedTimes {
  if (ms.length < 5) return { status: 'fewer-than-5', medianSeconds: null, p90Seconds: null };
  return { status: 'shown', medianSeconds: Math.round(quantile(ms, 0.5) / 1000), p90Seconds: Math.round(quantile(ms, 0.9) / 1000) };
}

export interface ExpectedGroup {
  group: string;
  count: number;
  ids: string[];
  texts: string[];
}

export function expectedFigures(g: Generated, view: View, titles: ReadonlyMap<string, string>) {
  const days: string[] = [];
  for (let d = view.from; d <= view.to; d = shiftDay(d, 1)) days.push(d);
  const inPeriod = (iso: string) => {
    const day = londonDay(iso);
    return day >= view.from && day <= view.to;
  };
  const inView = (row: { tenant: string; channel: string }) =>
    (!view.tenants || view.tenants.includes(row.tenant)) && (!view.channel || row.channel === view.channel);

  const conversations = g.conversations.filter((c) => inPeriod(c.createdAt) && inView(c));
  const perDay = days.map((d) => conversations.filter((c) => londonDay(c.createdAt) === d).length);
  const dayCells = parts(perDay);

  const outcomes = g.outcomes.filter((o) => inPeriod(o.at) && inView(o));
  const topicCounts = new Map<string, number>();
  for (const o of outcomes) {
    if ((o.outcome === 'answered' || o.outcome === 'deadline') && o.topicId) topicCounts.set(o.topicId, (topicCounts.get(o.topicId) ?? 0) + 1);
  }
  const topicRows = [...topicCounts].map(([id, count]) => ({ id, title: titles.get(id) ?? id, count }));
  const top = topicRows
    .filter((t) => t.count >= 5)
    .sort((a, b) => b.count - a.count || (a.title < b.title ? -1 : a.title > b.title ? 1 : a.id < b.id ? -1 : 1))
    .slice(0, 15);

  const byId = new Map(g.conversations.map((c) => [c.id, c]));
  const unrestricted = !view.tenants && !view.channel;
  const feedback = g.feedback.filter((f) => {
    if (!inPeriod(f.createdAt)) return false;
    const c = byId.get(f.conversationId);
    return c ? inView(c) : unrestricted;
  });
  const yesNo = (rows: typeof feedback) => ({ yes: small(rows.filter((f) => f.helpful).length), no: small(rows.filter((f) => !f.helpful).length) });

  const handoffs = g.handoffs.filter((h) => inPeriod(h.createdAt) && inView(h));
  const fate = (h: (typeof handoffs)[number]) =>
    h.claimedAt ? 'claimed' : h.status === 'closed' ? (h.closedBy === 'person' ? 'abandoned' : 'closed-unclaimed') : 'waiting';
  const fateCells = parts(FATES.map((f) => handoffs.filter((h) => fate(h) === f).length));
  const claimed = handoffs.filter((h) => h.claimedAt);

  const callbacks = g.callbacks.filter((c) => inPeriod(c.createdAt) && inView(c));
  const done = callbacks.filter((c) => c.status === 'done');
  const [doneCell, openCell] = parts([done.length, callbacks.length - done.length]);

  const questions = g.unanswered.filter((u) => u.status === 'new' && inPeriod(u.createdAt) && inView(u));
  const groups = new Map<string, typeof questions>();
  for (const q of questions) groups.set(q.group, [...(groups.get(q.group) ?? []), q]);
  const visible: ExpectedGroup[] = [...groups]
    .filter(([, members]) => members.length >= 5)
    .map(([group, members]) => ({ group, count: members.length, ids: members.map((m) => m.id).sort(), texts: members.map((m) => m.text) }))
    .sort((a, b) => b.count - a.count);

  return {
    figures: {
      period: { from: view.from, to: view.to, days: days.length },
      threshold: 5,
      conversations: { total: small(conversations.length), perDay: days.map((date, i) => ({ date, ...dayCells[i]! })) },
      topics: { top: top.map((t) => ({ id: t.id, title: t.title, ...small(t.count) })), hiddenTopics: topicRows.filter((t) => t.count < 5).length },
      outcomes: OUTCOMES.map((outcome) => ({ outcome, ...small(outcomes.filter((o) => o.outcome === outcome).length) })),
      feedback: {
        answers: yesNo(feedback.filter((f) => f.topicId !== 'handoff')),
        handoffs: yesNo(feedback.filter((f) => f.topicId === 'handoff')),
      },
      handoffs: {
        total: small(handoffs.length),
        fates: FATES.map((f, i) => ({ fate: f, ...fateCells[i]! })),
        safeguarding: small(handoffs.filter((h) => h.reason === 'safeguarding').length),
        waitToClaim: times(claimed.map((h) => Date.parse(h.claimedAt!) - Date.parse(h.createdAt))),
        timeToClose: times(claimed.filter((h) => h.closedAt).map((h) => Date.parse(h.closedAt!) - Date.parse(h.createdAt))),
      },
      callbacks: {
        total: small(callbacks.length),
        done: doneCell!,
        open: openCell!,
        timeToDone: times(done.map((c) => Date.parse(c.doneAt!) - Date.parse(c.createdAt))),
      },
    },
    unanswered: { groups: visible, hiddenGroups: [...groups.values()].filter((m) => m.length < 5).length },
  };
}

export type Expected = ReturnType<typeof expectedFigures>;

/** The CSV rows (section, key, value, unit, status) the figures should give, in order. */
export function expectedCsvRows(e: Expected): string[][] {
  const status = (s: string) => (s === 'shown' ? 'shown' : s === 'hidden' ? 'suppressed-complementary' : 'suppressed-fewer-than-5');
  const rows: string[][] = [];
  const cell = (section: string, key: string, c: ExpectedCell, unit = 'count') => rows.push([section, key, c.value === null ? '' : String(c.value), unit, status(c.status)]);
  const time = (section: string, key: string, t: ExpectedTimes) => {
    rows.push([section, `${key}_median`, t.medianSeconds === null ? '' : String(t.medianSeconds), 'seconds', status(t.status)]);
    rows.push([section, `${key}_p90`, t.p90Seconds === null ? '' : String(t.p90Seconds), 'seconds', status(t.status)]);
  };
  const f = e.figures;
  cell('conversations', 'total', f.conversations.total);
  for (const d of f.conversations.perDay) cell('conversations_per_day', d.date, d);
  for (const t of f.topics.top) cell('topics', t.id, t);
  rows.push(['topics', 'hidden_topics', String(f.topics.hiddenTopics), 'topics', 'shown']);
  for (const o of f.outcomes) cell('outcomes', o.outcome, o);
  cell('feedback', 'answers_yes', f.feedback.answers.yes);
  cell('feedback', 'answers_no', f.feedback.answers.no);
  cell('feedback', 'handoffs_yes', f.feedback.handoffs.yes);
  cell('feedback', 'handoffs_no', f.feedback.handoffs.no);
  cell('handoffs', 'total', f.handoffs.total);
  for (const fate of f.handoffs.fates) cell('handoffs', fate.fate, fate);
  cell('handoffs', 'safeguarding', f.handoffs.safeguarding);
  time('handoff_times', 'wait_to_claim', f.handoffs.waitToClaim);
  time('handoff_times', 'time_to_close', f.handoffs.timeToClose);
  cell('callbacks', 'total', f.callbacks.total);
  cell('callbacks', 'done', f.callbacks.done);
  cell('callbacks', 'open', f.callbacks.open);
  time('callback_times', 'time_to_done', f.callbacks.timeToDone);
  e.unanswered.groups.forEach((group, i) => rows.push(['unanswered_groups', String(i + 1), String(group.count), 'count', 'shown']));
  rows.push(['unanswered_groups', 'hidden_groups', String(e.unanswered.hiddenGroups), 'groups', 'shown']);
  return rows;
}

/** RFC 4180 CSV into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
