import { z } from 'zod';

/**
 * The shape of everything in knowledge/. Content editors work in YAML; these schemas are the
 * contract, checked at start-up and in the test suite.
 */

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const topicId = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case id such as appeal-deadline');
/** A paragraph ("11.13") or a run of them ("11.67-11.111", first to last). */
const cop = z
  .string()
  .regex(/^\d{1,2}\.\d{1,3}(-\d{1,2}\.\d{1,3})?$/, 'must be a Code of Practice paragraph such as 11.13, or a range such as 11.67-11.111')
  .refine((value) => {
    const [first, last] = value.split('-').map((p) => p.split('.').map(Number) as [number, number]);
    return !last || first![0] < last[0] || (first![0] === last[0] && first![1] < last[1]);
  }, 'a range must go from the first paragraph to a later one, such as 11.67-11.111');
const phone = z.string().regex(/^[0-9 +()]{6,20}$/, 'must be a phone number such as 01332 641414');
const email = z.string().email('must be an email address');
const url = z.string().url('must be a full web address starting https://');

/** A weighted rule. `match` is clauses joined by `&`, each clause alternatives joined by `|`. */
export const patternSchema = z
  .object({
    match: nonEmpty,
    weight: z.number().positive().max(10).default(1),
    /** When any alternative here appears, this pattern does not count. */
    unless: nonEmpty.optional(),
    /**
     * Counts only when the message is one of the alternatives and nothing else, courtesy words
     * ("please", "just", "now") aside: for a word that means something alone ("agent", "stop") and
     * something else in a sentence.
     */
    alone: z.boolean().optional(),
  })
  .strict();

export const sourceRefSchema = z
  .object({
    document: nonEmpty,
    section: nonEmpty,
  })
  .strict();

export const topicSchema = z
  .object({
    id: topicId,
    /** A few words, used on buttons when the assistant offers choices ("Appeal deadlines"). */
    title: nonEmpty.max(40, 'must be at most 40 characters (it is shown on a button)'),
    /** The question this entry answers, in a parent's words. */
    question: nonEmpty,
    answer: nonEmpty.max(1600, 'must be at most 1600 characters: keep answers short'),
    sms: nonEmpty.max(320, 'must be at most 320 characters (two SMS segments)'),
    sources: z.array(sourceRefSchema).min(1, 'every answer needs at least one source'),
    codeOfPractice: z.array(cop).default([]),
    followUps: z.array(topicId).max(3).default([]),
    patterns: z.array(patternSchema).min(1, 'needs at least one pattern so it can be matched'),
    examples: z.array(nonEmpty).min(3, 'needs at least three example questions'),
  })
  .strict();

export const documentSchema = z
  .object({
    id: topicId,
    title: nonEmpty,
    publisher: nonEmpty,
    /** File name in the shared sources folder this was written from. */
    file: nonEmpty.optional(),
    /** The tenant whose document this is; national documents have none. */
    tenant: topicId.optional(),
    url: url.optional(),
  })
  .strict();

export const documentsFileSchema = z.object({ documents: z.array(documentSchema).min(1) }).strict();

const contactSchema = z
  .object({
    name: nonEmpty,
    phone: phone.optional(),
    email: email.optional(),
    website: url.optional(),
    address: nonEmpty.optional(),
    /** Opening hours as the document states them, in words. */
    hours: nonEmpty.optional(),
  })
  .strict();

/** The Bot Connector for UK Teams tenants: where the bot posts to the advisers' channel. */
export const DEFAULT_TEAMS_SERVICE_URL = 'https://smba.trafficmanager.net/uk/';

/**
 * A channel id as "Get link to channel" shows it, percent-encoded (19%3a…%40thread.tacv2) or not:
 * decoded before it is checked.
 */
const teamsChannelId = z
  .string()
  .trim()
  .transform((value) => {
    try {
      return value.includes('%') ? decodeURIComponent(value) : value;
    } catch {
      return value;
    }
  })
  .pipe(
    z
      .string()
      .regex(
        /^19:[A-Za-z0-9._-]+@thread\.(tacv2|skype)$/,
        'must be a Teams channel id such as 19:0b3c4a5d6e7f48a9b0c1d2e3f4a5b6c7@thread.tacv2 (the part of "Get link to channel" after /channel/)',
      ),
  );

