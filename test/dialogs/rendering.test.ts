import { describe, expect, it } from 'vitest';
import { ActionTypes } from 'botbuilder';
import { ADAPTIVE_CARD, fitSms, renderReply, smsText, speakText, type RenderableReply } from '../../src/bot/renderReply';
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
  it('on Web Chat: an Adaptive Card whose buttons send their labels, plus suggested actions', () => {
    const activity = renderReply(reply(answers, { choiceCard: true }), 'webchat');
    const [card] = cards(activity);
    expect(card!.version).toBe('1.2');
    expect(card!.actions).toEqual([
      { type: 'Action.Submit', title: 'Yes, work out my deadline', data: 'Yes, work out my deadline' },
      { type: 'Action.Submit', title: 'Not now', data: 'Not now' },
    ]);
    expect(card!.speak).toBe('Choose one: Yes, work out my deadline or Not now.');
    expect(card!.fallbackText).toBe('Choose one: 1. Yes, work out my deadline 2. Not now. You can also type your answer.');
    expect(activity.suggestedActions?.actions).toEqual([
      { type: ActionTypes.ImBack, title: 'Yes, work out my deadline', value: 'Yes, work out my deadline' },
      { type: ActionTypes.ImBack, title: 'Not now', value: 'Not now' },
    ]);
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
