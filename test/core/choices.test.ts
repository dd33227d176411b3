import { describe, expect, it } from 'vitest';
import { pickChoice } from '../../src/core/understanding/choices';

const labels = ['Appeal deadlines', 'Mediation certificates', 'Something else'];

describe('pickChoice', () => {
  it.each([
    ['1', 0], ['2.', 1], ['3)', 2], ['option 3', 2], ['two', 1], ['the second one', 1], ['one', 0],
    ['Mediation certificates', 1], ['mediation certificates!', 1], ['SOMETHING ELSE', 2],
  ])('%j picks %i', (reply, index) => {
    expect(pickChoice(reply, labels)).toBe(index);
  });

  it.each(['4', '0', 'how long do I have?', '', 'mediation'])('%j picks nothing', (reply) => {
    expect(pickChoice(reply, labels)).toBeUndefined();
  });

  it('picks nothing when nothing was offered', () => {
    expect(pickChoice('1', [])).toBeUndefined();
  });
});
