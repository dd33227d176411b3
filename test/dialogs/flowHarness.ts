import { ActivityTypes, MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import { MemoryFeedbackSink, type FeedbackSink } from '../../dialogs/services';
import { createAssistantBot } from '../../src/bot/createAssistantBot';
import { buttonsOf, core, textOf } from '../helpers/testBot';

/**
 * The real bot on a TestAdapter, as test/helpers/testBot.ts builds it, plus a FeedbackSink the test
 * can read, and a fixed "today" (the activity timestamp) for the deadline conversation.
 */
export interface Chat {
  channel: string;
  sink: MemoryFeedbackSink;
  /** Every message so far, the person's and the bot's, in order. */
  transcript: Array<{ from: 'user' | 'bot'; text: string; activity?: Partial<Activity> }>;
  /** Sends one message; returns the bot's activities in that turn. */
  send(text: string): Promise<Partial<Activity>[]>;
}

export function chat(channel: string, options: { tenant?: string; today?: string; sink?: FeedbackSink } = {}): Chat {
  const sink = (options.sink as MemoryFeedbackSink | undefined) ?? new MemoryFeedbackSink();
  const bot = createAssistantBot({ core: core(), storage: new MemoryStorage(), defaultTenant: 'generic', feedback: sink });
  const adapter = new TestAdapter((context) => bot.run(context), { channelId: channel, channelData: { tenant: options.tenant ?? 'derby' } });
  const timestamp = new Date(`${options.today ?? '2026-02-10'}T12:00:00Z`);
  const transcript: Chat['transcript'] = [];
  return {
    channel,
    sink,
    transcript,
    async send(text: string) {
      adapter.activeQueue.splice(0);
      await adapter.receiveActivity({ type: ActivityTypes.Message, text, timestamp });
      const out = adapter.activeQueue.splice(0);
      transcript.push({ from: 'user', text });
      for (const activity of out) transcript.push({ from: 'bot', text: textOf(activity), activity });
      return out;
    },
  };
}

export const allText = (activities: Partial<Activity>[]) => activities.map(textOf).join('\n');
export const last = (activities: Partial<Activity>[]) => activities[activities.length - 1]!;

/** The labels of the Adaptive Card buttons in these activities (Web Chat and Teams). */
export function cardButtons(activity: Partial<Activity>, heading?: string): string[] {
  return (activity.attachments ?? [])
    .filter((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')
    .map((a) => a.content as { body: Array<{ text: string }> })
    .filter((card) => heading === undefined || card.body[0]?.text === heading)
    .flatMap((card) => buttonsOf({ attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }] }));
}
