import type { AdviserIdentity, DeskEvent, HandoffDesk, QueueItem, TranscriptLine } from '../../src/handoff/types';
import type { Callback, Handoff, HandoffReason } from '../../src/store/store';

/**
 * An in-memory hand-off desk that behaves like the real one where the console depends on it:
 * tenants are checked, one adviser wins a claim, only the holder replies, transfers and closes (a
 * queued one can be closed by anyone), and changes are announced to subscribers.
 */
export class FakeDesk implements HandoffDesk {
  readonly handoffs = new Map<string, Handoff>();
  readonly lines = new Map<string, TranscriptLine[]>();
  readonly callbackList: Callback[] = [];
  readonly replies: Array<{ adviserId: string; handoffId: string; text: string }> = [];
  readonly closed: Array<{ adviserId: string; handoffId: string }> = [];
  readonly transfers: Array<{ adviserId: string; handoffId: string; to: string }> = [];
  /** Every identity the desk was called with. */
  readonly identities: AdviserIdentity[] = [];
  private readonly listeners = new Set<(event: DeskEvent) => void>();
  private next = 1;
  /** Ids that can be transferred to (as the real desk checks accounts). */
  knownAdvisers = new Map<string, string[]>();
  subscriptions = 0;

  add(input: {
    tenant?: string;
    channel?: string;
    reason?: HandoffReason;
    urgent?: boolean;
    summary?: Record<string, unknown>;
    lines?: Array<Omit<TranscriptLine, 'seq' | 'at'>>;
    minutesAgo?: number;
  } = {}): Handoff {
    const id = `h-${this.next++}`;
    const tenant = input.tenant ?? 'derby';
    const reason = input.reason ?? 'asked';
    const handoff: Handoff = {
      id,
      conversationId: `conv-${id}`,
      tenant,
      channel: input.channel ?? 'directline',
      reason,
      urgent: input.urgent ?? reason === 'safeguarding',
      status: 'queued',
      createdAt: new Date(Date.now() - (input.minutesAgo ?? 3) * 60_000).toISOString(),
      summary: input.summary ?? {
        reason,
        tenant,
        channel: input.channel ?? 'directline',
        consent: true,
        topic: { id: 'tribunal-appeal', title: 'Appealing to the SEND Tribunal' },
        asked: 'Can I appeal the decision?',
        dates: [{ label: 'Decision letter', date: '2026-01-02' }],
        deadlines: [{ label: 'Appeal to the Tribunal', date: '2026-03-02', rule: '2 months from the letter' }],
        transcript: { conversationId: `conv-${id}`, href: `/advisers#${id}` },
      },
    };
    this.handoffs.set(id, handoff);
    this.lines.set(
      id,
      (input.lines ?? [{ from: 'person', text: 'Can I appeal the decision?' }, { from: 'assistant', text: 'I will find a person for you.' }]).map(
        (line, index) => ({ ...line, seq: index + 1, at: new Date().toISOString() }),
      ),
    );
    return handoff;
  }

  addCallback(input: Partial<Callback> = {}): Callback {
    const callback: Callback = {
      id: `cb-${this.next++}`,
      tenant: 'derby',
      channel: 'directline',
      name: 'Alex Parent',
      contact: '07700 900123',
      bestTime: 'Mornings',
      status: 'open',
      consentAt: new Date().toISOString(),
      createdAt: new Date().toISOString(),
      ...input,
    };
    this.callbackList.push(callback);
    return callback;
  }

  /** The person writes (as the real desk would record and announce). */
  personWrites(handoffId: string, text: string): void {
    const lines = this.lines.get(handoffId) ?? [];
    lines.push({ seq: lines.length + 1, from: 'person', text, at: new Date().toISOString() });
    this.lines.set(handoffId, lines);
    const handoff = this.handoffs.get(handoffId);
    if (handoff) this.emit({ type: 'message', handoffId, tenant: handoff.tenant });
  }

