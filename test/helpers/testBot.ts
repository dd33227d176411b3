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

/**
 * The buttons a person sees on an activity: its suggested actions, then the buttons of its cards
 * (Teams shows only three suggested actions, so longer lists come as a card there), each once.
 */
export function buttonsOf(activity: Partial<Activity>): string[] {
  const titles = (activity.suggestedActions?.actions ?? []).map((a) => String(a.title));
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const { type, title } = node as { type?: unknown; title?: unknown };
      if (type === 'Action.Submit' && typeof title === 'string') titles.push(title);
      Object.values(node).forEach(walk);
    }
  };
  walk((activity.attachments ?? []).map((a) => a.content));
  return [...new Set(titles)];
}
