import type { Insights } from './aggregate';
import type { Cell, Durations } from './suppress';

/**
 * The CSV export of the insights figures (GET /advisers/insights.csv). Aggregated figures only:
 * never message text (unanswered question groups appear as their rank and size, not their words)
 * and nothing about any one person.
 *
 * One row per figure, RFC 4180 (comma separated, CRLF line ends, double quotes where needed), with
 * a header row and these columns:
 *
 * | column        | what it holds |
 * | ------------- | ------------- |
 * | `period_from` | first day of the period, YYYY-MM-DD (Europe/London), inclusive |
 * | `period_to`   | last day of the period, inclusive |
 * | `tenant`      | the council the figures are for: its id, `all`, or the ids of the councils the adviser works for joined by `|` |
 * | `channel`     | `webchat`, `sms`, `msteams`…, or `all` |
 * | `section`     | which figure: `conversations`, `conversations_per_day`, `topics`, `outcomes`, `feedback`, `handoffs`, `handoff_times`, `callbacks`, `callback_times`, `unanswered_groups` |
 * | `key`         | the item within the section: `total`, a date, a topic id, an outcome (`answered`, `clarified`, `handed-off`, `out-of-scope`…), `answers_yes`/`answers_no`/`handoffs_yes`/`handoffs_no`, a hand-off fate (`claimed`, `abandoned`, `closed-unclaimed`, `waiting`), `safeguarding`, `wait_to_claim_median`/`_p90`, `time_to_close_median`/`_p90`, `done`/`open`, `time_to_done_median`/`_p90`, a group's rank (1 is the biggest), `hidden_topics`, `hidden_groups` |
 * | `label`       | the same in words (topic titles come from the knowledge base) |
 * | `value`       | the number; EMPTY when the figure is suppressed |
 * | `unit`        | `count` (conversations, turns, answers, hand-offs, call-backs or questions), `seconds`, `topics` or `groups` |
 * | `status`      | `shown`; `suppressed-fewer-than-5` (the count, or the number of cases behind a time, is below 5); `suppressed-complementary` (hidden so a small count cannot be worked out from the total) |
 */

export const CSV_COLUMNS = ['period_from', 'period_to', 'tenant', 'channel', 'section', 'key', 'label', 'value', 'unit', 'status'] as const;

export const CSV_STATUS = { shown: 'shown', 'fewer-than-5': 'suppressed-fewer-than-5', hidden: 'suppressed-complementary' } as const;

export interface CsvScope {
  /** Council id, or 'all', or several ids joined by '|'. */
  tenant: string;
  /** Channel id or 'all'. */
  channel: string;
}

/** A field as CSV: quoted when needed, and never read as a formula by a spreadsheet. */
export function csvField(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function insightsCsv(insights: Insights, scope: CsvScope): string {
  const rows: string[][] = [];
  const base = [insights.period.from, insights.period.to, scope.tenant, scope.channel];
  const count = (section: string, key: string, label: string, c: Cell, unit = 'count') => {
    rows.push([...base, section, key, label, c.value === null ? '' : String(c.value), unit, CSV_STATUS[c.status]]);
  };
  const plain = (section: string, key: string, label: string, value: number, unit: string) => {
    rows.push([...base, section, key, label, String(value), unit, 'shown']);
  };
  const times = (section: string, key: string, label: string, d: Durations) => {
    for (const [which, words, value] of [['median', 'median', d.medianSeconds], ['p90', '90th percentile', d.p90Seconds]] as const) {
      rows.push([...base, section, `${key}_${which}`, `${label}: ${words}`, value === null ? '' : String(value), 'seconds', CSV_STATUS[d.status]]);
    }
  };

  count('conversations', 'total', 'All conversations', insights.conversations.total);
  for (const day of insights.conversations.perDay) count('conversations_per_day', day.date, `Conversations started on ${day.date}`, day);
  for (const topic of insights.topics.top) count('topics', topic.id, topic.title, topic);
  plain('topics', 'hidden_topics', 'Other topics, each asked fewer than 5 times', insights.topics.hiddenTopics, 'topics');
  for (const outcome of insights.outcomes) count('outcomes', outcome.outcome, outcome.label, outcome);
  count('feedback', 'answers_yes', 'Did this help? (after an answer): yes', insights.feedback.answers.yes);
  count('feedback', 'answers_no', 'Did this help? (after an answer): no', insights.feedback.answers.no);
  count('feedback', 'handoffs_yes', 'Did this help? (after an adviser): yes', insights.feedback.handoffs.yes);
  count('feedback', 'handoffs_no', 'Did this help? (after an adviser): no', insights.feedback.handoffs.no);
  count('handoffs', 'total', 'All hand-offs to a person', insights.handoffs.total);
  for (const fate of insights.handoffs.fates) count('handoffs', fate.fate, fate.label, fate);
  count('handoffs', 'safeguarding', 'Safeguarding hand-offs', insights.handoffs.safeguarding);
  times('handoff_times', 'wait_to_claim', 'Wait until an adviser took it', insights.handoffs.waitToClaim);
  times('handoff_times', 'time_to_close', 'From the request to the close (taken by an adviser)', insights.handoffs.timeToClose);
  count('callbacks', 'total', 'All call-back requests', insights.callbacks.total);
  count('callbacks', 'done', 'Call-backs done', insights.callbacks.done);
  count('callbacks', 'open', 'Call-backs still open', insights.callbacks.open);
  times('callback_times', 'time_to_done', 'From the request until the call-back was done', insights.callbacks.timeToDone);
  insights.unanswered.groups.forEach((group, i) => count('unanswered_groups', String(i + 1), `Unanswered questions, group ${i + 1}`, group));
  plain('unanswered_groups', 'hidden_groups', 'Other groups, each of fewer than 5 questions', insights.unanswered.hiddenGroups, 'groups');

  return [CSV_COLUMNS.join(','), ...rows.map((row) => row.map(csvField).join(','))].join('\r\n') + '\r\n';
}
