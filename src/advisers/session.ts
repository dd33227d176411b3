import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Config } from '../config';
import type { AdviserIdentity } from '../handoff/types';
import { tokenSecretFor } from '../tokenSecret';
import { identityOf, type AdviserAccount, type AdviserAccounts } from './accounts';
import { findAdviserToken, USERNAME_PATTERN, type AdviserToken } from './tokens';

/**
 * Adviser console sign-in: an HMAC-signed session cookie, bearer tokens, and the limit on sign-in
 * attempts.
 *
 * The cookie `adviser_session` holds `base64url(JSON {v, u, sid, iat, exp, pw}).base64url(HMAC)`:
 * the username, a random session id, when it was made and when it ends, and a keyed fingerprint of
 * the account's password hash (so changing the password ends every session made with the old one).
 * It is HttpOnly, SameSite=Strict, Path=/advisers, Secure on https or in production, and ends after
 * ADVISER_SESSION_HOURS. Every request looks the account up again, so a removed account, or one
 * whose role or councils changed, takes effect at once. Signing out clears the cookie and (on this
 * instance) refuses that session id until it would have expired anyway.
 */

export const SESSION_COOKIE = 'adviser_session';
export const COOKIE_PATH = '/advisers';
export const DEFAULT_SESSION_HOURS = 8;

/**
 * The key for session cookies: ADVISER_SESSION_SECRET, or one derived (HMAC, with a label of its
 * own) from the web chat token secret (DIRECTLINE_TOKEN_SECRET, or the one kept in DATA_DIR), so
 * every instance sharing that secret accepts the same sessions and the token secret itself is
 * never used for two purposes.
 */
export function sessionSecretFor(config: Config): string {
  if (config.ADVISER_SESSION_SECRET) return config.ADVISER_SESSION_SECRET;
  return createHmac('sha256', tokenSecretFor(config)).update('send-assistant/adviser-session/v1').digest('base64url');
}

export interface SessionPayload {
  v: 1;
  /** Username (the account id). */
  u: string;
  sid: string;
  /** Issued and expiry times, seconds since the epoch. */
  iat: number;
  exp: number;
  /** Keyed fingerprint of the password hash. */
  pw: string;
}

/** Who made a request: a signed-in account or a configured token. */
export interface AdviserPrincipal {
  identity: AdviserIdentity;
  /** The account username or token id. */
  username: string;
  via: 'session' | 'token';
  /** Milliseconds since the epoch when the session ends (sessions only). */
  expiresAt?: number;
  sessionId?: string;
}

export type AuthResult = { ok: true; principal: AdviserPrincipal } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export interface AdviserAuthOptions {
  accounts: AdviserAccounts;
  tokens?: readonly AdviserToken[];
  /** At least 32 characters: see {@link sessionSecretFor}. */
  sessionSecret: string;
  /** Default {@link DEFAULT_SESSION_HOURS}. */
  sessionHours?: number;
  /** Always mark the cookie Secure (production); it is also Secure whenever the request came over https. */
  secureCookies?: boolean;
  now?: () => Date;
}

export class AdviserAuth {
  readonly accounts: AdviserAccounts;
  readonly tokens: readonly AdviserToken[];
  readonly sessionHours: number;
  private readonly key: Buffer;
  private readonly secureCookies: boolean;
  private readonly clock: () => Date;
  /** Session ids signed out on this instance, with when they would have expired (ms). */
  private readonly revoked = new Map<string, number>();

  constructor(options: AdviserAuthOptions) {
    if (typeof options.sessionSecret !== 'string' || options.sessionSecret.length < 32) {
      throw new Error('The adviser session secret must be at least 32 characters');
    }
    const hours = options.sessionHours ?? DEFAULT_SESSION_HOURS;
    if (!(hours > 0 && hours <= 24 * 7)) throw new Error('The adviser session must last between a minute and a week');
    this.accounts = options.accounts;
    this.tokens = options.tokens ?? [];
    this.sessionHours = hours;
    this.key = createHmac('sha256', options.sessionSecret).update('adviser_session cookie').digest();
    this.secureCookies = options.secureCookies ?? false;
    this.clock = options.now ?? (() => new Date());
  }

  now(): number {
    return this.clock().getTime();
  }

