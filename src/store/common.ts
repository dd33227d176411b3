import { randomUUID } from 'node:crypto';
import type { StoreItems } from 'botbuilder';
import {
  ADVISER_ROLES,
  CALLBACK_STATUSES,
  HANDOFF_REASONS,
  HANDOFF_STATUSES,
  StoreInputError,
  TURN_OUTCOMES,
  UNANSWERED_STATUSES,
  type Adviser,
  type AdviserRole,
  type AuditEntry,
  type Callback,
  type CallbackStatus,
  type Conversation,
  type Feedback,
  type Handoff,
  type HandoffReason,
  type HandoffStatus,
  type StateRecord,
  type StoredActivity,
  type TranscriptEntry,
  type TurnOutcome,
  type TurnOutcomeKind,
  type Unanswered,
  type UnansweredStatus,
} from './store';

/** Helpers shared by the SQLite and PostgreSQL stores. */

/** The id given to an activity that arrives without one (the Direct Line log's own format). */
export function generatedActivityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}

/** Deep copy through JSON: Dates become ISO strings, undefined fields disappear. */
export function jsonClean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * An activity to append, serialised once: `text` is its JSON and `clean` that JSON parsed (the
 * JSON-clean copy: Dates become ISO strings, undefined fields disappear). Both the stored body and
 * the returned activity are `{ ...clean, id }`; {@link storedActivity} and
 * {@link bodyAroundGeneratedSeq} make them without serialising it again.
 */
export interface ActivityToAppend {
  readonly text: string;
  readonly clean: unknown;
  /** The id it came with (JSON-clean, as a string); undefined when missing, null or empty. */
  readonly givenId: string | undefined;
}

export function prepareActivity(activity: object): ActivityToAppend {
  if (!activity || typeof activity !== 'object' || Array.isArray(activity)) {
    throw new StoreInputError('An activity must be an object');
  }
  const text = JSON.stringify(activity);
  const clean = JSON.parse(text) as unknown;
  const id = (clean as { id?: unknown } | null)?.id;
  return { text, clean, givenId: id === undefined || id === null || id === '' ? undefined : String(id) };
}

/** A plain JSON object (what a JSON-clean activity almost always is; a toJSON could make it anything). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The stored activity `{ ...clean, id }` and its JSON text, which is exactly
 * `JSON.stringify({ ...clean, id })`: JSON.stringify(JSON.parse(text)) gives `text` back (same
 * keys in the same order, same escapes, same numbers), so the text already made is reused when
 * the id is the one it holds, or extended when it holds none (a new key goes last). `clean` is
 * taken over (given its id): call once per {@link prepareActivity}.
 */
export function storedActivity(activity: ActivityToAppend, id: string): { stored: StoredActivity; text: string } {
  const { clean, text } = activity;
  if (isJsonObject(clean)) {
    if (clean.id === id) return { stored: clean as StoredActivity, text };
    if (!Object.hasOwn(clean, 'id')) {
      clean.id = id;
      return { stored: clean as StoredActivity, text: appendIdText(text, JSON.stringify(id)) };
    }
  }
  const stored = { ...(clean as object), id } as StoredActivity;
  return { stored, text: JSON.stringify(stored) };
}

/** `text` (an object's JSON) with `"id":<idJson>` added as its last member. */
function appendIdText(text: string, idJson: string): string {
  return text === '{}' ? `{"id":${idJson}}` : `${text.slice(0, -1)},"id":${idJson}}`;
}

/**
 * For an append whose id the database makes (`${conversationId}|${seq padded to 7 digits}`, see
 * {@link generatedActivityId}): the stored body's JSON text before and after the digits, so that
 * `head + digits + tail` is `JSON.stringify({ ...clean, id })`. Digits and `|` need no escaping,
 * so the id's JSON is the conversation id's JSON up to its closing quote, `|`, the digits, `"`.
 */
