import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KnowledgeError, loadKnowledge } from '../src/core/knowledge/load';
import { ReplyComposer } from '../src/core/replies';
import { fitSms, SMS_MAX_SEGMENTS, smsText } from '../src/bot/renderReply';
import { segmentCount } from '../src/channels/sms/segments';

const knowledge = loadKnowledge();
const replies = new ReplyComposer(knowledge);
const taxonomy = JSON.parse(readFileSync('knowledge/taxonomy.json', 'utf8')) as { topics: Array<{ id: string }> };
const TENANTS = ['derby', 'milton-keynes', 'worcestershire', 'generic'];

describe('the knowledge base', () => {
  it('has an entry for every topic in the label set, and nothing else', () => {
    expect([...knowledge.topics.keys()].sort()).toEqual(taxonomy.topics.map((t) => t.id).sort());
  });

  it('has the four councils', () => {
    expect([...knowledge.tenants.keys()].sort()).toEqual([...TENANTS].sort());
  });

  it('keeps a copy of the shared label set that matches it, when the shared folder is there', () => {
    const shared = path.resolve('..', 'shared', 'eval', 'topics.json');
    let sharedIds: string[] | undefined;
    try {
      sharedIds = (JSON.parse(readFileSync(shared, 'utf8')) as typeof taxonomy).topics.map((t) => t.id);
    } catch {
      console.warn(`shared label set not found at ${shared}; comparing with the repository copy only`);
    }
    if (sharedIds) expect(taxonomy.topics.map((t) => t.id)).toEqual(sharedIds);
  });

  describe.each(TENANTS)('rendered for %s', (tenant) => {
    it.each([...knowledge.topics.keys()])('%s: filled, sourced and short enough for SMS', (topicId) => {
      const reply = replies.answer(topicId, tenant);
      expect(reply.text).not.toMatch(/\{\{|\}\}|\[Insert/i);
      expect(reply.sms).not.toMatch(/\{\{|\}\}|\[Insert/i);
      expect(reply.sources.length).toBeGreaterThan(0);
      // three segments at most with every numbered follow-up (the source line gives way first)
      const { smsSource: _, ...withoutSource } = reply;
      expect(segmentCount(smsText(withoutSource))).toBeLessThanOrEqual(SMS_MAX_SEGMENTS);
      expect(fitSms(reply).choices).toEqual(reply.choices);
    });

    it("cites its own council's documents, not another council's, wherever it has them", () => {
      for (const topic of knowledge.topics.values()) {
        const docs = topic.sources.map((ref) => knowledge.documents.get(ref.document)!);
        const hasLocal = docs.some((doc) => !doc.tenant || doc.tenant === tenant);
        const cited = replies.answer(topic.id, tenant).sources.join('\n');
        for (const doc of docs.filter((d) => d.tenant && d.tenant !== tenant)) {
          if (hasLocal) expect(cited, topic.id).not.toContain(`(${doc.publisher})`);
          else expect(cited, topic.id).toMatch(/General guidance published by/);
        }
      }
    });

    it('fills every control reply', () => {
      for (const id of knowledge.controls.keys()) {
        expect(replies.control(id, tenant).text).not.toMatch(/\{\{|\}\}/);
      }
    });
  });

  it.each([
    ['appeal-how', 'SEND Code of Practice, paragraphs 11.39 to 11.55'],
    ['complaint', 'SEND Code of Practice, paragraphs 11.2 and 11.67 to 11.111'],
    ['ehc-needs-assessment', 'SEND Code of Practice, paragraphs 11.13 and 11.45'],
    ['appeal-what', 'SEND Code of Practice, paragraph 11.45'],
  ])('%s cites the Code of Practice as its answer does: %j', (topicId, line) => {
    expect(replies.answer(topicId, 'derby').sources).toContain(line);
  });

  it('gives each council its own SENDIASS contact', () => {
    expect(replies.answer('sendiass', 'derby').text).toContain('01332 641414');
    expect(replies.answer('sendiass', 'milton-keynes').text).toContain('01908 254518');
    expect(replies.answer('sendiass', 'worcestershire').text).toContain('01905 768153');
    expect(replies.answer('sendiass', 'generic').text).not.toMatch(/01332|01908|01905/);
  });
});

describe('a broken knowledge file stops start-up, naming the file and the field', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function brokenCopy(change: (root: string) => void): string {
    dir = mkdtempSync(path.join(tmpdir(), 'knowledge-'));
    const root = path.join(dir, 'knowledge');
    cpSync('knowledge', root, { recursive: true });
    change(root);
    return root;
  }

  function problemsOf(root: string): string {
    try {
      loadKnowledge(root);
    } catch (error) {
      expect(error).toBeInstanceOf(KnowledgeError);
      return (error as KnowledgeError).message;
    }
    throw new Error('expected the knowledge base to be refused');
  }

  const edit = (file: string, from: RegExp | string, to: string) => (root: string) => {
    const target = path.join(root, file);
    writeFileSync(target, readFileSync(target, 'utf8').replace(from, to));
  };

  it.each([
    ['a missing answer', edit('topics/mediation.yaml', /^answer:/m, 'answr:'), /topics\/mediation\.yaml: (answer|\(whole file\)).*/],
    ['an unknown placeholder', edit('topics/sendiass.yaml', /^answer: \|-?\n/m, 'answer: |\n  Ring {{sendiass.fax}} now.\n'), /topics\/sendiass\.yaml: answer: unknown placeholder \{\{sendiass\.fax\}\}/],
    ['a bad phone number', edit('tenants/derby.yaml', '01332 641414', 'call us'), /tenants\/derby\.yaml: sendiass\.phone: must be a phone number/],
    ['an unknown follow-up', edit('topics/complaint.yaml', 'followUps: [complaint-unhappy-outcome', 'followUps: [no-such-topic'), /topics\/complaint\.yaml: followUps\.\d: unknown topic "no-such-topic"/],
    ['an unknown source document', edit('topics/exclusion.yaml', /document: [a-z-]+/, 'document: made-up-leaflet'), /topics\/exclusion\.yaml: sources\.0\.document: unknown document "made-up-leaflet"/],
    ['a broken pattern', edit('topics/appeal-how.yaml', /- match: "/, '- match: "(appeal & '), /topics\/appeal-how\.yaml: .*not closed/],
    ['an "alone" pattern with clauses', edit('controls.yaml', 'match: "agent | live agent |', 'match: "agent & live agent |'), /controls\.yaml: human: patterns\.\d+: an "alone" pattern .* cannot have "&" clauses/],
    ['"alone" that is not true or false', edit('controls.yaml', 'alone: true', 'alone: yes please'), /controls\.yaml: .*alone: Expected boolean/],
    ['invalid YAML', edit('tenants/generic.yaml', /^id:/m, 'id: [unclosed\nid2:'), /tenants\/generic\.yaml: cannot be read/],
    ['a missing topic', (root: string) => rmSync(path.join(root, 'topics', 'local-offer.yaml')), /no entry for topic "local-offer"/],
    ['a Teams tenant id that is not a GUID', edit('tenants/derby.yaml', /^sources:/m, 'teamsEntraTenantIds: [derby.gov.uk]\nsources:'), /tenants\/derby\.yaml: teamsEntraTenantIds\.0: must be a Microsoft Entra tenant id/],
    ['a Teams tenant id listed twice in one file', edit('tenants/derby.yaml', /^sources:/m, 'teamsEntraTenantIds:\n  - 0b7c3f52-5f2e-4d1a-9c47-3a1f0e2d9b18\n  - 0B7C3F52-5F2E-4D1A-9C47-3A1F0E2D9B18\nsources:'), /tenants\/derby\.yaml: teamsEntraTenantIds\.1: "0b7c3f52-5f2e-4d1a-9c47-3a1f0e2d9b18" is listed twice/],
    ['one Teams tenant id in two councils', (root: string) => {
      edit('tenants/derby.yaml', /^sources:/m, 'teamsEntraTenantIds: [0b7c3f52-5f2e-4d1a-9c47-3a1f0e2d9b18]\nsources:')(root);
      edit('tenants/milton-keynes.yaml', /^sources:/m, 'teamsEntraTenantIds: [0B7C3F52-5F2E-4D1A-9C47-3A1F0E2D9B18]\nsources:')(root);
    }, /tenants\/milton-keynes\.yaml: teamsEntraTenantIds\.0: "0b7c3f52-5f2e-4d1a-9c47-3a1f0e2d9b18" is also listed in knowledge\/tenants\/derby\.yaml/],
    ['a Code of Practice range backwards', edit('topics/appeal-how.yaml', 'codeOfPractice: ["11.39-11.55"]', 'codeOfPractice: ["11.55-11.39"]'), /topics\/appeal-how\.yaml: codeOfPractice\.0: a range must go from the first paragraph to a later one/],
    ['not a Code of Practice paragraph', edit('topics/appeal-how.yaml', 'codeOfPractice: ["11.39-11.55"]', 'codeOfPractice: ["chapter 11"]'), /topics\/appeal-how\.yaml: codeOfPractice\.0: must be a Code of Practice paragraph/],
    ['one SMS number in two councils', (root: string) => {
      edit('tenants/derby.yaml', /^sources:/m, 'smsNumbers: ["+447700900123"]\nsources:')(root);
      edit('tenants/milton-keynes.yaml', /^sources:/m, 'smsNumbers: ["+447700900999", "+447700900123"]\nsources:')(root);
    }, /tenants\/milton-keynes\.yaml: smsNumbers\.1: \+447700900123 is also listed in knowledge\/tenants\/derby\.yaml/],
  ])('%s', (_name, change, expected) => {
    expect(problemsOf(brokenCopy(change))).toMatch(expected);
  });
});
