import { ActivityTypes, TurnContext, type Middleware } from 'botbuilder';

export const TEAMS_CHANNEL_ID = 'msteams';

/**
 * In a team channel or group chat Teams sends "<at>SEND assistant</at> how do I appeal?": the
 * mention of the bot is taken out of the text (and its entity left alone) before the bot reads it,
 * so the question is understood the same as in a personal chat.
 */
export const removeBotMention: Middleware = {
  async onTurn(context, next) {
    const { activity } = context;
    if (activity.channelId === TEAMS_CHANNEL_ID && activity.type === ActivityTypes.Message && typeof activity.text === 'string') {
      TurnContext.removeRecipientMention(activity);
      activity.text = activity.text.replace(/&nbsp;|\u00a0/g, ' ').trim();
    }
    await next();
  },
};
