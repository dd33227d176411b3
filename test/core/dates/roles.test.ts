import { describe, expect, it } from 'vitest';
import type { DeadlineKind, Facts } from '../../../src/core/dates/deadlines';
import { assignRoles, extractDates } from '../../../src/core/dates/extract';

// Friday 6 March 2026.
const TODAY = '2026-03-06';
const read = (kind: DeadlineKind | undefined, text: string, today = TODAY) => assignRoles(text, extractDates(text, today), kind);

type Row = [string, Facts];

describe('appeal: decision letter and certificate dates', () => {
  it.each<Row>([
    ['Letter dated 2nd Feb saying they will not assess.', { decision_letter_date: '2026-02-02', certificate_date: null }],
    ['I received the decision letter on 5 March but it was dated 27 Feb', { decision_letter_date: '2026-02-27', certificate_date: null }],
    ['The letter arrived on 4 March. It was dated 26 February.', { decision_letter_date: '2026-02-26', certificate_date: null }],
    ['The letter, dated 28 Feb, arrived on 5 March', { decision_letter_date: '2026-02-28', certificate_date: null }],
    ['I got the letter on the 3rd, dated the 1st', { decision_letter_date: '2026-03-01', certificate_date: null }],
    ['they refused an EHCP in a letter dated last Wednesday', { decision_letter_date: '2026-03-04', certificate_date: null }],
    ['The final EHC plan was issued on 16/01/2026 and names a school we did not ask for', { decision_letter_date: '2026-01-16', certificate_date: null }],
    ['Refusal letter 12.1.26, mediation certificate issued 2 days ago', { decision_letter_date: '2026-01-12', certificate_date: '2026-03-04' }],
    ['decision letter dated 15 Jan. I said no to mediation on 1 March and the certificate was issued on the 3rd', { decision_letter_date: '2026-01-15', certificate_date: '2026-03-03' }],
    ['On 12 Feb the LA decided not to assess. I said no to mediation on 1 March', { decision_letter_date: '2026-02-12', certificate_date: null }],
    ['I asked for an assessment on 5 January and they said no on 3 March', { decision_letter_date: '2026-03-03', certificate_date: null }],
    ['The letter says they won’t assess. It is dated 2nd March 2026.', { decision_letter_date: '2026-03-02', certificate_date: null }],
  ])('%s', (text, facts) => {
    expect(read('appeal', text).facts).toEqual(facts);
  });

  it.each<Row>([
    ["My son's birthday is on the 25th of Feb and the letter was dated 3 March", { decision_letter_date: '2026-03-03', certificate_date: null }],
    ['decision letter dated 2 weeks ago, his annual review meeting was on 1 March', { decision_letter_date: '2026-02-20', certificate_date: null }],
    ['Letter dated 3 Feb. Mediation booked for 20 March.', { decision_letter_date: '2026-02-03', certificate_date: null }],
    ['Letter dated 3 Feb. Mediation took place on 2 March and the certificate is on its way.', { decision_letter_date: '2026-02-03', certificate_date: null }],
    ['the mediation adviser will issue the certificate on 10 March, letter dated 1 Feb', { decision_letter_date: '2026-02-01', certificate_date: null }],
    ['The certificate will be issued on 2 March. Letter dated 1 Feb.', { decision_letter_date: '2026-02-01', certificate_date: null }],
    ['I will appeal the letter dated 3 March', { decision_letter_date: '2026-03-03', certificate_date: null }],
    ['The amended plan arrived two days ago along with a covering letter dated the same day', { decision_letter_date: '2026-03-04', certificate_date: null }],
    ['The council’s decision not to issue came in a letter of 1 February 2026.', { decision_letter_date: '2026-02-01', certificate_date: null }],
    ['My daughter turns 16 on 1st March. Letter dated 2/2/26', { decision_letter_date: '2026-02-02', certificate_date: null }],
    ['Letter dated 3 Feb. The mediation meeting is on 12/03/2026.', { decision_letter_date: '2026-02-03', certificate_date: null }],
    ['The letter came on Monday dated 24/02/2026. We are away from 30 March.', { decision_letter_date: '2026-02-24', certificate_date: null }],
  ])('ignores distracting dates: %s', (text, facts) => {
    expect(read('appeal', text).facts).toEqual(facts);
  });
});

