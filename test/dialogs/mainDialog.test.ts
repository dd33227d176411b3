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
    else expect(answer.flatMap(buttonsOf)).toContain(firstFollowUp.question);
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
    // Families get the crisis lines; staff in Teams their council's safeguarding procedure.
    expect(text).toMatch(/0800 1111/);
    // Staff in Teams are told to follow their council's safeguarding procedure.
    expect(/designated safeguarding lead/.test(text)).toBe(channel === 'msteams');
    expect(text).toMatch(/116 123/);
    // The urgent reply comes first; the assessment question is at most offered after it, not answered.
    expect(textOf(replies.find((r) => r.type === 'message')!)).toMatch(/999/);
    expect(text).not.toContain(core().replies.answer('ehc-needs-assessment', 'derby').text.slice(0, 40));
    expect(text).not.toContain(core().replies.answer('ehc-needs-assessment', 'derby').sms.slice(0, 40));
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
    const lists = replies.filter((r) => buttonsOf(r).length > 0 || /Reply 1/.test(textOf(r)));
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

/** What the welcome says, on any channel (the full form and the SMS form). */
const WELCOME = /automated assistant for|automated SEND assistant|I explain options if you disagree/i;
const FIRST_DISCLOSURES = [
  'my daughter 14 said shes going to kill herself tonight',
  'a pupil told me her stepdad hits her and she has bruises',
  'hello, the council refused the assessment and my son says he wants to die',
];

describe('a disclosure as the very first message', () => {
  it.each(CHANNELS.flatMap((channel) => FIRST_DISCLOSURES.map((text) => ({ channel, text }))))(
    'on $channel, urgent help comes first and no welcome is sent that turn: $text',
    async ({ channel, text }) => {
      const adapter = testAdapter(channel, 'derby');
      const replies = await turn(adapter, text);
      expect(textOf(replies[0]!)).toMatch(/999/);
      expect(allText(replies)).not.toMatch(WELCOME);
      // Still told plainly that this is not a person.
      expect(textOf(replies[0]!)).toMatch(/automated assistant/i);
      // Nor does the welcome arrive on the next message.
      expect(allText(await turn(adapter, 'what is mediation?'))).not.toMatch(WELCOME);
    },
  );

  it.each(CHANNELS)('on %s, a first message that is not a disclosure is still welcomed first', async (channel) => {
    const adapter = testAdapter(channel, 'derby');
    const replies = await turn(adapter, 'what is mediation?');
    expect(textOf(replies[0]!)).toMatch(WELCOME);
  });
});

