import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../../src/core/knowledge/load';
import { tenantSchema, type Tenant } from '../../../src/core/knowledge/schema';
import {
  adviserAvailability, describeAdviserHours, describeClock, describeNextOpening, londonInstant,
} from '../../../src/core/handoff/hours';

const knowledge = loadKnowledge();
const miltonKeynes = knowledge.tenants.get('milton-keynes')!;

type Hours = NonNullable<Tenant['adviserHours']>;

function tenantWith(hours: Partial<Hours> | undefined): Tenant {
  return tenantSchema.parse({
    id: 'test',
    councilName: 'Test Council',
    areaName: 'Test',
    sendiass: { name: 'Test SENDIASS' },
    disagreementResolution: { name: 'x' },
    mediation: { name: 'x' },
    localOffer: { name: 'x' },
    exclusionInformation: 'x',
    complaints: { name: 'x' },
    sources: ['x'],
    ...(hours && { adviserHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], opens: '09:30', closes: '15:30', ...hours } }),
  });
}

/** Weekdays 9:30am–3:30pm, closed on bank holidays (as Milton Keynes). */
const weekdays = tenantWith({});

describe('the Milton Keynes file has hours that read as the council prints them', () => {
  it('describes them', () => {
    expect(miltonKeynes.adviserHours).toBeDefined();
    expect(describeAdviserHours(miltonKeynes)).toBe('Monday to Friday, 9:30am to 3:30pm (closed on bank holidays)');
  });
});

