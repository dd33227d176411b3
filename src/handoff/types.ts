import type { Callback, Handoff, TranscriptEntry } from '../store/store';

/**
 * The hand-off to human advisers, as the rest of the product sees it. `HandoffService`
 * (service.ts) implements {@link HandoffDesk} on top of the Store; the adviser console
 * (src/advisers) and the Teams adviser channel (src/channels/teams) are two front ends over it.
 *
 * Privacy: what people typed reaches an adviser only when the person agreed (`summary.consent`),
 * or after the hand-off, when they are knowingly talking to the adviser. Nothing here logs text.
 */

/** Who is acting on the adviser side. Console accounts are `console:<username>`, Teams users `teams:<aadObjectId>`. */
export interface AdviserIdentity {
  id: string;
  /** Shown to the person ("Sam, SEND adviser") and to other advisers. */
  name: string;
  via: 'console' | 'teams';
  /** Councils this adviser works for; empty means all. */
  tenants: string[];
  role: 'adviser' | 'manager';
}

/**
 * What the adviser sees first. Defined in the framework-free core (src/core/handoff/summary.ts,
 * with `buildHandoffSummary`), so the core never imports from here.
 */
export type { HandoffSummary } from '../core/handoff/summary';

/** One line of a conversation as an adviser reads it: plain text only, never HTML. */
export interface TranscriptLine {
  seq: number;
  from: 'person' | 'assistant' | 'adviser';
  /** The adviser's name on adviser lines. */
  name?: string;
  text: string;
  at: string;
}

export interface QueueItem {
  handoff: Handoff;
  /** 1 for the next one an adviser will take. */
  position: number;
  waitingMinutes: number;
}

/** Something an adviser front end should refresh (sent to every instance through the store). */
export type DeskEvent =
  | { type: 'queue'; tenant: string }
  | { type: 'handoff'; handoffId: string; tenant: string }
  | { type: 'message'; handoffId: string; tenant: string }
  | { type: 'callbacks'; tenant: string };

/** The adviser side of the hand-off. Every method checks the adviser may act on the tenant. */
export interface HandoffDesk {
  queue(adviser: AdviserIdentity): Promise<QueueItem[]>;
  /** Hand-offs the adviser holds (claimed, not closed). */
  mine(adviser: AdviserIdentity): Promise<Handoff[]>;
  /** The hand-off, its summary, and the transcript lines the adviser may see. */
  view(adviser: AdviserIdentity, handoffId: string): Promise<{ handoff: Handoff; lines: TranscriptLine[] } | undefined>;
  /** True for exactly one adviser, even across instances. */
  claim(adviser: AdviserIdentity, handoffId: string): Promise<boolean>;
  /** Sends the adviser's words to the person on their channel; false unless the adviser holds it. */
  reply(adviser: AdviserIdentity, handoffId: string, text: string): Promise<boolean>;
  transfer(adviser: AdviserIdentity, handoffId: string, toAdviserId: string): Promise<boolean>;
  /** Ends the hand-off: the assistant comes back, says so and asks for feedback. */
  close(adviser: AdviserIdentity, handoffId: string): Promise<boolean>;
  callbacks(adviser: AdviserIdentity): Promise<Callback[]>;
  markCallbackDone(adviser: AdviserIdentity, callbackId: string): Promise<boolean>;
  /** Live nudges for front ends; the returned function ends the subscription. */
  subscribe(listener: (event: DeskEvent) => void): Promise<() => Promise<void>>;
}

/**
 * Told about hand-offs on the instance where they happen, exactly once each (the Teams channel
 * posts and updates its cards from these).
 */
export interface AdviserNotifier {
  handoffQueued(handoff: Handoff): Promise<void>;
  handoffClaimed(handoff: Handoff, adviser: AdviserIdentity): Promise<void>;
  handoffClosed(handoff: Handoff, by: string): Promise<void>;
  /** The person wrote while with an adviser (or waiting); only with consent or once claimed. */
  personMessage(handoff: Handoff, text: string): Promise<void>;
}

export type { TranscriptEntry };
