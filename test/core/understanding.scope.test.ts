import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../src/core/knowledge/load';
import { ReplyComposer } from '../../src/core/replies';
import { areasNamed, namesAnotherArea, ownAreas } from '../../src/core/understanding/councils';
import { normaliseWords } from '../../src/core/understanding/normalise';
import { labelOf, SCOPE_REPLIES, Understander, type Understanding } from '../../src/core/understanding/understand';

const knowledge = loadKnowledge();
const understander = new Understander(knowledge);
const replies = new ReplyComposer(knowledge);
const read = (text: string, tenant?: string) => understander.understand(text, tenant ? { tenant } : {});
const label = (text: string, tenant?: string) => labelOf(read(text, tenant));
/** The reply a message gets: a scope reply's id, a control's id, or a topic's id. */
const replyOf = (u: Understanding) =>
  u.kind === 'control' ? (u.reply ?? u.control) : u.kind === 'answer' ? u.topicId : u.kind;

describe('scope replies are out of scope, with their own reply, and outrank any topic', () => {
  it('every scope reply has an entry in controls.yaml', () => {
    for (const id of SCOPE_REPLIES) expect(knowledge.controls.has(id), id).toBe(true);
  });

  it.each([
    // Wales, Scotland and Northern Ireland: England's deadlines and tribunal must not be given
    ['We are in Swansea and the council will not assess my son. Can I go to tribunal?'],
    ['My daughter has an IDP and the school is not following it'],
    ['how long have i got to appeal, we live in Glasgow'],
    ['Our son has additional support needs and the school in Edinburgh refused a coordinated support plan'],
    ['Is the time limit the same in Northern Ireland?'],
    ['the ALNCo says he does not need more support, what do I do'],
    ['im in wales and the LA said no to an ehcp, wot now'],
    // where the family lives, the child goes to school, or whose council or rules they are
    ['we live in wales'],
    ['I live in Cardiff, what do I do if the council says no?'],
    ['scottish council refused to assess my son'],
    ['in scotland how long to appeal'],
    ['he goes to school in Wales and they will not help him'],
    ['Im in Edinburgh how do I complain about the school'],
    ['my son lives with his dad in Belfast, how do I appeal'],
  ])('%j → outside England', (text) => {
    const u = read(text);
    expect(labelOf(u)).toBe('out-of-scope');
    expect(replyOf(u)).toBe('outside-england');
  });

  it.each([
    ['which local authority should I apply to for the assessment?'],
    ['We live in one county but his school is in another one, who do I contact?'],
    ['his school is in a different council area, which council is responsible for his plan'],
  ])('%j → another council', (text) => {
    const u = read(text);
    expect(labelOf(u)).toBe('out-of-scope');
    expect(replyOf(u)).toBe('another-council');
  });

  it.each([
    ['I am a foster carer. Can I ask for an EHC needs assessment for the boy I look after?'],
    ['We have a special guardianship order for our grandson. Are we allowed to appeal?'],
    ['im her grandma and she lives with me, can i request an assessment or does it have to be her mum'],
    ['does a kinship carer count as a parent for the tribunal'],
    ['who counts as a parent for SEND?'],
    ['Can foster parents go to the SEND Tribunal?'],
  ])('%j → cannot say who counts as a parent', (text) => {
    const u = read(text);
    expect(labelOf(u)).toBe('out-of-scope');
    expect(replyOf(u)).toBe('who-counts-as-parent');
  });

  it.each([
    // The other nations' names are not in ordinary English questions
    ['How long do I have to appeal?', 'appeal-deadline'],
    ['I am a foster carer, how long do I have to appeal?', 'appeal-deadline'],
    ['which council decisions can I appeal?', 'appeal-what'],
    ["my mum has a special guardianship order, she's asking about mediation, what happens at a mediation meeting", 'mediation-process'],
  ])('%j is still a topic (%s)', (text, topic) => {
    expect(label(text)).toBe(topic);
  });

  it.each([
    // Wales, Scotland or Northern Ireland named, but not as where the family or its council is
    ["we're going on holiday to wales next week, how do i appeal the refusal to assess?"],
    ["my son's dad lives in Scotland, does he need to agree to the appeal?"],
    ['my surname is Wales, how do I appeal?'],
    ['we have family in Scotland, how long do I have to appeal?'],
    ["we're in wales on holiday, how do i complain about the school"],
    ['we moved from Wales last year, how do I get an EHCP'],
    ['we used to live in Glasgow, now in Derby, how do I appeal'],
    ['my son is learning welsh at school, can I ask for an assessment'],
  ])('%j is not outside England', (text) => {
    expect(replyOf(read(text))).not.toBe('outside-england');
    expect(labelOf(read(text))).not.toBe('out-of-scope');
  });

  it('a risk still comes first', () => {
    expect(label('we live in Cardiff and my foster son said tonight he wants to kill himself')).toBe('safeguarding');
  });

  it('a request for a person still comes first', () => {
    expect(label('we live in Wales, can I speak to a real person')).toBe('human');
  });

  it('each scope reply says why, and points to free advice or a person', () => {
    for (const tenant of ['derby', 'generic']) {
      expect(replies.control('outside-england', tenant).text).toMatch(/England/);
      expect(replies.control('outside-england', tenant).text).toMatch(/person/);
      expect(replies.control('another-council', tenant).text).toMatch(/can't tell you which council is responsible/);
      expect(replies.control('who-counts-as-parent', tenant).text).toMatch(/can't tell you for sure/);
    }
    expect(replies.control('another-council', 'derby').text).toContain('Derby City Council');
    expect(replies.control('who-counts-as-parent', 'derby').text).toContain('01332 641414');
  });
});

describe('another council, when the conversation belongs to one', () => {
  it.each([
    ['derby', 'what is the phone number for Nottinghamshire SENDIASS'],
    ['derby', 'We live in Derbyshire, not the city. Who do I ring about his plan?'],
    ['milton-keynes', 'we are based in Bedford but he goes to school in MK, how do I appeal'],
    ['worcestershire', 'I live in Birmingham, how do I contact the SEN team'],
    ['derby', 'MK SENDIAS email please'],
    // "we're in", "our council is"
    ['milton-keynes', "we're in Bedford, what's the phone number for the SEN team?"],
    ['worcestershire', 'our council is Birmingham, can I appeal to the tribunal?'],
    ['derby', 'we live in Leicester, who do I ring about the plan'],
  ])('%s: %j → another council', (tenant, text) => {
    const u = read(text, tenant);
    expect(labelOf(u)).toBe('out-of-scope');
    expect(replyOf(u)).toBe('another-council');
  });

  it.each([
    ['worcestershire', 'how do I contact Herefordshire and Worcestershire SENDIASS', 'sendiass'],
    ['derby', 'we live in Derby, how do I contact SENDIASS', 'sendiass'],
    ['milton-keynes', 'MK SENDIAS phone number please', 'sendiass'],
    ['derby', 'how do i complain to the Derby and Derbyshire ICB about his physio', 'complaint'],
    // no council of its own: nothing to compare with
    ['generic', 'we live in Leicestershire, what is the SENDIASS number', 'sendiass'],
    // "reading" is a word before it is a town
    ['derby', 'his reading is way behind and the school will not help, who do I talk to first', 'first-steps'],
    ['milton-keynes', "we're in milton keynes what's the number for the sen team", 'sen-team-contact'],
    ['worcestershire', 'our council is Worcestershire, what is the SEN team number', 'sen-team-contact'],
    // where the family was, not where it is
    ['milton-keynes', 'we were in Bedford before but now live in MK, what is the SEN team number', 'sen-team-contact'],
  ])('%s: %j is its own council (%s)', (tenant, text, topic) => {
    expect(label(text, tenant)).toBe(topic);
  });

  it('reads area names whole and longest first', () => {
    expect(areasNamed(normaliseWords('we live in Cheshire West and Chester'))).toEqual(['cheshire west and chester']);
    expect(areasNamed(normaliseWords('Leicester City Council'))).toEqual(['leicester']);
    expect(areasNamed(normaliseWords('derbyshire county council'))).toEqual(['derbyshire']);
    // an area named without a council, a service or where someone lives is not counted
    expect(areasNamed(normaliseWords('we went to Derbyshire on holiday'))).toEqual([]);
    const own = ownAreas(['Derby City Council', 'Derby']);
    expect(namesAnotherArea(normaliseWords('Derbyshire SENDIASS'), own)).toBe(true);
    expect(namesAnotherArea(normaliseWords('Derby SENDIASS'), own)).toBe(false);
  });
});

describe('young people asking for themselves', () => {
  it.each([
    ['im 19 can i take the council to tribunal myself'],
    ['Do I need my parent to appeal or can I do it on my own? I am 18'],
    ["I'm 17. Does my mum have to appeal for me?"],
    ['the council wants to end my EHCP, can I fight it?'],
  ])('%j → what can be appealed (who can appeal comes first in it)', (text) => {
    expect(label(text)).toBe('appeal-what');
  });

  it('the answer says first that young people can appeal for themselves', () => {
    const first = replies.answer('appeal-what', 'derby').text.split('\n')[0]!;
    expect(first).toMatch(/Young people aged 16 to 25 can appeal for themselves/);
  });

  it.each([
    ["I'm 22 and want to appeal about my own EHCP. How do I go about it?", 'appeal-how'],
    ['im 18 how long do i have to appeal', 'appeal-deadline'],
    ['how long i have for apel', 'appeal-deadline'],
  ])('%j is still %s', (text, topic) => {
    expect(label(text)).toBe(topic);
  });
});

describe('angry messages are read for what they ask', () => {
  it.each([
    ['THE SEN TEAM HAVE NOT REPLIED TO ONE EMAIL IN 3 MONTHS', 'complaint'],
    ['absolute sh*t service, council has ignored my calls for weeks', 'complaint'],
    ['its been 40 weeks and STILL no plan from the council, this is a f**king disgrace', 'complaint'],
    ['the college keep refusing to give her the support hours in her EHCP!!!', 'first-steps'],
    // chased and never called back; asked long ago and still waiting: what complaints are for
    ["I've rung the SEN team 15 times and nobody ever calls back. This is a disgrace.", 'complaint'],
    ['emailed the council 6 times, they never reply', 'complaint'],
    ['absolute shambles. applied for ehcp in march still waiting', 'complaint'],
    ['we requested an assessment in january and still not heard anything', 'complaint'],
    // asking how to reach them is still the contact
    ["How do I contact my son's caseworker at the council? I've emailed twice with no reply.", 'sen-team-contact'],
  ])('%j → %s', (text, topic) => {
    expect(label(text)).toBe(topic);
  });
});

describe('acknowledgements, emoji and empty messages', () => {
  it.each(['ok', 'OK', 'okay', 'k', 'ok then', 'right ok', 'got it', 'fair enough', '👍', '👍🏽', 'ok 👍'])('%j acknowledges (labelled as thanks)', (text) => {
    const u = read(text);
    expect(replyOf(u)).toBe('acknowledgement');
    expect(labelOf(u)).toBe('thanks');
  });

  it.each(['...', '?', '??', '!!!', '👋'])('%j is nothing to read: asked what they would like to know', (text) => {
    expect(replyOf(read(text))).toBe('prompt');
  });

  it.each(['😢', '😭😭😭', ':(', 'so upset', 'im crying', 'fed up'])('%j gets a kind word', (text) => {
    expect(replyOf(read(text))).toBe('upset');
  });

  it('the kind word offers a person and free advice, not "say it another way"', () => {
    const text = replies.control('upset', 'derby').text;
    expect(text).toMatch(/person/);
    expect(text).toContain('01332 641414');
  });

  it.each([
    ['ok so how long do I have to appeal', 'appeal-deadline'],
    ['ok thanks', 'thanks'],
    ['ok bye', 'goodbye'],
    ['my son was excluded today 😢 what can I do', 'exclusion'],
  ])('%j is not an acknowledgement (%s)', (text, expected) => {
    expect(label(text)).toBe(expected);
  });
});

describe('misspellings and shorthand', () => {
  it.each([
    ['wen must i apeal', 'appeal-deadline'],
    ['hlo, wen do i have 2 apeal by', 'appeal-deadline'],
    ['my dauter needs an ehc assesment how do i ask', 'ehc-needs-assessment'],
  ])('%j → %s', (text, topic) => {
    expect(label(text)).toBe(topic);
  });
});

describe('a young person\'s next step and their plan, which the documents do not cover', () => {
  it.each([
    "I'm 18 and starting an apprenticeship in September, do I keep my EHCP?",
    'if my daughter goes to university does her plan stop',
    'will he lose his ehcp when he gets a job',
  ])('%j says so and points to SENDIASS, out of scope', (text) => {
    const u = read(text);
    expect(replyOf(u)).toBe('plan-after-school');
    expect(labelOf(u)).toBe('out-of-scope');
    expect(replies.control('plan-after-school', 'derby', []).text).toMatch(/don't cover what happens to an EHC plan/);
  });

  it.each([
    ['the council says it will cease his plan now he has a job, can we appeal', 'appeal-what'],
  ])('a decision to stop the plan is still a decision that can be appealed: %j → %s', (text, topic) => {
    expect(label(text)).toBe(topic);
  });
});
