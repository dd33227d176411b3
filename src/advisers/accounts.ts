import { compare, hash } from 'bcryptjs';
import type { AdviserIdentity } from '../handoff/types';
import { USERNAME_PATTERN } from './tokens';

/**
 * Adviser console accounts: a username (the account id), a display name, a role, the councils the
 * adviser works for, and a bcrypt password hash. The store keeps them (upsertAdviser, getAdviser,
 * markAdviserSeen, listAdvisers, deleteAdviser); `npm run advisers` adds and removes them. There is
 * no default account and no default password, in any environment: with no accounts and no
 * ADVISER_TOKENS the console says no one can sign in.
 */
export interface AdviserAccount {
  /** The username, e.g. `sam.jones`: lower-case letters, digits, `.`, `_`, `-`. */
  id: string;
  displayName: string;
  /** bcrypt. Absent: the account cannot sign in with a password. */
  passwordHash?: string;
  role: 'adviser' | 'manager';
  /** Councils this adviser works for; empty means all. */
  tenants: string[];
}

export interface AdviserAccounts {
  get(id: string): Promise<AdviserAccount | undefined>;
  /** Records that the adviser is online now (the console calls it every minute an event stream is open). */
  markSeen(id: string): Promise<void>;
  /**
   * Whether any account exists (optional): when it says no, and no tokens are configured, the
   * sign-in page says no one can sign in instead of offering a form that cannot work.
   */
  hasAny?(): Promise<boolean>;
}

/** What the store offers, as named there; {@link adviserAccountsFrom} adapts it. */
export interface AdviserAccountSource {
  getAdviser(id: string): Promise<AdviserAccount | undefined>;
  markAdviserSeen(id: string): Promise<void>;
  listAdvisers?(): Promise<unknown[]>;
}

/** The console's view of the store's adviser accounts. */
export function adviserAccountsFrom(source: AdviserAccountSource): AdviserAccounts {
  return {
    get: (id) => source.getAdviser(id),
    markSeen: (id) => source.markAdviserSeen(id),
    hasAny: source.listAdvisers ? async () => ((await source.listAdvisers?.()) ?? []).length > 0 : undefined,
  };
}

/** Accounts held in memory (tests, demonstrations). */
export class InMemoryAdviserAccounts implements AdviserAccounts {
  readonly accounts = new Map<string, AdviserAccount>();
  readonly seen = new Map<string, number>();

  constructor(accounts: AdviserAccount[] = []) {
    for (const account of accounts) this.accounts.set(account.id, account);
  }

  async get(id: string): Promise<AdviserAccount | undefined> {
    const account = this.accounts.get(id);
    return account ? { ...account, tenants: [...account.tenants] } : undefined;
  }

  async markSeen(id: string): Promise<void> {
    this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
  }

  async hasAny(): Promise<boolean> {
    return this.accounts.size > 0;
  }
}

/** The identity the hand-off desk sees for a console account. */
export function identityOf(account: Pick<AdviserAccount, 'id' | 'displayName' | 'role' | 'tenants'>): AdviserIdentity {
  return {
    id: `console:${account.id}`,
    name: account.displayName,
    via: 'console',
    tenants: [...account.tenants],
    role: account.role,
  };
}

// ---- Passwords --------------------------------------------------------------------------------

/** bcrypt cost for new hashes: about a quarter of a second per check here. */
export const BCRYPT_COST = 12;
export const MIN_PASSWORD_LENGTH = 12;
/** bcrypt reads at most 72 bytes: a longer password would be cut silently, so it is refused. */
export const MAX_PASSWORD_BYTES = 72;
/** Longer sign-in passwords are refused before any hashing (they cannot match anyway). */
const MAX_SIGN_IN_PASSWORD_CHARACTERS = 1024;

/**
 * A hash of a random string nobody knows, at {@link BCRYPT_COST}: checked when the username is
 * unknown (or has no password), so a wrong username takes as long as a wrong password and the
 * time taken does not tell which usernames exist.
 */
const DUMMY_HASH = '$2b$12$rh2USVmaz2HaWUgaBgHv3u6YtotNil6EWefNh8qTllzNhX9KTiG6G';

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return `The password must be at most ${MAX_PASSWORD_BYTES} bytes (bcrypt ignores the rest).`;
  if (password.trim() !== password) return 'The password must not start or end with a space.';
  return undefined;
}

export async function hashPassword(password: string, options: { cost?: number } = {}): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new Error(problem);
  return hash(password, options.cost ?? BCRYPT_COST);
}

/**
 * True when `password` matches `passwordHash`. Without a hash (unknown user, or an account with no
 * password) it checks a dummy hash and returns false, so it takes the same time either way.
 */
export async function verifyPassword(password: string, passwordHash: string | undefined): Promise<boolean> {
  const usable = typeof passwordHash === 'string' && /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(passwordHash);
  const candidate = password.length <= MAX_SIGN_IN_PASSWORD_CHARACTERS ? password : '';
  try {
    const matches = await compare(candidate, usable ? passwordHash : DUMMY_HASH);
    return usable && candidate.length > 0 && matches;
  } catch {
    return false;
  }
}

export function normaliseUsername(value: string): string | undefined {
  const username = value.trim().toLowerCase();
  return USERNAME_PATTERN.test(username) ? username : undefined;
}
