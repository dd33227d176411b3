import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens for the adviser console's API, configured per deployment in ADVISER_TOKENS. Only
 * the SHA-256 of each token is kept in the environment, never the token: a token is 32 random
 * bytes, so an unsalted hash is enough (there is nothing to guess), and a leaked environment does
 * not hand out API access.
 *
 * ADVISER_TOKENS is a comma-separated list of entries, each five fields separated by colons:
 *
 *     id:Display name:role:tenants:sha256hex
 *
 * - `id`: lower-case letters, digits, `.`, `_`, `-` (at most 64), starting with a letter or digit;
 *   the adviser acts as `console:<id>` (an account with the same username is the same adviser);
 * - `Display name`: what people and other advisers see (1 to 80 characters, no `:` or `,`);
 * - `role`: `adviser` or `manager`;
 * - `tenants`: councils separated by `|` (e.g. `derby|milton-keynes`), or `*` for all;
 * - `sha256hex`: the 64 hex digits of SHA-256 of the token (`npm run advisers -- token` prints both).
 *
 * Example: `api-bot:Derby duty desk:adviser:derby:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`
 */
export interface AdviserToken {
  id: string;
  name: string;
  role: 'adviser' | 'manager';
  /** Empty means all councils. */
  tenants: string[];
  /** SHA-256 of the token, 32 bytes. */
  sha256: Buffer;
}

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const TENANT_PATTERN = /^[a-z][a-z0-9-]*$/;
export const TOKEN_PREFIX = 'sat_';

export class AdviserTokenFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdviserTokenFormatError';
  }
}

/**
 * Parses ADVISER_TOKENS. Errors name the entry by its position and the field, never its content
 * (hashes are not secret, but an operator may paste a token by mistake).
 */
export function parseAdviserTokens(value: string | undefined): AdviserToken[] {
  const tokens: AdviserToken[] = [];
  if (!value) return tokens;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const fields = entry.split(':');
    if (fields.length !== 5) {
      throw new AdviserTokenFormatError(
        `${where}: must be id:Display name:role:tenants:sha256hex (five fields separated by colons)`,
      );
    }
    const [id, name, role, tenantField, hash] = fields.map((field) => field.trim()) as [string, string, string, string, string];
    if (!USERNAME_PATTERN.test(id)) {
      throw new AdviserTokenFormatError(`${where}: the id must be lower-case letters, digits, ".", "_" or "-" (at most 64)`);
    }
    if (name.length < 1 || name.length > 80) throw new AdviserTokenFormatError(`${where}: the display name must be 1 to 80 characters`);
    if (role !== 'adviser' && role !== 'manager') throw new AdviserTokenFormatError(`${where}: the role must be adviser or manager`);
    const tenants = tenantField === '*' ? [] : tenantField.split('|').map((t) => t.trim());
    if (tenantField !== '*' && (tenants.length === 0 || tenants.some((t) => !TENANT_PATTERN.test(t)))) {
      throw new AdviserTokenFormatError(`${where}: tenants must be council ids separated by | (e.g. derby|milton-keynes), or * for all`);
    }
    if (!/^[0-9a-fA-F]{64}$/.test(hash)) {
      throw new AdviserTokenFormatError(
        `${where}: the last field must be the SHA-256 of the token in hex (64 characters), not the token itself`,
      );
    }
    const sha256 = Buffer.from(hash, 'hex');
    if (tokens.some((t) => t.id === id)) throw new AdviserTokenFormatError(`${where}: the id is used by an earlier entry`);
    if (tokens.some((t) => t.sha256.equals(sha256))) throw new AdviserTokenFormatError(`${where}: the same token hash is in an earlier entry`);
    tokens.push({ id, name, role, tenants: [...new Set(tenants)], sha256 });
  });
  return tokens;
}

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token (`sat_` and 43 base64url characters) and its hash for ADVISER_TOKENS. */
export function newAdviserToken(): { token: string; sha256: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, sha256: sha256Hex(token) };
}

/** The ADVISER_TOKENS entry for a token. */
export function adviserTokenEntry(entry: { id: string; name: string; role: 'adviser' | 'manager'; tenants: string[]; sha256: string }): string {
  if (!USERNAME_PATTERN.test(entry.id)) throw new AdviserTokenFormatError('the id must be lower-case letters, digits, ".", "_" or "-" (at most 64)');
  if (/[:,]/.test(entry.name) || entry.name.trim().length < 1 || entry.name.trim().length > 80) {
    throw new AdviserTokenFormatError('the display name must be 1 to 80 characters without ":" or ","');
  }
  if (entry.tenants.some((t) => !TENANT_PATTERN.test(t))) throw new AdviserTokenFormatError('tenants must be council ids such as derby');
  const tenants = entry.tenants.length === 0 ? '*' : entry.tenants.join('|');
  return `${entry.id}:${entry.name.trim()}:${entry.role}:${tenants}:${entry.sha256}`;
}

/**
 * The configured token matching `presented`, comparing hashes in constant time against every entry
 * (so the time taken says nothing about which entry, if any, nearly matched).
 */
export function findAdviserToken(tokens: readonly AdviserToken[], presented: string): AdviserToken | undefined {
  if (presented.length < 16 || presented.length > 512) return undefined;
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: AdviserToken | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(digest, token.sha256) && found === undefined) found = token;
  }
  return found;
}