  emit(event: DeskEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private may(adviser: AdviserIdentity, tenant: string): boolean {
    this.identities.push(adviser);
    return adviser.tenants.length === 0 || adviser.tenants.includes(tenant);
  }

  async queue(adviser: AdviserIdentity): Promise<QueueItem[]> {
    const queued = [...this.handoffs.values()]
      .filter((h) => h.status === 'queued')
      .sort((a, b) => Number(b.urgent) - Number(a.urgent) || a.createdAt.localeCompare(b.createdAt));
    const positions = new Map<string, number>();
    const items: QueueItem[] = [];
    for (const handoff of queued) {
      const position = (positions.get(handoff.tenant) ?? 0) + 1;
      positions.set(handoff.tenant, position);
      if (!this.may(adviser, handoff.tenant)) continue;
      items.push({ handoff, position, waitingMinutes: Math.floor((Date.now() - Date.parse(handoff.createdAt)) / 60_000) });
    }
    return items;
  }

  async mine(adviser: AdviserIdentity): Promise<Handoff[]> {
    return [...this.handoffs.values()].filter((h) => h.status === 'claimed' && h.claimedBy === adviser.id && this.may(adviser, h.tenant));
  }

  async view(adviser: AdviserIdentity, handoffId: string): Promise<{ handoff: Handoff; lines: TranscriptLine[] } | undefined> {
    const handoff = this.handoffs.get(handoffId);
    if (!handoff || !this.may(adviser, handoff.tenant)) return undefined;
    return { handoff: { ...handoff }, lines: [...(this.lines.get(handoffId) ?? [])] };
  }

  async claim(adviser: AdviserIdentity, handoffId: string): Promise<boolean> {
    const handoff = this.handoffs.get(handoffId);
    if (!handoff || !this.may(adviser, handoff.tenant) || handoff.status !== 'queued') return false;
    handoff.status = 'claimed';
    handoff.claimedBy = adviser.id;
    handoff.claimedAt = new Date().toISOString();
    this.emit({ type: 'queue', tenant: handoff.tenant });
    this.emit({ type: 'handoff', handoffId, tenant: handoff.tenant });
    return true;
  }

  async reply(adviser: AdviserIdentity, handoffId: string, text: string): Promise<boolean> {
    const handoff = this.handoffs.get(handoffId);
    if (!handoff || !this.may(adviser, handoff.tenant) || handoff.status !== 'claimed' || handoff.claimedBy !== adviser.id) return false;
    this.replies.push({ adviserId: adviser.id, handoffId, text });
    const lines = this.lines.get(handoffId) ?? [];
    lines.push({ seq: lines.length + 1, from: 'adviser', name: adviser.name, text, at: new Date().toISOString() });
    this.lines.set(handoffId, lines);
    this.emit({ type: 'message', handoffId, tenant: handoff.tenant });
    return true;
  }

  async transfer(adviser: AdviserIdentity, handoffId: string, toAdviserId: string): Promise<boolean> {
    const handoff = this.handoffs.get(handoffId);
    if (!handoff || !this.may(adviser, handoff.tenant) || handoff.status !== 'claimed' || handoff.claimedBy !== adviser.id) return false;
    const tenants = this.knownAdvisers.get(toAdviserId);
    if (!tenants || (tenants.length > 0 && !tenants.includes(handoff.tenant))) return false;
    handoff.claimedBy = toAdviserId;
    this.transfers.push({ adviserId: adviser.id, handoffId, to: toAdviserId });
    this.emit({ type: 'handoff', handoffId, tenant: handoff.tenant });
    return true;
  }

  async close(adviser: AdviserIdentity, handoffId: string): Promise<boolean> {
    const handoff = this.handoffs.get(handoffId);
    if (!handoff || !this.may(adviser, handoff.tenant) || handoff.status === 'closed') return false;
    if (handoff.status === 'claimed' && handoff.claimedBy !== adviser.id) return false;
    handoff.status = 'closed';
    handoff.closedBy = adviser.id;
    handoff.closedAt = new Date().toISOString();
    this.closed.push({ adviserId: adviser.id, handoffId });
    this.emit({ type: 'handoff', handoffId, tenant: handoff.tenant });
    return true;
  }

  async callbacks(adviser: AdviserIdentity): Promise<Callback[]> {
    return this.callbackList.filter((c) => c.status === 'open' && this.may(adviser, c.tenant));
  }

  async markCallbackDone(adviser: AdviserIdentity, callbackId: string): Promise<boolean> {
    const callback = this.callbackList.find((c) => c.id === callbackId && c.status === 'open');
    if (!callback || !this.may(adviser, callback.tenant)) return false;
    callback.status = 'done';
    callback.doneBy = adviser.id;
    this.emit({ type: 'callbacks', tenant: callback.tenant });
    return true;
  }

  async subscribe(listener: (event: DeskEvent) => void): Promise<() => Promise<void>> {
    this.subscriptions += 1;
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
    };
  }
}
