import { ActionTypes, ActivityTypes, type Activity, type Attachment, type CardAction, type ConversationAccount } from 'botbuilder';
import { ADAPTIVE_CARD, buttonsCard } from '../../bot/renderReply';
import { TEAMS_CHANNEL_ID } from './mentions';

/** The heading renderReply gives its own card of choices on Teams, so both look the same. */
export const CHOICES_HEADING = 'Choose one:';

const HERO_CARD = 'application/vnd.microsoft.card.hero';
const THUMBNAIL_CARD = 'application/vnd.microsoft.card.thumbnail';

/**
 * Whether a Teams conversation is a one-to-one (personal) chat. Teams names the type on every
 * activity (`personal`, `groupChat`, `channel`); a reference without it (a bare conversation id)
 * is personal only if nothing says otherwise: not a group, and a personal chat's `a:` id.
 */
export function isPersonalConversation(conversation: Partial<ConversationAccount> | undefined): boolean {
  if (!conversation) return false;
  if (conversation.conversationType) return conversation.conversationType === 'personal';
  return conversation.isGroup !== true && typeof conversation.id === 'string' && conversation.id.startsWith('a:');
}

/**
 * What pressing an action sends to the bot, as a key: an imBack's value as typed text, a
 * messageBack's text and value, a link's address. Undefined for an action a card cannot carry.
 */
function pressKey(action: Partial<CardAction> | undefined): string | undefined {
  if (!action) return undefined;
  switch (action.type) {
    case ActionTypes.ImBack:
      return typeof action.value === 'string' ? `imBack\n${action.value}` : undefined;
    case ActionTypes.MessageBack:
      return `messageBack\n${action.text ?? ''}\n${JSON.stringify(action.value ?? null)}`;
    case ActionTypes.OpenUrl:
      return typeof action.value === 'string' ? `openUrl\n${action.value}` : undefined;
    default:
      return undefined;
  }
}

/** The same key for a button already on a card (an Adaptive Card's Teams imBack/messageBack, a link, a hero card's button). */
function cardButtonKey(node: Record<string, unknown>): string | undefined {
  if (node.type === 'Action.Submit') {
    const msteams = (node.data as { msteams?: Record<string, unknown> } | undefined)?.msteams;
    if (msteams?.type === 'imBack') return pressKey({ type: ActionTypes.ImBack, value: msteams.value });
    if (msteams?.type === 'messageBack') return pressKey({ type: ActionTypes.MessageBack, text: msteams.text as string | undefined, value: msteams.value });
    return undefined;
  }
  if (node.type === 'Action.OpenUrl') return pressKey({ type: ActionTypes.OpenUrl, value: node.url });
  return undefined;
}

/** Every press a person can already make on this activity's cards. */
function pressesOnCards(attachments: Attachment[]): Set<string> {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const key = cardButtonKey(node as Record<string, unknown>);
      if (key) found.add(key);
      Object.values(node).forEach(walk);
    }
  };
  for (const attachment of attachments) {
    if (attachment.contentType === ADAPTIVE_CARD) walk(attachment.content);
    else if (attachment.contentType === HERO_CARD || attachment.contentType === THUMBNAIL_CARD) {
      for (const button of (attachment.content as { buttons?: CardAction[] } | undefined)?.buttons ?? []) {
        const key = pressKey(button);
        if (key) found.add(key);
      }
    }
  }
  return found;
}

const titleOf = (action: Partial<CardAction>): string => String(action.title ?? action.value ?? '');

/** The suggested action as an Adaptive Card action that sends the same thing when pressed. */
function cardAction(action: Partial<CardAction>): Record<string, unknown> {
  const title = titleOf(action);
  if (action.type === ActionTypes.OpenUrl) return { type: 'Action.OpenUrl', title, url: action.value };
  if (action.type === ActionTypes.MessageBack) {
    const msteams: Record<string, unknown> = { type: 'messageBack', text: action.text, value: action.value };
    if (action.displayText !== undefined) msteams.displayText = action.displayText;
    return { type: 'Action.Submit', title, data: { msteams } };
  }
  return { type: 'Action.Submit', title, data: { msteams: { type: 'imBack', value: action.value } } };
}

/**
 * An Adaptive Card with these actions as buttons, laid out as renderReply lays out its own choices
 * on Teams (`buttonsCard`): up to six short ones as the card's actions; more, or a title too long
 * for a button, one to a row with the long title written out above its button.
 */
export function suggestedActionsCard(actions: Array<Partial<CardAction>>): Attachment {
  return buttonsCard(CHOICES_HEADING, actions.map((action) => ({ title: titleOf(action), action: cardAction(action) })), true);
}

/**
 * The activity as it should go to Teams. Teams has shown suggested actions only in one-to-one
 * chats (and never on a message with attachments); in a group chat or a team channel they can be
 * invisible. So for a Teams conversation that is not personal, or a message that carries cards, the suggested actions become an
 * Adaptive Card whose buttons send exactly what the suggested action would (an imBack's value as
 * the person's message, a messageBack's text and value), placed before the activity's other
 * cards; buttons a card on the activity already has are not repeated, and the suggested actions
 * themselves are dropped. Everything else (personal chats, other channels, other activities) is
 * returned as it is.
 */
export function withVisibleChoices(activity: Partial<Activity>): Partial<Activity> {
  const actions = activity.suggestedActions?.actions ?? [];
  if (
    activity.channelId !== TEAMS_CHANNEL_ID ||
    activity.type !== ActivityTypes.Message ||
    actions.length === 0 ||
    // Teams shows suggested actions in one-to-one chats only, and not on a message with cards.
    (isPersonalConversation(activity.conversation) && (activity.attachments ?? []).length === 0)
  ) {
    return activity;
  }
  const { suggestedActions: _shownNowhere, ...rest } = activity;
  const attachments = rest.attachments ?? [];
  const already = pressesOnCards(attachments);
  const seen = new Set<string>();
  const missing = actions.filter((action) => {
    const key = pressKey(action);
    // An action a card cannot carry (Teams' suggested actions support imBack only) is left out.
    if (!key || already.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (missing.length === 0) return rest;
  return { ...rest, attachments: [suggestedActionsCard(missing), ...attachments] };
}
