import { MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { createAssistantBot } from '../../src/bot/createAssistantBot';
import type { Understander, Understanding } from '../../src/core/understanding/understand';
import { buttonsOf, core, textOf } from '../helpers/testBot';

/**
 * The clarifying question ("Which of these is closest?") and what follows it. The understanding of
 * a few made-up messages is scripted, so these cases test the dialog, whatever the knowledge's
 * patterns make of real sentences; everything else is the real bot.
 */
const clarify = (...ids: string[]): Understanding => ({
  kind: 'clarify',
  confidence: 0.4,
  candidates: ids.map((id, i) => ({ id, score: 3 - i, via: 'rules' as const })),
});
const SCRIPT: Record<string, Understanding> = {
  'first unclear question': clarify('sendiass', 'mediation'),
  'a new unclear question about something else': clarify('exclusion', 'complaint'),
  'more words about the same thing': clarify('mediation', 'sendiass'),
  'nothing recognisable': { kind: 'not-understood', confidence: 0 },
};

function scriptedBot(channelId: string): TestAdapter {
  const real = core().understander;
  const understander = Object.create(real) as Understander;
  understander.understand = (text: string) => SCRIPT[text] ?? real.understand(text);
  const bot = createAssistantBot({ core: { ...core(), understander }, storage: new MemoryStorage(), defaultTenant: 'generic' });
  return new TestAdapter((context) => bot.run(context), { channelId, channelData: { tenant: 'derby' } });
}

async function turn(adapter: TestAdapter, text: string): Promise<Partial<Activity>[]> {
  adapter.activeQueue.splice(0);
  await adapter.receiveActivity(text);
  return adapter.activeQueue.splice(0).filter((a) => a.type === 'message');
}

const title = (id: string) => core().knowledge.topics.get(id)!.title;
const shown = (replies: Partial<Activity>[], channel: string) =>
  channel === 'sms' ? replies.map(textOf).join('\n') : replies.flatMap(buttonsOf).join('\n');

describe.each(['webchat', 'sms'])('after a clarifying question, on %s', (channel) => {
  it.each([
    { what: 'a new question pointing elsewhere is asked about afresh', next: 'a new unclear question about something else', offered: ['exclusion', 'complaint'], retry: false },
    { what: 'more words about the same choices get the choices again', next: 'more words about the same thing', offered: ['sendiass', 'mediation'], retry: true },
    { what: 'nothing recognisable gets the choices again', next: 'nothing recognisable', offered: ['sendiass', 'mediation'], retry: true },
  ])('$what', async ({ next, offered, retry }) => {
    const adapter = scriptedBot(channel);
    await turn(adapter, 'hello');
    const first = await turn(adapter, 'first unclear question');
    for (const id of ['sendiass', 'mediation']) expect(shown(first, channel)).toContain(title(id));

    const replies = await turn(adapter, next);
    const text = replies.map(textOf).join('\n');
    expect(/Please (choose one of these|reply with a number)/.test(text)).toBe(retry);
    for (const id of offered) expect(shown(replies, channel)).toContain(title(id));
    // Picking from what is shown now answers that topic.
    const picked = await turn(adapter, '1');
    const answer = core().replies.answer(offered[0]!, 'derby');
    expect(picked.map(textOf).join('\n')).toContain((channel === 'sms' ? answer.sms : answer.text).slice(0, 40));
  });
});
