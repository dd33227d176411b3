import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { ReplyComposer } from '../src/core/replies';
import type { Understander } from '../src/core/understanding/understand';
import { emptyConversationData, type ConversationData } from '../src/bot/conversationData';

/** What every dialog needs: the understanding layer, the replies, and the conversation's memory. */
export interface DialogServices {
  understander: Understander;
  replies: ReplyComposer;
  conversationData: StatePropertyAccessor<ConversationData>;
  defaultTenant: string;
}

export async function dataOf(services: DialogServices, context: TurnContext): Promise<ConversationData> {
  return services.conversationData.get(context, emptyConversationData());
}
