import { describe, expect, it } from 'vitest';
import { ActionTypes } from 'botbuilder';
import { ADAPTIVE_CARD, fitSms, renderReply, separateLists, smsText, speakText, type RenderableReply } from '../../src/bot/renderReply';
import { segmentCount } from '../../src/channels/sms/segments';
import type { Choice } from '../../src/core/replies';
import { FlowEngine } from '../../src/core/flows/engine';
import { withDeadlineChoice } from '../../dialogs/deadlineDialog';
import { core } from '../helpers/testBot';

/** One description of a message (the Reply), shown the right way on each channel. */

const reply = (choices: Choice[], extra: Partial<RenderableReply> = {}): RenderableReply => ({
  text: 'You can appeal.\n\n**First**, get mediation advice.\n- one\n- two\n\nShall I work out your deadline?',
  sms: 'You can appeal. Work out your deadline?',
  choices,
  sources: ['A leaflet, "Appeals"'],
  ...extra,
});
const answers: Choice[] = [
  { label: 'Yes, work out my deadline', short: 'Work out my deadline', action: { kind: 'reply' } },
  { label: 'Not now', action: { kind: 'reply' } },
];
const feedback = core().replies.feedbackChoices();
type Card = { version: string; speak: string; fallbackText: string; body: Array<{ text: string }>; actions: Array<{ type: string; title: string; data: unknown }> };
const cards = (activity: ReturnType<typeof renderReply>) =>
  (activity.attachments ?? []).filter((a) => a.contentType === ADAPTIVE_CARD).map((a) => a.content as Card);

describe('a question answered by choosing (a flow step)', () => {
  it('on Web Chat: an Adaptive Card whose buttons send their labels, and no suggested actions repeating them', () => {
    const activity = renderReply(reply(answers, { choiceCard: true }), 'webchat');
    const [card] = cards(activity);
    expect(card!.version).toBe('1.2');
    expect(card!.actions).toEqual([
      { type: 'Action.Submit', title: 'Yes, work out my deadline', data: 'Yes, work out my deadline' },
      { type: 'Action.Submit', title: 'Not now', data: 'Not now' },
    ]);
    expect(card!.speak).toBe('Choose one: Yes, work out my deadline or Not now.');
    expect(card!.fallbackText).toBe('Choose one: 1. Yes, work out my deadline 2. Not now. You can also type your answer.');
    expect(activity.suggestedActions).toBeUndefined();
    expect(activity.text).toMatch(/Where this comes from/);
  });

  it('on Teams: the card only, with Teams imBack buttons', () => {
    const activity = renderReply(reply(answers, { choiceCard: true }), 'msteams');
    const [card] = cards(activity);
    expect(card!.actions.map((a) => a.data)).toEqual([
      { msteams: { type: 'imBack', value: 'Yes, work out my deadline' } },
      { msteams: { type: 'imBack', value: 'Not now' } },
    ]);
    expect(activity.suggestedActions).toBeUndefined();
  });

  it('on SMS: plain numbered options', () => {
    const activity = renderReply(reply(answers, { choiceCard: true }), 'sms');
    expect(activity.text).toBe('You can appeal. Work out your deadline?\n1 Work out my deadline\n2 Not now\nReply 1 or 2');
    expect(activity.attachments).toBeUndefined();
    expect(activity.textFormat).toBe('plain');
  });

  it('is read aloud without markdown or sources, with its choices', () => {
    expect(speakText(reply(answers, { choiceCard: true }))).toBe(
      'You can appeal. First, get mediation advice. one. two. Shall I work out your deadline? Choose Yes, work out my deadline or Not now.',
    );
  });
});

