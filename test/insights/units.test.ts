import { describe, expect, it } from 'vitest';
import { aggregate, fateOf } from '../../src/insights/aggregate';
import { csvField, insightsCsv } from '../../src/insights/csv';
import { groupUnanswered } from '../../src/insights/group';
import { londonDate, periodOf, PeriodError, startOfLondonDay } from '../../src/insights/period';
import { breakdown, cell, durations, percentile } from '../../src/insights/suppress';
import { random, UNANSWERED_GROUPS } from './generate';

describe('suppression', () => {
  it('never publishes a count under 5, zero included', () => {
    expect([0, 1, 4, 5, 12].map(cell)).toEqual([
      { value: null, status: 'fewer-than-5' },
      { value: null, status: 'fewer-than-5' },
      { value: null, status: 'fewer-than-5' },
      { value: 5, status: 'shown' },
      { value: 12, status: 'shown' },
    ]);
  });

  it('hides the smallest other part when a total would give a small part away', () => {
    // 3 could be worked out as the total (30) minus 7 + 20: 7 is hidden too.
    expect(breakdown([3, 7, 20], true).map((c) => c.status)).toEqual(['fewer-than-5', 'hidden', 'shown']);
    // Without a published total nothing more is hidden.
    expect(breakdown([3, 7, 20], false).map((c) => c.status)).toEqual(['fewer-than-5', 'shown', 'shown']);
    // Two small parts adding up to 5 or more are safe together.
    expect(breakdown([2, 3, 20], true).map((c) => c.status)).toEqual(['fewer-than-5', 'fewer-than-5', 'shown']);
    // Hidden zeros give no one away.
    expect(breakdown([0, 9, 20], true).map((c) => c.status)).toEqual(['fewer-than-5', 'shown', 'shown']);
    // A tie: the first.
    expect(breakdown([1, 8, 8], true).map((c) => c.status)).toEqual(['fewer-than-5', 'hidden', 'shown']);
    // Nothing left to hide.
    expect(breakdown([1, 2], true).map((c) => c.status)).toEqual(['fewer-than-5', 'fewer-than-5']);
  });

  it('gives times only from 5 cases or more, median and 90th percentile interpolated', () => {
    expect(durations([1000, 2000, 3000, 4000])).toEqual({ status: 'fewer-than-5', medianSeconds: null, p90Seconds: null });
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 0.9)).toBe(46);
    expect(durations([60_000, 120_000, 180_000, 240_000, 300_000, 360_000])).toEqual({ status: 'shown', medianSeconds: 210, p90Seconds: 330 });
  });
});