describe('adviserAvailability: open from the opening minute to (not including) the closing minute, London time', () => {
  it.each([
    // [what, now (UTC), open, closesAt or nextOpening (UTC), next opening in words]
    ['Friday before the spring change, one minute before closing (GMT)', '2026-03-27T15:29:00Z', true, '2026-03-27T15:30:00.000Z', undefined],
    ['Friday before the spring change, exactly at closing', '2026-03-27T15:30:00Z', false, '2026-03-30T08:30:00.000Z', 'on Monday 30 March at 9:30am'],
    ['Saturday', '2026-03-28T12:00:00Z', false, '2026-03-30T08:30:00.000Z', 'on Monday 30 March at 9:30am'],
    ['the night the clocks go forward (00:30 GMT)', '2026-03-29T00:30:00Z', false, '2026-03-30T08:30:00.000Z', 'tomorrow at 9:30am'],
    ['the night the clocks go forward (03:30 BST)', '2026-03-29T02:30:00Z', false, '2026-03-30T08:30:00.000Z', 'tomorrow at 9:30am'],
    ['first Monday of BST, a second before opening', '2026-03-30T08:29:59Z', false, '2026-03-30T08:30:00.000Z', 'today at 9:30am'],
    ['first Monday of BST, exactly at opening', '2026-03-30T08:30:00Z', true, '2026-03-30T14:30:00.000Z', undefined],
    ['first Monday of BST, 9:30 GMT is 10:30 BST', '2026-03-30T09:30:00Z', true, '2026-03-30T14:30:00.000Z', undefined],
    ['first Monday of BST, one minute before closing', '2026-03-30T14:29:00Z', true, '2026-03-30T14:30:00.000Z', undefined],
    ['first Monday of BST, exactly at closing', '2026-03-30T14:30:00Z', false, '2026-03-31T08:30:00.000Z', 'tomorrow at 9:30am'],
    ['just after midnight BST (still the day before in UTC)', '2026-06-10T23:30:00Z', false, '2026-06-11T08:30:00.000Z', 'today at 9:30am'],
    ['Friday before the autumn change, at closing (BST)', '2026-10-23T14:30:00Z', false, '2026-10-26T09:30:00.000Z', 'on Monday 26 October at 9:30am'],
    ['the night the clocks go back (01:30, the second time)', '2026-10-25T01:30:00Z', false, '2026-10-26T09:30:00.000Z', 'tomorrow at 9:30am'],
    ['first Monday of GMT, 8:30 UTC is 8:30 GMT', '2026-10-26T08:30:00Z', false, '2026-10-26T09:30:00.000Z', 'today at 9:30am'],
    ['first Monday of GMT, exactly at opening', '2026-10-26T09:30:00Z', true, '2026-10-26T15:30:00.000Z', undefined],
    ['first Monday of GMT, at 3:30pm BST would have been', '2026-10-26T14:30:00Z', true, '2026-10-26T15:30:00.000Z', undefined],
    ['Good Friday eve, at closing', '2026-04-02T14:30:00Z', false, '2026-04-07T08:30:00.000Z', 'on Tuesday 7 April at 9:30am'],
    ['Easter Monday', '2026-04-06T10:00:00Z', false, '2026-04-07T08:30:00.000Z', 'tomorrow at 9:30am'],
    ['Christmas Eve 2026, at closing', '2026-12-24T15:30:00Z', false, '2026-12-29T09:30:00.000Z', 'on Tuesday 29 December at 9:30am'],
    ['Christmas Day 2026 (a Friday)', '2026-12-25T10:00:00Z', false, '2026-12-29T09:30:00.000Z', 'on Tuesday 29 December at 9:30am'],
    ['Monday 28 December 2026 (Boxing Day substitute)', '2026-12-28T10:00:00Z', false, '2026-12-29T09:30:00.000Z', 'tomorrow at 9:30am'],
    ['New Year\'s Eve 2026, at 11pm', '2026-12-31T23:00:00Z', false, '2027-01-04T09:30:00.000Z', 'on Monday 4 January at 9:30am'],
    ['Christmas Eve 2021 (25 and 26 on a weekend: 27 and 28 off)', '2021-12-24T16:00:00Z', false, '2021-12-29T09:30:00.000Z', 'on Wednesday 29 December at 9:30am'],
    ['Christmas Eve 2020 (28 December off)', '2020-12-24T16:00:00Z', false, '2020-12-29T09:30:00.000Z', 'on Tuesday 29 December at 9:30am'],
    ['31 December 2021 (3 January 2022 off)', '2021-12-31T16:00:00Z', false, '2022-01-04T09:30:00.000Z', 'on Tuesday 4 January at 9:30am'],
  ] as const)('%s', (_what, now, open, when, words) => {
    const at = new Date(now);
    for (const tenant of [weekdays, miltonKeynes]) {
      const result = adviserAvailability(tenant, at);
      expect(result.open).toBe(open);
      expect(result.hoursText).toBe('Monday to Friday, 9:30am to 3:30pm (closed on bank holidays)');
      if (open) {
        expect(result.closesAt?.toISOString()).toBe(when);
        expect(result.nextOpening).toBeUndefined();
      } else {
        expect(result.nextOpening?.toISOString()).toBe(when);
        expect(result.closesAt).toBeUndefined();
        expect(describeNextOpening(result.nextOpening!, at)).toBe(words);
      }
    }
  });

  it('is open on bank holidays when the council says so', () => {
    const tenant = tenantWith({ closedOnBankHolidays: false });
    expect(adviserAvailability(tenant, new Date('2026-12-25T10:00:00Z')).open).toBe(true);
    expect(adviserAvailability(tenant, new Date('2026-12-28T10:00:00Z')).open).toBe(true);
    expect(describeAdviserHours(tenant)).toBe('Monday to Friday, 9:30am to 3:30pm');
  });

  it('keeps Christmas Day and Boxing Day closed for a weekend service, though the bank holiday moves to Monday', () => {
    const tenant = tenantWith({ days: ['sat', 'sun'], opens: '10:00', closes: '12:00' });
    const boxingDay = adviserAvailability(tenant, new Date('2026-12-26T10:30:00Z'));
    expect(boxingDay.open).toBe(false);
    expect(boxingDay.nextOpening?.toISOString()).toBe('2026-12-27T10:00:00.000Z');
    expect(adviserAvailability(tenant, new Date('2026-12-27T11:59:00Z')).open).toBe(true);
  });

  it('never opens for a council without adviser hours, and promises nothing', () => {
    const derby = knowledge.tenants.get('derby')!;
    for (const tenant of [tenantWith(undefined), derby, knowledge.tenants.get('generic')!]) {
      expect(adviserAvailability(tenant, new Date('2026-03-30T10:00:00Z'))).toEqual({ open: false });
      expect(describeAdviserHours(tenant)).toBeUndefined();
    }
  });

  it('treats hours that close before they open as no hours', () => {
    const tenant = tenantWith({ opens: '17:00', closes: '09:00' });
    expect(adviserAvailability(tenant, new Date('2026-03-30T10:00:00Z'))).toEqual({ open: false });
  });

  it('does not throw on an invalid date', () => {
    expect(adviserAvailability(weekdays, new Date('nonsense'))).toEqual({
      open: false, hoursText: 'Monday to Friday, 9:30am to 3:30pm (closed on bank holidays)',
    });
    expect(adviserAvailability(weekdays, new Date(8.64e15))).toMatchObject({ open: false });
  });

  it('agrees with itself every 15 minutes through both 2026 clock changes', () => {
    const spans: Array<[string, string]> = [['2026-03-25T00:00:00Z', '2026-04-02T00:00:00Z'], ['2026-10-21T00:00:00Z', '2026-10-29T00:00:00Z']];
    const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    for (const [from, to] of spans) {
      for (let t = Date.parse(from); t < Date.parse(to); t += 15 * 60_000) {
        const now = new Date(t);
        const result = adviserAvailability(weekdays, now);
        const parts = Object.fromEntries(fmt.formatToParts(now).map((p) => [p.type, p.value]));
        const minutes = Number(parts.hour) * 60 + Number(parts.minute);
        const expected = !['Sat', 'Sun'].includes(parts.weekday!) && minutes >= 570 && minutes < 930;
        expect(result.open, now.toISOString()).toBe(expected);
        if (result.open) expect(result.closesAt!.getTime() - t).toBeLessThanOrEqual(6 * 3_600_000);
        else expect(result.nextOpening!.getTime()).toBeGreaterThan(t);
      }
    }
  });
});