describe('an answer with follow-ups and "Did this help?"', () => {
  const followUps = [core().replies.topicChoice('appeal-how'), core().replies.topicChoice('mediation')];

  it('on Web Chat and Teams: follow-ups as suggested actions, "Did this help?" as a small card', () => {
    for (const channel of ['webchat', 'msteams']) {
      const activity = renderReply(reply([...followUps, ...feedback]), channel);
      expect(activity.suggestedActions?.actions.map((a) => a.title)).toEqual(followUps.map((c) => c.label));
      const found = cards(activity);
      expect(found).toHaveLength(1);
      expect(found[0]!.body[0]!.text).toBe('Did this help?');
      expect(found[0]!.actions.map((a) => a.title)).toEqual(['Yes', 'No']);
      expect(activity.speak).toMatch(/Did this help\? Yes or no\.$/);
    }
  });

  it('on SMS: numbered on, with a numbered yes and no (never the word YES alone)', () => {
    expect(smsText(reply([...followUps, ...feedback]))).toBe(
      'You can appeal. Work out your deadline?\n1 How to appeal to the Tribunal\n2 What mediation is\nDid this help? 3 Yes 4 No\nReply 1, 2, 3 or 4',
    );
  });

  it('an answer without a card is shown as before', () => {
    const activity = renderReply(reply(followUps), 'webchat');
    expect(activity.attachments).toBeUndefined();
    expect(activity.suggestedActions?.actions).toHaveLength(2);
  });
});

describe('fitting an SMS into three segments', () => {
  const long = 'x'.repeat(350);
  const topic = (n: number): Choice => ({ label: `Topic ${n} with a longer title`, action: { kind: 'topic', topicId: `t${n}` } });
  const person: Choice = { label: 'Talk to a person', action: { kind: 'person' } };
  const deadline: Choice = { label: 'Work out my deadline', action: { kind: 'deadline' } };

  it('drops "Did this help?" first, then follow-ups from the end; never the text, a person, the deadline or an answer', () => {
    const fitted = fitSms(reply([topic(1), topic(2), deadline, person, ...feedback], { sms: long }));
    expect(segmentCount(smsText(fitted))).toBeLessThanOrEqual(3);
    expect(fitted.choices.map((c) => c.label)).toEqual(['Topic 1 with a longer title', 'Work out my deadline', 'Talk to a person']);
    expect(fitted.sms).toBe(long);
  });

  it('leaves a reply that fits alone', () => {
    const short = reply([topic(1), ...feedback]);
    expect(fitSms(short)).toBe(short);
  });

  it('keeps the answers to a question even when too long (the content tests stop that)', () => {
    const fitted = fitSms(reply(answers, { sms: 'y'.repeat(500) }));
    expect(fitted.choices).toHaveLength(2);
  });
});

describe('every answer, as the main dialog sends it, fits three SMS segments for every council', () => {
  const { knowledge, replies } = core();
  const engine = new FlowEngine(replies);
  it.each([...knowledge.tenants.keys()])('%s', (tenant) => {
    for (const topicId of knowledge.topics.keys()) {
      let answer = withDeadlineChoice(replies.answer(topicId, tenant), topicId);
      const offer = engine.offerFor(topicId);
      if (offer) answer = { ...answer, choices: [...answer.choices, offer] };
      const fitted = fitSms({ ...answer, choices: [...answer.choices, ...feedback] });
      const sms = smsText(fitted);
      expect(segmentCount(sms), sms).toBeLessThanOrEqual(3);
      // Follow-ups give way before the text: at least one is always left.
      expect(fitted.choices.filter((c) => c.action.kind !== 'feedback').length, topicId).toBeGreaterThan(0);
    }
  });
});

