import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ZodType, ZodTypeDef } from 'zod';
import {
  conceptsFileSchema, controlsFileSchema, documentsFileSchema, tenantSchema, topicSchema,
  type ControlReply, type SourceDocument, type Tenant, type Topic,
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
  patterns: Array<{ match: string; unless?: string }>, shown: string, problems: string[], concepts: Concepts,
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

  if (problems.length > 0) throw new KnowledgeError(problems);
  return { topics, tenants, documents, controls, concepts, topicOrder };
}