describe('requests, draft plans and declining mediation', () => {
  it.each<[DeadlineKind, string, Facts]>([
    ['assessment-decision', 'We sent the request via the portal on 2nd Feb', { request_date: '2026-02-02' }],
    ['assessment-decision', 'On 3 February, I emailed the council asking for an EHC needs assessment', { request_date: '2026-02-03' }],
    ['assessment-decision', 'I posted my request on 10 Feb and they acknowledged it on the 13th', { request_date: '2026-02-13' }],
    ['assessment-decision', 'the SENCo submitted the request last Friday and the council received it on Monday', { request_date: '2026-03-02' }],
    ['final-plan', 'I posted the request on 2 Feb; their letter says it was received on 5 Feb.', { request_date: '2026-02-05' }],
    ['final-plan', "the school applied for an assessment on 9/2/2026. My son's birthday is 14/02", { request_date: '2026-02-09' }],
    ['final-plan', 'Request went in a fortnight ago today', { request_date: '2026-02-20' }],
    ['draft-plan-comments', 'The draft plan is dated 20 Feb but was emailed to us on 24 Feb', { draft_served_date: '2026-02-24' }],
    ['draft-plan-comments', 'draft EHCP arrived in my inbox on Tuesday. Annual review was on 2 Feb', { draft_served_date: '2026-03-03' }],
    ['draft-plan-comments', 'We received the draft on the 2nd. The meeting to discuss it is on the 20th', { draft_served_date: '2026-03-02' }],
    ['certificate-if-declined', 'I emailed the mediation service on Monday to say we don’t want mediation', { declined_date: '2026-03-02' }],
    ['certificate-if-declined', 'On 2 March I told the mediation adviser that I didn’t want to go to mediation', { declined_date: '2026-03-02' }],
    ['certificate-if-declined', 'I rang the mediation adviser yesterday and declined. The mediation meeting would have been 20 March.', { declined_date: '2026-03-05' }],
    ['certificate-if-declined', 'I had the mediation information call on 2 March and said no the next day', { declined_date: '2026-03-03' }],
  ])('%s: %s', (kind, text, facts) => {
    expect(read(kind, text).facts).toEqual(facts);
  });
});

describe('questions for the dialog', () => {
  it('questions a letter date in the future and does not use it', () => {
    const result = read('appeal', 'letter dated 10 March 2026');
    expect(result.facts).toEqual({ certificate_date: null });
    expect(result.questions.map((q) => q.reason)).toEqual(['future-date', 'missing']);
    expect(result.questions[0]!.text).toContain('Tuesday 10 March 2026');
  });

  it('asks for the printed date when only the arrival date is given', () => {
    const result = read('appeal', 'I got the decision letter on 3 March');
    expect(result.facts.decision_letter_date).toBeUndefined();
    expect(result.questions).toEqual([expect.objectContaining({ reason: 'arrival-only', fact: 'decision_letter_date' })]);
  });

  it('asks whether the council received a posted request', () => {
    const result = read('assessment-decision', 'I posted the request on 10 February');
    expect(result.facts).toEqual({ request_date: '2026-02-10' });
    expect(result.questions.map((q) => q.reason)).toEqual(['posted-request']);
  });

  it('flags two different letter dates and keeps the later', () => {
    const result = read('appeal', 'The first letter was dated 2 Feb. A new letter dated 16 Feb replaced it.');
    expect(result.facts.decision_letter_date).toBe('2026-02-16');
    expect(result.questions).toEqual([expect.objectContaining({ reason: 'conflict', dates: ['2026-02-02', '2026-02-16'] })]);
  });

  it('assumes a lone date with no cues, and says so', () => {
    const result = read('appeal', '3rd of February. How long have I got?');
    expect(result.facts.decision_letter_date).toBe('2026-02-03');
    expect(result.questions.map((q) => q.reason)).toEqual(['assumed']);
  });

  it('does not assume when there is more than one uncued date', () => {
    const result = read('appeal', '3rd of February or maybe 4th of February?');
    expect(result.facts.decision_letter_date).toBeUndefined();
    expect(result.questions.map((q) => q.reason)).toEqual(['missing']);
  });

  it('explains each date it ignored', () => {
    const result = read('appeal', 'Letter dated 2 Feb. His birthday was 14/02.');
    expect(result.decisions.map((d) => [d.date.text, d.role])).toEqual([
      ['2 Feb', 'decision_letter_date'],
      ['14/02', null],
    ]);
    expect(result.decisions[1]!.why).toMatch(/birthday/);
  });
});

describe('without a kind', () => {
  it('returns every fact it can find', () => {
    const text = 'Request emailed 5 Jan. Letter dated 2 Feb refused. Draft plan sent on 20 Feb. I declined mediation on 1 March.';
    expect(read(undefined, text).facts).toEqual({
      request_date: '2026-01-05',
      decision_letter_date: '2026-02-02',
      draft_served_date: '2026-02-20',
      declined_date: '2026-03-01',
    });
  });
});
