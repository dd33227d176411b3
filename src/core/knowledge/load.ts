import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ZodType, ZodTypeDef } from 'zod';
import {
  conceptsFileSchema, controlsFileSchema, documentsFileSchema, flowSchema, tenantSchema, topicSchema,
  type ControlReply, type Flow, type SourceDocument, type Tenant, type Topic,
} from './schema';
import { PLACEHOLDER_NAMES, placeholdersIn } from './render';
import { compilePattern, PatternSyntaxError, type Concepts } from '../understanding/patterns';

export interface KnowledgeBase {
  topics: Map<string, Topic>;
  tenants: Map<string, Tenant>;
  documents: Map<string, SourceDocument>;
  controls: Map<string, ControlReply>;
  /** Named word lists that patterns refer to as `@name`. */
  concepts: Map<string, string[]>;
  /** Topic ids in the order the label set lists them. */
  topicOrder: string[];
  /** Guided flows (knowledge/flows), by id, in file-name order. */
  flows: Map<string, Flow>;
}

/** Every problem found in knowledge/, each naming the file and the field. */
export class KnowledgeError extends Error {
  constructor(readonly problems: string[]) {
    super(`The knowledge base has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    this.name = 'KnowledgeError';
  }
}

/** Replies the assistant cannot work without, beside the topics. */
export const REQUIRED_CONTROLS = ['greeting', 'thanks', 'goodbye', 'human', 'out-of-scope', 'help', 'restart', 'cancel'];

function readStructured(file: string, root: string, problems: string[]): unknown {
  const shown = path.relative(path.dirname(root), file);
  try {
    const text = readFileSync(file, 'utf8');
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    problems.push(`${shown}: cannot be read: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function validate<T>(schema: ZodType<T, ZodTypeDef, unknown>, data: unknown, shown: string, problems: string[]): T | undefined {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(whole file)';
    problems.push(`${shown}: ${field}: ${issue.message}`);
  }
  return undefined;
}

function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => path.join(dir, f));
}

function checkText(text: string, shown: string, field: string, problems: string[]): void {
  for (const name of placeholdersIn(text)) {
    if (!PLACEHOLDER_NAMES.includes(name)) {
      problems.push(`${shown}: ${field}: unknown placeholder {{${name}}} (known: ${PLACEHOLDER_NAMES.join(', ')})`);
    }
  }
}

function checkPatterns(
  patterns: Array<{ match: string; unless?: string; alone?: boolean }>, shown: string, problems: string[], concepts: Concepts,
): void {
  patterns.forEach((pattern, i) => {
    try {
      compilePattern(pattern, `patterns.${i}`, concepts);
    } catch (error) {
      if (!(error instanceof PatternSyntaxError)) throw error;
      problems.push(`${shown}: ${error.message}`);
    }
  });
}

export function defaultKnowledgeDir(): string {
  return path.resolve(process.cwd(), 'knowledge');
}