/** A Microsoft Entra (Azure AD) tenant id: a GUID. */
const ENTRA_TENANT_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Where hand-off cards go in Microsoft Teams (docs/teams-advisers.md). */
export const advisersTeamsChannelSchema = z
  .object({
    conversationId: teamsChannelId,
    serviceUrl: url
      .refine((value) => value.startsWith('https://'), 'must be an https address such as https://smba.trafficmanager.net/uk/')
      .default(DEFAULT_TEAMS_SERVICE_URL),
    /** The council's Microsoft Entra tenant id (the tenantId in "Get link to channel"). */
    tenantId: z
      .string()
      .trim()
      .regex(ENTRA_TENANT_ID, 'must be a tenant id (a GUID)')
      .optional(),
  })
  .strict();

/**
 * The Microsoft Entra (Azure AD) tenant ids of the council's own Teams organisation: a Teams
 * activity whose `channelData.tenant.id` is one of them is that council's (docs/teams-advisers.md).
 * Kept in lower case, so the same id written in capitals is still one id; no id twice in a file
 * (loadKnowledge refuses one id in two councils' files).
 */
const teamsEntraTenantIds = z
  .array(z.string().trim().regex(ENTRA_TENANT_ID, 'must be a Microsoft Entra tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47)').transform((id) => id.toLowerCase()))
  .optional()
  .superRefine((ids = [], ctx) => {
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: `"${id}" is listed twice` });
    });
  });

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time such as 09:30');

export const tenantSchema = z
  .object({
    id: topicId,
    /** The council's name as people know it ("Derby City Council"). */
    councilName: nonEmpty,
    /** How the assistant names the area in short messages ("Derby"). */
    areaName: nonEmpty,
    /** True for the template tenant that holds national facts only. */
    generic: z.boolean().default(false),
    sendiass: contactSchema,
    senTeam: contactSchema.optional(),
    disagreementResolution: contactSchema,
    mediation: contactSchema,
    /** How to reach the service that answers SEND questions on the council's side. */
    sendServices: contactSchema.optional(),
    localOffer: z.object({ name: nonEmpty, url: url.optional() }).strict(),
    exclusionInformation: nonEmpty,
    complaints: z.object({ name: nonEmpty, url: url.optional() }).strict(),
    /** Council children's services (safeguarding). Only what the council itself publishes. */
    childrensServices: contactSchema.optional(),
    /** When advisers answer chats. Absent means the council has not set hours. */
    adviserHours: z
      .object({
        days: z.array(weekday).min(1),
        opens: clock,
        closes: clock,
        closedOnBankHolidays: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** SMS numbers (E.164) that belong to this council. */
    smsNumbers: z.array(z.string().regex(/^\+\d{8,15}$/, 'must be an E.164 number such as +447700900123')).default([]),
    privacyNoticeUrl: url.optional(),
    /** The advisers' Teams channel: hand-offs are posted there as cards. Absent: no Teams cards. */
    advisersTeamsChannel: advisersTeamsChannelSchema.optional(),
    /** Teams users from these Microsoft Entra tenants talk to this council. Absent: Teams users get DEFAULT_TENANT. */
    teamsEntraTenantIds,
    sources: z.array(nonEmpty).min(1, 'name the documents the local details come from'),
  })
  .strict();

export const controlReplySchema = z
  .object({
    id: topicId,
    answer: nonEmpty,
    sms: nonEmpty.max(320),
    patterns: z.array(patternSchema).default([]),
    examples: z.array(nonEmpty).default([]),
  })
  .strict();

export const controlsFileSchema = z
  .object({
    controls: z.array(controlReplySchema).min(1),
  })
  .strict();

/**
 * Guided flows (knowledge/flows/<id>.yaml): a few questions with choices that lead a person to
 * plain-English next steps. Each choice leads to another step, an ending, or out of the flow (a
 * topic, another flow, the deadline conversation, a person). Checked at start-up like the rest.
 */
const nodeId = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case id such as which-decision');

/** What an appeal is about; the same names as the deadline conversation uses (src/core/dates/explain.ts). */
export const FLOW_DECISIONS = ['not-to-assess', 'not-to-issue', 'contents', 'not-to-amend', 'cease', 'school-only', 'not-sure'] as const;

export const flowChoiceSchema = z
  .object({
    /** Shown on the button, and sent back as the person's message when they press it. */
    label: nonEmpty.max(40, 'must be at most 40 characters (it is shown on a button)'),
    /** A few words for SMS. */
    short: nonEmpty.max(30, 'must be at most 30 characters (it is listed in an SMS)').optional(),
    /** Typed words that also pick this choice (pattern syntax, as in topics); also read in the message that starts the flow. */
    match: nonEmpty.optional(),
    /** When any alternative here appears, `match` does not count ("no idea" is not "no"). */
    unless: nonEmpty.optional(),
    /** The council decision this choice names, passed to the deadline conversation. */
    decision: z.enum(FLOW_DECISIONS).optional(),
    /** Where the choice leads: exactly one of these. */
    next: nodeId.optional(),
    flow: topicId.optional(),
    topic: topicId.optional(),
    deadline: z.literal(true).optional(),
    person: z.literal(true).optional(),
  })
  .strict()
  .superRefine((choice, ctx) => {
    const targets = (['next', 'flow', 'topic', 'deadline', 'person'] as const).filter((k) => choice[k] !== undefined);
    if (targets.length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `must lead to exactly one of next, flow, topic, deadline or person (found ${targets.length === 0 ? 'none' : targets.join(', ')})`,
      });
    }
  });

