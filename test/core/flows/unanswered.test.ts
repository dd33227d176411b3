import { describe, expect, it } from 'vitest';
import { groupQuestions, isSendFlavoured, keywordsOf } from '../../../src/core/flows/unanswered';

describe('which out-of-scope questions are kept', () => {
  it.each([
    ['Can my son get free school transport?', true],
    ['does the council pay for a 1:1 at college', true],
    ['my daughter is autistic, can I get a blue badge', true],
    ['When is my bin collection?', false],
    ['How do I pay my council tax?', false],
    ['write me a poem about my cat', false],
  ])('%j: %s', (text, expected) => {
    expect(isSendFlavoured(text)).toBe(expected);
  });
});

describe('grouping unanswered questions', () => {
  it('puts like questions together, biggest group first, with counts', () => {
    const groups = groupQuestions([
      { text: 'Can my son get free school transport?', tenant: 'derby', channel: 'sms' },
      { text: 'school transport for my daughter', tenant: 'derby', channel: 'webchat' },
      { text: 'How do I get school transport', tenant: 'milton-keynes', channel: 'webchat' },
      { text: 'what is a personal budget', tenant: 'derby', channel: 'webchat' },
      { text: 'personal budget for my son [name]', tenant: 'derby', channel: 'msteams' },
      { text: 'Is there a SEND youth club', tenant: 'derby', channel: 'webchat' },
    ]);
    expect(groups.map((g) => g.count)).toEqual([3, 2, 1]);
    expect(groups[0]!.keywords).toEqual(expect.arrayContaining(['school', 'transport']));
    expect(groups[0]!.tenants).toEqual({ derby: 2, 'milton-keynes': 1 });
    expect(groups[0]!.channels).toEqual({ sms: 1, webchat: 2 });
    expect(groups[1]!.keywords).toEqual(expect.arrayContaining(['personal', 'budget']));
    expect(groups[2]!.example).toBe('Is there a SEND youth club');
  });

  it('ignores redaction markers and common words', () => {
    expect(keywordsOf('my son [name] needs a personal budget')).toEqual(['child', 'needs', 'personal', 'budget']);
  });

  it('copes with nothing', () => {
    expect(groupQuestions([])).toEqual([]);
  });
});
