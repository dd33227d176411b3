import type { TurnContext } from 'botbuilder';
import type { Reply } from '../core/replies';
import type { ConversationData } from './conversationData';
import { renderReply } from './renderReply';

/** Sends one reply shaped for the channel, and remembers its choices for the next turn. */
export async function say(context: TurnContext, reply: Reply, data: ConversationData): Promise<void> {
  data.offered = reply.choices;
  await context.sendActivity(renderReply(reply, context.activity.channelId));
}
