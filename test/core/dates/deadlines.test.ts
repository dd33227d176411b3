import { describe, expect, it } from 'vitest';
import { FACT_NAMES, FactError, computeDeadline, requiredFacts } from '../../../src/core/dates/deadlines';

const appeal = (decision_letter_date: string, certificate_date: string | null = null) =>
  computeDeadline('appeal', { decision_letter_date, certificate_date });

describe('appeal: the worked checks in DEADLINES.md', () => {
  it.each([
    ['2025-12-31', null, '2026-03-02', 'Saturday 28 February 2026'],
    ['2026-01-02', '2026-02-10', '2026-03-10', 'certificate'],
    ['2025-10-01', '2025-11-29', '2026-01-02', 'between 25 December and 1 January'],
    ['2026-06-15', null, '2026-09-01', 'in August'],
    ['2026-09-30', null, '2026-11-30', 'working day'],
    ['2027-12-31', null, '2028-02-29', 'working day'],
  ])('letter %s, certificate %s → %s', (letter, certificate, due, ruleWords) => {
    const result = appeal(letter, certificate);
    expect(result.due).toBe(due);
    expect(result.facts).toEqual({ decision_letter_date: letter, certificate_date: certificate });
    expect(result.rule).toContain(ruleWords);
  });
});

describe('the other checks in DEADLINES.md', () => {
  it('final plan: 20 weeks, not moved off the spring bank holiday', () => {
    const result = computeDeadline('final-plan', { request_date: '2025-01-06' });
    expect(result.due).toBe('2025-05-26');
    expect(result.rule).toMatch(/does not move/);
  });
  it.each([
    ['2025-12-24', '2025-12-31'],
    ['2027-05-28', '2027-06-03'],
  ])('certificate if declined on %s is due %s', (declined, due) => {
    expect(computeDeadline('certificate-if-declined', { declined_date: declined }).due).toBe(due);
  });
});

describe('appeal: Christmas window and August, on both edges', () => {
  it.each([
    ['2025-10-24', '2025-12-24', 'period ends Wed 24 Dec: a working day, before the window'],
    ['2025-10-25', '2026-01-02', 'period ends Thu 25 Dec: first working day after 1 Jan'],
    ['2025-11-01', '2026-01-02', 'period ends Thu 1 Jan: still in the window'],
    ['2025-11-02', '2026-01-02', 'period ends Fri 2 Jan: after the window, a working day'],
    ['2027-10-25', '2028-01-04', 'period ends Sat 25 Dec 2027: after 1 Jan, 3 Jan is the substitute holiday'],
    ['2028-10-31', '2029-01-02', 'period ends Sun 31 Dec 2028: 1 Jan 2029 is a holiday'],
    ['2028-10-23', '2028-12-27', 'period ends Sat 23 Dec 2028: rule 12(2) moves it into the window'],
    ['2026-05-31', '2026-07-31', 'period ends Fri 31 Jul: a working day, before August'],
    ['2026-06-01', '2026-09-01', 'period ends Sat 1 Aug: after 31 Aug (a bank holiday in 2026)'],
    ['2026-07-01', '2026-09-01', 'period ends Tue 1 Sep: after August, a working day'],
    ['2027-05-31', '2027-08-02', 'period ends Sat 31 Jul 2027: the weekend move lands in August'],
    ['2027-06-30', '2027-09-01', 'period ends Mon 30 Aug 2027'],
    ['2027-07-01', '2027-09-01', 'period ends Wed 1 Sep 2027'],
  ])('letter %s → due %s (%s)', (letter, due) => {
    expect(appeal(letter).due).toBe(due);
  });

  it('period ending 31 August by the certificate route goes to 1 September', () => {
    const result = appeal('2026-06-01', '2026-07-31');
    expect(result.due).toBe('2026-09-01');
    expect(result.rule).toMatch(/^One month from the mediation certificate/);
  });

  it('Sat 31 Jul 2027 names rule 12(2), not 12(3)(a)', () => {
    const result = appeal('2027-05-31');
    expect(result.rule).toMatch(/rule 12\(2\)/);
    expect(result.rule).not.toMatch(/12\(3\)/);
  });
});

describe('appeal: moving off each kind of bank holiday', () => {
  it.each([
    ['2026-02-03', '2026-04-07', 'Good Friday 3 Apr 2026, then Easter Monday'],
    ['2027-01-29', '2027-03-30', 'Easter Monday 29 Mar 2027'],
    ['2025-03-05', '2025-05-06', 'Early May 5 May 2025'],
    ['2025-03-26', '2025-05-27', 'Spring 26 May 2025'],
    ['2026-03-25', '2026-05-26', 'Spring 25 May 2026'],
  ])('letter %s → %s (%s)', (letter, due) => {
    const result = appeal(letter);
    expect(result.due).toBe(due);
    expect(result.rule).toMatch(/bank holiday/);
  });
});

