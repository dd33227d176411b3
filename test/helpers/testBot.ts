import { ConversationState, MemoryStorage, UserState, type Activity } from 'botbuilder';
import { TestAdapter } from 'botbuilder';
import { MainDialog } from '../../dialogs/mainDialog';
import { AssistantBot } from '../../src/bot/assistantBot';
import type { ConversationData } from '../../src/bot/conversationData';
import { createAssistantCore, type AssistantCore } from '../../src/core/assistant';

let sharedCore: AssistantCore | undefined;

/** The real knowledge base, loaded once per test file. */
export function core(): AssistantCore {
  sharedCore ??= createAssistantCore();
  return sharedCore;
}

/** A TestAdapter running the real bot, on the given channel and council. */
export function testAdapter(channelId: string, tenant = 'derby'): TestAdapter {
  const storage = new MemoryStorage();
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const conversationData = conversationState.createProperty<ConversationData>('conversationData');
  const { understander, replies, knowledge } = core();
  const bot = new AssistantBot({
    conversationState,
    userState,
    conversationData,
    mainDialog: new MainDialog({ understander, replies, conversationData, defaultTenant: 'generic' }),
    replies,
    defaultTenant: 'generic',
    knownTenant: (id) => knowledge.tenants.has(id),
  });
  const template: Partial<Activity> = { channelId, channelData: { tenant } };
  return new TestAdapter((context) => bot.run(context), template);
}

export function textOf(activity: Partial<Activity>): string {
  return activity.text ?? '';
}

export function buttonsOf(activity: Partial<Activity>): string[] {
  return (activity.suggestedActions?.actions ?? []).map((a) => String(a.title));
}
