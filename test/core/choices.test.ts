import { describe, expect, it } from 'vitest';
import { pickChoice, pickOffered } from '../../src/core/understanding/choices';

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

describe('pickOffered', () => {
  const offered = [
    { label: 'Yes, pass it on', short: 'Yes' },
    { label: 'No, start afresh', short: 'No' },
    { label: 'Not now' },
  ];

  it.each([
    ['2', 'No, start afresh'], ['Yes', 'Yes, pass it on'], ['yes, pass it on', 'Yes, pass it on'], ['not now', 'Not now'],
  ])('%j picks %j, by label or short name', (reply, label) => {
    expect(pickOffered(reply, offered)?.label).toBe(label);
  });

  it.each(['4', 'maybe', ''])('%j picks nothing', (reply) => {
    expect(pickOffered(reply, offered)).toBeUndefined();
  });
});
