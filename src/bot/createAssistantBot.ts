import { ConversationState, UserState, type Storage } from 'botbuilder';
import { MainDialog } from '../../dialogs/mainDialog';
import type { FeedbackSink } from '../../dialogs/services';
import type { AssistantCore } from '../core/assistant';
import { AssistantBot } from './assistantBot';
import type { ConversationData } from './conversationData';

export interface AssistantBotSettings {
  core: AssistantCore;
  /** Conversation and user state: the project's store, or MemoryStorage in tests. */
  storage: Storage;
  /** The council for activities that name none, or an unknown one. */
  defaultTenant: string;
  /** Where "Did this help?" answers and unanswered questions go; none keeps nothing. */
  feedback?: FeedbackSink;
}

/** The assistant's bot and its dialogs on the given storage: the one way every channel builds it. */
export function createAssistantBot({ core, storage, defaultTenant, feedback }: AssistantBotSettings): AssistantBot {
  const conversationState = new ConversationState(storage);
  const conversationData = conversationState.createProperty<ConversationData>('conversationData');
  return new AssistantBot({
    conversationState,
    userState: new UserState(storage),
    conversationData,
    mainDialog: new MainDialog({
      understander: core.understander,
      replies: core.replies,
      conversationData,
      defaultTenant,
      ...(feedback && { feedback }),
    }),
    replies: core.replies,
    defaultTenant,
    knownTenant: (id) => core.knowledge.tenants.has(id),
  });
}
