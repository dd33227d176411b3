import { describe, expect, it } from 'vitest';
import { describeWait, estimateWait } from '../../../src/core/handoff/wait';

describe('estimateWait: position × median minutes ÷ advisers, rounded up to 5', () => {
  it.each([
    // position, advisers online, recent minutes, expected minutes, expected text
    [1, 1, [], 15, 'a few minutes'],
    [1, 3, [20, 30, 40], 10, 'a few minutes'],
    [2, 1, [], 25, 'about 25 minutes'], // 2 × 12 = 24 → 25
    [1, 0, [], 15, 'about 15 minutes'], // nobody online: no "a few minutes"
    [3, 2, [], 20, 'about 20 minutes'], // 3 × 12 / 2 = 18 → 20
    [2, 1, [10, 10], 25, 'about 25 minutes'], // fewer than 3 samples: default 12
    [2, 1, [8, 10, 30], 20, 'about 20 minutes'], // median 10
    [2, 1, [8, 10, 14, 30], 25, 'about 25 minutes'], // median 12
    [2, 2, [5, 5, 5], 5, 'about 5 minutes'],
    [5, 1, [], 60, 'about an hour'],
    [6, 1, [11, 11, 11], 70, 'over an hour'],
    [6, 1, [15, 15, 15], 90, 'about an hour and a half'],
    [8, 1, [], 100, 'nearly 2 hours'],
    [10, 1, [], 120, 'about 2 hours'],
    [11, 1, [], 135, 'over 2 hours'],
    [4, 2, [], 25, 'about 25 minutes'],
    [2, 1, [12, 12, 12, 10_000], 25, 'about 25 minutes'], // a forgotten conversation does not count
  ])('position %i, %i online, %j → %i min, %s', (position, advisersOnline, recentHandleMinutes, minutes, text) => {
    expect(estimateWait({ position, advisersOnline, recentHandleMinutes })).toEqual({ minutes, text });
  });

  it('reads odd input sensibly and never throws', () => {
    for (const input of [
      { position: NaN, advisersOnline: NaN, recentHandleMinutes: [NaN, -1, Infinity] },
      { position: -3, advisersOnline: -1, recentHandleMinutes: [] },
      { position: 0, advisersOnline: 1, recentHandleMinutes: [] },
      { position: 2.7, advisersOnline: 1.9, recentHandleMinutes: [12, 12, 12] },
      { position: 1e9, advisersOnline: 0, recentHandleMinutes: [] },
      {} as never,
      undefined as never,
    ]) {
      const result = estimateWait(input);
      expect(result.minutes % 5).toBe(0);
      expect(result.minutes).toBeGreaterThanOrEqual(5);
      expect(result.minutes).toBeLessThanOrEqual(24 * 60);
      expect(result.text.length).toBeGreaterThan(0);
    }
    expect(estimateWait({ position: 1e9, advisersOnline: 0, recentHandleMinutes: [] }).text).toBe('over 2 hours');
  });

  it('grows with the queue and shrinks with more advisers', () => {
    let last = 0;
    for (let position = 1; position <= 30; position++) {
      const { minutes } = estimateWait({ position, advisersOnline: 2, recentHandleMinutes: [9, 14, 20] });
      expect(minutes).toBeGreaterThanOrEqual(last);
      last = minutes;
      expect(estimateWait({ position, advisersOnline: 4, recentHandleMinutes: [9, 14, 20] }).minutes).toBeLessThanOrEqual(minutes);
    }
  });
});

describe('describeWait', () => {
  it.each([
    [5, 'about 5 minutes'], [10, 'about 10 minutes'], [55, 'about 55 minutes'], [60, 'about an hour'], [65, 'over an hour'],
    [85, 'over an hour'], [90, 'about an hour and a half'], [115, 'nearly 2 hours'], [120, 'about 2 hours'], [125, 'over 2 hours'],
  ])('%i → %s', (minutes, text) => {
    expect(describeWait(minutes)).toBe(text);
  });
});
