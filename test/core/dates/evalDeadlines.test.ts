import { describe, expect, it } from 'vitest';
import { evalDeadlines } from '../../../scripts/evalDeadlines';

async function run(lines: string[] | AsyncIterable<string>): Promise<unknown[]> {
  const out: string[] = [];
  await evalDeadlines(lines, (line) => out.push(line));
  return out.map((line) => JSON.parse(line) as unknown);
}

const line = (item: object) => JSON.stringify(item);

describe('evalDeadlines', () => {
  it('answers sort A from the facts and sort B from the text, one line each, in order', async () => {
    const output = await run([
      line({ id: 'a1', kind: 'appeal', today: '2026-01-05', facts: { decision_letter_date: '2025-12-31' } }),
      line({ id: 'b1', kind: 'final-plan', today: '2027-12-14', text: 'I emailed the request for an assessment yesterday.' }),
      line({ id: 'a2', kind: 'certificate-if-declined', today: '2027-05-28', facts: { declined_date: '2027-05-28' } }),
      line({ id: 'b2', kind: 'appeal', today: '2026-01-19', text: 'Refusal letter dated 12.1.26. Mediation meeting booked for 4.2.26.' }),
      line({ id: 'a3', kind: 'appeal', facts: { decision_letter_date: '2026-01-02', certificate_date: '2026-02-10' } }),
    ]);
    expect(output).toEqual([
      { id: 'a1', due: '2026-03-02', facts: { decision_letter_date: '2025-12-31', certificate_date: null } },
      { id: 'b1', due: '2028-05-01', facts: { request_date: '2027-12-13' } },
      { id: 'a2', due: '2027-06-03', facts: { declined_date: '2027-05-28' } },
      { id: 'b2', due: '2026-03-12', facts: { decision_letter_date: '2026-01-12', certificate_date: null } },
      { id: 'a3', due: '2026-03-10', facts: { decision_letter_date: '2026-01-02', certificate_date: '2026-02-10' } },
    ]);
  });

  it('never uses "expected", even when it is wrong or malformed', async () => {
    const item = { id: 'x', kind: 'assessment-decision', facts: { request_date: '2027-06-25' } };
    const [plain, withWrong, withJunk] = await run([
      line(item),
      line({ ...item, expected: { due: '1999-01-01', facts: { request_date: '1999-01-01' } } }),
      line({ ...item, expected: 'junk' }),
    ]);
    expect(plain).toEqual({ id: 'x', due: '2027-08-06', facts: { request_date: '2027-06-25' } });
    expect(withWrong).toEqual(plain);
    expect(withJunk).toEqual(plain);
  });

  it('prints an error line for a bad line and carries on', async () => {
    const output = await run([
      '{"id":"broken", "kind": "appeal", ',
      line({ id: 'k', kind: 'holiday', facts: {} }),
      line({ id: 'f', kind: 'appeal', facts: { decision_letter_date: '2026-02-30' } }),
      line({ id: 't', kind: 'appeal', text: 'letter dated yesterday' }),
      line({ id: 'n', kind: 'appeal', today: '2026-03-06', text: 'How long have I got?' }),
      '[1,2]',
      line({ id: 'ok', kind: 'draft-plan-comments', facts: { draft_served_date: '2026-02-20' } }),
    ]);
    expect(output).toHaveLength(7);
    expect(output.slice(0, 6)).toEqual([
      { id: 'broken', error: expect.any(String) },
      { id: 'k', error: expect.stringContaining('holiday') },
      { id: 'f', error: expect.stringContaining('decision_letter_date'), facts: { decision_letter_date: '2026-02-30' } },
      { id: 't', error: expect.stringContaining('today') },
      { id: 'n', error: expect.stringContaining('decision_letter_date'), facts: { certificate_date: null } },
      { id: null, error: expect.any(String) },
    ]);
    expect(output[6]).toEqual({ id: 'ok', due: '2026-03-06', facts: { draft_served_date: '2026-02-20' } });
  });

  it('reads an async stream of lines and skips blank ones', async () => {
    async function* lines() {
      yield line({ id: 's1', kind: 'assessment-decision', today: '2025-11-20', text: 'We emailed the request on Monday 3rd November.' });
      yield '';
      yield line({ id: 's2', kind: 'draft-plan-comments', today: '2025-12-29', text: 'The draft plan was sent to me by email on the 22nd.' });
    }
    expect(await run(lines())).toEqual([
      { id: 's1', due: '2025-12-15', facts: { request_date: '2025-11-03' } },
      { id: 's2', due: '2026-01-05', facts: { draft_served_date: '2025-12-22' } },
    ]);
  });
});
