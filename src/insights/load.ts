import type { Conversation, Handoff, Store, Unanswered } from '../store/store';
import type { InsightRecords } from './aggregate';
import type { Period } from './period';

/**
 * Reads what insights need from the store for one period, council scope and channel, and keeps
 * only the fields the figures use: no names, contact details or message text leave here, except
 * the (already redacted) unanswered questions the editor groups.
 */

export interface Scope {
  /** The councils to count: one, several (an adviser's own), or undefined for all. */
  tenants?: readonly string[];
  /** One channel, or undefined for all. */
  channel?: string;
}

const CONVERSATION_PAGE = 100_000;
const HANDOFF_PAGE = 10_000;
const UNANSWERED_PAGE = 1000;
/** Unanswered questions grouped at most (the newest). */
export const MAX_UNANSWERED = 5000;

/**
 * Every row of a listing ordered by creation, page by page: the next page starts at the last row's
 * createdAt (rows at that same instant come again and are skipped by id).
 */
async function allPages<T extends { id: string; createdAt: string }>(limit: number, fetch: (from: Date) => Promise<T[]>, start: Date): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let from = start;
  for (;;) {
    const page = await fetch(from);
    let added = 0;
    for (const row of page) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      out.push(row);
      added++;
    }
    if (page.length < limit || added === 0) return out;
    from = new Date(page[page.length - 1]!.createdAt);
  }
}

export async function loadRecords(store: Store, period: Period, scope: Scope): Promise<InsightRecords> {
  const one = scope.tenants?.length === 1 ? scope.tenants[0] : undefined;
  const tenantSet = scope.tenants ? new Set(scope.tenants) : undefined;
  const inScope = (row: { tenant: string; channel: string }) =>
    (tenantSet === undefined || tenantSet.has(row.tenant)) && (scope.channel === undefined || row.channel === scope.channel);
  const { start, end } = period;

  const conversations = (
    await allPages<Conversation>(
      CONVERSATION_PAGE,
      (from) => store.listConversations({ tenant: one, channel: scope.channel, from, to: end, limit: CONVERSATION_PAGE }),
      start,
    )
  ).filter(inScope);

  const outcomes = (await store.listTurnOutcomes({ tenant: one, channel: scope.channel, from: start, to: end }))
    .filter(inScope)
    .map((o) => ({ outcome: o.outcome, ...(o.topicId !== undefined && { topicId: o.topicId }) }));

  // Feedback names only its conversation: the council and channel are the conversation's.
  const feedbackRows = await store.listFeedback({ from: start, to: end });
  const known = new Map<string, Conversation | undefined>(conversations.map((c) => [c.id, c]));
  const feedback: InsightRecords['feedback'][number][] = [];
  const unrestricted = tenantSet === undefined && scope.channel === undefined;
  for (const f of feedbackRows) {
    if (!known.has(f.conversationId)) known.set(f.conversationId, await store.getConversation(f.conversationId));
    const conversation = known.get(f.conversationId);
    // Feedback whose conversation is gone (deleted on request) counts only where nothing is filtered.
    if (conversation ? !inScope(conversation) : !unrestricted) continue;
    feedback.push({ helpful: f.helpful, ...(f.topicId !== undefined && { topicId: f.topicId }) });
  }

  const handoffs = (
    await allPages<Handoff>(HANDOFF_PAGE, (from) => store.listHandoffs({ tenant: one, from, to: end, limit: HANDOFF_PAGE }), start)
  )
    .filter(inScope)
    .map((h) => ({
      reason: h.reason,
      status: h.status,
      createdAt: h.createdAt,
      ...(h.claimedAt && { claimedAt: h.claimedAt }),
      ...(h.closedAt && { closedAt: h.closedAt }),
      ...(h.closedBy && { closedBy: h.closedBy }),
    }));

  // Call-backs hold a name and contact details: only their times and status are kept.
  const callbacks = (await store.listCallbacks({ tenant: one, from: start, to: end }))
    .filter(inScope)
    .map((c) => ({ status: c.status, createdAt: c.createdAt, ...(c.doneAt && { doneAt: c.doneAt }) }));

  // New unanswered questions, newest first, page by page back in time.
  const unanswered: Unanswered[] = [];
  const seen = new Set<string>();
  let to = end;
  let limited = false;
  for (;;) {
    const page = await store.listUnanswered({ tenant: one, status: 'new', from: start, to, limit: UNANSWERED_PAGE });
    let added = 0;
    for (const row of page) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      added++;
      if (inScope(row)) unanswered.push(row);
    }
    if (unanswered.length >= MAX_UNANSWERED) {
      limited = true;
      break;
    }
    if (page.length < UNANSWERED_PAGE || added === 0) break;
    const oldest = Math.min(...page.map((row) => Date.parse(row.createdAt)));
    to = new Date(oldest + 1);
  }

  return {
    conversations: conversations.map((c) => ({ createdAt: c.createdAt })),
    outcomes,
    feedback,
    handoffs,
    callbacks,
    unanswered: unanswered.slice(0, MAX_UNANSWERED).map((u) => ({ id: u.id, text: u.text, createdAt: u.createdAt })),
    unansweredLimited: limited,
  };
}

/** Ids among these that are new unanswered questions the scope covers (whatever their date). */
export async function newUnansweredIn(store: Store, ids: readonly string[], tenants: readonly string[] | undefined): Promise<string[]> {
  const wanted = new Set(ids);
  const found: string[] = [];
  for (const tenant of tenants ?? [undefined]) {
    let to: Date | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = await store.listUnanswered({ tenant, status: 'new', to, limit: UNANSWERED_PAGE });
      let added = 0;
      for (const row of page) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        added++;
        if (wanted.has(row.id)) found.push(row.id);
      }
      if (page.length < UNANSWERED_PAGE || added === 0 || found.length === wanted.size) break;
      to = new Date(Math.min(...page.map((row) => Date.parse(row.createdAt))) + 1);
    }
  }
  return found;
}