/** Loads and checks all of knowledge/; throws a KnowledgeError listing every problem. */
export function loadKnowledge(dir: string = defaultKnowledgeDir()): KnowledgeBase {
  const problems: string[] = [];
  const shownOf = (file: string) => path.relative(path.dirname(dir), file);

  const taxonomy = readStructured(path.join(dir, 'taxonomy.json'), dir, problems) as
    | { topics?: Array<{ id: string }> }
    | undefined;
  const topicOrder = (taxonomy?.topics ?? []).map((t) => t.id);

  const documents = new Map<string, SourceDocument>();
  const docsFile = path.join(dir, 'documents.yaml');
  const docs = validate(documentsFileSchema, readStructured(docsFile, dir, problems), shownOf(docsFile), problems);
  for (const doc of docs?.documents ?? []) documents.set(doc.id, doc);

  const concepts = new Map<string, string[]>();
  const conceptsFile = path.join(dir, 'concepts.yaml');
  if (existsSync(conceptsFile)) {
    const data = validate(conceptsFileSchema, readStructured(conceptsFile, dir, problems), shownOf(conceptsFile), problems);
    for (const [name, words] of Object.entries(data?.concepts ?? {})) concepts.set(name, words);
  }

  const topics = new Map<string, Topic>();
  for (const file of filesIn(path.join(dir, 'topics'))) {
    const shown = shownOf(file);
    const topic = validate(topicSchema, readStructured(file, dir, problems), shown, problems);
    if (!topic) continue;
    if (path.basename(file).replace(/\.(ya?ml|json)$/, '') !== topic.id) {
      problems.push(`${shown}: id: "${topic.id}" must match the file name`);
    }
    if (topics.has(topic.id)) problems.push(`${shown}: id: "${topic.id}" is used by another file`);
    checkText(topic.answer, shown, 'answer', problems);
    checkText(topic.sms, shown, 'sms', problems);
    checkPatterns(topic.patterns, shown, problems, concepts);
    topic.sources.forEach((ref, i) => {
      if (!documents.has(ref.document)) problems.push(`${shown}: sources.${i}.document: unknown document "${ref.document}"`);
    });
    topics.set(topic.id, topic);
  }
  for (const id of topicOrder) if (!topics.has(id)) problems.push(`knowledge/topics: no entry for topic "${id}"`);
  for (const [id, topic] of topics) {
    if (topicOrder.length > 0 && !topicOrder.includes(id)) problems.push(`knowledge/topics/${id}.yaml: id: not in taxonomy.json`);
    topic.followUps.forEach((f, i) => {
      if (!topics.has(f)) problems.push(`knowledge/topics/${id}.yaml: followUps.${i}: unknown topic "${f}"`);
    });
  }

  const tenants = new Map<string, Tenant>();
  /** Which file lists each Microsoft Entra tenant id, and each SMS number. */
  const entraTenantOwner = new Map<string, string>();
  const smsNumberOwner = new Map<string, string>();
  for (const file of filesIn(path.join(dir, 'tenants'))) {
    const shown = shownOf(file);
    const tenant = validate(tenantSchema, readStructured(file, dir, problems), shown, problems);
    if (!tenant) continue;
    if (path.basename(file).replace(/\.(ya?ml|json)$/, '') !== tenant.id) {
      problems.push(`${shown}: id: "${tenant.id}" must match the file name`);
    }
    tenant.sources.forEach((s, i) => {
      if (!documents.has(s)) problems.push(`${shown}: sources.${i}: unknown document "${s}"`);
    });
    // A Teams organisation belongs to one council: its people would otherwise reach whichever file came first.
    (tenant.teamsEntraTenantIds ?? []).forEach((id, i) => {
      const other = entraTenantOwner.get(id);
      if (other) problems.push(`${shown}: teamsEntraTenantIds.${i}: "${id}" is also listed in ${other} (a Teams organisation can belong to one council only)`);
      else entraTenantOwner.set(id, shown);
    });
    // A text to a number gets one council's answers: a number in two files would silently go to the last.
    tenant.smsNumbers.forEach((number, i) => {
      const other = smsNumberOwner.get(number);
      if (other) problems.push(`${shown}: smsNumbers.${i}: ${number} is also listed in ${other} (a number can belong to one council only)`);
      else smsNumberOwner.set(number, shown);
    });
    tenants.set(tenant.id, tenant);
  }
  if (tenants.size === 0) problems.push('knowledge/tenants: no council files');

  const controls = new Map<string, ControlReply>();
  const controlsFile = path.join(dir, 'controls.yaml');
  const controlsData = validate(controlsFileSchema, readStructured(controlsFile, dir, problems), shownOf(controlsFile), problems);
  for (const control of controlsData?.controls ?? []) {
    checkText(control.answer, shownOf(controlsFile), `controls.${control.id}.answer`, problems);
    checkPatterns(control.patterns, `${shownOf(controlsFile)}: ${control.id}`, problems, concepts);
    controls.set(control.id, control);
  }
  for (const id of REQUIRED_CONTROLS) {
    if (controlsData && !controls.has(id)) problems.push(`${shownOf(controlsFile)}: controls: no entry for "${id}"`);
  }

  const flows = loadFlows(dir, shownOf, { topics, documents, concepts }, problems);

  if (problems.length > 0) throw new KnowledgeError(problems);
  return { topics, tenants, documents, controls, concepts, topicOrder, flows };
}

/**
 * knowledge/flows/*.yaml: each file checked on its own (schema, placeholders, patterns, sources,
 * where every choice leads, no step that cannot be reached, no loop), then across files (links to
 * other flows, one flow offered per topic, one starter flow).
 */
function loadFlows(
  dir: string,
  shownOf: (file: string) => string,
  known: { topics: Map<string, Topic>; documents: Map<string, SourceDocument>; concepts: Concepts },
  problems: string[],
): Map<string, Flow> {
  const flows = new Map<string, Flow>();
  const shownById = new Map<string, string>();
  for (const file of filesIn(path.join(dir, 'flows'))) {
    const shown = shownOf(file);
    const flow = validate(flowSchema, readStructured(file, dir, problems), shown, problems);
    if (!flow) continue;
    if (path.basename(file).replace(/\.(ya?ml|json)$/, '') !== flow.id) problems.push(`${shown}: id: "${flow.id}" must match the file name`);
    if (flows.has(flow.id)) problems.push(`${shown}: id: "${flow.id}" is used by another file`);
    checkFlow(flow, shown, known, problems);
    flows.set(flow.id, flow);
    shownById.set(flow.id, shown);
  }
  const offeredBy = new Map<string, string>();
  const starters: string[] = [];
  for (const [id, flow] of flows) {
    const shown = shownById.get(id)!;
    if (flow.starter) starters.push(id);
    const linked = (target: string, field: string) => {
      if (!flows.has(target)) problems.push(`${shown}: ${field}: unknown flow "${target}"`);
      else if (target === id) problems.push(`${shown}: ${field}: a flow cannot start itself`);
    };
    for (const [stepId, step] of Object.entries(flow.steps)) {
      step.choices.forEach((c, i) => { if (c.flow) linked(c.flow, `steps.${stepId}.choices.${i}.flow`); });
    }
    for (const [endingId, ending] of Object.entries(flow.endings)) {
      ending.links.forEach((l, i) => { if ('flow' in l) linked(l.flow, `endings.${endingId}.links.${i}.flow`); });
    }
    flow.offerAfter.forEach((topic, i) => {
      const other = offeredBy.get(topic);
      if (other) problems.push(`${shown}: offerAfter.${i}: topic "${topic}" already offers the flow "${other}"`);
      offeredBy.set(topic, id);
    });
  }
  if (starters.length > 1) problems.push(`knowledge/flows: only one flow can be the starter (found ${starters.join(', ')})`);
  return flows;
}

