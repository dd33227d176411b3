import { ActionTypes, ActivityTypes, type Activity } from 'botbuilder';
import type { Reply } from '../core/replies';

export const SMS_CHANNELS = new Set(['sms', 'twilio-sms']);

/**
 * Curly quotes, dashes and ellipses force a whole SMS into UCS-2, where a segment holds 70
 * characters instead of 160; plain ASCII forms keep messages short.
 */
export function gsmFriendly(text: string): string {
  return text
    .replace(/[\u2018\u2019\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201F\u2033]/g, '"')
    .replace(/[\u2013\u2014\u2212]/g, '-')
    .replace(/\u2026/g, '...')
    .replace(/\u00A0/g, ' ');
}

/** Plain text for SMS: the short form, then numbered choices. */
export function smsText(reply: Reply): string {
  if (reply.choices.length === 0) return gsmFriendly(reply.sms);
  const options = reply.choices.map((c, i) => `${i + 1} ${c.short ?? c.label}`).join('\n');
  const numbers = reply.choices.map((_, i) => String(i + 1));
  const ask = numbers.length === 1 ? 'Reply 1' : `Reply ${numbers.slice(0, -1).join(', ')} or ${numbers[numbers.length - 1]}`;
  return gsmFriendly(`${reply.sms}\n${options}\n${ask}`);
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