export function bodyAroundGeneratedSeq(activity: ActivityToAppend, conversationId: string): { head: string; tail: string } {
  const { clean, text } = activity;
  if (isJsonObject(clean) && !Object.hasOwn(clean, 'id')) {
    const idJson = JSON.stringify(`${conversationId}|`);
    return { head: appendIdText(text, idJson.slice(0, -1)).slice(0, -1), tail: '"}' };
  }
  // An id member already there (null or ''): it keeps its place. Serialise once more with a marker
  // in place of the digits, one unlikely to be anywhere else (and made again if it is).
  for (;;) {
    const marker = `\u0000${randomUUID()}`;
    const markerJson = JSON.stringify(marker).slice(1, -1);
    const full = JSON.stringify({ ...(clean as object), id: `${conversationId}|${marker}` });
    const at = full.indexOf(markerJson);
    if (at >= 0 && full.indexOf(markerJson, at + 1) < 0) return { head: full.slice(0, at), tail: full.slice(at + markerJson.length) };
  }
}

/** The stored activity for an id made as {@link generatedActivityId} (after {@link bodyAroundGeneratedSeq}). */
export function storedWithGeneratedId(activity: ActivityToAppend, id: string): StoredActivity {
  const { clean } = activity;
  if (isJsonObject(clean)) {
    clean.id = id;
    return clean as StoredActivity;
  }
  return { ...(clean as object), id } as StoredActivity;
}

/**
 * New eTags: a random prefix per store object (so never the same across instances or restarts)
 * and a counter. Cheaper than a random UUID per write, and as unique.
 */
export function eTagMaker(): () => string {
  const prefix = randomUUID();
  let count = 0;
  return () => `${prefix}.${(count++).toString(36)}`;
}

/**
 * Which conversation or user a Bot Framework state key belongs to, so retention and a person's
 * export/delete can find it. Keys made by botbuilder's BotState classes:
 *   ConversationState        `${channelId}/conversations/${conversationId}/`
 *   UserState                `${channelId}/users/${userId}/`
 *   PrivateConversationState `${channelId}/conversations/${conversationId}/users/${userId}/`
 */
export function stateKeyOwner(key: string): { conversationId?: string; userId?: string } {
  const conversation = /^[^/]*\/conversations\/(.+?)\/(?:users\/(.+)\/)?$/.exec(key);
  if (conversation) return { conversationId: conversation[1], userId: conversation[2] };
  const user = /^[^/]*\/users\/(.+)\/$/.exec(key);
  if (user) return { userId: user[1] };
  return {};
}

/** The stored value: the item without its eTag, as JSON text. */
export function stateValueText(item: unknown): string {
  if (!item || typeof item !== 'object' || Array.isArray(item)) {
    throw new StoreInputError('A state item must be an object');
  }
  const { eTag: _eTag, ...rest } = item as Record<string, unknown>;
  return JSON.stringify(rest);
}

/**
 * A state item as read: the stored value with its eTag, i.e. `{ ...value, eTag }`. The value is
 * an object without an eTag (see {@link stateValueText}), so adding the eTag to the freshly
 * parsed object gives the same without a copy; anything else is spread as before.
 */
export function stateItem(valueText: string, eTag: string): Record<string, unknown> {
  const value = JSON.parse(valueText) as unknown;
  if (isJsonObject(value)) {
    value.eTag = eTag;
    return value;
  }
  return { ...(value as object), eTag };
}

export type WriteMode = { kind: 'any' } | { kind: 'create' } | { kind: 'match'; eTag: string };

export function writeMode(item: unknown): WriteMode {
  const eTag = (item as { eTag?: unknown } | null)?.eTag;
  if (eTag === '*') return { kind: 'any' };
  if (eTag === undefined || eTag === null || eTag === '') return { kind: 'create' };
  return { kind: 'match', eTag: String(eTag) };
}

