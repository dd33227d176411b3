import { createStore, type Store, type TurnOutcomeKind } from '../../src/store/store';
import { seededRandom as random } from '../helpers/random';

/**
 * A generated month of use of the assistant, written into a real store through its own methods
 * (with the store's `now` clock set to each record's time): conversations on web chat, SMS and
 * Teams for several councils, every kind of turn outcome, "did this help?" answers, hand-offs
 * (taken, closed, abandoned, closed by silence, still waiting, safeguarding), call-backs done and
 * open, and unanswered questions in a few groups of like questions. A few records fall outside
 * the month, to check the period.
 *
 * Returns what was written, so tests can work out every figure themselves.
 */

export const TENANTS = ['derby', 'milton-keynes', 'worcestershire'] as const;
export const CHANNELS = ['webchat', 'sms', 'msteams'] as const;
export const CALLBACK_NAME = 'Pat Testperson';
export const CALLBACK_CONTACT = '07700 900123';

/** Unanswered questions by designed group: like questions share words no other group uses. */
export const UNANSWERED_GROUPS: Record<string, string[]> = {
  transport: [
    'Can my son get free school transport?',
    'school transport for my daughter',
    'How do I apply for school transport',
    'is there free school transport for SEN pupils',
    'who pays for school transport',
    'my child needs school transport to his special school',
    'school transport has stopped what can I do',
    'can [name] get school transport by taxi',
    'school transport refused again',
    'school transport form',
    'free school transport eligibility',
  ],
  budget: [
    'what is a personal budget',
    'personal budget for my son [name]',
    'how do I ask for a personal budget',
    'can we get a personal budget in the EHC plan',
    'personal budget direct payments',
    'who decides the personal budget amount',
    'personal budget for equipment',
  ],
  holiday: [
    'is there a holiday club for disabled children',
    'holiday club places for autistic kids',
    'summer holiday club near me',
    'does anyone fund holiday club',
    'holiday club with support',
  ],
  respite: ['how do I get respite care', 'respite short breaks for carers', 'overnight respite for my son'],
  badge: ['can I get a blue badge for my autistic daughter', 'blue badge application help'],
  uniform: ['uniform grant application'],
  swimming: ['swimming lessons adapted'],
  speech: ['speech and language waiting list'],
  homework: ['homework help online'],
};

export interface GenConversation { id: string; tenant: string; channel: string; createdAt: string }
export interface GenOutcome { conversationId: string; tenant: string; channel: string; outcome: TurnOutcomeKind; topicId?: string; at: string }
export interface GenFeedback { conversationId: string; topicId?: string; helpful: boolean; createdAt: string }
export interface GenHandoff {
  id: string;
  conversationId: string;
  tenant: string;
  channel: string;
  reason: 'asked' | 'not-confident' | 'safeguarding';
  status: 'queued' | 'claimed' | 'closed';
  createdAt: string;
  claimedAt?: string;
  closedAt?: string;
  closedBy?: string;
}
export interface GenCallback { id: string; tenant: string; channel: string; status: 'open' | 'done'; createdAt: string; doneAt?: string }
export interface GenUnanswered { id: string; tenant: string; channel: string; text: string; group: string; status: 'new' | 'added'; createdAt: string }

export interface Generated {
  /** The month: 30 London days, the last one today (by the real clock). */
  from: string;
  to: string;
  /** The day with only two conversations in all (for suppression). */
  quietDay: string;
  conversations: GenConversation[];
  outcomes: GenOutcome[];
  feedback: GenFeedback[];
  handoffs: GenHandoff[];
  callbacks: GenCallback[];
  unanswered: GenUnanswered[];
}

// ---- London days, worked out here (not with the code under test) -------------------------------

const LONDON = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

export function londonDay(instant: number | string | Date): string {
  return LONDON.format(new Date(instant));
}

/** The instant a London day starts: midnight is 00:00 or 23:00 the evening before in UTC. */
export function londonMidnight(day: string): number {
  const utc = Date.parse(`${day}T00:00:00Z`);
  const bst = utc - 3_600_000;
  return londonDay(bst) === day && londonDay(bst - 1) !== day ? bst : utc;
}

