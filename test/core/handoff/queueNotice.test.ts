import { describe, expect, it } from 'vitest';
import { QUEUE_NOTICE_GAP_MS, queueNoticeDue, queueNoticeGiven } from '../../../src/core/handoff/queueNotice';

const T0 = new Date('2026-11-23T11:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('when a person waiting is told their message was passed on', () => {
  const told = queueNoticeGiven('h1', 2, T0);

  it.each([
    { when: 'never told', last: undefined, position: 2, now: T0, due: true },
    { when: 'told about another hand-off', last: queueNoticeGiven('h0', 2, T0), position: 2, now: T0, due: true },
    { when: 'just told, same place', last: told, position: 2, now: at(1000), due: false },
    { when: 'told 1:59 ago, same place', last: told, position: 2, now: at(QUEUE_NOTICE_GAP_MS - 1000), due: false },
    { when: 'told 2:00 ago, same place', last: told, position: 2, now: at(QUEUE_NOTICE_GAP_MS), due: true },
    { when: 'just told, place has moved up', last: told, position: 1, now: at(1000), due: true },
    { when: 'just told, someone urgent went first', last: told, position: 3, now: at(1000), due: true },
    { when: 'place unknown, just told', last: told, position: undefined, now: at(1000), due: false },
    { when: 'a clock behind the last one', last: told, position: 2, now: at(-60_000), due: false },
    { when: 'a broken memory', last: { handoffId: 'h1', at: Number.NaN }, position: 2, now: T0, due: true },
  ])('$when: $due', ({ last, position, now, due }) => {
    expect(queueNoticeDue(last, 'h1', position, now)).toBe(due);
  });

  it('remembers the hand-off, the time and the place', () => {
    expect(queueNoticeGiven('h1', 2, T0)).toEqual({ handoffId: 'h1', at: T0.getTime(), position: 2 });
    expect(queueNoticeGiven('h1', undefined, T0)).toEqual({ handoffId: 'h1', at: T0.getTime() });
  });

  it('is two minutes between notices when nothing changes', () => {
    expect(QUEUE_NOTICE_GAP_MS).toBe(120_000);
  });
});