describe('on Teams, which shows only the first three suggested actions', () => {
  const label = (n: number) => `Choice number ${n}`;
  const choices = (n: number, last: Choice = { label: 'Talk to a person', action: { kind: 'person' } }): Choice[] => [
    ...Array.from({ length: n - 1 }, (_, i): Choice => ({ label: label(i + 1), action: { kind: 'topic', topicId: `t${i}` } })),
    last,
  ];
  const long: Choice = { label: 'Getting a mediation certificate after saying no to mediation', action: { kind: 'deadline' } };
  /** Every button on the cards other than "Did this help?", in order, as [title, data] (a row's selectAction repeats its button). */
  const buttons = (activity: ReturnType<typeof renderReply>) => {
    const found: Array<[string, unknown]> = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        if (record.type === 'Action.Submit') found.push([String(record.title), record.data]);
        for (const [key, value] of Object.entries(record)) {
          if (key !== 'selectAction') walk(value);
          else {
            const title = String((value as { title?: unknown }).title);
            expect(value).toEqual({ type: 'Action.Submit', title, data: { msteams: { type: 'imBack', value: title } } });
          }
        }
      }
    };
    cards(activity).filter((c) => c.body[0]?.text !== 'Did this help?').forEach(walk);
    return found;
  };
  const teamsButton = (title: string): [string, unknown] => [title, { msteams: { type: 'imBack', value: title } }];

  it.each([
    { name: '2 follow-ups: suggested actions, as before', reply: reply(choices(2)), suggested: 2, card: false },
    { name: '3 follow-ups: suggested actions, as before', reply: reply(choices(3)), suggested: 3, card: false },
    { name: '4 follow-ups: a card with all four, no suggested actions', reply: reply(choices(4)), suggested: 0, card: true },
    { name: '7 answers to a question: a card with all seven', reply: reply(choices(7), { choiceCard: true }), suggested: 0, card: true },
    { name: '5 choices, one too long for a button: a card with all five', reply: reply([...choices(4), long]), suggested: 0, card: true },
  ])('$name', ({ reply: r, suggested, card }) => {
    const activity = renderReply({ ...r, choices: [...r.choices, ...feedback] }, 'msteams');
    const options = r.choices.map((c) => c.label);
    expect(activity.suggestedActions?.actions.length ?? 0).toBe(suggested);
    if (card) expect(buttons(activity).filter(([title]) => options.includes(title)).map(([title]) => title)).toEqual(options);
    for (const [title, data] of buttons(activity)) expect([title, data]).toEqual(teamsButton(title));
    // "Did this help?" keeps its own card.
    expect(cards(activity).filter((c) => c.body[0]?.text === 'Did this help?')).toHaveLength(1);
  });

  it('puts more than six choices one to a row, so no set of buttons is past Teams\' six', () => {
    const [card] = cards(renderReply(reply(choices(7), { choiceCard: true }), 'msteams'));
    const sets = JSON.stringify(card).match(/"type":"ActionSet","actions":\[[^\]]*\]/g) ?? [];
    expect(sets).toHaveLength(7);
    expect((card as unknown as { actions?: unknown[] }).actions).toBeUndefined();
    expect(card!.fallbackText).toContain('7. Talk to a person');
  });

  it('writes a long label out in full, wrapped, above its button', () => {
    const [card] = cards(renderReply(reply([...choices(4), long]), 'msteams'));
    expect(JSON.stringify(card)).toContain(JSON.stringify({ type: 'TextBlock', text: long.label, wrap: true }));
  });

  it('keeps Web Chat as it was: suggested actions for every choice, no card for follow-ups', () => {
    const activity = renderReply(reply([...choices(7), long]), 'webchat');
    expect(activity.suggestedActions?.actions.map((a) => a.value)).toEqual([...choices(7), long].map((c) => c.label));
    expect(cards(activity)).toHaveLength(0);
  });
});

