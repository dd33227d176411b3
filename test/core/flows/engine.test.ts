import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APPEAL_DECISIONS } from '../../../src/core/dates/explain';
import { FlowEngine, type FlowPosition } from '../../../src/core/flows/engine';
import { KnowledgeError, loadKnowledge } from '../../../src/core/knowledge/load';
import { FLOW_DECISIONS } from '../../../src/core/knowledge/schema';
import { ReplyComposer } from '../../../src/core/replies';
import { segmentCount } from '../../../src/channels/sms/segments';
import { fitSms, smsText } from '../../../src/bot/renderReply';

const knowledge = loadKnowledge();
const replies = new ReplyComposer(knowledge);
const engine = new FlowEngine(replies);
const TENANTS = [...knowledge.tenants.keys()];
const FLOWS = [...knowledge.flows.keys()];
const SMS_SAFE = /^[A-Za-z0-9 \n@£$!"#%&'()*+,\-./:;<=>?_]*$/;

describe('the guided flows in knowledge/flows', () => {
  it('has the flows the documents recommend, and one starter', () => {
    expect(FLOWS.sort()).toEqual(['complaint', 'council-decision', 'exclusion', 'health-social-care', 'unhappy-with-support', 'what-to-do']);
    expect([...knowledge.flows.values()].filter((f) => f.starter).map((f) => f.id)).toEqual(['what-to-do']);
  });

  it('uses the same decision names as the deadline conversation', () => {
    expect([...FLOW_DECISIONS]).toEqual([...APPEAL_DECISIONS]);
  });

  describe.each(TENANTS)('rendered for %s', (tenant) => {
    it.each(FLOWS)('%s: every step and ending is filled, short enough for three SMS segments, and GSM-7', (flowId) => {
      const flow = knowledge.flows.get(flowId)!;
      for (const stepId of Object.keys(flow.steps)) {
        for (const retry of [false, true]) {
          const reply = engine.stepReply({ flowId, stepId }, tenant, retry);
          expect(reply.text).not.toMatch(/\{\{|\}\}|\[Insert/i);
          const sms = smsText(reply);
          // A step's answers are never dropped to fit: the step itself must fit.
          expect(fitSms(reply).choices).toHaveLength(reply.choices.length);
          expect(segmentCount(sms), `${flowId}/${stepId}: ${sms}`).toBeLessThanOrEqual(3);
          expect(sms, sms).toMatch(SMS_SAFE);
          expect(sms).toMatch(/Reply 1/);
        }
      }
      for (const endingId of Object.keys(flow.endings)) {
        const reply = engine.endingReply(flowId, endingId, tenant, 'not-to-assess');
        expect(reply.text).not.toMatch(/\{\{|\}\}|\[Insert/i);
        expect(reply.sources.length, `${flowId}/${endingId} sources`).toBeGreaterThan(0);
        const sms = smsText(fitSms(reply));
        expect(segmentCount(sms), `${flowId}/${endingId}: ${sms}`).toBeLessThanOrEqual(3);
        expect(sms, sms).toMatch(SMS_SAFE);
      }
    });
  });

  it('never asks people to reply with a word SMS providers keep for themselves', () => {
    const reserved = /\b(reply|text|send|type) (yes|stop|help|cancel|start|end|quit|info|unsubscribe)\b/i;
    for (const flow of knowledge.flows.values()) {
      for (const stepId of Object.keys(flow.steps)) expect(smsText(engine.stepReply({ flowId: flow.id, stepId }, 'derby'))).not.toMatch(reserved);
      for (const endingId of Object.keys(flow.endings)) expect(smsText(engine.endingReply(flow.id, endingId, 'derby'))).not.toMatch(reserved);
    }
  });
});

describe('the flow engine', () => {
  const at = (flowId: string, stepId: string, decision?: FlowPosition['decision']): FlowPosition => ({ flowId, stepId, ...(decision ? { decision } : {}) });

  it('starts at the start step', () => {
    expect(engine.start('council-decision')).toEqual(at('council-decision', 'which-decision'));
  });

  it.each([
    ['the council refused to assess my son', at('council-decision', 'appeal-not-to-assess', 'not-to-assess')],
    ['the council wants to stop his EHCP', at('council-decision', 'appeal-cease', 'cease')],
    ["the council won't issue a plan", at('council-decision', 'appeal-not-to-issue', 'not-to-issue')],
    ["I disagree with the council's decision", at('council-decision', 'which-decision')],
    // Two readings: ask.
    ['they refused to assess and now want to stop the plan', at('council-decision', 'which-decision')],
  ])('skips questions the first message answers: %j', (text, expected) => {
    expect(engine.start('council-decision', text)).toEqual(expected);
  });

  it('never skips to an ending unasked', () => {
    // "something else" leads straight to an ending: the question is still asked.
    expect(engine.start('council-decision', 'something else')).toEqual(at('council-decision', 'which-decision'));
  });

  it.each([
    ['1', 0], ['one', 0], ['Not to assess my child', 0], ['not to assess', 0], ['they refused to assess him', 0],
    ['5', 4], ['five', 4], ['To stop the plan', 4], ['stopping his plan', 4], ['6', 5], ['something else', 5],
    ['7', undefined], ['blorp', undefined], ['', undefined],
  ])('reads %j as choice %s', (text, expected) => {
    expect(engine.read(at('council-decision', 'which-decision'), text)).toBe(expected);
  });

  it('reads "no idea" as not sure, not as no', () => {
    expect(engine.read(at('health-social-care', 'stage'), 'no idea')).toBe(2);
    expect(engine.read(at('health-social-care', 'stage'), 'no')).toBe(1);
  });

  it('moves to the next step, carrying the decision', () => {
    expect(engine.choose(at('council-decision', 'which-decision'), 2)).toEqual({ kind: 'step', position: at('council-decision', 'plan-contents') });
    expect(engine.choose(at('council-decision', 'plan-contents'), 0)).toEqual({ kind: 'step', position: at('council-decision', 'appeal-school-only', 'school-only') });
  });

  it('hands the deadline to the deadline conversation with the decision already known', () => {
    const outcome = engine.choose(at('council-decision', 'appeal-cease', 'cease'), 0);
    expect(outcome).toMatchObject({ kind: 'leave', choice: { action: { kind: 'deadline', decision: 'cease' } } });
  });

  it('reaches an ending with links to the deadline, a topic and a person', () => {
    const outcome = engine.choose(at('council-decision', 'appeal-not-to-amend', 'not-to-amend'), 1);
    expect(outcome).toEqual({ kind: 'ending', flowId: 'council-decision', endingId: 'when-ready', decision: 'not-to-amend' });
    const reply = engine.endingReply('council-decision', 'when-ready', 'derby', 'not-to-amend');
    expect(reply.choices.map((c) => c.action)).toEqual([
      { kind: 'deadline', decision: 'not-to-amend' }, { kind: 'topic', topicId: 'appeal-how' }, { kind: 'person' },
    ]);
    expect(reply.text).toContain('01332 641414');
    expect(reply.sources.join('\n')).toMatch(/Derby SEND Information, Advice and Support Service/);
  });

  it('leaves for another flow from the starter flow', () => {
    expect(engine.choose(at('what-to-do', 'what-about'), 1)).toMatchObject({ kind: 'leave', choice: { action: { kind: 'flow', flowId: 'council-decision' } } });
  });

  it('fills each council\'s own details', () => {
    const mk = engine.endingReply('unhappy-with-support', 'talk-first', 'milton-keynes');
    expect(mk.text).toContain('01908 253414'); // the MK SEN team
    expect(mk.text).toContain('01908 254518'); // MK SENDIAS
    const generic = engine.endingReply('unhappy-with-support', 'talk-first', 'generic');
    expect(generic.text).not.toMatch(/01332|01908|01905/);
  });

  it.each([
    ['what are my options', 'what-to-do'],
    ["I don't know where to start", 'what-to-do'],
    ["I disagree with the council's decision", 'council-decision'],
    ['I want to complain', 'complaint'],
    ["I'm unhappy with the support at school", 'unhappy-with-support'],
    ['I disagree about the health support for my child', 'health-social-care'],
    ['my son has been excluded, what are my options?', 'exclusion'],
    ['How long do I have to appeal to the tribunal?', undefined],
    ['When is my bin collection?', undefined],
  ])('starts a flow from %j: %s', (text, flowId) => {
    expect(engine.matchStart(text)?.flowId).toBe(flowId);
  });

  it('offers the related flow after a topic', () => {
    expect(engine.offerFor('appeal-what')).toMatchObject({ label: 'Help me work out what to do', action: { kind: 'flow', flowId: 'council-decision' } });
    expect(engine.offerFor('complaint')?.action).toEqual({ kind: 'flow', flowId: 'complaint' });
    expect(engine.offerFor('sendiass')?.action).toEqual({ kind: 'flow', flowId: 'unhappy-with-support' });
  });
});

describe('a broken flow file stops start-up, naming the file and the field', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function problemsOf(change: (root: string) => void): string {
    dir = mkdtempSync(path.join(tmpdir(), 'knowledge-'));
    const root = path.join(dir, 'knowledge');
    cpSync('knowledge', root, { recursive: true });
    change(root);
    try {
      loadKnowledge(root);
    } catch (error) {
      expect(error).toBeInstanceOf(KnowledgeError);
      return (error as KnowledgeError).message;
    }
    throw new Error('expected the knowledge base to be refused');
  }

  const edit = (file: string, from: RegExp | string, to: string) => (root: string) => {
    const target = path.join(root, 'flows', file);
    const before = readFileSync(target, 'utf8');
    const after = before.replace(from, to);
    if (after === before) throw new Error(`test edit did not apply to ${file}`);
    writeFileSync(target, after);
  };

  it.each([
    ['a choice that leads nowhere', edit('complaint.yaml', 'next: college', 'next: university'), /flows\/complaint\.yaml: steps\.about-whom\.choices\.1\.next: no step or ending "university"/],
    ['a choice with two targets', edit('complaint.yaml', 'next: college', 'next: college\n        person: true'), /flows\/complaint\.yaml: steps\.about-whom\.choices\.1: must lead to exactly one of/],
    ['an unknown topic link', edit('exclusion.yaml', 'topic: national-organisations', 'topic: no-such-topic'), /flows\/exclusion\.yaml: endings\.advice\.links\.0\.topic: unknown topic "no-such-topic"/],
    ['an unknown flow', edit('exclusion.yaml', 'flow: unhappy-with-support', 'flow: no-such-flow'), /flows\/exclusion\.yaml: steps\.first\.choices\.1\.flow: unknown flow "no-such-flow"/],
    ['an unknown placeholder', edit('exclusion.yaml', 'see {{exclusionInformation}}', 'see {{exclusion.fax}}'), /flows\/exclusion\.yaml: endings\.advice\.text: unknown placeholder \{\{exclusion\.fax\}\}/],
    ['an ending without sources', edit('what-to-do.yaml', /    sources:\n(      - document: [^\n]+\n        section: [^\n]+\n)+/, ''), /flows\/what-to-do\.yaml: endings\.something-else\.sources: Required/],
    ['a step nobody reaches', edit('exclusion.yaml', 'next: advice', 'topic: exclusion'), /flows\/exclusion\.yaml: endings\.advice: no choice leads here/],
    ['a loop', edit('unhappy-with-support.yaml', 'next: not-sure', 'next: talked'), /flows\/unhappy-with-support\.yaml: steps\.talked: the flow comes back to "talked"/],
    ['a label too long for a button', edit('exclusion.yaml', 'label: Where to get advice', 'label: Where to get advice about the exclusion and the appeal'), /flows\/exclusion\.yaml: steps\.first\.choices\.0\.label: must be at most 40 characters/],
    ['a broken choice pattern', edit('exclusion.yaml', 'match: "advice | where', 'match: "(advice | where'), /flows\/exclusion\.yaml: steps\.first\.choices\.0\.match: .*not closed/],
    ['an unknown source document', edit('exclusion.yaml', 'document: derby-sendiass-disagree', 'document: made-up-leaflet'), /flows\/exclusion\.yaml: steps\.first\.sources\.0\.document: unknown document "made-up-leaflet"/],
    ['a topic offered by two flows', edit('exclusion.yaml', 'offerAfter: [exclusion]', 'offerAfter: [exclusion, complaint]'), /flows\/exclusion\.yaml: offerAfter\.1: topic "complaint" already offers the flow "complaint"/],
  ])('%s', (_name, change, expected) => {
    expect(problemsOf(change)).toMatch(expected);
  });
});
