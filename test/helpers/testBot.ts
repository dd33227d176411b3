import { MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import { createAssistantBot } from '../../src/bot/createAssistantBot';
import { createAssistantCore, type AssistantCore } from '../../src/core/assistant';

let sharedCore: AssistantCore | undefined;

/** The real knowledge base, loaded once per test file. */
export function core(): AssistantCore {
  sharedCore ??= createAssistantCore();
  return sharedCore;
}

/** A TestAdapter running the real bot, on the given channel and council. */
export function testAdapter(channelId: string, tenant = 'derby'): TestAdapter {
  const bot = createAssistantBot({ core: core(), storage: new MemoryStorage(), defaultTenant: 'generic' });
  const template: Partial<Activity> = { channelId, channelData: { tenant } };
  return new TestAdapter((context) => bot.run(context), template);
}

export function textOf(activity: Partial<Activity>): string {
  return activity.text ?? '';
}

export function buttonsOf(activity: Partial<Activity>): string[] {
  return (activity.suggestedActions?.actions ?? []).map((a) => String(a.title));
}
