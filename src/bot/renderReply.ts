import { ActionTypes, ActivityTypes, type Activity, type Attachment } from 'botbuilder';
import type { Choice, Reply } from '../core/replies';
import { segmentCount } from '../channels/sms/segments';

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
  /**
   * Files the reply offers; its words are about them ("Open the file below…"). Attached on Web
   * Chat. Never sent by SMS, and not on Teams either: Teams shows an attachment sent inline only
   * when it is an image or a card (other files must be uploaded to the person's OneDrive first),
   * so there the whole reply is left out rather than promise a file that is not there.
   */
  files?: ReplyFile[];
  /**
   * A question answered by choosing (a guided-flow step): on Web Chat and Teams the choices are
   * buttons on an Adaptive Card (and only there).
   */
  choiceCard?: boolean;
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

const isFeedback = (choice: Choice) => choice.action.kind === 'feedback';

/** "a, b or c". */
function joinOr(parts: string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

/**
 * Plain text for SMS: the short form, then numbered choices, and "Did this help? 4 Yes 5 No" when
 * asked. Replies never depend on words SMS providers keep for themselves (YES, STOP, HELP…).
 */
export function smsText(reply: RenderableReply): string {
  const body = reply.smsSource ? `${reply.sms}\n${reply.smsSource}` : reply.sms;
  if (reply.choices.length === 0 || reply.smsChoicesInText) return gsmFriendly(body);
  const numbered = reply.choices.map((choice, i) => ({ choice, n: i + 1 }));
  const lines = numbered.filter(({ choice }) => !isFeedback(choice)).map(({ choice, n }) => `${n} ${choice.short ?? choice.label}`);
  const feedback = numbered.filter(({ choice }) => isFeedback(choice));
  if (feedback.length > 0) lines.push(`Did this help? ${feedback.map(({ choice, n }) => `${n} ${choice.short ?? choice.label}`).join(' ')}`);
  const numbers = reply.choices.map((_, i) => String(i + 1));
  const ask = numbers.length === 1 ? 'Reply 1' : `Reply ${numbers.slice(0, -1).join(', ')} or ${numbers[numbers.length - 1]}`;
  return gsmFriendly(`${body}\n${lines.join('\n')}\n${ask}`);
}

/** An SMS reply is sent as at most this many segments (160 GSM-7 characters alone, 153 joined). */
export const SMS_MAX_SEGMENTS = 3;

/** Which choices give way first when an SMS is too long: feedback, then topics, then flows. */
const KEEP_PRIORITY: Record<Choice['action']['kind'], number> = {
  feedback: 0, topic: 1, 'something-else': 2, flow: 2, deadline: 3, person: 4, reply: 5,
};

/**
 * The reply with as many of its choices as fit in {@link SMS_MAX_SEGMENTS} SMS segments: extra
 * offers are dropped (the source line first, then feedback, then follow-up topics from the end),
 * never the text and never the answers to a question being asked. Use it before saying a reply on SMS, so the
 * choices remembered are the ones shown.
 */
export function fitSms<T extends RenderableReply>(reply: T): T {
  let fitted = reply;
  const fits = (r: RenderableReply) => segmentCount(smsText(r)) <= SMS_MAX_SEGMENTS;
  if (reply.smsChoicesInText) return reply;
  // Where it comes from is shown when there is room: it gives way first, before any choice.
  if (fitted.smsSource && !fits(fitted)) fitted = { ...fitted, smsSource: undefined };
  while (!fits(fitted)) {
    const droppable = fitted.choices
      .map((choice, index) => ({ index, priority: KEEP_PRIORITY[choice.action.kind] }))
      .filter((c) => c.priority < KEEP_PRIORITY.person);
    if (droppable.length === 0) break;
    const lowest = Math.min(...droppable.map((c) => c.priority));
    const drop = lowest === KEEP_PRIORITY.feedback
      ? new Set(droppable.filter((c) => c.priority === lowest).map((c) => c.index))
      : new Set([droppable.filter((c) => c.priority === lowest).pop()!.index]);
    fitted = { ...fitted, choices: fitted.choices.filter((_, i) => !drop.has(i)) };
  }
  return fitted;
}

/** The reply as it will be shown on this channel: on SMS, cut to fit (see {@link fitSms}). */
export function fitFor<T extends RenderableReply>(reply: T, channelId: string): T {
  return SMS_CHANNELS.has(channelId) ? fitSms(reply) : reply;
}

/** What a screen reader or voice channel reads: the text without markdown, then the question's choices. */
export function speakText(reply: RenderableReply): string {
  const sentences = reply.text
    .replace(/\*\*|__|`/g, '')
    .split('\n')
    .map((line) => line.replace(/^\s*[-*•]\s+/, '').trim())
    .filter(Boolean)
    .map((line) => (/[.?!:]$/.test(line) ? line : `${line}.`));
  const options = reply.choices.filter((c) => !isFeedback(c)).map((c) => c.label);
  if (reply.choiceCard && options.length > 0) sentences.push(`Choose ${joinOr(options)}.`);
  if (reply.choices.some(isFeedback)) sentences.push('Did this help? Yes or no.');
  return sentences.join(' ');
}

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export const TEAMS_CHANNEL_ID = 'msteams';

/**
 * Teams shows only the first three suggested actions ("Even if you include more than three
 * actions, Teams displays only the first three"): more choices than this go on a card there.
 */
export const TEAMS_SUGGESTED_ACTIONS_SHOWN = 3;
/** Teams shows up to six actions in a card's set of actions; any more are not shown. */
export const TEAMS_CARD_ACTIONS_SHOWN = 6;
/**
 * Teams writes a button's title on one line and cuts off what does not fit. Labels up to this
 * long fit (the knowledge schema keeps button labels to 40 characters for this reason); a longer
 * one is also written out in full, wrapped, above its button.
 */
export const TEAMS_BUTTON_CHARS = 40;

/** Teams' own imBack for an Adaptive Card button: the label is sent as if the person typed it. */
function teamsImBack(label: string) {
  return { type: 'Action.Submit', title: label, data: { msteams: { type: 'imBack', value: label } } };
}

/** One button of a card: its title, the Adaptive Card action it is, and whether a long title's row is pressable too. */
export interface CardButton {
  title: string;
  action: Record<string, unknown>;
  selectsRow?: boolean;
}

/**
 * Buttons on an Adaptive Card (1.2, which Web Chat and Teams both render), under a heading; with
 * `speak` and `fallbackText` for screen readers and clients that cannot show cards. For Teams
 * (`teams`), too many buttons for one set, or titles too long for a button, are laid out one row
 * per button, each its own set of one (so none is past a set's limit), a long title written out above.
 */
export function buttonsCard(heading: string, buttons: CardButton[], teams: boolean): Attachment {
  const titles = buttons.map((b) => b.title);
  const headingBlock = { type: 'TextBlock', text: heading, wrap: true, weight: 'Bolder' };
  const card = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.2',
    speak: `${heading} ${joinOr(titles)}.`,
    fallbackText: `${heading} ${titles.map((t, i) => `${i + 1}. ${t}`).join(' ')}. You can also type your answer.`,
  };
  if (teams && !fitsTeamsActions(titles)) {
    const rows = buttons.map((b) => {
      const button = { type: 'ActionSet', actions: [b.action] };
      if (b.title.length <= TEAMS_BUTTON_CHARS) return { type: 'Container', spacing: 'Small', items: [button] };
      return {
        type: 'Container',
        spacing: 'Medium',
        ...(b.selectsRow && { selectAction: b.action }),
        items: [{ type: 'TextBlock', text: escapeCardMarkdown(b.title), wrap: true }, button],
      };
    });
    return { contentType: ADAPTIVE_CARD, content: { ...card, body: [headingBlock, ...rows] } };
  }
  return { contentType: ADAPTIVE_CARD, content: { ...card, body: [headingBlock], actions: buttons.map((b) => b.action) } };
}

/**
 * The choices as card buttons. Each sends its own label as the person's message (imBack), so
 * pressing it and typing it are the same.
 */
export function choicesCard(heading: string, choices: Choice[], channelId: string): Attachment {
  const teams = channelId === TEAMS_CHANNEL_ID;
  return buttonsCard(
    heading,
    choices.map((c) => ({
      title: c.label,
      // Web Chat sends a string's data as an imBack; Teams needs its own imBack form.
      action: teams ? teamsImBack(c.label) : { type: 'Action.Submit', title: c.label, data: c.label },
      selectsRow: true,
    })),
    teams,
  );
}

/** Whether Teams shows every one of these as a button in a card's actions, each title whole. */
function fitsTeamsActions(titles: string[]): boolean {
  return titles.length <= TEAMS_CARD_ACTIONS_SHOWN && titles.every((t) => t.length <= TEAMS_BUTTON_CHARS);
}

/** A TextBlock reads markdown: the label's own characters are kept as they are. */
function escapeCardMarkdown(text: string): string {
  return text.replace(/[\\*_`[\]#>~]/g, (c) => `\\${c}`);
}

/** A list item: "- ", "* ", "+ ", "• " or "1. " / "1) " at the start of a line. */
const LIST_ITEM = /^ {0,3}(?:[-*+\u2022]|\d{1,9}[.)])[ \t]+\S/;
/** A line that carries on the list item above it on purpose: indented under it. */
const LIST_CONTINUATION = /^(?: {2,}|\t)\S/;

/**
 * Ends every list before the line after it. In markdown a line straight after a list item is part
 * of that item ("lazy continuation"), so "- by 5pm on the last day.\nFor help, contact…" would put
 * the sentence inside the last bullet. A blank line before it makes it a paragraph of its own, as
 * the knowledge means it. Lines indented under an item, and the items themselves, are left alone.
 */
export function separateLists(markdown: string): string {
  const out: string[] = [];
  let inList = false;
  for (const line of markdown.split('\n')) {
    const blank = line.trim() === '';
    if (LIST_ITEM.test(line)) inList = true;
    else if (blank) inList = false;
    else if (inList && !LIST_CONTINUATION.test(line)) {
      out.push('');
      inList = false;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** The rich form for Web Chat and Teams: markdown text, sources underneath, buttons. */
export function richText(reply: Reply, channelId?: string): string {
  // Web Chat's markdown (markdown-it) follows the lazy-continuation rule; Teams is left as it was.
  const text = channelId === TEAMS_CHANNEL_ID ? reply.text : separateLists(reply.text);
  if (reply.sources.length === 0) return text;
  const sources = reply.sources.map((s) => `- ${s}`).join('\n');
  return `${text}\n\n**Where this comes from**\n\n${sources}`;
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

/**
 * One Reply, shaped for the channel. SMS: plain numbered text. Web Chat and Teams: markdown text
 * with its sources, `speak` for screen readers, follow-ups as suggested actions, a guided flow's
 * question as an Adaptive Card alone (no suggested actions repeating its buttons), and "Did this
 * help?" as a small card of its own. On Teams, which shows only the first three suggested actions,
 * more than three choices are a card too; and a reply offering files is not sent (see `files`).
 */
export function renderReply(reply: RenderableReply, channelId: string): Partial<Activity> {
  if (SMS_CHANNELS.has(channelId)) {
    // Callers fit replies before saying them (so the choices remembered are the ones shown); this is the safety net.
    return { type: ActivityTypes.Message, text: smsText(fitSms(reply)), textFormat: 'plain' };
  }
  const teams = channelId === TEAMS_CHANNEL_ID;
  if (teams && reply.files && reply.files.length > 0) {
    // A trace goes to the Bot Framework Emulator only: botbuilder sends it to no other channel.
    return { type: ActivityTypes.Trace, name: 'renderReply', label: 'A reply offering files, which Teams cannot show, was left out', value: { files: reply.files.length } };
  }
  const activity: Partial<Activity> = {
    type: ActivityTypes.Message,
    text: richText(reply, channelId),
    textFormat: 'markdown',
    speak: speakText(reply),
  };
  const options = reply.choices.filter((c) => !isFeedback(c));
  const feedback = reply.choices.filter(isFeedback);
  const attachments: Attachment[] = [];
  if (options.length > 0) {
    const onCard = reply.choiceCard || (teams && options.length > TEAMS_SUGGESTED_ACTIONS_SHOWN);
    // One set of buttons: on a phone the same choices as a card and as suggested actions fill the screen twice.
    if (onCard) attachments.push(choicesCard('Choose one:', options, channelId));
    else {
      activity.suggestedActions = {
        to: [],
        actions: options.map((c) => ({ type: ActionTypes.ImBack, title: c.label, value: c.label })),
      };
    }
  }
  if (feedback.length > 0) attachments.push(choicesCard('Did this help?', feedback, channelId));
  if (reply.files && reply.files.length > 0) attachments.push(...reply.files.map(fileAttachment));
  if (attachments.length > 0) activity.attachments = attachments;
  return activity;
}