describe('who the safeguarding reply is for', () => {
  it.each([
    { channel: 'msteams', staff: true },
    { channel: 'webchat', staff: false },
    { channel: 'sms', staff: false },
  ])('on $channel it speaks to staff: $staff', async ({ channel, staff }) => {
    const adapter = testAdapter(channel, 'derby');
    await turn(adapter, 'hello');
    const text = textOf((await turn(adapter, 'a year 9 pupil told me her stepdad hits her and she has bruises'))[0]!);
    expect(text).toMatch(/999/);
    // Staff follow their council's procedure and are told that telling the assistant is not a referral.
    expect(/designated safeguarding lead/i.test(text)).toBe(staff);
    expect(/Derby City Council's safeguarding procedure/.test(text)).toBe(staff);
    expect(/not a referral/i.test(text)).toBe(staff);
    // Words for a worried family are not said to staff; the helplines are, for both.
    if (staff) expect(text).not.toMatch(/free and confidential|Your safety, and the child's/i);
    expect(text).toMatch(/0800 1111/);
    expect(text).toMatch(/116 123/);
  });
});

describe.each(CHANNELS)('a number that is none of the choices, on %s', (channel) => {
  it('shows the same choices again, and does not count as not understood', async () => {
    const adapter = testAdapter(channel, 'derby');
    const welcome = await turn(adapter, 'hi');
    const offered = channel === 'sms' ? allText(welcome).match(/^\d /gm)?.length ?? 0 : welcome.flatMap(buttonsOf).length;
    expect(offered).toBeGreaterThan(1);
    for (const slip of ['9', '12', 'option 9']) {
      const out = await turn(adapter, slip);
      const text = allText(out);
      expect(text).toMatch(channel === 'sms' ? new RegExp(`reply with a number from 1 to ${offered}`) : new RegExp(`1 to ${offered}`));
      expect(text).not.toMatch(/not sure what you're asking|did not understand|adviser|a person can help/i);
      if (channel !== 'sms') expect(out.flatMap(buttonsOf)).toHaveLength(offered);
    }
    // The choices still work afterwards.
    const picked = await turn(adapter, '1');
    expect(allText(picked)).not.toMatch(/1 to \d/);
  });
});

describe.each(CHANNELS)('a short follow-up that leans on the answer just given, on %s', (channel) => {
  const answerOf = (topicId: string) => {
    const reply = core().replies.answer(topicId, 'derby');
    return (channel === 'sms' ? reply.sms : reply.text).slice(0, 50);
  };

  it.each([
    ['What is SENDIASS?', 'sendiass', 'are they independent?'],
    ['How long do I have to appeal to the tribunal?', 'appeal-deadline', 'what if we missed it'],
  ])('after %j, %j is read with that topic', async (first, topicId, followUp) => {
    const adapter = testAdapter(channel, 'derby');
    expect(allText(await turn(adapter, first))).toContain(answerOf(topicId));
    const out = await turn(adapter, followUp);
    expect(allText(out)).toContain(answerOf(topicId));
    expect(allText(out)).not.toMatch(/not sure what you're asking|did not understand/i);
  });

  it('context never makes an unrelated message into the last topic', async () => {
    const adapter = testAdapter(channel, 'derby');
    await turn(adapter, 'What is SENDIASS?');
    const out = await turn(adapter, 'is it going to rain at the weekend');
    expect(allText(out)).not.toContain(answerOf('sendiass'));
  });

  it('without an answer before it, the same follow-up is not understood', async () => {
    const adapter = testAdapter(channel, 'derby');
    await turn(adapter, 'hello');
    const out = await turn(adapter, 'are they independent?');
    expect(allText(out)).not.toContain(answerOf('sendiass'));
  });
});

describe.each(['webchat', 'sms'] as const)('a young person disclosing a risk about themselves, on %s', (channel) => {
  it.each([
    ["i'm 14 and my stepdad hits me when I get detentions", true],
    ['my 14 year old says her stepdad hits her', false],
  ])('%j → spoken to as a young person: %s', async (text, young) => {
    const adapter = testAdapter(channel, 'derby');
    const out = allText(await turn(adapter, text));
    expect(out).toMatch(/999/);
    expect(/under.?19/i.test(out)).toBe(young);
  });
});

describe.each(CHANNELS)('messages the assistant must not answer from its knowledge, on %s', (channel) => {
  it.each([
    { message: 'whats the number for worcestershire sendiass', reply: /I can only give details for Derby City Council/, not: /01905/ },
    { message: 'we live in wales, council refused ALN assessment, how long to appeal', reply: /only (help with|cover) the rules for England/, not: /Your appeal deadline|Which decision are you appealing|2 months/ },
    { message: 'can a foster carer appeal to the send tribunal', reply: /who counts as a parent/, not: /Young people aged 16 to 25 can appeal for themselves: a parent/ },
  ])('"$message" says why, and guesses nothing', async ({ message, reply, not }) => {
    const adapter = testAdapter(channel, 'derby');
    await turn(adapter, 'hello');
    const text = allText(await turn(adapter, message));
    expect(text).toMatch(reply);
    expect(text).not.toMatch(not);
  });

  it('"ok", "..." and a thumbs-up are answered, and never bring an unasked-for adviser', async () => {
    const adapter = testAdapter(channel, 'derby');
    await turn(adapter, 'hello');
    for (const message of ['ok', '...', '👍', '?']) {
      const text = allText(await turn(adapter, message));
      expect(text).toMatch(/^OK\. Is there anything else|I'm here when you're ready/);
      expect(text).not.toMatch(/adviser|call-back|not sure what you're asking|did not understand/i);
    }
  });
});
