import {
  ConversationState, TeamsActivityHandler, UserState,
  type StatePropertyAccessor, type TurnContext,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { MainDialog } from '../../dialogs/mainDialog';
import type { ReplyComposer } from '../core/replies';
import { emptyConversationData, type ConversationData } from './conversationData';
import { fitFor } from './renderReply';
import { say } from './say';

export interface AssistantBotOptions {
  conversationState: ConversationState;
  userState: UserState;
  conversationData: StatePropertyAccessor<ConversationData>;
  mainDialog: MainDialog;
  replies: ReplyComposer;
  /** Tenant for activities that don't name one (and for unknown names). */
  defaultTenant: string;
  knownTenant: (id: string) => boolean;
}

/** The tenant a channel names in channelData, if it is one we know. */
function tenantOf(context: TurnContext, options: AssistantBotOptions): string {
  const named = (context.activity.channelData as { tenant?: unknown } | undefined)?.tenant;
  return typeof named === 'string' && options.knownTenant(named) ? named : options.defaultTenant;
}

/**
 * Greets once per conversation and hands every message to the main dialog. Web Chat and Teams
 * announce a new conversation with conversationUpdate; SMS has none, so the first text greets there.
 */
/** Set on the turn that sent the welcome, so a bare "hello" is not greeted twice. */
export const WELCOMED_THIS_TURN = Symbol('welcomedThisTurn');

export class AssistantBot extends TeamsActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;

  constructor(private readonly options: AssistantBotOptions) {
    super();
    this.dialogState = options.conversationState.createProperty<DialogState>('dialogState');

    this.onMembersAdded(async (context, next) => {
      const joined = (context.activity.membersAdded ?? []).some((m) => m.id !== context.activity.recipient?.id);
      if (joined) await this.welcomeOnce(context, 'with-choices');
      await next();
    });

    this.onMessage(async (context, next) => {
      await this.welcomeOnce(context, 'before-answer');
      await options.mainDialog.run(context, this.dialogState);
      await next();
    });
  }

  private async data(context: TurnContext): Promise<ConversationData> {
    const data = await this.options.conversationData.get(context, emptyConversationData());
    data.tenant ??= tenantOf(context, this.options);
    return data;
  }

  /**
   * A welcome announced by the channel offers the starting choices; one sent in front of the
   * answer to a first message offers none, so the answer's own choices are the only ones to pick.
   */
  private async welcomeOnce(context: TurnContext, how: 'with-choices' | 'before-answer'): Promise<void> {
    const data = await this.data(context);
    if (data.welcomed) return;
    data.welcomed = true;
    context.turnState.set(WELCOMED_THIS_TURN, true);
    const { replies } = this.options;
    const welcome = how === 'with-choices' ? replies.welcome(data.tenant) : replies.welcomeBeforeAnswer(data.tenant);
    await say(context, fitFor(welcome, context.activity.channelId), data);
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.options.conversationState.saveChanges(context, false);
    await this.options.userState.saveChanges(context, false);
  }
}
