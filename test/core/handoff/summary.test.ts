import { describe, expect, it } from 'vitest';
import { buildHandoffSummary, type HandoffSummaryInput } from '../../../src/core/handoff/summary';
import type { HandoffSummary } from '../../../src/handoff/types';

const base: HandoffSummaryInput = {
  reason: 'asked',
  tenant: 'milton-keynes',
  channel: 'webchat',
  consent: true,
  conversationId: 'conv-1',
  href: '/advisers/#/handoffs/h-1',
};

const full: HandoffSummaryInput = {
  ...base,
  topic: { id: 'appeal-deadline', title: 'Appeal deadlines' },
  asked: '  How long do I have to appeal?\nThe letter came last week.  ',
  dates: [{ label: 'Decision letter', date: '2026-01-02' }],
  deadlines: [{ label: 'Appeal to the Tribunal', date: '2026-03-02', rule: 'two months from the letter' }],
};

describe('buildHandoffSummary', () => {
  it('with consent: everything, cleaned', () => {
    const summary: HandoffSummary = buildHandoffSummary(full);
    expect(summary).toEqual({
      reason: 'asked',
      tenant: 'milton-keynes',
      channel: 'webchat',
      consent: true,
      topic: { id: 'appeal-deadline', title: 'Appeal deadlines' },
      asked: 'How long do I have to appeal? The letter came last week.',
      dates: [{ label: 'Decision letter', date: '2026-01-02' }],
      deadlines: [{ label: 'Appeal to the Tribunal', date: '2026-03-02', rule: 'two months from the letter' }],
      transcript: { conversationId: 'conv-1', href: '/advisers/#/handoffs/h-1' },
    });
  });

  it('without consent: no words, no dates, no deadlines', () => {
    const summary = buildHandoffSummary({ ...full, consent: false, reason: 'safeguarding' });
    expect(summary).toEqual({
      reason: 'safeguarding',
      tenant: 'milton-keynes',
      channel: 'webchat',
      consent: false,
      topic: { id: 'appeal-deadline', title: 'Appeal deadlines' },
      transcript: { conversationId: 'conv-1', href: '/advisers/#/handoffs/h-1' },
    });
    expect(JSON.stringify(summary)).not.toMatch(/appeal\?|2026/);
  });

  it('takes a tenant object as well as an id, and leaves out what is empty', () => {
    const summary = buildHandoffSummary({ ...base, tenant: { id: 'derby' }, asked: '   ', dates: [], deadlines: [] });
    expect(summary).toStrictEqual({
      reason: 'asked',
      tenant: 'derby',
      channel: 'webchat',
      consent: true,
      transcript: { conversationId: 'conv-1', href: '/advisers/#/handoffs/h-1' },
    });
  });

  it.each([
    ['a short question', 'a short question'],
    ['word '.repeat(100).trim(), 'word '.repeat(100).trim()], // 499 characters: kept whole
  ])('keeps %j whole when it fits', (asked, expected) => {
    expect(buildHandoffSummary({ ...base, asked }).asked).toBe(expected);
  });

  it.each([
    ['words', 'My son has autism and '.repeat(40)],
    ['one long word', 'x'.repeat(2000)],
    ['emoji', '😀 '.repeat(400)],
    ['a space right at the limit', `${'a'.repeat(499)} ${'b'.repeat(100)}`],
  ])('cuts long text (%s) to 500 characters at a word boundary with an ellipsis', (_what, asked) => {
    const out = buildHandoffSummary({ ...base, asked }).asked!;
    const chars = Array.from(out);
    expect(chars.length).toBeLessThanOrEqual(500);
    expect(chars.length).toBeGreaterThan(300);
    expect(out.endsWith('…')).toBe(true);
    expect(asked.replace(/\s+/g, ' ').startsWith(out.slice(0, -1))).toBe(true);
    if (/\s/.test(asked.slice(0, 500))) {
      // Cut between words: what follows the kept part in the original is a space.
      const kept = out.slice(0, -1);
      expect(asked.replace(/\s+/g, ' ')[kept.length]).toMatch(/[\s,;:.]/);
    }
  });

  it('never splits an emoji', () => {
    const out = buildHandoffSummary({ ...base, asked: '😀'.repeat(600) }).asked!;
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(out)).toBe(false);
    expect(Array.from(out)).toHaveLength(500);
  });

  it('drops bad date entries and odd values without throwing', () => {
    const summary = buildHandoffSummary({
      ...base,
      reason: 'nonsense' as never,
      asked: 42 as never,
      dates: [null, { label: 'x' }, { label: '\u0000Letter', date: '2026-01-02' }, 'x'] as never,
      deadlines: 'not a list' as never,
      topic: { id: '', title: 'x' },
    });
    expect(summary.reason).toBe('asked');
    expect(summary.asked).toBeUndefined();
    expect(summary.dates).toEqual([{ label: 'Letter', date: '2026-01-02' }]);
    expect(summary.deadlines).toBeUndefined();
    expect(summary.topic).toBeUndefined();
  });

  it('is JSON-clean', () => {
    const summary = buildHandoffSummary(full);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    for (const consent of [true, false]) {
      const s = buildHandoffSummary({ ...base, consent });
      expect(Object.values(s).includes(undefined)).toBe(false);
    }
  });
});