describe('appeal: which route', () => {
  it.each([
    ['2026-01-02', '2026-02-10', '2026-03-10', 'certificate later'],
    ['2026-01-02', '2026-01-20', '2026-03-02', 'letter later'],
    ['2026-01-02', '2026-02-02', '2026-03-02', 'equal: either route'],
    ['2025-11-10', '2025-12-23', '2026-01-23', 'certificate after Christmas'],
    ['2027-09-20', '2027-11-30', '2028-01-04', 'certificate route into the Christmas window'],
  ])('letter %s, certificate %s → %s (%s)', (letter, certificate, due) => {
    expect(appeal(letter, certificate).due).toBe(due);
  });

  it('treats a missing certificate as none', () => {
    expect(computeDeadline('appeal', { decision_letter_date: '2026-09-30' }).facts).toEqual({
      decision_letter_date: '2026-09-30',
      certificate_date: null,
    });
  });
});

describe('fixed periods never move', () => {
  it.each([
    ['assessment-decision', 'request_date', '2027-06-25', '2027-08-06'],
    ['assessment-decision', 'request_date', '2026-12-18', '2027-01-29'],
    ['assessment-decision', 'request_date', '2025-11-03', '2025-12-15'],
    ['assessment-decision', 'request_date', '2026-01-17', '2026-02-28'], // Saturday: stays
    ['final-plan', 'request_date', '2027-12-13', '2028-05-01'],
    ['final-plan', 'request_date', '2026-04-20', '2026-09-07'],
    ['final-plan', 'request_date', '2026-04-13', '2026-08-31'], // bank holiday in August: stays
    ['draft-plan-comments', 'draft_served_date', '2026-02-20', '2026-03-06'],
    ['draft-plan-comments', 'draft_served_date', '2025-12-22', '2026-01-05'],
    ['draft-plan-comments', 'draft_served_date', '2025-12-11', '2025-12-25'], // Christmas Day: stays
  ] as const)('%s from %s %s → %s', (kind, fact, start, due) => {
    const result = computeDeadline(kind, { [fact]: start });
    expect(result.due).toBe(due);
    expect(result.facts).toEqual({ [fact]: start });
  });
});

describe('certificate if declined: 3 working days, no Christmas or August relief', () => {
  it.each([
    ['2026-05-22', '2026-05-28', 'skips the spring bank holiday'],
    ['2027-12-24', '2027-12-31', 'skips the Christmas substitutes'],
    ['2026-12-23', '2026-12-30', '24 Dec counts'],
    ['2026-04-02', '2026-04-09', 'skips Easter'],
    ['2026-08-03', '2026-08-06', 'August counts'],
    ['2026-08-28', '2026-09-03', 'skips the summer bank holiday'],
  ])('declined %s → %s (%s)', (declined, due) => {
    const result = computeDeadline('certificate-if-declined', { declined_date: declined });
    expect(result.due).toBe(due);
    expect(result.steps.filter((s) => s.startsWith('Working day'))).toHaveLength(3);
  });
});

describe('explanations', () => {
  it('appeal steps show both routes, the move and the 5pm cut-off', () => {
    const result = appeal('2025-12-31');
    expect(result.rule).toBe(
      'Two months from the decision letter (31 December 2025) ends on Saturday 28 February 2026, which is a weekend day, so under Tribunal rule 12(2) the deadline is the next working day: Monday 2 March 2026.',
    );
    expect(result.steps).toEqual([
      'Decision letter dated Wednesday 31 December 2025; 2 calendar months later is Saturday 28 February 2026.',
      'No mediation certificate, so only the letter route applies.',
      'Saturday 28 February 2026 is a Saturday, so under Tribunal rule 12(2) the deadline moves to the next working day: Monday 2 March 2026.',
      'The Tribunal must receive the appeal by 5pm on that day (rule 12(1)).',
    ]);
  });

  it('certificate-if-declined steps name each skipped day', () => {
    const result = computeDeadline('certificate-if-declined', { declined_date: '2027-05-28' });
    expect(result.steps).toContain('Monday 31 May 2027 is a bank holiday (Spring bank holiday), so it is not counted.');
    expect(result.rule).toMatch(/3 working days.*Thursday 3 June 2027/);
  });
});

describe('facts', () => {
  it('exports the fact names per kind', () => {
    expect(FACT_NAMES.appeal).toEqual(['decision_letter_date', 'certificate_date']);
    expect(requiredFacts('appeal')).toEqual(['decision_letter_date']);
    expect(requiredFacts('final-plan')).toEqual(['request_date']);
    expect(requiredFacts('draft-plan-comments')).toEqual(['draft_served_date']);
    expect(requiredFacts('certificate-if-declined')).toEqual(['declined_date']);
  });

  it.each([
    ['appeal', {}, 'decision_letter_date'],
    ['appeal', { decision_letter_date: '2026-02-30' }, 'decision_letter_date'],
    ['appeal', { decision_letter_date: '2026-01-02', certificate_date: '10/02/2026' }, 'certificate_date'],
    ['final-plan', { request_date: null }, 'request_date'],
  ] as const)('%s with %j fails naming %s', (kind, facts, fact) => {
    expect(() => computeDeadline(kind, facts)).toThrow(FactError);
    try {
      computeDeadline(kind, facts);
    } catch (error) {
      expect((error as FactError).fact).toBe(fact);
    }
  });
});
