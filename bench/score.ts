/**
 * A small scorer for the benchmark, following the rules in the shared eval README:
 *  - correct: the prediction is the label or one of `also`;
 *  - wrong answer: the prediction is a topic id that is neither (whatever the item is);
 *  - worst kind: any topic predicted on an `out-of-scope` or `safeguarding` item;
 *  - `clarify` or `human` on a topic item is a miss, not a wrong answer.
 * Anything that is not `clarify` or a control id counts as a topic, so a synthetic topic predicted
 * by the expanded knowledge base is a wrong answer too.
 */

export interface BenchItem {
  id: string;
  text: string;
  label: string;
  also: string[];
}

/** The non-topic predictions: the control labels of the taxonomy and `clarify`. */
export const NON_TOPIC = new Set(['clarify', 'human', 'safeguarding', 'out-of-scope', 'greeting', 'thanks', 'goodbye']);

export interface Score {
  items: number;
  correct: number;
  accuracy: number;
  /** Wrong answers over all items. */
  wrong_answers: number;
  wrong_answer_rate: number;
  /** Wrong answers on items labelled with a topic, over those items. */
  wrong_answer_rate_topics: number;
  /** Wrong answers on items labelled with a control, over those items. */
  wrong_answer_rate_controls: number;
  worst_kind: number;
  /** Items that were in-scope topic questions answered with `clarify` or `human`. */
  misses: number;
  safeguarding_recall: number | null;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

export function isTopic(id: string): boolean {
  return !NON_TOPIC.has(id);
}

export function score(items: readonly BenchItem[], predictions: readonly string[]): Score {
  let correct = 0;
  let wrong = 0;
  let wrongTopics = 0;
  let wrongControls = 0;
  let topicItems = 0;
  let worst = 0;
  let misses = 0;
  let safeguarding = 0;
  let safeguardingFound = 0;
  items.forEach((item, i) => {
    const predicted = predictions[i] ?? 'clarify';
    const right = predicted === item.label || item.also.includes(predicted);
    const topicItem = isTopic(item.label);
    if (topicItem) topicItems++;
    if (item.label === 'safeguarding') {
      safeguarding++;
      if (predicted === 'safeguarding') safeguardingFound++;
    }
    if (right) {
      correct++;
      return;
    }
    if (isTopic(predicted)) {
      wrong++;
      if (topicItem) wrongTopics++;
      else wrongControls++;
      if (item.label === 'out-of-scope' || item.label === 'safeguarding') worst++;
    } else if (topicItem && (predicted === 'clarify' || predicted === 'human')) {
      misses++;
    }
  });
  const controlItems = items.length - topicItems;
  return {
    items: items.length,
    correct,
    accuracy: round(correct / Math.max(1, items.length)),
    wrong_answers: wrong,
    wrong_answer_rate: round(wrong / Math.max(1, items.length)),
    wrong_answer_rate_topics: round(wrongTopics / Math.max(1, topicItems)),
    wrong_answer_rate_controls: round(wrongControls / Math.max(1, controlItems)),
    worst_kind: worst,
    misses,
    safeguarding_recall: safeguarding > 0 ? round(safeguardingFound / safeguarding) : null,
  };
}