function checkFlow(
  flow: Flow,
  shown: string,
  known: { topics: Map<string, Topic>; documents: Map<string, SourceDocument>; concepts: Concepts },
  problems: string[],
): void {
  const stepIds = Object.keys(flow.steps);
  const endingIds = Object.keys(flow.endings);
  for (const id of stepIds) if (endingIds.includes(id)) problems.push(`${shown}: endings.${id}: "${id}" is also a step name`);
  if (!flow.steps[flow.start]) problems.push(`${shown}: start: no step "${flow.start}"`);
  const topic = (id: string, field: string) => {
    if (!known.topics.has(id)) problems.push(`${shown}: ${field}: unknown topic "${id}"`);
  };
  const sources = (refs: Array<{ document: string }>, field: string) => refs.forEach((ref, i) => {
    if (!known.documents.has(ref.document)) problems.push(`${shown}: ${field}.${i}.document: unknown document "${ref.document}"`);
  });
  checkPatterns(flow.patterns, shown, problems, known.concepts);
  flow.offerAfter.forEach((id, i) => topic(id, `offerAfter.${i}`));

  for (const [id, step] of Object.entries(flow.steps)) {
    const at = `steps.${id}`;
    for (const field of ['text', 'question', 'sms', 'smsQuestion'] as const) {
      const value = step[field];
      if (value) checkText(value, shown, `${at}.${field}`, problems);
    }
    sources(step.sources, `${at}.sources`);
    const labels = new Set<string>();
    step.choices.forEach((choice, i) => {
      const where = `${at}.choices.${i}`;
      const label = choice.label.toLowerCase();
      if (labels.has(label)) problems.push(`${shown}: ${where}.label: "${choice.label}" is used twice in this step`);
      labels.add(label);
      if (choice.next && !flow.steps[choice.next] && !flow.endings[choice.next]) {
        problems.push(`${shown}: ${where}.next: no step or ending "${choice.next}"`);
      }
      if (choice.topic) topic(choice.topic, `${where}.topic`);
      if (choice.unless && !choice.match) problems.push(`${shown}: ${where}.unless: only used with match`);
      if (choice.match) {
        try {
          compilePattern({ match: choice.match, unless: choice.unless }, `${where}.match`, known.concepts);
        } catch (error) {
          if (!(error instanceof PatternSyntaxError)) throw error;
          problems.push(`${shown}: ${error.message}`);
        }
      }
    });
  }
  for (const [id, ending] of Object.entries(flow.endings)) {
    const at = `endings.${id}`;
    checkText(ending.text, shown, `${at}.text`, problems);
    checkText(ending.sms, shown, `${at}.sms`, problems);
    sources(ending.sources, `${at}.sources`);
    ending.links.forEach((link, i) => { if ('topic' in link) topic(link.topic, `${at}.links.${i}.topic`); });
  }

  // Every step and ending can be reached from the start, and no path comes back on itself.
  if (!flow.steps[flow.start]) return;
  const reached = new Set<string>();
  const onPath = new Set<string>();
  const loops = new Set<string>();
  const visit = (id: string) => {
    if (onPath.has(id)) { loops.add(id); return; }
    if (reached.has(id)) return;
    reached.add(id);
    const step = flow.steps[id];
    if (!step) return;
    onPath.add(id);
    for (const choice of step.choices) if (choice.next && (flow.steps[choice.next] || flow.endings[choice.next])) visit(choice.next);
    onPath.delete(id);
  };
  visit(flow.start);
  for (const id of loops) problems.push(`${shown}: steps.${id}: the flow comes back to "${id}" (a loop)`);
  for (const id of stepIds) if (!reached.has(id)) problems.push(`${shown}: steps.${id}: no choice leads here`);
  for (const id of endingIds) if (!reached.has(id)) problems.push(`${shown}: endings.${id}: no choice leads here`);
}