describe('londonInstant', () => {
  it.each([
    ['2026-01-15', 9 * 60 + 30, '2026-01-15T09:30:00.000Z'],
    ['2026-07-15', 9 * 60 + 30, '2026-07-15T08:30:00.000Z'],
    ['2026-03-29', 0, '2026-03-29T00:00:00.000Z'],
    ['2026-03-29', 90, '2026-03-29T01:30:00.000Z'], // 01:30 does not exist: 02:30 BST
    ['2026-03-29', 180, '2026-03-29T02:00:00.000Z'],
    ['2026-10-25', 90, '2026-10-25T01:30:00.000Z'], // happens twice: the later (GMT)
    ['2026-10-25', 180, '2026-10-25T03:00:00.000Z'],
  ])('%s at minute %i is %s', (date, minutes, expected) => {
    expect(londonInstant(date, minutes).toISOString()).toBe(expected);
  });
});

describe('describeAdviserHours', () => {
  it.each([
    [{}, 'Monday to Friday, 9:30am to 3:30pm (closed on bank holidays)'],
    [{ opens: '09:00', closes: '17:00' }, 'Monday to Friday, 9am to 5pm (closed on bank holidays)'],
    [{ opens: '08:45', closes: '12:00', closedOnBankHolidays: false }, 'Monday to Friday, 8:45am to midday'],
    [{ days: ['mon', 'wed', 'fri'], opens: '12:30', closes: '20:00' }, 'Monday, Wednesday and Friday, 12:30pm to 8pm (closed on bank holidays)'],
    [{ days: ['sat', 'sun'], opens: '00:00', closes: '23:59' }, 'Saturday and Sunday, midnight to 11:59pm (closed on bank holidays)'],
    [{ days: ['mon', 'tue', 'wed', 'fri'] }, 'Monday to Wednesday and Friday, 9:30am to 3:30pm (closed on bank holidays)'],
    [{ days: ['tue'] }, 'Tuesday, 9:30am to 3:30pm (closed on bank holidays)'],
    [{ days: ['sun', 'sat', 'fri', 'thu', 'wed', 'tue', 'mon'] }, 'every day, 9:30am to 3:30pm (closed on bank holidays)'],
    [{ days: ['fri', 'mon', 'mon'] }, 'Monday and Friday, 9:30am to 3:30pm (closed on bank holidays)'],
  ] as Array<[Partial<Hours>, string]>)('%j', (hours, expected) => {
    expect(describeAdviserHours(tenantWith(hours))).toBe(expected);
  });
});

describe('describeClock', () => {
  it.each([
    [0, 'midnight'], [30, '12:30am'], [540, '9am'], [570, '9:30am'], [720, 'midday'], [750, '12:30pm'], [930, '3:30pm'], [1439, '11:59pm'],
  ])('%i → %s', (minutes, expected) => {
    expect(describeClock(minutes)).toBe(expected);
  });
});

describe('describeNextOpening', () => {
  it.each([
    ['2026-03-30T08:30:00Z', '2026-03-30T07:00:00Z', 'today at 9:30am'],
    ['2026-03-31T08:30:00Z', '2026-03-30T22:59:00Z', 'tomorrow at 9:30am'],
    ['2026-03-31T08:30:00Z', '2026-03-30T23:01:00Z', 'today at 9:30am'], // 00:01 BST on the 31st
    ['2026-12-28T09:30:00Z', '2026-12-24T16:00:00Z', 'on Monday 28 December at 9:30am'],
    ['2027-01-04T09:00:00Z', '2026-12-31T16:00:00Z', 'on Monday 4 January at 9am'],
    ['2027-09-01T11:00:00Z', '2026-12-31T16:00:00Z', 'on Wednesday 1 September 2027 at midday'],
    ['2026-03-27T09:30:00Z', '2026-03-30T07:00:00Z', 'on Friday 27 March 2026 at 9:30am'],
  ])('%s from %s: %s', (date, now, expected) => {
    expect(describeNextOpening(new Date(date), new Date(now))).toBe(expected);
  });

  it('does not throw on invalid dates', () => {
    expect(describeNextOpening(new Date(NaN), new Date())).toBe('later');
    expect(describeNextOpening(new Date(), new Date(NaN))).toBe('later');
    expect(describeNextOpening(undefined as unknown as Date, null as unknown as Date)).toBe('later');
  });
});
