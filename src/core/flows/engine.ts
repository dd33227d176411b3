/**
 * The guided-flow engine: knows nothing of Bot Framework. Given a flow (knowledge/flows/<id>.yaml),
 * the step the person is at and the choice they made, it says what comes next: another step, an
 * ending (a Reply with next steps, sources and links), or something outside the flow (a topic,
 * another flow, the deadline conversation, a person). Dialogs only ask, read and say.
 */
import type { Flow, FlowChoice, FlowDecision, FlowEnding, FlowLink, FlowStep, Tenant } from '../knowledge/schema';
import { contactPhrase, fillPlaceholders } from '../knowledge/render';
import type { Choice, Reply, ReplyComposer } from '../replies';
import { pickChoice } from '../understanding/choices';
import { IntentMatcher } from '../understanding/matcher';
import { normaliseWords } from '../understanding/normalise';
import { compilePattern, patternMatches, viewOf, type CompiledPattern } from '../understanding/patterns';

/** Where a person is in a flow. Plain data: it is kept in dialog state between turns. */
export interface FlowPosition {
  flowId: string;
  stepId: string;
  /** The council decision chosen on the way, for the deadline conversation. */
  decision?: FlowDecision;
}

/** What a choice leads to. */
export type FlowOutcome =
  | { kind: 'step'; position: FlowPosition }
  | { kind: 'ending'; flowId: string; endingId: string; decision?: FlowDecision }
  /** Out of the flow: the caller acts on the choice (starts a topic, a flow, the deadline, a person). */
  | { kind: 'leave'; choice: Choice };

/** A step as a message: the Reply plus `choiceCard`, so Web Chat and Teams show it as a card. */
export type StepReply = Reply & { choiceCard: true };

export const WORK_OUT_DEADLINE_LABEL = 'Work out my deadline';
export const TALK_TO_PERSON_LABEL = 'Talk to a person';

/** The least rule evidence (pattern weight) that starts a flow from what the person typed. */
export const FLOW_START_AT = 3;

export class FlowEngine {
  private readonly matcher: IntentMatcher;
  private readonly choicePatterns = new Map<FlowChoice, CompiledPattern>();

  constructor(private readonly replies: ReplyComposer) {
    const flows = [...replies.knowledge.flows.values()];
    this.matcher = new IntentMatcher(
      flows.map((f) => ({ id: f.id, patterns: f.patterns, examples: [] })),
      replies.knowledge.concepts,
    );
    for (const flow of flows) {
      for (const [stepId, step] of Object.entries(flow.steps)) {
        step.choices.forEach((choice, i) => {
          if (choice.match) {
            this.choicePatterns.set(choice, compilePattern({ match: choice.match, unless: choice.unless }, `${flow.id}: steps.${stepId}.choices.${i}.match`, replies.knowledge.concepts));
          }
        });
      }
    }
  }

  has(flowId: string): boolean {
    return this.replies.knowledge.flows.has(flowId);
  }

  flow(flowId: string): Flow {
    const flow = this.replies.knowledge.flows.get(flowId);
    if (!flow) throw new Error(`unknown flow ${flowId}`);
    return flow;
  }

  flowIds(): string[] {
    return [...this.replies.knowledge.flows.keys()];
  }

  step(position: FlowPosition): FlowStep {
    const step = this.flow(position.flowId).steps[position.stepId];
    if (!step) throw new Error(`flow ${position.flowId}: unknown step ${position.stepId}`);
    return step;
  }

  /**
   * Where a flow starts. With the message that started it, questions that message already answers
   * are skipped ("the council wants to stop the plan" skips "which decision?"), but only where
   * exactly one choice fits and it leads to another question: an ending is never reached unasked.
   */
  start(flowId: string, text?: string): FlowPosition {
    const flow = this.flow(flowId);
    let position: FlowPosition = { flowId, stepId: flow.start };
    if (!text?.trim()) return position;
    const seen = new Set<string>();
    while (!seen.has(position.stepId)) {
      seen.add(position.stepId);
      const index = this.matchByWords(this.step(position), text);
      if (index === undefined) break;
      const choice = this.step(position).choices[index]!;
      if (!choice.next || !flow.steps[choice.next]) break;
      position = { flowId, stepId: choice.next, decision: choice.decision ?? position.decision };
    }
    return position;
  }

  /** Which flow, if any, a message asks to start, with its evidence. */
  matchStart(text: string): { flowId: string; score: number } | undefined {
    const best = this.matcher.matchRules(normaliseWords(text))[0];
    return best && best.score >= FLOW_START_AT ? { flowId: best.id, score: best.score } : undefined;
  }

  /** The flow offered after a topic's answer, as a choice ("Help me work out what to do"). */
  offerFor(topicId: string): Choice | undefined {
    const flow = [...this.replies.knowledge.flows.values()].find((f) => f.offerAfter.includes(topicId));
    return flow ? this.replies.flowChoice(flow.id, flow.offer) : undefined;
  }

