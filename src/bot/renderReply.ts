import { ActionTypes, ActivityTypes, type Activity, type Attachment } from 'botbuilder';
import type { Reply } from '../core/replies';

/** A file sent with a reply (e.g. a deadline as an .ics calendar file). */
export interface ReplyFile {
  name: string;
  contentType: string;
  /** The file's text (UTF-8). */
  content: string;
}

/** What some replies add to the Reply model; every field is optional, so any Reply renders. */
export interface ReplyExtras {
  /** On SMS the text already says what to reply ("Reply 1 if that's right, 2 to change it"): no numbered list. */
  smsChoicesInText?: boolean;
  /** Attached on Web Chat and Teams; never sent by SMS. */
  files?: ReplyFile[];
}

export type RenderableReply = Reply & ReplyExtras;

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
export function smsText(reply: RenderableReply): string {
  if (reply.choices.length === 0 || reply.smsChoicesInText) return gsmFriendly(reply.sms);
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

/**
 * A file as an attachment Web Chat can offer for download. Web Chat 4.18 shows a `text/*`
 * attachment that has `content` as text on the page, but one with only a `contentUrl` as a file
 * link (with a download icon); its allowed link protocols include `data:`. So the file travels as a
 * base64 data: URL and no `content`.
 */
export function fileAttachment(file: ReplyFile): Attachment {
  const base64 = Buffer.from(file.content, 'utf8').toString('base64');
  return { contentType: file.contentType, name: file.name, contentUrl: `data:${file.contentType};charset=utf-8;base64,${base64}` };
}

export function renderReply(reply: RenderableReply, channelId: string): Partial<Activity> {
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
  if (reply.files && reply.files.length > 0) activity.attachments = reply.files.map(fileAttachment);
  return activity;
}
