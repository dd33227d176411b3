import { ActionTypes, ActivityTypes, type Activity } from 'botbuilder';
import type { Reply } from '../core/replies';

export const SMS_CHANNELS = new Set(['sms', 'twilio-sms']);

/** Plain text for SMS: the short form, then numbered choices. */
export function smsText(reply: Reply): string {
  if (reply.choices.length === 0) return reply.sms;
  const options = reply.choices.map((c, i) => `${i + 1} ${c.label}`).join('\n');
  const numbers = reply.choices.map((_, i) => String(i + 1));
  const ask = numbers.length === 1 ? 'Reply 1' : `Reply ${numbers.slice(0, -1).join(', ')} or ${numbers[numbers.length - 1]}`;
  return `${reply.sms}\n${options}\n${ask}`;
}

/** The rich form for Web Chat and Teams: markdown text, sources underneath, buttons. */
export function richText(reply: Reply): string {
  if (reply.sources.length === 0) return reply.text;
  const sources = reply.sources.map((s) => `- ${s}`).join('\n');
  return `${reply.text}\n\n**Where this comes from**\n\n${sources}`;
}

export function renderReply(reply: Reply, channelId: string): Partial<Activity> {
  if (SMS_CHANNELS.has(channelId)) {
    return { type: ActivityTypes.Message, text: smsText(reply), textFormat: 'plain' };
  }
  const activity: Partial<Activity> = {
    type: ActivityTypes.Message,
    text: richText(reply),
    textFormat: 'markdown',
    speak: reply.text,
  };
  if (reply.choices.length > 0) {
    activity.suggestedActions = {
      to: [],
      actions: reply.choices.map((c) => ({ type: ActionTypes.ImBack, title: c.label, value: c.label })),
    };
  }
  return activity;
}