export function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export { random };

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

function weighted<T>(rnd: () => number, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = rnd() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Conversations per day, by council and channel (before the weekday and random spread). */
const BASE: Record<string, Record<string, number>> = {
  derby: { webchat: 7, sms: 3, msteams: 2 },
  'milton-keynes': { webchat: 5, sms: 2, msteams: 1 },
  worcestershire: { webchat: 3, sms: 1, msteams: 0.4 },
};

const OUTCOME_WEIGHTS: ReadonlyArray<readonly [TurnOutcomeKind, number]> = [
  ['answered', 40],
  ['clarified', 12],
  ['handed-off', 9],
  ['out-of-scope', 6],
  ['not-understood', 8],
  ['safeguarding', 1.5],
  ['control', 10],
  ['deadline', 7],
  ['flow', 5],
];

export interface GenerateOptions {
  dataDir: string;
  /** Topic ids of the knowledge, most asked first. */
  topics: readonly string[];
  seed?: number;
  /** Today (London), default today by the real clock. */
  today?: string;
}

/** Opens a SQLite store in `dataDir` and writes the month into it. The store's clock is the real one afterwards. */
export async function generateMonth(options: GenerateOptions): Promise<{ store: Store; generated: Generated }> {
  let clock: number | undefined;
  const store = await createStore({ dataDir: options.dataDir, now: () => (clock === undefined ? new Date() : new Date(clock)) });
  const at = (ms: number) => {
    clock = ms;
  };
  const rnd = random(options.seed ?? 20260101);
  const to = options.today ?? londonDay(Date.now());
  const from = shiftDay(to, -29);
  const quietDay = shiftDay(from, 3);
  const g: Generated = { from, to, quietDay, conversations: [], outcomes: [], feedback: [], handoffs: [], callbacks: [], unanswered: [] };
  // A long tail of topics: the first few asked a lot, the last few hardly at all.
  const topicWeights: Array<readonly [string, number]> = options.topics.map((id, i) => [id, 1 / Math.pow(i + 1, 1.15)] as const);
  let n = 0;

  async function conversation(tenant: string, channel: string, createdAt: number): Promise<void> {
    const id = `gen-${String(++n).padStart(5, '0')}`;
    at(createdAt);
    await store.createConversation(id, { tenant, channel });
    g.conversations.push({ id, tenant, channel, createdAt: new Date(createdAt).toISOString() });
    let t = createdAt;
    const turns = 1 + Math.floor(rnd() * 4);
    for (let turn = 0; turn < turns; turn++) {
      t += Math.floor(1 + rnd() * 4) * MINUTE;
      const outcome = weighted(rnd, OUTCOME_WEIGHTS);
      let topicId: string | undefined;
      if (outcome === 'answered' || outcome === 'deadline' || (outcome === 'handed-off' && rnd() < 0.5)) topicId = weighted(rnd, topicWeights);
      if (outcome === 'deadline' && rnd() < 0.2) topicId = undefined;
      at(t);
      await store.addTurnOutcome({ conversationId: id, tenant, channel, outcome, ...(topicId && { topicId }) });
      g.outcomes.push({ conversationId: id, tenant, channel, outcome, ...(topicId && { topicId }), at: new Date(t).toISOString() });
      if ((outcome === 'answered' && rnd() < 0.35) || (outcome === 'flow' && rnd() < 0.3)) {
        const subject = outcome === 'flow' ? 'flow:complaint/formal' : topicId;
        const helpful = rnd() < 0.7;
        t += MINUTE;
        at(t);
        await store.addFeedback({ conversationId: id, ...(subject && { topicId: subject }), helpful });
        g.feedback.push({ conversationId: id, ...(subject && { topicId: subject }), helpful, createdAt: new Date(t).toISOString() });
      }
      if (outcome === 'handed-off' || outcome === 'safeguarding') {
        t = await handoff(id, tenant, channel, outcome === 'safeguarding' ? 'safeguarding' : rnd() < 0.6 ? 'asked' : 'not-confident', t);
        break;
      }
    }
    if (rnd() < 0.07) await callback(id, tenant, channel, t + 2 * MINUTE);
  }

  async function handoff(conversationId: string, tenant: string, channel: string, reason: GenHandoff['reason'], createdAt: number): Promise<number> {
    at(createdAt);
    const queued = await store.enqueueHandoff({ conversationId, tenant, channel, reason, summary: { reason } });
    const h: GenHandoff = { id: queued.id, conversationId, tenant, channel, reason, status: 'queued', createdAt: queued.createdAt };
    g.handoffs.push(h);
    const fate = weighted(rnd, [['claimed', 62], ['abandoned', 14], ['silence', 6], ['waiting', 8], ['adviser-closed', 4], ['claimed-open', 6]] as const);
    let t = createdAt;
    if (fate === 'claimed' || fate === 'claimed-open') {
      t += Math.floor(20_000 + rnd() * 45 * MINUTE);
      at(t);
      if (!(await store.claimHandoff(h.id, 'console:sam'))) throw new Error('claim failed');
      h.status = 'claimed';
      h.claimedAt = new Date(t).toISOString();
      if (fate === 'claimed') {
        t += Math.floor(3 * MINUTE + rnd() * 50 * MINUTE);
        at(t);
        const by = rnd() < 0.85 ? 'console:sam' : rnd() < 0.5 ? 'silence' : 'person';
        await store.closeHandoff(h.id, by);
        h.status = 'closed';
        h.closedAt = new Date(t).toISOString();
        h.closedBy = by;
        if (by === 'console:sam' && rnd() < 0.6) {
          t += MINUTE;
          const helpful = rnd() < 0.8;
          at(t);
          await store.addFeedback({ conversationId, topicId: 'handoff', helpful });
          g.feedback.push({ conversationId, topicId: 'handoff', helpful, createdAt: new Date(t).toISOString() });
        }
      }
    } else if (fate !== 'waiting') {
      t += Math.floor(MINUTE + rnd() * 20 * MINUTE);
      at(t);
      const by = fate === 'abandoned' ? 'person' : fate === 'silence' ? 'silence' : 'console:kim';
      await store.closeHandoff(h.id, by);
      h.status = 'closed';
      h.closedAt = new Date(t).toISOString();
      h.closedBy = by;
    }
    return t;
  }

  async function callback(conversationId: string, tenant: string, channel: string, createdAt: number): Promise<void> {
    at(createdAt);
    const made = await store.addCallback({ tenant, channel, conversationId, name: CALLBACK_NAME, contact: CALLBACK_CONTACT, bestTime: 'mornings', consent: true });
    const c: GenCallback = { id: made.id, tenant, channel, status: 'open', createdAt: made.createdAt };
    g.callbacks.push(c);
    if (rnd() < 0.7) {
      const done = createdAt + Math.floor(HOUR + rnd() * 40 * HOUR);
      at(done);
      await store.markCallbackDone(c.id, 'console:sam');
      c.status = 'done';
      c.doneAt = new Date(done).toISOString();
    }
  }

  // The month, day by day.
  for (let d = 0; d < 30; d++) {
    const day = shiftDay(from, d);
    const start = londonMidnight(day);
    const length = londonMidnight(shiftDay(day, 1)) - start;
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    const factor = weekday === 0 || weekday === 6 ? 0.45 : 1;
    if (day === quietDay) {
      // Two conversations in all, both late at night.
      await conversation('derby', 'webchat', start + length - 50 * MINUTE);
      await conversation('worcestershire', 'sms', start + length - 20 * MINUTE);
      continue;
    }
    for (const tenant of TENANTS) {
      for (const channel of CHANNELS) {
        const mean = BASE[tenant]![channel]! * factor;
        const count = Math.max(0, Math.round(mean + (rnd() - 0.5) * mean));
        const times = Array.from({ length: count }, () => start + Math.floor(rnd() * (length - 6 * HOUR)));
        for (const time of times.sort((a, b) => a - b)) await conversation(tenant, channel, time);
      }
    }
  }

  // A topic since taken out of the knowledge, asked twice (so always fewer than 5).
  const retiredAt = londonMidnight(shiftDay(from, 7)) + 11 * HOUR;
  at(retiredAt);
  await store.createConversation('gen-retired', { tenant: 'worcestershire', channel: 'webchat' });
  g.conversations.push({ id: 'gen-retired', tenant: 'worcestershire', channel: 'webchat', createdAt: new Date(retiredAt).toISOString() });
  for (const minutes of [1, 3]) {
    const t = retiredAt + minutes * MINUTE;
    at(t);
    await store.addTurnOutcome({ conversationId: 'gen-retired', tenant: 'worcestershire', channel: 'webchat', outcome: 'answered', topicId: 'retired-topic' });
    g.outcomes.push({ conversationId: 'gen-retired', tenant: 'worcestershire', channel: 'webchat', outcome: 'answered', topicId: 'retired-topic', at: new Date(t).toISOString() });
  }

  // Outside the month: 40 days before, and the evening before it starts (its feedback falls inside).
  const before = londonMidnight(shiftDay(from, -40)) + 10 * HOUR;
  for (const tenant of TENANTS) await conversation(tenant, 'webchat', before);
  const eve = londonMidnight(from) - 5 * MINUTE;
  at(eve);
  await store.createConversation('gen-eve', { tenant: 'derby', channel: 'sms' });
  g.conversations.push({ id: 'gen-eve', tenant: 'derby', channel: 'sms', createdAt: new Date(eve).toISOString() });
  at(eve + 10 * MINUTE);
  await store.addFeedback({ conversationId: 'gen-eve', topicId: 'appeal-deadline', helpful: false });
  g.feedback.push({ conversationId: 'gen-eve', topicId: 'appeal-deadline', helpful: false, createdAt: new Date(eve + 10 * MINUTE).toISOString() });
  // Feedback from a conversation since deleted (a person's data removed on request).
  at(londonMidnight(shiftDay(from, 10)) + 12 * HOUR);
  await store.addFeedback({ conversationId: 'gen-deleted', topicId: 'mediation', helpful: true });
  g.feedback.push({ conversationId: 'gen-deleted', topicId: 'mediation', helpful: true, createdAt: new Date(londonMidnight(shiftDay(from, 10)) + 12 * HOUR).toISOString() });

  // Unanswered questions, spread over the month, councils and channels.
  for (const [group, texts] of Object.entries(UNANSWERED_GROUPS)) {
    for (const [i, text] of texts.entries()) {
      const day = shiftDay(from, Math.floor(rnd() * 30));
      const time = londonMidnight(day) + Math.floor(rnd() * 20 * HOUR);
      const tenant = group === 'transport' && i < 6 ? 'derby' : pick(rnd, TENANTS);
      const channel = pick(rnd, CHANNELS);
      at(time);
      const row = await store.addUnanswered({ tenant, channel, text });
      g.unanswered.push({ id: row.id, tenant, channel, text, group, status: 'new', createdAt: row.createdAt });
    }
  }
  // Already dealt with: not new, so never grouped.
  for (const text of ['school transport appeal', 'school transport to college']) {
    at(londonMidnight(shiftDay(from, 5)) + 9 * HOUR);
    const row = await store.addUnanswered({ tenant: 'derby', channel: 'webchat', text });
    await store.markUnanswered([row.id], 'added');
    g.unanswered.push({ id: row.id, tenant: 'derby', channel: 'webchat', text, group: 'transport', status: 'added', createdAt: row.createdAt });
  }
  // Before the month.
  at(before);
  const old = await store.addUnanswered({ tenant: 'derby', channel: 'sms', text: 'school transport in the holidays' });
  g.unanswered.push({ id: old.id, tenant: 'derby', channel: 'sms', text: old.text, group: 'transport', status: 'new', createdAt: old.createdAt });

  clock = undefined;
  return { store, generated: g };
}
