import type { StoreItems } from 'botbuilder';
import { HANDOFF_REASONS, StoreInputError, type HandoffReason, type StoredActivity } from './store';

/** Helpers shared by the SQLite and PostgreSQL stores. */

/** The id given to an activity that arrives without one (the Direct Line log's own format). */
export function generatedActivityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}

/** Deep copy through JSON: Dates become ISO strings, undefined fields disappear. */
export function jsonClean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function cleanActivity(activity: object): Omit<StoredActivity, 'id'> & { id?: string } {
  if (!activity || typeof activity !== 'object' || Array.isArray(activity)) {
    throw new StoreInputError('An activity must be an object');
  }
  return jsonClean(activity) as Omit<StoredActivity, 'id'> & { id?: string };
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

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isFinite(limit)) return 100;
  return Math.min(1000, Math.max(1, Math.floor(limit)));
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
