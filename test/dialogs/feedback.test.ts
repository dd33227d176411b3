import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActivityTypes, MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import { MemoryFeedbackSink, type FeedbackSink } from '../../dialogs/services';
import { createStore, type Store } from '../../src/store/store';
import { createAssistantBot } from '../../src/bot/createAssistantBot';
import { smsText } from '../../src/bot/renderReply';
import { segmentCount } from '../../src/channels/sms/segments';
import { loadKnowledge } from '../../src/core/knowledge/load';
import { ReplyComposer } from '../../src/core/replies';
import { buttonsOf, core, textOf } from '../helpers/testBot';
import { allText, cardButtons, chat, last } from './flowHarness';

const CHANNELS = ['webchat', 'msteams', 'sms'] as const;

/** Was "Did this help?" asked in this turn? */
function askedFeedback(channel: string, out: Partial<Activity>[]): boolean {
  if (channel === 'sms') return /Did this help\?/.test(allText(out));
  return out.some((a) => cardButtons(a, 'Did this help?').length > 0);
}

/** How to answer yes or no on this channel: the number on SMS (YES is an SMS provider keyword), the button elsewhere. */
function answer(channel: string, out: Partial<Activity>[], helpful: boolean): string {
  if (channel !== 'sms') return helpful ? 'Yes' : 'No';
  const match = /Did this help\? (\d) Yes (\d) No/.exec(textOf(last(out)));
  if (!match) throw new Error(`no feedback question in: ${allText(out)}`);
  return helpful ? match[1]! : match[2]!;
}

