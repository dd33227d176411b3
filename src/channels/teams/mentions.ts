import { ActivityTypes, type Activity, type Middleware } from 'botbuilder';

import { TEAMS_CHANNEL_ID } from '../../bot/renderReply';

export { TEAMS_CHANNEL_ID };

/**
 * The text without the mentions of `id`: what botbuilder's TurnContext.removeMentionText does
 * (each mention entity of `id` names the exact text it has in the message, e.g. "<at>SEND
 * assistant</at>"), but every time the bot is mentioned rather than the first, and an entity
 * without a type, a `mentioned` or a text is passed over instead of throwing. Non-breaking spaces
 * Teams leaves around a mention become spaces, and the spaces either side of it one space.
 */
export function withoutMentionsOf(activity: Partial<Activity>, id: string | undefined): string | undefined {
  if (typeof activity.text !== 'string' || !id) return activity.text;
  let text = activity.text;
  let removed = false;
  for (const entity of activity.entities ?? []) {
    if (typeof entity?.type !== 'string' || entity.type.toLowerCase() !== 'mention') continue;
    const { mentioned, text: mentionText } = entity as { mentioned?: { id?: unknown }; text?: unknown };
    if (mentioned?.id !== id || typeof mentionText !== 'string' || mentionText.trim() === '') continue;
    const parts = text.split(mentionText);
    removed ||= parts.length > 1;
    text = parts.join(' ');
  }
  text = text.replace(/&nbsp;|\u00a0/g, ' ');
  // "what is <at>…</at> mediation" reads "what is mediation", not with two spaces.
  if (removed) text = text.replace(/ {2,}/g, ' ');
  return text.trim();
}

/**
 * In a team channel or group chat Teams sends "<at>SEND assistant</at> how do I appeal?": the
 * mention of the bot is taken out of the text (and its entity left alone) before the bot reads it,
 * so the question is understood the same as in a personal chat. Mentions of anyone else stay.
 */
export const removeBotMention: Middleware = {
  async onTurn(context, next) {
    const { activity } = context;
    if (activity.channelId === TEAMS_CHANNEL_ID && activity.type === ActivityTypes.Message && typeof activity.text === 'string') {
      activity.text = withoutMentionsOf(activity, activity.recipient?.id) ?? activity.text;
    }
    await next();
  },
};