describe('a reply offering a file', () => {
  const file = { name: 'appeal-deadline-2026-03-02.ics', contentType: 'text/calendar', content: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' };
  const offer: RenderableReply = { text: 'You can save this date in your calendar. Open the file below to add it.', sms: 'x', choices: [], sources: [], files: [file] };

  it.each([
    ['webchat', 'message', 1],
    ['directline', 'message', 1],
    ['msteams', 'trace', 0],
  ] as const)('on %s: a %s with %i file attachments', (channel, type, count) => {
    const activity = renderReply(offer, channel);
    expect(activity.type).toBe(type);
    expect((activity.attachments ?? []).filter((a) => a.contentType === 'text/calendar')).toHaveLength(count);
    if (type === 'trace') expect(activity.text).toBeUndefined();
    else expect(activity.attachments![0]!.contentUrl).toMatch(/^data:text\/calendar;charset=utf-8;base64,/);
  });
});

describe('text after a list stays out of the last bullet (markdown lazy continuation) on Web Chat', () => {
  it.each([
    {
      name: 'a paragraph straight after a list gets a blank line before it',
      text: '- Act early.\n- The Tribunal must receive your appeal by 5pm on the last day.\nIf you have missed the deadline, ask the Tribunal.\nFor help, contact SENDIASS on 01332 641414.',
      shown: '- Act early.\n- The Tribunal must receive your appeal by 5pm on the last day.\n\nIf you have missed the deadline, ask the Tribunal.\nFor help, contact SENDIASS on 01332 641414.',
    },
    {
      name: 'a list straight after a paragraph, then a heading line, then another list',
      text: 'The time limits are strict.\n- one\n- two\nFree help:\n- three\nTake care with paid advocates.',
      shown: 'The time limits are strict.\n- one\n- two\n\nFree help:\n- three\n\nTake care with paid advocates.',
    },
    { name: 'numbered lists too', text: '1. first\n2) second\nAfter.', shown: '1. first\n2) second\n\nAfter.' },
    { name: 'a list already followed by a blank line is left alone', text: '- one\n\nAfter.', shown: '- one\n\nAfter.' },
    { name: 'a line indented under an item stays in it', text: '- one\n  more about one\n- two', shown: '- one\n  more about one\n- two' },
    { name: 'a nested list stays in its item', text: '- one\n  - one a\nAfter.', shown: '- one\n  - one a\n\nAfter.' },
    { name: 'text without lists is unchanged', text: 'One.\nTwo.\n\nThree - and four.', shown: 'One.\nTwo.\n\nThree - and four.' },
    { name: 'a line starting with a hyphen word is not a list', text: '- one\n-not a bullet', shown: '- one\n\n-not a bullet' },
  ])('$name', ({ text, shown }) => {
    expect(separateLists(text)).toBe(shown);
    const activity = renderReply({ text, sms: 'x', choices: [], sources: [] }, 'webchat');
    expect(activity.text).toBe(shown);
  });

  it('keeps the sources list under its heading, after the separated text', () => {
    const activity = renderReply({ text: '- by 5pm.\nCall us.', sms: 'x', choices: [], sources: ['A leaflet'] }, 'directline');
    expect(activity.text).toBe('- by 5pm.\n\nCall us.\n\n**Where this comes from**\n\n- A leaflet');
  });

  it.each([
    ['msteams', '- by 5pm.\nCall us.'],
    ['sms', 'short'],
  ])('leaves %s as it was', (channel, shown) => {
    expect(renderReply({ text: '- by 5pm.\nCall us.', sms: 'short', choices: [], sources: [] }, channel).text).toBe(shown);
  });

  it('is read aloud the same as before', () => {
    const r: RenderableReply = { text: '- by 5pm.\nCall us.', sms: 'x', choices: [], sources: [] };
    expect(renderReply(r, 'webchat').speak).toBe('by 5pm. Call us.');
  });
});

describe('where an answer comes from, on SMS', () => {
  const answer = (topicId: string) => core().replies.answer(topicId, 'derby');

  it.each([
    { topicId: 'appeal-how', source: /\nSource: SEND Code of Practice 11\.\d+/ },
    { topicId: 'mediation', source: /\nSource: SEND Code of Practice 11\.\d+/ },
  ])('$topicId: the answer, then its source in a few words, then the follow-ups', ({ topicId, source }) => {
    const text = renderReply(fitSms(answer(topicId)), 'sms').text!;
    expect(text).toMatch(source);
    expect(text.indexOf('Source:')).toBeGreaterThan(answer(topicId).sms.length - 1);
    expect(text).toMatch(/\n1 /);
    expect(segmentCount(text)).toBeLessThanOrEqual(3);
  });

  it('gives way first when the answer and its choices fill the message', () => {
    // The longest answer whose choices fit without the source line, but not with it.
    const withLength = (n: number): RenderableReply => ({ ...answer('appeal-how'), sms: 'x'.repeat(n) });
    let n = 200;
    while (segmentCount(smsText({ ...withLength(n + 1), smsSource: undefined })) <= 3) n += 1;
    const long = withLength(n);
    expect(segmentCount(smsText(long))).toBeGreaterThan(3);
    const fitted = fitSms(long);
    expect(fitted.smsSource).toBeUndefined();
    expect(fitted.choices).toEqual(long.choices);
    expect(smsText(fitted)).not.toMatch(/Source:/);
  });

  it.each([
    { tenant: 'derby', publisher: 'Source: Derby SEND Information, Advice and Support Service' },
    { tenant: 'milton-keynes', publisher: /^Source: Milton Keynes/ },
  ])('the council\'s own document when there is no Code paragraph ($tenant)', ({ tenant, publisher }) => {
    expect(core().replies.answer('sendiass', tenant).smsSource).toMatch(publisher);
  });
});
