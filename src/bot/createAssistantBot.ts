import { ConversationState, UserState, type Storage } from 'botbuilder';
import { MainDialog } from '../../dialogs/mainDialog';
import { handoffWordsOf, type DialogServices, type FeedbackSink } from '../../dialogs/services';
import type { HandoffPort } from '../handoff/service';
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
  /** The adviser desk; without one, "talk to a person" gives the council's advice service contacts. */
  handoff?: HandoffPort;
  /** RETENTION_DAYS, told to people asking for a call-back. */
  retentionDays?: number;
}

/** The assistant's bot and its dialogs on the given storage: the one way every channel builds it. */
export function createAssistantBot({ core, storage, defaultTenant, feedback, handoff, retentionDays }: AssistantBotSettings): AssistantBot {
  const conversationState = new ConversationState(storage);
  const conversationData = conversationState.createProperty<ConversationData>('conversationData');
  const services: DialogServices = {
    understander: core.understander,
    replies: core.replies,
    conversationData,
    defaultTenant,
    ...(feedback && { feedback }),
    ...(handoff && { handoff }),
    ...(retentionDays !== undefined && { retentionDays }),
  };
  return new AssistantBot({
    conversationState,
    userState: new UserState(storage),
    conversationData,
    mainDialog: new MainDialog(services),
    replies: core.replies,
    defaultTenant,
    knownTenant: (id) => core.knowledge.tenants.has(id),
    ...(handoff && { handoff }),
    handoffWords: handoffWordsOf(services),
  });
}