  /** A bearer token when the request has an Authorization header (and then only that), else the session cookie. */
  async authenticate(req: Request): Promise<AuthResult> {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      const token = match?.[1] ? findAdviserToken(this.tokens, match[1]) : undefined;
      if (!token) return { ok: false, reason: 'invalid' };
      return {
        ok: true,
        principal: {
          identity: { id: `console:${token.id}`, name: token.name, via: 'console', tenants: [...token.tenants], role: token.role },
          username: token.id,
          via: 'token',
        },
      };
    }
    const cookie = readCookie(req, SESSION_COOKIE);
    if (cookie === undefined) return { ok: false, reason: 'missing' };
    const payload = this.verify(cookie);
    if (!payload) return { ok: false, reason: 'invalid' };
    const now = this.now();
    if (payload.exp * 1000 <= now) return { ok: false, reason: 'expired' };
    if (this.isRevoked(payload.sid, now)) return { ok: false, reason: 'invalid' };
    const account = await this.accounts.get(payload.u);
    if (!account || !account.passwordHash || !safeEqual(this.fingerprint(account.passwordHash), payload.pw)) {
      return { ok: false, reason: 'invalid' };
    }
    return {
      ok: true,
      principal: { identity: identityOf(account), username: account.id, via: 'session', expiresAt: payload.exp * 1000, sessionId: payload.sid },
    };
  }

  /** Signs a new session for `account` and sets the cookie. */
  startSession(req: Request, res: Response, account: AdviserAccount): { expiresAt: number } {
    if (!account.passwordHash) throw new Error('An account without a password cannot have a session');
    const now = this.now();
    const lifetimeSeconds = Math.round(this.sessionHours * 3600);
    const payload: SessionPayload = {
      v: 1,
      u: account.id,
      sid: randomBytes(16).toString('base64url'),
      iat: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + lifetimeSeconds,
      pw: this.fingerprint(account.passwordHash),
    };
    const value = this.sign(payload);
    res.append('Set-Cookie', this.cookie(req, value, { maxAgeSeconds: lifetimeSeconds, expires: new Date(payload.exp * 1000) }));
    return { expiresAt: payload.exp * 1000 };
  }

  /** Clears the cookie, and refuses its session id on this instance until it would have expired. */
  endSession(req: Request, res: Response): void {
    const cookie = readCookie(req, SESSION_COOKIE);
    const payload = cookie === undefined ? undefined : this.verify(cookie);
    if (payload) {
      const now = this.now();
      this.pruneRevoked(now);
      if (this.revoked.size < 100_000) this.revoked.set(payload.sid, payload.exp * 1000);
    }
    res.append('Set-Cookie', this.cookie(req, '', { maxAgeSeconds: 0, expires: new Date(0) }));
  }

  /** The Set-Cookie value: the flags are all here. */
  cookie(req: Request, value: string, lifetime: { maxAgeSeconds: number; expires: Date }): string {
    const parts = [
      `${SESSION_COOKIE}=${value}`,
      `Path=${COOKIE_PATH}`,
      `Max-Age=${lifetime.maxAgeSeconds}`,
      `Expires=${lifetime.expires.toUTCString()}`,
      'HttpOnly',
      'SameSite=Strict',
    ];
    if (this.secureCookies || req.secure) parts.push('Secure');
    return parts.join('; ');
  }

  sign(payload: SessionPayload): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${createHmac('sha256', this.key).update(body).digest('base64url')}`;
  }

  verify(value: string): SessionPayload | undefined {
    if (value.length > 1024) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const body = value.slice(0, dot);
    const signature = value.slice(dot + 1);
    if (!safeEqual(createHmac('sha256', this.key).update(body).digest('base64url'), signature)) return undefined;
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<SessionPayload>;
      if (
        payload.v !== 1 ||
        typeof payload.u !== 'string' ||
        !USERNAME_PATTERN.test(payload.u) ||
        typeof payload.sid !== 'string' ||
        typeof payload.iat !== 'number' ||
        typeof payload.exp !== 'number' ||
        typeof payload.pw !== 'string'
      ) {
        return undefined;
      }
      return payload as SessionPayload;
    } catch {
      return undefined;
    }
  }

  private fingerprint(passwordHash: string): string {
    return createHmac('sha256', this.key).update(`password:${passwordHash}`).digest('base64url').slice(0, 22);
  }

  private isRevoked(sid: string, now: number): boolean {
    const until = this.revoked.get(sid);
    if (until === undefined) return false;
    if (until <= now) {
      this.revoked.delete(sid);
      return false;
    }
    return true;
  }

  private pruneRevoked(now: number): void {
    for (const [sid, until] of this.revoked) if (until <= now) this.revoked.delete(sid);
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** One cookie's value from the Cookie header (the first of that name). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}

// ---- Limits on sign-in attempts -----------------------------------------------------------------

export interface SignInLimitOptions {
  /** Failed attempts allowed per key (client address, username) in the window; default 10. */
  max?: number;
  /** Default 15 minutes. */
  windowSeconds?: number;
  /** Keys remembered at once; the oldest are forgotten beyond it. Default 50,000. */
  maxKeys?: number;
  now?: () => number;
}

export type SignInDecision = { allowed: true; succeeded(): void } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts sign-in attempts per key in a sliding window, in memory (each instance its own). Every
 * attempt counts when it starts, so attempts made in parallel cannot slip past the limit while the
 * password is being checked; a successful one is then taken off again, so only failures add up (an
 * office of advisers behind one address is not locked out by signing in).
 */
export class SignInLimiter {
  private readonly attempts = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: SignInLimitOptions = {}) {
    this.max = options.max ?? 10;
    this.windowMs = (options.windowSeconds ?? 15 * 60) * 1000;
    this.maxKeys = options.maxKeys ?? 50_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.max) || this.max < 1 || !(this.windowMs > 0)) throw new Error('A sign-in limit needs a positive count and window');
  }

  /** Counts one attempt against every key, unless one of them is over its limit. */
  attempt(keys: string[]): SignInDecision {
    const now = this.now();
    let retryAfterMs = 0;
    const lists = keys.map((key) => {
      const list = (this.attempts.get(key) ?? []).filter((at) => now - at < this.windowMs);
      if (list.length >= this.max) retryAfterMs = Math.max(retryAfterMs, (list[0] ?? now) + this.windowMs - now);
      return [key, list] as const;
    });
    if (retryAfterMs > 0) {
      for (const [key, list] of lists) this.keep(key, list);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    }
    for (const [key, list] of lists) {
      list.push(now);
      this.keep(key, list);
    }
    return {
      allowed: true,
      succeeded: () => {
        for (const [key] of lists) {
          const list = this.attempts.get(key);
          const index = list?.lastIndexOf(now) ?? -1;
          if (list && index !== -1) list.splice(index, 1);
          if (list && list.length === 0) this.attempts.delete(key);
        }
      },
    };
  }

  private keep(key: string, list: number[]): void {
    this.attempts.delete(key);
    if (list.length === 0) return;
    this.attempts.set(key, list);
    while (this.attempts.size > this.maxKeys) {
      const oldest = this.attempts.keys().next().value;
      if (oldest === undefined) break;
      this.attempts.delete(oldest);
    }
  }
}
