import type { Attachment } from 'botbuilder';
import type { HandoffSummary } from '../../handoff/types';
import { HANDOFF_REASONS, type Handoff, type HandoffReason } from '../../store/store';

/**
 * The Adaptive Cards (schema 1.4, the first with Universal Actions) that the advisers' Teams
 * channel sees for a hand-off: waiting (with an Accept button), accepted, closed. Plain JSON: no
 * card library.
 *
 * Privacy and safety: what the public typed appears only when the person agreed
 * (`summary.consent`), and always through {@link escapeCardText}: a TextBlock renders a markdown
 * subset, so a person's "[click here](https://…)" or "<b>" must reach the adviser as the characters
 * they typed, never as a link or markup.
 */

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_VERSION = '1.4';
/** The Action.Execute verb of the Accept button. */
export const ACCEPT_VERB = 'handoff.accept';

export type CardElement = Record<string, unknown>;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: typeof ADAPTIVE_CARD_VERSION;
  /** Shown by clients that cannot render the card. */
  fallbackText: string;
  msteams: { width: 'Full' };
  body: CardElement[];
  actions?: CardElement[];
}

export interface CardOptions {
  /** The council's name ("Derby City Council"); the tenant id is shown without it. */
  councilName?: string;
  /** The bot's name as advisers @mention it in Teams (default "SEND assistant"). */
  botName?: string;
  /** Times are shown in this zone (default Europe/London). */
  timeZone?: string;
  /**
   * The hand-off's page in the adviser console, as a full https address (the summary's own
   * `transcript.href` is used when it is one; it is often relative, or not set yet).
   */
  consoleUrl?: string;
}

export const DEFAULT_BOT_NAME = 'SEND assistant';

const REASONS: Record<HandoffReason, string> = {
  asked: 'They asked to talk to a person',
  'not-confident': 'The assistant could not answer with confidence',
  safeguarding: 'Possible safeguarding concern',
};

const CHANNELS: Record<string, string> = {
  webchat: 'Web chat',
  directline: 'Web chat',
  sms: 'Text message (SMS)',
  msteams: 'Microsoft Teams',
  emulator: 'Bot Framework Emulator',
  test: 'Test',
};

const MAX_ASKED = 500;
const MAX_SHORT = 200;
const MAX_DATES = 10;

/**
 * Public (or otherwise untrusted) text made safe for a TextBlock or a FactSet: one line, control
 * characters dropped, and every character that the Adaptive Card markdown subset (bold, italic,
 * lists, links) or HTML could give a meaning escaped with a backslash, CommonMark's escape. Bare
 * addresses ("https://…", "www.x.uk", "x@y.uk") get an invisible zero-width space so that no client
 * turns them into a link by itself; `{{` is broken up so the card's DATE()/TIME() functions do not
 * run on it.
 */