  /** The step as a message: what to know, then the question and its choices. */
  /**
   * A step's question. `retry`: the last reply could not be read; `'date-kept'`: it gave a date
   * (kept for when a deadline is worked out), so the question is asked again without a "sorry".
   */
  stepReply(position: FlowPosition, tenantId: string | undefined, retry: boolean | 'date-kept' = false): StepReply {
    const tenant = this.replies.tenant(tenantId);
    const step = this.step(position);
    const fill = (text: string) => fillPlaceholders(text, tenant).trim();
    const question = fill(step.question);
    const smsQuestion = fill(step.smsQuestion ?? step.question);
    const choices: Choice[] = step.choices.map((c) => ({ label: c.label, short: c.short, action: { kind: 'reply' } }));
    if (retry === 'date-kept') {
      return {
        text: `Thanks, I've kept that date. I'll check it with you if we work out a deadline.\n\n${question}`,
        sms: `Thanks, I've kept that date. ${smsQuestion}`,
        choices,
        sources: [],
        choiceCard: true,
      };
    }
    if (retry) {
      return {
        text: `Sorry, I didn't understand. ${question} Please choose one of these, or type "start again".`,
        sms: `Sorry, I didn't understand. ${smsQuestion}`,
        choices,
        sources: [],
        choiceCard: true,
      };
    }
    return {
      text: [step.text ? fill(step.text) : '', question].filter(Boolean).join('\n\n'),
      sms: [step.sms ? fill(step.sms) : '', smsQuestion].filter(Boolean).join(' '),
      choices,
      sources: this.replies.sourcesFor(step.sources, step.codeOfPractice, tenant),
      choiceCard: true,
    };
  }

  /** Which choice a reply picks: "2", "two", the choice's words, or its `match` pattern; else undefined. */
  read(position: FlowPosition, text: string): number | undefined {
    const step = this.step(position);
    const index = pickChoice(text, step.choices.map((c) => [c.label, c.short]));
    return index ?? this.matchByWords(step, text);
  }

  /** The one choice whose `match` pattern fits the words; none or several is undefined. */
  private matchByWords(step: FlowStep, text: string): number | undefined {
    const view = viewOf(normaliseWords(text));
    const hits = step.choices.flatMap((choice, i) => {
      const pattern = this.choicePatterns.get(choice);
      return pattern && patternMatches(pattern, view) ? [i] : [];
    });
    return hits.length === 1 ? hits[0] : undefined;
  }

  /** What choice `index` at `position` leads to. */
  choose(position: FlowPosition, index: number): FlowOutcome {
    const flow = this.flow(position.flowId);
    const choice = this.step(position).choices[index];
    if (!choice) throw new Error(`flow ${position.flowId}: step ${position.stepId} has no choice ${index}`);
    const decision = choice.decision ?? position.decision;
    if (choice.next) {
      if (flow.steps[choice.next]) return { kind: 'step', position: { flowId: flow.id, stepId: choice.next, decision } };
      return { kind: 'ending', flowId: flow.id, endingId: choice.next, decision };
    }
    if (choice.flow) return { kind: 'leave', choice: { label: choice.label, short: choice.short, action: { kind: 'flow', flowId: choice.flow } } };
    if (choice.topic) return { kind: 'leave', choice: { label: choice.label, short: choice.short, action: { kind: 'topic', topicId: choice.topic } } };
    if (choice.deadline) return { kind: 'leave', choice: deadlineChoice(decision, choice.label, choice.short) };
    return { kind: 'leave', choice: { label: choice.label, short: choice.short, action: { kind: 'person' } } };
  }

  ending(flowId: string, endingId: string): FlowEnding {
    const ending = this.flow(flowId).endings[endingId];
    if (!ending) throw new Error(`flow ${flowId}: unknown ending ${endingId}`);
    return ending;
  }

  /** An ending as a message: next steps for this council, where they come from, and its links. */
  endingReply(flowId: string, endingId: string, tenantId: string | undefined, decision?: FlowDecision): Reply {
    const tenant = this.replies.tenant(tenantId);
    const ending = this.ending(flowId, endingId);
    return {
      text: fillPlaceholders(ending.text, tenant).trim(),
      sms: fillPlaceholders(ending.sms, tenant).trim(),
      choices: ending.links.map((link) => this.linkChoice(link, decision)),
      sources: this.replies.sourcesFor(ending.sources, ending.codeOfPractice, tenant),
      smsSource: this.replies.smsSourceFor(ending.sources, ending.codeOfPractice, tenant),
    };
  }

  private linkChoice(link: FlowLink, decision: FlowDecision | undefined): Choice {
    if ('topic' in link) return this.replies.topicChoice(link.topic);
    if ('flow' in link) return this.replies.flowChoice(link.flow);
    if ('deadline' in link) return deadlineChoice(decision);
    return { label: TALK_TO_PERSON_LABEL, short: 'Talk to a person', action: { kind: 'person' } };
  }

  /** After a second answer it cannot read: say so, and how to reach a person. */
  offerPerson(tenantId: string | undefined): Reply {
    const tenant = this.replies.tenant(tenantId);
    const how = personContact(tenant);
    const text = `Sorry, I still didn't understand. A person can help you work out what to do: ${how}. You can also type "start again".`;
    return {
      text,
      sms: `Sorry, I still didn't understand. A person can help: ${how}.`,
      choices: [{ label: TALK_TO_PERSON_LABEL, short: 'Talk to a person', action: { kind: 'person' } }],
      sources: [],
    };
  }
}

function deadlineChoice(decision: FlowDecision | undefined, label = WORK_OUT_DEADLINE_LABEL, short?: string): Choice {
  return { label, short: short ?? label, action: decision ? { kind: 'deadline', decision } : { kind: 'deadline' } };
}

function personContact(tenant: Tenant): string {
  return `${tenant.sendiass.name} ${contactPhrase(tenant.sendiass, `through ${tenant.councilName}'s website`)}`;
}
