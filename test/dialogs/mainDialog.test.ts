import { describe, expect, it } from 'vitest';
import type { Activity } from 'botbuilder';
import { buttonsOf, core, testAdapter, textOf } from '../helpers/testBot';

const CHANNELS = ['webchat', 'msteams', 'sms'] as const;

/** Sends one message and returns every activity the bot sent back in that turn. */
async function turn(adapter: ReturnType<typeof testAdapter>, text: string): Promise<Partial<Activity>[]> {
  adapter.activeQueue.splice(0);
  await adapter.receiveActivity(text);
  return adapter.activeQueue.splice(0);
}

const allText = (replies: Partial<Activity>[]) => replies.map(textOf).join('\n');

describe.each(CHANNELS)('main dialog on %s', (channel) => {
  it('greets once, then answers a question with its source', async () => {
    const adapter = testAdapter(channel, 'derby');
    const first = await turn(adapter, 'How long do I have to appeal to the tribunal?');
    expect(first.length).toBeGreaterThanOrEqual(2);
    expect(textOf(first[0]!)).toMatch(/automated assistant|automated SEND assistant/i);
    const answer = allText(first.slice(1));
    expect(answer).toMatch(/two months|2 months/i);
    if (channel !== 'sms') expect(answer).toMatch(/Where this comes from/);

    const second = await turn(adapter, 'what is mediation?');
    expect(allText(second)).not.toMatch(/automated assistant/i);
    expect(allText(second)).toMatch(/mediat/i);
  });

  it('offers follow-ups that can be picked by number or words', async () => {
    const adapter = testAdapter(channel, 'derby');
    await turn(adapter, 'hello');
    const answer = await turn(adapter, 'How long do I have to appeal to the tribunal?');
    const topic = core().knowledge.topics.get('appeal-deadline')!;
    const firstFollowUp = core().knowledge.topics.get(topic.followUps[0]!)!;
    if (channel === 'sms') expect(allText(answer)).toMatch(/Reply 1/);
    else expect(buttonsOf(answer[answer.length - 1]!)).toContain(firstFollowUp.question);
    const picked = await turn(adapter, '1');
    const expected = core().replies.answer(firstFollowUp.id, 'derby');
    expect(allText(picked)).toContain(channel === 'sms' ? expected.sms.slice(0, 60) : expected.text.slice(0, 60));
  });

  it('puts safety first, whatever else the message asks', async () => {
    const adapter = testAdapter(channel, 'derby');
    await turn(adapter, 'hi');
    const replies = await turn(adapter, 'the council refused the assessment and my son says he wants to kill himself');
    const text = allText(replies);
    expect(text).toMatch(/999/);
    expect(text).toMatch(/0800 1111/);
    expect(text).toMatch(/116 123/);
    expect(text).not.toMatch(/ehc needs assessment/i);
  });

  it('says plainly when it cannot help, then offers SENDIASS after two unclear messages', async () => {
    const adapter = testAdapter(channel, 'derby');
    await turn(adapter, 'hello');
    const first = await turn(adapter, 'blorp fizzle wizzle');
    expect(allText(first)).toMatch(/not sure|did not understand/i);
    const second = await turn(adapter, 'zzzz qqqq');
    expect(allText(second)).toMatch(/01332 641414/);
  });

  it('does not greet twice when the first message is hello', async () => {
    const adapter = testAdapter(channel, 'derby');
    const replies = await turn(adapter, 'hello');
    expect(textOf(replies[0]!)).toMatch(/automated/i);
    // One hello only, and one list of choices to reply to.
    expect(allText(replies).match(/\bhello\b/gi)).toHaveLength(1);
    const lists = replies.filter((r) => (r.suggestedActions?.actions.length ?? 0) > 0 || /Reply 1/.test(textOf(r)));
    expect(lists).toHaveLength(1);
  });

  it('hands over the contact for a person when asked', async () => {
    const adapter = testAdapter(channel, 'milton-keynes');
    await turn(adapter, 'hello');
    const replies = await turn(adapter, 'can I speak to a real person please');
    expect(allText(replies)).toMatch(/01908 254518/);
  });

  it('is honest about things it cannot help with', async () => {
    const adapter = testAdapter(channel, 'worcestershire');
    await turn(adapter, 'hello');
    const replies = await turn(adapter, 'when are my bins collected?');
    expect(allText(replies)).toMatch(/can.?t help|cannot help|not able to help/i);
  });
});