export function checkKeys(keys: unknown): string[] {
  if (!Array.isArray(keys)) throw new StoreInputError('Keys are required');
  return [...new Set(keys.map((key) => requireText(key, 'key')))];
}

export function checkChanges(changes: unknown): StoreItems {
  if (!changes || typeof changes !== 'object' || Array.isArray(changes)) {
    throw new StoreInputError('Changes are required when writing');
  }
  return changes as StoreItems;
}

export function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new StoreInputError(`${field} must be a non-empty string`);
  return value;
}

export function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new StoreInputError(`${field} must be a string`);
  return value;
}

export function requireReason(value: unknown): HandoffReason {
  if (!HANDOFF_REASONS.includes(value as HandoffReason)) {
    throw new StoreInputError(`reason must be one of ${HANDOFF_REASONS.join(', ')}`);
  }
  return value as HandoffReason;
}

export function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new StoreInputError(`${field} must be an object`);
  return value as Record<string, unknown>;
}

export function requireAfterSeq(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new StoreInputError('afterSeq must be a whole number, 0 or more');
  }
  return value;
}

/** A list's `limit`: `fallback` when omitted (or not a finite number), else 1 to `max`. */
export function clampLimit(limit: number | undefined, fallback = 100, max = 1000): number {
  if (limit === undefined || limit === null) return fallback;
  if (typeof limit !== 'number' || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(1, Math.floor(limit)));
}

export function requireDate(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new StoreInputError(`${field} must be a valid Date`);
  return value;
}

/** Names a PubSub channel may have: short, plain (they travel inside a JSON envelope). */
export function requireChannel(channel: unknown): string {
  const name = requireText(channel, 'channel');
  if (name.length > 200) throw new StoreInputError('channel name is too long');
  return name;
}

/** A payload must survive JSON: functions, undefined at the top level or cycles are refused. */
export function payloadText(payload: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch {
    throw new StoreInputError('payload must be JSON-serialisable');
  }
  if (text === undefined) throw new StoreInputError('payload must be JSON-serialisable');
  return text;
}

/** Subject ids for a person's export/delete: the id itself plus what the conversations link to it. */
export function uniq(values: Iterable<string | null | undefined>): string[] {
  const out = new Set<string>();
  for (const value of values) if (value) out.add(value);
  return [...out];
}

/**
 * State kept past the retention period: an SMS opt-out is the person's instruction not to be
 * messaged, and forgetting it after 30 days would start messaging them again.
 */
export const KEPT_STATE_PREFIX = 'sms-channel/opt-out/';

// ---- Inputs and filters of lists -------------------------------------------------------------