describe.each(CHANNELS)('"Did this help?" on %s', (channel) => {
  it('is asked after an answer, and a yes is kept with the topic', async () => {
    const c = chat(channel);
    const out = await c.send('What is disagreement resolution?');
    expect(allText(out)).toMatch(/Disagreement resolution/);
    expect(askedFeedback(channel, out)).toBe(true);
    const thanks = await c.send(answer(channel, out, true));
    expect(allText(thanks)).toMatch(/glad it helped/);
    expect(c.sink.feedback).toEqual([{ conversationId: expect.any(String), topicId: 'disagreement-resolution', helpful: true }]);
  });

  it('a no offers a person, and words after it are kept, redacted', async () => {
    const c = chat(channel);
    await c.send('What is disagreement resolution?');
    const out = await c.send('no, it was too long. My son Jaden needs the short version, call 07700 900123');
    expect(allText(out)).toMatch(/[Ss]orry it didn't help/);
    expect(allText(out)).toMatch(/01332 641414/);
    expect(c.sink.feedback).toHaveLength(1);
    expect(c.sink.feedback[0]).toMatchObject({ topicId: 'disagreement-resolution', helpful: false });
    expect(c.sink.feedback[0]!.comment).toBe('it was too long. My son [name] needs the short version, call [phone]');
  });

  it('is not asked after every answer: once per topic, and once in a few answers', async () => {
    const c = chat(channel);
    const asked: boolean[] = [];
    for (const question of [
      'What is disagreement resolution?', 'What is SENDIASS?', 'What is the Local Offer?',
      'What is the SEND Code of Practice?', 'What is disagreement resolution?', 'Where can I find national organisations that help?',
    ]) asked.push(askedFeedback(channel, await c.send(question)));
    expect(asked[0]).toBe(true);
    expect(asked.slice(1, 3)).toEqual([false, false]);
    expect(asked[4]).toBe(false); // the same topic again
    expect(asked.filter(Boolean).length).toBeLessThanOrEqual(2);
  });

  it('is never asked after safeguarding', async () => {
    const c = chat(channel);
    const urgent = await c.send('my daughter says she wants to kill herself and the council refused to assess');
    expect(allText(urgent)).toMatch(/999/);
    expect(askedFeedback(channel, urgent)).toBe(false);
    for (const question of ['What is disagreement resolution?', 'What is SENDIASS?', 'What is the Local Offer?', 'What is mediation?']) {
      expect(askedFeedback(channel, await c.send(question))).toBe(false);
    }
  });

  it('waits for one message only: a new question is answered, and nothing is kept', async () => {
    const c = chat(channel);
    await c.send('What is disagreement resolution?');
    const out = await c.send('What is SENDIASS?');
    expect(allText(out)).toMatch(/SEND Information, Advice and Support Service/);
    const later = await c.send('yes');
    expect(allText(later)).not.toMatch(/glad it helped/);
    expect(c.sink.feedback).toEqual([]);
  });

  it("is asked after a flow's ending, and kept with the flow and ending", async () => {
    const c = chat(channel);
    await c.send('I want to complain');
    await c.send(channel === 'sms' ? '3' : 'The council');
    const ending = await c.send(channel === 'sms' ? '1' : 'Not yet');
    expect(askedFeedback(channel, ending)).toBe(true);
    await c.send(answer(channel, ending, false));
    expect(c.sink.feedback).toEqual([{ conversationId: expect.any(String), topicId: 'flow:complaint/before-you-send', helpful: false }]);
  });
});

describe.each(CHANNELS)('questions it could not answer, on %s', (channel) => {
  it('keeps a message it did not understand, redacted, with the council and channel', async () => {
    const c = chat(channel, { tenant: 'milton-keynes' });
    await c.send('blorp fizzle for my son Jaden, ring 07700 900123');
    expect(c.sink.unanswered).toEqual([{ tenant: 'milton-keynes', channel, text: 'blorp fizzle for my son [name], ring [phone]' }]);
  });

  it('keeps an out-of-scope question about SEND, but not one about bins', async () => {
    const c = chat(channel);
    await c.send('Can my son get free school transport?');
    await c.send('When is my bin collection?');
    expect(c.sink.unanswered.map((u) => u.text)).toEqual(['Can my son get free school transport?']);
  });

  it('keeps a question whose clarifying question ended unclear', async () => {
    const c = chat(channel);
    const asked = await c.send('mediation appeal');
    expect(allText(asked)).toMatch(/closest/);
    await c.send('blorp');
    const out = await c.send('zzzz');
    expect(allText(out)).toMatch(/not sure|did not understand|01332 641414/i);
    expect(c.sink.unanswered.map((u) => u.text)).toContain('mediation appeal');
  });

  it('keeps nothing it answered', async () => {
    const c = chat(channel);
    await c.send('How long do I have to appeal to the tribunal?');
    await c.send('I want to complain');
    expect(c.sink.unanswered).toEqual([]);
  });
});

describe('the project\'s Store as the FeedbackSink', () => {
  // A type check as much as a test: the lead developer passes the store itself.
  const asSink = (store: Store): FeedbackSink => store;

  it('keeps feedback and unanswered questions in SQLite', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'feedback-store-'));
    const store = await createStore({ dataDir: dir });
    try {
      const c = chat('sms', { tenant: 'worcestershire', sink: asSink(store) as MemoryFeedbackSink });
      const out = await c.send('What is disagreement resolution?');
      await c.send(answer('sms', out, true));
      await c.send('Is there a SEND youth club near me? Email me at a.parent@example.com');
      const feedback = await store.listFeedback({ topicId: 'disagreement-resolution' });
      expect(feedback).toMatchObject([{ topicId: 'disagreement-resolution', helpful: true }]);
      const unanswered = await store.listUnanswered({ tenant: 'worcestershire' });
      expect(unanswered.map((u) => [u.channel, u.text])).toEqual([['sms', 'Is there a SEND youth club near me? Email me at [email]']]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a sink that fails', () => {
  it('never breaks the conversation', async () => {
    const failing = {
      addFeedback: async () => { throw new Error('database down'); },
      addUnanswered: async () => { throw new Error('database down'); },
    };
    const c = chat('webchat', { sink: failing as unknown as MemoryFeedbackSink });
    const out = await c.send('What is disagreement resolution?');
    expect(allText(out)).toMatch(/Disagreement resolution/);
    expect(allText(await c.send('Yes'))).toMatch(/glad it helped/);
    expect(allText(await c.send('blorp fizzle'))).toMatch(/not sure|did not understand/i);
  });
});

describe('the welcome', () => {
  function bot(channel: string, tenant: string) {
    const assistant = createAssistantBot({ core: core(), storage: new MemoryStorage(), defaultTenant: 'generic' });
    return new TestAdapter((context) => assistant.run(context), { channelId: channel, channelData: { tenant } });
  }

  it.each(['webchat', 'msteams'])('greets once when the conversation starts on %s, naming the council', async (channel) => {
    const adapter = bot(channel, 'worcestershire');
    await adapter.receiveActivity({
      type: ActivityTypes.ConversationUpdate,
      membersAdded: [{ id: 'user1', name: 'User' }],
      recipient: { id: 'bot', name: 'Bot' },
    });
    const welcome = adapter.activeQueue.splice(0);
    expect(welcome).toHaveLength(1);
    const text = textOf(welcome[0]!);
    expect(text).toMatch(/automated assistant for Worcestershire County Council's SEND service/);
    expect(text).toMatch(/I'm not a person/);
    expect(text).toMatch(/can't give legal advice/);
    expect(text).toMatch(/Please don't type names or contact details/);
    expect(welcome[0]!.speak).toMatch(/not a person/);
    expect(buttonsOf(welcome[0]!)[0]).toBe('Help me work out what to do');
    await adapter.receiveActivity({ type: ActivityTypes.Message, text: 'What is mediation?' });
    expect(allText(adapter.activeQueue.splice(0))).not.toMatch(/automated assistant/);
  });

  it('greets with the first text on SMS, in at most three segments, with numbered starters', async () => {
    for (const tenant of [...core().knowledge.tenants.keys()]) {
      const adapter = bot('sms', tenant);
      await adapter.receiveActivity({ type: ActivityTypes.Message, text: 'hi' });
      const sent = adapter.activeQueue.splice(0);
      expect(textOf(sent[0]!)).toMatch(/automated SEND assistant, not a person/);
      // Each SMS within three segments; the starters come once, numbered, in the last one.
      for (const sms of sent) {
        expect(segmentCount(textOf(sms)), textOf(sms)).toBeLessThanOrEqual(3);
        expect(textOf(sms)).not.toMatch(/\b(reply|text) (yes|stop|help|cancel|start|end|quit|info)\b/i);
      }
      expect(textOf(sent[sent.length - 1]!)).toMatch(/1 Help me work out what to do/);
      expect(sent.filter((sms) => /^1 /m.test(textOf(sms)))).toHaveLength(1);
    }
  });

  it('has a privacy line with the council\'s privacy notice when it has one', () => {
    const knowledge = loadKnowledge();
    const derby = knowledge.tenants.get('derby')!;
    knowledge.tenants.set('derby', { ...derby, privacyNoticeUrl: 'https://www.derby.gov.uk/privacy/send-assistant' });
    const replies = new ReplyComposer(knowledge);
    const welcome = replies.welcome('derby');
    expect(welcome.text).toContain('How we use your information: https://www.derby.gov.uk/privacy/send-assistant');
    expect(welcome.sms).toContain('Privacy: https://www.derby.gov.uk/privacy/send-assistant');
    expect(segmentCount(smsText(welcome))).toBeLessThanOrEqual(3);
    expect(new ReplyComposer(loadKnowledge()).welcome('derby').text).not.toMatch(/How we use your information/);
  });
});