export function escapeCardText(text: string, max = MAX_SHORT): string {
  let flat = String(text)
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F\u200B-\u200F\u2028-\u202E\u2060-\u2064\uFEFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (flat.length > max) flat = `${flat.slice(0, max - 1).trimEnd()}…`;
  return flat
    .replace(/[\\`*_~[\]<>#|&{}]/g, (c) => `\\${c}`)
    .replace(/^([-+])(?=\s|$)/, '\\$1')
    .replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2')
    .replace(/:\/\//g, ':\u200B//')
    .replace(/([A-Za-z0-9])\.(?=[A-Za-z0-9])/g, '$1.\u200B')
    .replace(/@(?=[A-Za-z0-9])/g, '@\u200B');
}

/**
 * The hand-off's summary as the store keeps it (JSON, written by the hand-off service), read
 * defensively: a field of the wrong shape is left out rather than trusted. What the person typed
 * (`asked`, `dates`, `deadlines`) is kept only with consent.
 */
export function summaryOf(handoff: Handoff): HandoffSummary {
  const raw: Record<string, unknown> = isRecord(handoff.summary) ? handoff.summary : {};
  const consent = raw.consent === true;
  const topic = isRecord(raw.topic) && typeof raw.topic.id === 'string' && typeof raw.topic.title === 'string'
    ? { id: raw.topic.id, title: raw.topic.title }
    : undefined;
  const transcript = isRecord(raw.transcript) ? raw.transcript : {};
  const summary: HandoffSummary = {
    reason: HANDOFF_REASONS.includes(raw.reason as HandoffReason) ? (raw.reason as HandoffReason) : handoff.reason,
    tenant: typeof raw.tenant === 'string' ? raw.tenant : handoff.tenant,
    channel: typeof raw.channel === 'string' ? raw.channel : handoff.channel,
    consent,
    transcript: {
      conversationId: typeof transcript.conversationId === 'string' ? transcript.conversationId : handoff.conversationId,
      href: typeof transcript.href === 'string' ? transcript.href : '',
    },
  };
  if (topic) summary.topic = topic;
  if (consent) {
    if (typeof raw.asked === 'string' && raw.asked.trim()) summary.asked = raw.asked;
    const dates = datedList(raw.dates);
    if (dates.length) summary.dates = dates.map(({ label, date }) => ({ label, date }));
    const deadlines = datedList(raw.deadlines);
    if (deadlines.length) summary.deadlines = deadlines;
  }
  return summary;
}

/** A hand-off waiting for an adviser, with the Accept button. */
export function queuedCard(handoff: Handoff, summary: HandoffSummary, options: CardOptions = {}): AdaptiveCard {
  const body = [
    ...header(handoff, summary),
    textBlock('Waiting for an adviser', { weight: 'Bolder', spacing: 'Small' }),
    ...facts(handoff, summary, options, 'Waiting since'),
    ...personDetails(summary, options),
    textBlock('Accept to talk to the person yourself. Only one adviser can accept.', { isSubtle: true }),
  ];
  return card(body, [
    { type: 'Action.Execute', title: 'Accept', verb: ACCEPT_VERB, data: { handoffId: handoff.id }, style: 'positive' },
    ...consoleAction(summary, options),
  ], fallbackText(handoff, summary, 'waiting for an adviser'));
}

/**
 * The hand-off once accepted: the same facts, who accepted it (for everyone in the channel), no
 * Accept button, and how to talk to the person. `notice` is shown first (e.g. "Already accepted
 * by Sam" to a second adviser).
 */
export function claimedCard(
  handoff: Handoff,
  summary: HandoffSummary,
  adviserName: string,
  options: CardOptions & { notice?: string } = {},
): AdaptiveCard {
  const name = escapeCardText(adviserName || 'an adviser');
  const at = handoff.claimedAt ? whenText(handoff.claimedAt, options) : undefined;
  const bot = escapeCardText(options.botName ?? DEFAULT_BOT_NAME);
  const body = [
    ...notice(options.notice),
    ...header(handoff, summary),
    textBlock(`Accepted by ${name}${at ? ` at ${at}` : ''}`, { weight: 'Bolder', color: 'Good', spacing: 'Small' }),
    ...facts(handoff, summary, options, 'Handed over'),
    ...personDetails(summary, options),
    textBlock(
      `${name}: reply in this thread and mention @${bot} to talk to the person; each reply is passed on to them. ` +
        `Reply "close" (mentioning @${bot}) to end the hand-off and hand back to the assistant.`,
      { spacing: 'Medium' },
    ),
  ];
  return card(body, consoleAction(summary, options), fallbackText(handoff, summary, `accepted by ${oneLine(adviserName || 'an adviser')}`));
}

/** The hand-off once ended: the assistant has the conversation back. */
export function closedCard(
  handoff: Handoff,
  summary: HandoffSummary,
  closedBy?: string,
  options: CardOptions & { notice?: string } = {},
): AdaptiveCard {
  const at = handoff.closedAt ? whenText(handoff.closedAt, options) : undefined;
  const by = closedBy ? ` by ${escapeCardText(closedBy)}` : '';
  const body = [
    ...notice(options.notice),
    ...header(handoff, summary),
    textBlock(`Closed${by}${at ? ` at ${at}` : ''}`, { weight: 'Bolder', spacing: 'Small' }),
    ...facts(handoff, summary, options, 'Handed over'),
    ...personDetails(summary, options),
    textBlock('The hand-off has ended: the assistant has taken the conversation back.', { isSubtle: true }),
  ];
  return card(body, consoleAction(summary, options), fallbackText(handoff, summary, 'closed'));
}

/** The card as a message attachment. */
export function cardAttachment(content: AdaptiveCard): Attachment {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content };
}

// ---- pieces --------------------------------------------------------------------------------

function card(body: CardElement[], actions: CardElement[], fallback: string): AdaptiveCard {
  const result: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: ADAPTIVE_CARD_VERSION,
    fallbackText: fallback,
    msteams: { width: 'Full' },
    body,
  };
  if (actions.length) result.actions = actions;
  return result;
}

function isUrgent(handoff: Handoff, summary: HandoffSummary): boolean {
  return handoff.urgent || handoff.reason === 'safeguarding' || summary.reason === 'safeguarding';
}

function header(handoff: Handoff, summary: HandoffSummary): CardElement[] {
  const title = textBlock('Hand-off from the SEND assistant', { size: 'Medium', weight: 'Bolder' });
  if (!isUrgent(handoff, summary)) return [title];
  return [
    {
      type: 'Container',
      style: 'attention',
      bleed: true,
      items: [
        textBlock('URGENT: possible safeguarding concern', { size: 'Large', weight: 'Bolder', color: 'Attention' }),
        textBlock(
          "Someone may be at risk. Respond straight away and follow your council's safeguarding procedure.",
          { spacing: 'Small' },
        ),
      ],
    },
    title,
  ];
}

function notice(text: string | undefined): CardElement[] {
  if (!text) return [];
  return [
    {
      type: 'Container',
      style: 'warning',
      items: [textBlock(escapeCardText(text), { weight: 'Bolder' })],
    },
  ];
}

function facts(handoff: Handoff, summary: HandoffSummary, options: CardOptions, sinceLabel: string): CardElement[] {
  const reason = REASONS[summary.reason] ?? REASONS[handoff.reason] ?? escapeCardText(summary.reason);
  const council = options.councilName ? `${options.councilName} (${summary.tenant})` : summary.tenant;
  const channel = CHANNELS[summary.channel] ?? summary.channel;
  const list: Array<{ title: string; value: string }> = [
    { title: 'Reason', value: reason },
    { title: 'Council', value: escapeCardText(council) },
    { title: 'Channel', value: escapeCardText(channel) },
  ];
  if (summary.topic) list.push({ title: 'Topic', value: escapeCardText(summary.topic.title) });
  const since = whenText(handoff.createdAt, options);
  if (since) list.push({ title: sinceLabel, value: since });
  return [{ type: 'FactSet', facts: list, spacing: 'Medium' }];
}

/** What the person typed, and the dates from it: only with consent. */
function personDetails(summary: HandoffSummary, options: CardOptions): CardElement[] {
  if (!summary.consent) {
    return [
      textBlock(
        'They did not agree to pass on what they typed before the hand-off. Accept to talk to them and ask.',
        { isSubtle: true, spacing: 'Medium' },
      ),
    ];
  }
  const out: CardElement[] = [];
  if (summary.asked?.trim()) {
    out.push(textBlock('What they asked', { weight: 'Bolder', spacing: 'Medium' }));
    out.push({
      type: 'Container',
      style: 'emphasis',
      spacing: 'Small',
      items: [textBlock(escapeCardText(summary.asked, MAX_ASKED))],
    });
  }
  const dates = (summary.dates ?? []).slice(0, MAX_DATES);
  if (dates.length) {
    out.push(textBlock('Dates they gave', { weight: 'Bolder', spacing: 'Medium' }));
    out.push({
      type: 'FactSet',
      spacing: 'Small',
      facts: dates.map((d) => ({ title: escapeCardText(d.label, 80), value: escapeCardText(dateText(d.date, options)) })),
    });
  }
  const deadlines = (summary.deadlines ?? []).slice(0, MAX_DATES);
  if (deadlines.length) {
    out.push(textBlock('Deadlines the assistant worked out', { weight: 'Bolder', spacing: 'Medium' }));
    out.push({
      type: 'FactSet',
      spacing: 'Small',
      facts: deadlines.map((d) => ({
        title: escapeCardText(d.label, 80),
        value: escapeCardText(d.rule ? `${dateText(d.date, options)} (${d.rule})` : dateText(d.date, options)),
      })),
    });
  }
  return out;
}

/** "Open in the adviser console", when its full address is known. */
function consoleAction(summary: HandoffSummary, options: CardOptions): CardElement[] {
  const href = options.consoleUrl ?? summary.transcript.href;
  if (!/^https?:\/\//i.test(href)) return [];
  try {
    const url = new URL(href);
    return [{ type: 'Action.OpenUrl', title: 'Open in the adviser console', url: url.toString() }];
  } catch {
    return [];
  }
}

function fallbackText(handoff: Handoff, summary: HandoffSummary, state: string): string {
  return `${isUrgent(handoff, summary) ? 'URGENT safeguarding hand-off' : 'Hand-off'} (${handoff.tenant}): ${state}.`;
}

function textBlock(text: string, extra: Record<string, unknown> = {}): CardElement {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 100);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function datedList(value: unknown): Array<{ label: string; date: string; rule?: string }> {
  if (!Array.isArray(value)) return [];
  const out: Array<{ label: string; date: string; rule?: string }> = [];
  for (const item of value) {
    if (!isRecord(item) || typeof item.label !== 'string' || typeof item.date !== 'string') continue;
    out.push(typeof item.rule === 'string' ? { label: item.label, date: item.date, rule: item.rule } : { label: item.label, date: item.date });
  }
  return out;
}

/** "11:02 on Tue 4 Mar 2025" in the council's time zone; undefined for a bad timestamp. */
function whenText(iso: string | undefined, options: CardOptions): string | undefined {
  if (!iso) return undefined;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  const timeZone = options.timeZone ?? 'Europe/London';
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
  return `${time} on ${dayText(date, timeZone)}`;
}

/** A date the person gave or a deadline: "Tue 4 Mar 2025"; anything unreadable is shown as given. */
function dateText(value: string, options: CardOptions): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const date = new Date(`${value}T00:00:00Z`);
    return Number.isNaN(date.getTime()) ? value : dayText(date, 'UTC');
  }
  const date = new Date(value);
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(date.getTime()) ? dayText(date, options.timeZone ?? 'Europe/London') : value;
}

function dayText(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' })
    .format(date)
    .replace(',', '');
}