describe('periods in UK time', () => {
  it('starts days at UK midnight, in summer time and out of it', () => {
    expect(startOfLondonDay('2026-07-01').toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(startOfLondonDay('2026-12-01').toISOString()).toBe('2026-12-01T00:00:00.000Z');
    // The clocks go back at 01:00 UTC on 25 October 2026: that day starts in summer time.
    expect(startOfLondonDay('2026-10-25').toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect(startOfLondonDay('2026-10-26').toISOString()).toBe('2026-10-26T00:00:00.000Z');
    expect(startOfLondonDay('2026-03-29').toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(londonDate('2026-06-30T23:30:00Z')).toBe('2026-07-01');
  });

  it('defaults to the last 30 days and refuses what it cannot use', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    expect(periodOf(undefined, undefined, now)).toMatchObject({ from: '2026-10-25', to: '2026-11-23', days: 30 });
    expect(periodOf('2026-11-01', undefined, now)).toMatchObject({ from: '2026-11-01', to: '2026-11-23' });
    expect(periodOf(undefined, '2026-01-31', now)).toMatchObject({ from: '2026-01-02', to: '2026-01-31' });
    for (const [from, to] of [['2026-02-30', undefined], ['2026-11-24', '2026-11-01'], ['2024-01-01', '2026-01-01'], ['yesterday', undefined]] as const) {
      expect(() => periodOf(from, to, now)).toThrow(PeriodError);
    }
  });
});

describe('grouping unanswered questions', () => {
  const rnd = random(99);
  const questions = Object.entries(UNANSWERED_GROUPS).flatMap(([group, texts]) =>
    texts.map((text, i) => ({ id: `${group}-${i}`, text, createdAt: `2026-01-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}T09:00:00Z` })),
  );

  it('puts like questions together, biggest first, whatever the order they came in', () => {
    const groups = groupUnanswered(questions);
    const names = (g: { ids: string[] }) => [...new Set(g.ids.map((id) => id.replace(/-\d+$/, '')))];
    expect(groups.slice(0, 5).map((g) => [names(g), g.count])).toEqual([
      [['transport'], 11],
      [['budget'], 7],
      [['holiday'], 5],
      [['respite'], 3],
      [['badge'], 2],
    ]);
    expect(groups.slice(5).map((g) => g.count)).toEqual([1, 1, 1, 1]);
    expect(groups.slice(5).flatMap(names).sort()).toEqual(['homework', 'speech', 'swimming', 'uniform']);
    // The same questions in another order: the same groups and keys.
    const again = groupUnanswered([...questions].reverse());
    expect(again.map((g) => [g.key, g.count])).toEqual(groups.map((g) => [g.key, g.count]));
  });

  it('copes with nothing, and with questions that have no words left once redacted', () => {
    expect(groupUnanswered([])).toEqual([]);
    const groups = groupUnanswered([
      { id: 'a', text: '[name]', createdAt: '2026-01-01T00:00:00Z' },
      { id: 'b', text: '[name]', createdAt: '2026-01-02T00:00:00Z' },
      { id: 'c', text: 'school transport', createdAt: '2026-01-03T00:00:00Z' },
    ]);
    expect(groups.map((g) => g.ids)).toEqual([['a', 'b'], ['c']]);
  });
});

describe('the figures and the CSV', () => {
  it('works out what became of hand-offs', () => {
    expect(fateOf({ reason: 'asked', status: 'closed', createdAt: 'x', claimedAt: 'y', closedBy: 'person' })).toBe('claimed');
    expect(fateOf({ reason: 'asked', status: 'closed', createdAt: 'x', closedBy: 'person' })).toBe('abandoned');
    expect(fateOf({ reason: 'asked', status: 'closed', createdAt: 'x', closedBy: 'silence' })).toBe('closed-unclaimed');
    expect(fateOf({ reason: 'asked', status: 'queued', createdAt: 'x' })).toBe('waiting');
  });

  it('keeps spreadsheets from running a field as a formula, and quotes what needs it', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField(12)).toBe('12');
  });

  it('makes a CSV with no text from the questions', () => {
    const insights = aggregate(
      {
        conversations: [],
        outcomes: [],
        feedback: [],
        handoffs: [],
        callbacks: [],
        unanswered: Array.from({ length: 6 }, (_, i) => ({ id: `q${i}`, text: `secret school transport question ${i}`, createdAt: '2026-01-02T10:00:00Z' })),
      },
      { from: '2026-01-01', to: '2026-01-03', topicTitle: () => undefined },
    );
    expect(insights.unanswered.groups).toHaveLength(1);
    const csv = insightsCsv(insights, { tenant: 'all', channel: 'all' });
    expect(csv).not.toMatch(/secret|transport/);
    expect(csv.split('\r\n')[0]).toBe('period_from,period_to,tenant,channel,section,key,label,value,unit,status');
    expect(csv).toContain('2026-01-01,2026-01-03,all,all,unanswered_groups,1,"Unanswered questions, group 1",6,count,shown');
    expect(csv).toContain('2026-01-01,2026-01-03,all,all,conversations_per_day,2026-01-02,Conversations started on 2026-01-02,,count,suppressed-fewer-than-5');
  });
});
