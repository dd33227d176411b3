import {
  ConversationState, TeamsActivityHandler, UserState,
  type StatePropertyAccessor, type TurnContext,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { MainDialog } from '../../dialogs/mainDialog';
import type { Audience, ReplyComposer } from '../core/replies';
import { emptyConversationData, TENANT_THIS_TURN, type ConversationData } from './conversationData';
import { TEAMS_CHANNEL_ID, fitFor, renderReply } from './renderReply';
import { say } from './say';
import type { HandoffMessages } from '../core/handoff/messages';
import { markFeedbackAsked, emptyFeedbackMemory } from '../core/flows/feedback';
import type { HandoffPort, PersonEvent } from '../handoff/service';

export interface AssistantBotOptions {
  conversationState: ConversationState;
  userState: UserState;
  conversationData: StatePropertyAccessor<ConversationData>;
  mainDialog: MainDialog;
  replies: ReplyComposer;
  /** Tenant for activities that don't name one (and for unknown names). */
  defaultTenant: string;
  knownTenant: (id: string) => boolean;
  /** The adviser desk, when this deployment has one. */
  handoff?: HandoffPort;
  handoffWords: HandoffMessages;
}

/** The tenant a channel names in channelData, if it is one we know. */
function tenantOf(context: TurnContext, options: AssistantBotOptions): string {
  const named = (context.activity.channelData as { tenant?: unknown } | undefined)?.tenant;
  return typeof named === 'string' && options.knownTenant(named) ? named : options.defaultTenant;
}

/**
 * Who the assistant is talking to on a channel: council staff in Teams (they report concerns about
 * children and follow their council's procedures), families and young people on web chat and SMS.
 */
export function audienceOf(channelId: string | undefined): Audience {
  return channelId === TEAMS_CHANNEL_ID ? 'staff' : 'public';
}

/** Set on the turn that sent the welcome, so a bare "hello" is not greeted twice. */
export const WELCOMED_THIS_TURN = Symbol('welcomedThisTurn');
/**
 * Set on a first message that discloses a risk: no welcome goes before the urgent help, and none
 * after it either (it would bury the numbers and the hand-off); the urgent reply says instead that
 * this is an automated assistant, not a person.
 */
export const WELCOME_HELD_THIS_TURN = Symbol('welcomeHeldThisTurn');

/**
 * Greets once per conversation and hands every message to the main dialog. Web Chat and Teams
 * announce a new conversation with conversationUpdate; SMS has none, so the first text greets there.
 */
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
      context.turnState.set(TENANT_THIS_TURN, (await this.data(context)).tenant);
      // Urgent help comes first: nothing, not even the welcome, is sent before it.
      if (await options.mainDialog.noteDisclosure(context)) await this.holdWelcome(context);
      else await this.welcomeOnce(context, 'before-answer');
      await options.mainDialog.run(context, this.dialogState);
      await next();
    });
  }

  private async data(context: TurnContext): Promise<ConversationData> {
    const data = await this.options.conversationData.get(context, emptyConversationData());
    data.tenant ??= tenantOf(context, this.options);
    return data;
  }

  /** A first message that discloses a risk: no welcome this turn, nor later (see WELCOME_HELD_THIS_TURN). */
  private async holdWelcome(context: TurnContext): Promise<void> {
    const data = await this.data(context);
    if (data.welcomed) return;
    data.welcomed = true;
    context.turnState.set(WELCOME_HELD_THIS_TURN, true);
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

  /**
   * A proactive turn in the person's conversation while it is with advisers: a new place in the
   * queue, an adviser joining, an adviser's words, or the assistant coming back after the close.
   * Nothing else is said: while with a person the bot only relays.
   */
  async handoffEvent(context: TurnContext, event: PersonEvent): Promise<void> {
    const data = await this.data(context);
    const words = this.options.handoffWords;
    const channel = context.activity.channelId;
    switch (event.kind) {
      case 'queue-position': {
        if (data.handoff?.id !== event.handoffId || data.handoff.status !== 'queued' || !this.options.handoff) break;
        const handoff = await this.options.handoff.openFor(context.activity.conversation?.id ?? '');
        if (!handoff || handoff.id !== event.handoffId) break;
        const place = await this.options.handoff.positionOf(handoff);
        if (!place || place.position === data.handoff.toldPosition) break;
        data.handoff.toldPosition = place.position;
        // Each SMS costs the council and buzzes a phone: by text, only "you're next".
        if (channel === 'sms' && place.position !== 1) break;
        await say(context, fitFor(words.queueUpdate(place.position, place.waitText), channel), data);
        break;
      }
      case 'adviser-joined':
        data.handoff = { id: event.handoffId, status: 'claimed' };
        await say(context, fitFor(words.adviserJoined(event.adviserName), channel), data);
        break;
      case 'adviser-says': {
        data.offered = [];
        const line = renderReply(fitFor(words.adviserLine(event.adviserName, event.text), channel), channel);
        await context.sendActivity({
          ...line,
          textFormat: 'plain',
          channelData: { ...(line.channelData as object | undefined), adviser: { id: event.adviserId, name: event.adviserName } },
        });
        break;
      }
      case 'back': {
        if (data.handoff && data.handoff.id !== event.handoffId) break;
        data.handoff = undefined;
        await this.options.mainDialog.cancelAll(context, this.dialogState);
        data.feedback ??= emptyFeedbackMemory();
        const reply = words.back(event.why);
        if (data.feedback.off) {
          await say(context, fitFor({ ...reply, choices: [] }, channel), data);
        } else {
          markFeedbackAsked(data.feedback, 'handoff');
          await say(context, fitFor({ ...reply, choices: this.options.replies.feedbackChoices() }, channel), data);
        }
        break;
      }
    }
    await this.options.conversationState.saveChanges(context, false);
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.options.conversationState.saveChanges(context, false);
    await this.options.userState.saveChanges(context, false);
  }
}
