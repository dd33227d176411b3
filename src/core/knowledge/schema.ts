import { z } from 'zod';

/**
 * The shape of everything in knowledge/. Content editors work in YAML; these schemas are the
 * contract, checked at start-up and in the test suite.
 */

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const topicId = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case id such as appeal-deadline');
const cop = z.string().regex(/^\d{1,2}\.\d{1,3}$/, 'must be a Code of Practice paragraph such as 11.13');
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
export type ControlReply = z.infer<typeof controlReplySchema>;