export function requireEnum<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw new StoreInputError(`${field} must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function optionalDate(value: unknown, field: string): Date | undefined {
  return value === undefined || value === null ? undefined : requireDate(value, field);
}

/** JSON text of an object (for a JSON column); refuses what JSON can't hold. */
export function objectJson(value: unknown, field: string): string {
  requireObject(value, field);
  try {
    return JSON.stringify(value);
  } catch {
    throw new StoreInputError(`${field} must be JSON-serialisable`);
  }
}

/** A list of ids: non-empty strings, each once. */
export function checkIds(ids: unknown, field: string): string[] {
  if (!Array.isArray(ids)) throw new StoreInputError(`${field} must be an array`);
  return [...new Set(ids.map((id) => requireText(id, field)))];
}

function filterObject(filter: unknown): Record<string, unknown> {
  if (filter === undefined || filter === null) return {};
  return requireObject(filter, 'filter');
}

/** A time range: `from` inclusive, `to` exclusive. */
export interface Range {
  from?: Date;
  to?: Date;
}

function range(filter: Record<string, unknown>): Range {
  return { from: optionalDate(filter.from, 'from'), to: optionalDate(filter.to, 'to') };
}

export function conversationFilter(filter: unknown): Range & { tenant?: string; channel?: string; limit: number } {
  const f = filterObject(filter);
  return {
    tenant: optionalText(f.tenant, 'tenant'),
    channel: optionalText(f.channel, 'channel'),
    ...range(f),
    limit: clampLimit(f.limit as number | undefined, 10_000, 100_000),
  };
}

export function handoffFilter(
  filter: unknown,
): Range & { tenant?: string; status?: HandoffStatus[]; claimedBy?: string; limit: number } {
  const f = filterObject(filter);
  let status: HandoffStatus[] | undefined;
  if (f.status !== undefined && f.status !== null) {
    if (!Array.isArray(f.status)) throw new StoreInputError('status must be an array');
    status = [...new Set(f.status.map((value) => requireEnum(value, HANDOFF_STATUSES, 'status')))];
    if (status.length === 0) status = undefined;
  }
  return {
    tenant: optionalText(f.tenant, 'tenant'),
    status,
    claimedBy: optionalText(f.claimedBy, 'claimedBy'),
    ...range(f),
    limit: clampLimit(f.limit as number | undefined, 1000, 10_000),
  };
}

export function callbackFilter(filter: unknown): Range & { tenant?: string; status?: CallbackStatus } {
  const f = filterObject(filter);
  return {
    tenant: optionalText(f.tenant, 'tenant'),
    status: f.status === undefined || f.status === null ? undefined : requireEnum(f.status, CALLBACK_STATUSES, 'status'),
    ...range(f),
  };
}

export function feedbackFilter(filter: unknown): Range & { conversationId?: string; topicId?: string } {
  const f = filterObject(filter);
  return { conversationId: optionalText(f.conversationId, 'conversationId'), topicId: optionalText(f.topicId, 'topicId'), ...range(f) };
}

export function unansweredFilter(filter: unknown): Range & { tenant?: string; status?: UnansweredStatus; limit: number } {
  const f = filterObject(filter);
  return {
    tenant: optionalText(f.tenant, 'tenant'),
    status: f.status === undefined || f.status === null ? undefined : requireEnum(f.status, UNANSWERED_STATUSES, 'status'),
    ...range(f),
    limit: clampLimit(f.limit as number | undefined),
  };
}

export function turnOutcomeFilter(filter: unknown): Range & { tenant?: string; channel?: string } {
  const f = filterObject(filter);
  return { tenant: optionalText(f.tenant, 'tenant'), channel: optionalText(f.channel, 'channel'), ...range(f) };
}

export function adviserInput(input: unknown): {
  id: string;
  displayName: string;
  passwordHash?: string;
  role: AdviserRole;
  tenants: string[];
} {
  const a = requireObject(input, 'adviser');
  if (!Array.isArray(a.tenants)) throw new StoreInputError('tenants must be an array (empty: all councils)');
  const passwordHash = optionalText(a.passwordHash, 'passwordHash');
  if (passwordHash === '') throw new StoreInputError('passwordHash must be a non-empty string when given');
  return {
    id: requireText(a.id, 'adviser id'),
    displayName: requireText(a.displayName, 'displayName'),
    passwordHash,
    role: requireEnum(a.role, ADVISER_ROLES, 'role'),
    tenants: [...new Set(a.tenants.map((tenant) => requireText(tenant, 'tenant')))],
  };
}

/**
 * A call-back request, checked (refused without the person's consent): tenant, channel,
 * conversation id, user id, name, contact and best time, in the callbacks table's column order.
 */
export function callbackValues(input: unknown): [string, string, string | null, string | null, string, string, string | null] {
  const c = requireObject(input, 'call-back');
  if (c.consent !== true) throw new StoreInputError('A call-back request needs the person’s consent');
  return [
    requireText(c.tenant, 'tenant'),
    requireText(c.channel, 'channel'),
    optionalText(c.conversationId, 'conversationId') ?? null,
    optionalText(c.userId, 'userId') ?? null,
    requireText(c.name, 'name'),
    requireText(c.contact, 'contact'),
    optionalText(c.bestTime, 'bestTime') ?? null,
  ];
}

/** A hand-off to enqueue, checked: the summary and reference as JSON text, urgent when it is safeguarding. */
export function handoffInput(input: unknown): {
  conversationId: string;
  tenant: string;
  channel: string;
  reason: HandoffReason;
  summary: string;
  reference: string | null;
  urgent: boolean;
} {
  const h = requireObject(input, 'hand-off');
  const reason = requireReason(h.reason);
  return {
    conversationId: requireText(h.conversationId, 'conversationId'),
    tenant: requireText(h.tenant, 'tenant'),
    channel: requireText(h.channel, 'channel'),
    reason,
    summary: objectJson(h.summary, 'summary'),
    reference: h.reference === undefined || h.reference === null ? null : objectJson(h.reference, 'reference'),
    urgent: reason === 'safeguarding',
  };
}

export function turnOutcomeInput(input: unknown): {
  conversationId: string;
  tenant: string;
  channel: string;
  outcome: TurnOutcomeKind;
  topicId?: string;
} {
  const t = requireObject(input, 'turn outcome');
  return {
    conversationId: requireText(t.conversationId, 'conversationId'),
    tenant: requireText(t.tenant, 'tenant'),
    channel: requireText(t.channel, 'channel'),
    outcome: requireEnum(t.outcome, TURN_OUTCOMES, 'outcome'),
    topicId: optionalText(t.topicId, 'topicId') || undefined,
  };
}

/**
 * A WHERE clause built from fixed fragments (column names and operators written in this module's
 * callers) and parameters only: `?` for SQLite, `$n` for PostgreSQL. Conditions not given are
 * left out, so each query can use its indexes.
 */
export class SqlWhere {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  constructor(private readonly dialect: 'sqlite' | 'postgres') {}

  /** A placeholder for one more parameter. */
  param(value: unknown): string {
    this.params.push(value);
    return this.dialect === 'postgres' ? `$${this.params.length}` : '?';
  }

  /** A time parameter: milliseconds for SQLite, a Date (timestamptz) for PostgreSQL. */
  time(value: Date): string {
    return this.param(this.dialect === 'postgres' ? value : value.getTime());
  }

  equals(column: string, value: string | undefined): this {
    if (value !== undefined) this.parts.push(`${column} = ${this.param(value)}`);
    return this;
  }

  oneOf(column: string, values: readonly string[] | undefined): this {
    if (values === undefined) return this;
    this.parts.push(
      this.dialect === 'postgres'
        ? `${column} = ANY(${this.param(values)}::text[])`
        : `${column} IN (SELECT value FROM json_each(${this.param(JSON.stringify(values))}))`,
    );
    return this;
  }

  /** `from` inclusive, `to` exclusive. */
  range(column: string, { from, to }: Range): this {
    if (from !== undefined) this.parts.push(`${column} >= ${this.time(from)}`);
    if (to !== undefined) this.parts.push(`${column} < ${this.time(to)}`);
    return this;
  }

  toString(): string {
    return this.parts.length === 0 ? '' : `WHERE ${this.parts.join(' AND ')}`;
  }
}

// ---- Row mapping (SQLite gives times as milliseconds and booleans as 0/1; PostgreSQL Dates) ---

export type Row = Record<string, unknown>;

export function iso(value: unknown): string {
  if (typeof value === 'number') return new Date(value).toISOString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return new Date(Number(value)).toISOString();
  return new Date(String(value)).toISOString();
}

export function isoOrUndefined(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : iso(value);
}

export function textOrUndefined(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

function jsonOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return value === null || value === undefined ? undefined : (JSON.parse(String(value)) as Record<string, unknown>);
}

/**
 * The object without its undefined fields, as a JSON round trip would leave it, for objects whose
 * other values are already JSON-clean (strings, finite numbers, booleans, freshly parsed JSON).
 */
function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) out[key] = field;
  }
  return out as T;
}

export function conversationFrom(row: Row): Conversation {
  return compact({
    id: String(row.id),
    tenant: String(row.tenant),
    channel: String(row.channel),
    userId: textOrUndefined(row.user_id),
    lastSeq: Number(row.last_seq),
    started: Boolean(row.started),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  });
}

export function entryFrom(row: Row): TranscriptEntry {
  return {
    conversationId: String(row.conversation_id),
    seq: Number(row.seq),
    id: String(row.activity_id),
    activity: JSON.parse(String(row.body)) as StoredActivity,
    createdAt: iso(row.created_at),
  };
}

export function stateFrom(row: Row): StateRecord {
  return { key: String(row.key), value: JSON.parse(String(row.value)) as Record<string, unknown>, updatedAt: iso(row.updated_at) };
}

export function handoffFrom(row: Row): Handoff {
  return compact({
    id: String(row.id),
    conversationId: String(row.conversation_id),
    tenant: String(row.tenant),
    channel: String(row.channel),
    reason: String(row.reason) as HandoffReason,
    urgent: Boolean(row.urgent),
    summary: JSON.parse(String(row.summary)) as Record<string, unknown>,
    reference: jsonOrUndefined(row.reference),
    status: String(row.status) as HandoffStatus,
    createdAt: iso(row.created_at),
    claimedBy: textOrUndefined(row.claimed_by),
    claimedAt: isoOrUndefined(row.claimed_at),
    closedBy: textOrUndefined(row.closed_by),
    closedAt: isoOrUndefined(row.closed_at),
  });
}

export function callbackFrom(row: Row): Callback {
  return compact({
    id: String(row.id),
    tenant: String(row.tenant),
    channel: String(row.channel),
    conversationId: textOrUndefined(row.conversation_id),
    userId: textOrUndefined(row.user_id),
    name: String(row.name),
    contact: String(row.contact),
    bestTime: textOrUndefined(row.best_time),
    status: String(row.status) as CallbackStatus,
    consentAt: iso(row.consent_at),
    createdAt: iso(row.created_at),
    doneAt: isoOrUndefined(row.done_at),
    doneBy: textOrUndefined(row.done_by),
  });
}

export function feedbackFrom(row: Row): Feedback {
  return compact({
    id: String(row.id),
    conversationId: String(row.conversation_id),
    topicId: textOrUndefined(row.topic_id),
    helpful: Boolean(row.helpful),
    comment: textOrUndefined(row.comment),
    createdAt: iso(row.created_at),
  });
}

export function unansweredFrom(row: Row): Unanswered {
  return {
    id: String(row.id),
    tenant: String(row.tenant),
    channel: String(row.channel),
    text: String(row.text),
    status: String(row.status) as UnansweredStatus,
    createdAt: iso(row.created_at),
  };
}

export function auditFrom(row: Row): AuditEntry {
  return { id: Number(row.id), at: iso(row.at), actor: String(row.actor), action: String(row.action), target: String(row.target) };
}

/** Tenants are JSON text in SQLite and text[] in PostgreSQL. */
export function adviserFrom(row: Row): Adviser {
  const tenants = Array.isArray(row.tenants) ? (row.tenants as unknown[]) : (JSON.parse(String(row.tenants)) as unknown[]);
  return compact({
    id: String(row.id),
    displayName: String(row.display_name),
    passwordHash: textOrUndefined(row.password_hash),
    role: String(row.role) as AdviserRole,
    tenants: tenants.map(String),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    lastSeenAt: isoOrUndefined(row.last_seen_at),
  });
}

export function turnOutcomeFrom(row: Row): TurnOutcome {
  return compact({
    conversationId: String(row.conversation_id),
    tenant: String(row.tenant),
    channel: String(row.channel),
    outcome: String(row.outcome) as TurnOutcomeKind,
    topicId: textOrUndefined(row.topic_id),
    at: iso(row.at),
  });
}
