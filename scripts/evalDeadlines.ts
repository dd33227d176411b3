import { isIsoDate } from '../src/core/dates/calendarDate';
import { FACT_NAMES, computeDeadline, isDeadlineKind, type DeadlineKind, type Facts } from '../src/core/dates/deadlines';
import { assignRoles, extractDates } from '../src/core/dates/extract';

/**
 * The deadlines evaluation contract (shared/eval/DEADLINES.md): one JSON line out per JSON line in, in order.
 * Sort A items carry `facts`; sort B items carry `text` (and `today`), from which the facts are read.
 * `expected` is never read.
 */
export async function evalDeadlines(lines: AsyncIterable<string> | string[], out: (line: string) => void): Promise<void> {
  for await (const line of lines) {
    if (line.trim() === '') continue;
    out(JSON.stringify(evaluateDeadlineLine(line)));
  }
}

type Output = { id: unknown; due: string; facts: Facts } | { id: unknown; error: string; facts?: Facts };

export function evaluateDeadlineLine(line: string): Output {
  let item: unknown;
  try {
    item = JSON.parse(line);
  } catch {
    return { id: idFromBrokenLine(line), error: 'the line is not valid JSON' };
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return { id: null, error: 'the line is not a JSON object' };
  const { id = null, kind, today, text, facts } = item as Record<string, unknown>;
  if (!isDeadlineKind(kind)) return { id, error: `unknown kind ${JSON.stringify(kind)}` };

  let used: Facts;
  if (facts !== undefined) {
    if (typeof facts !== 'object' || facts === null) return { id, error: '"facts" must be an object' };
    used = pickFacts(kind, facts as Record<string, unknown>);
  } else if (typeof text === 'string') {
    if (!isIsoDate(today)) return { id, error: '"today" must be a YYYY-MM-DD date for an item with text' };
    used = assignRoles(text, extractDates(text, today), kind).facts;
  } else {
    return { id, error: 'an item needs "facts" or "text"' };
  }

  try {
    const result = computeDeadline(kind, used);
    return { id, due: result.due, facts: result.facts };
  } catch (error) {
    return { id, error: error instanceof Error ? error.message : String(error), facts: used };
  }
}

function pickFacts(kind: DeadlineKind, given: Record<string, unknown>): Facts {
  const facts: Record<string, unknown> = {};
  for (const name of FACT_NAMES[kind]) if (name in given) facts[name] = given[name];
  // Values are checked by computeDeadline, which names any that is not a date.
  return facts as Facts;
}

function idFromBrokenLine(line: string): string | null {
  return /"id"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? null;
}