export const flowStepSchema = z
  .object({
    /** What to know before the question (light markdown). Optional: a step can be just a question. */
    text: nonEmpty.max(900, 'must be at most 900 characters: keep steps short').optional(),
    question: nonEmpty.max(200, 'must be at most 200 characters'),
    /** The SMS form of `text`; needed when there is a `text`. */
    sms: nonEmpty.max(300, 'must be at most 300 characters (the choices must fit too)').optional(),
    /** The SMS form of the question, when shorter than `question`. */
    smsQuestion: nonEmpty.max(120).optional(),
    choices: z.array(flowChoiceSchema).min(2, 'needs at least two choices').max(6, 'at most 6 choices (Teams shows no more buttons)'),
    sources: z.array(sourceRefSchema).default([]),
    codeOfPractice: z.array(cop).default([]),
  })
  .strict()
  .superRefine((step, ctx) => {
    if (step.text && !step.sms) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['sms'], message: 'is needed when the step has a text' });
  });

export const flowLinkSchema = z.union([
  z.object({ topic: topicId }).strict(),
  z.object({ flow: topicId }).strict(),
  z.object({ deadline: z.literal(true) }).strict(),
  z.object({ person: z.literal(true) }).strict(),
]);

export const flowEndingSchema = z
  .object({
    /** Plain-English next steps (light markdown), with tenant placeholders. */
    text: nonEmpty.max(1600, 'must be at most 1600 characters: keep answers short'),
    sms: nonEmpty.max(320, 'must be at most 320 characters (two SMS segments)'),
    sources: z.array(sourceRefSchema).min(1, 'every ending needs at least one source'),
    codeOfPractice: z.array(cop).default([]),
    /** Offered as choices under the ending. */
    links: z.array(flowLinkSchema).max(3, 'at most 3 links').default([]),
  })
  .strict();

export const flowSchema = z
  .object({
    id: topicId,
    /** What the person is doing, in their words ("I disagree with a council decision"); a button label. */
    title: nonEmpty.max(40, 'must be at most 40 characters (it is shown on a button)'),
    short: nonEmpty.max(30).optional(),
    /** The button that offers this flow after a related answer. */
    offer: nonEmpty.max(40).default('Help me work out what to do'),
    /** Topics whose answers offer this flow. */
    offerAfter: z.array(topicId).default([]),
    /** The flow offered with the welcome and after "start again" (at most one). */
    starter: z.boolean().default(false),
    /** Typed words that start this flow (pattern syntax, as in topics). */
    patterns: z.array(patternSchema).default([]),
    examples: z.array(nonEmpty).default([]),
    start: nodeId,
    steps: z.record(nodeId, flowStepSchema).refine((steps) => Object.keys(steps).length > 0, 'needs at least one step'),
    endings: z.record(nodeId, flowEndingSchema).default({}),
  })
  .strict();

/** Named word lists that patterns use as `@name`, so a phrasing is added once for every topic. */
export const conceptsFileSchema = z
  .object({
    concepts: z.record(topicId, z.array(nonEmpty).min(1, 'needs at least one word or phrase')),
  })
  .strict();

export type Pattern = z.infer<typeof patternSchema>;
export type SourceRef = z.infer<typeof sourceRefSchema>;
export type Topic = z.infer<typeof topicSchema>;
export type SourceDocument = z.infer<typeof documentSchema>;
export type Tenant = z.infer<typeof tenantSchema>;
export type Contact = z.infer<typeof contactSchema>;
export type AdvisersTeamsChannel = z.infer<typeof advisersTeamsChannelSchema>;
export type ControlReply = z.infer<typeof controlReplySchema>;
export type Flow = z.infer<typeof flowSchema>;
export type FlowStep = z.infer<typeof flowStepSchema>;
export type FlowChoice = z.infer<typeof flowChoiceSchema>;
export type FlowEnding = z.infer<typeof flowEndingSchema>;
export type FlowLink = z.infer<typeof flowLinkSchema>;
export type FlowDecision = (typeof FLOW_DECISIONS)[number];
