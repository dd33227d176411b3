/**
 * When a person who is waiting in the queue (no adviser has joined yet) writes, their message
 * goes to the advisers, and the person is told so, with their place, so they know someone will
 * read it. Several messages in a row should not each get that reply (on SMS every reply costs
 * the council and buzzes a phone), so it is given:
 *
 * 1. for their first message after joining the queue;
 * 2. for the first message after their place has changed since they were last told it here
 *    (a queue update, or someone urgent going first);
 * 3. otherwise at most once every {@link QUEUE_NOTICE_GAP_MS} (2 minutes).
 *
 * Between those the message still goes to the advisers, and the assistant says nothing.
 * Framework-free: the clock and the memory are the caller's.
 */

/** What was last told to a person waiting in the queue, kept with the conversation. */
export interface QueueNoticeMemory {
  /** The hand-off it was about (a new hand-off starts afresh). */
  handoffId: string;
  /** When, in milliseconds since 1970. */
  at: number;
  /** The place it gave, when it gave one. */
  position?: number;
}

/** The least time between two "passed on" replies when the place has not changed. */
export const QUEUE_NOTICE_GAP_MS = 2 * 60_000;

/** Whether a message written now, while waiting at `position`, should be answered with a "passed on" reply. */
export function queueNoticeDue(last: QueueNoticeMemory | undefined, handoffId: string, position: number | undefined, now: Date): boolean {
  if (!last || last.handoffId !== handoffId || !Number.isFinite(last.at)) return true;
  if (position !== undefined && position !== last.position) return true;
  const elapsed = now.getTime() - last.at;
  // A clock that went backwards (another instance's, a little behind) counts as no time passed.
  return Number.isFinite(elapsed) && elapsed >= QUEUE_NOTICE_GAP_MS;
}

/** The memory after telling the person (at `position`) now. */
export function queueNoticeGiven(handoffId: string, position: number | undefined, now: Date): QueueNoticeMemory {
  return { handoffId, at: now.getTime(), ...(position !== undefined && { position }) };
}
