import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Conversation-scoped bearer tokens for the browser: `<payload>.<signature>`, both base64url,
 * the signature being HMAC-SHA256 over the payload text. The payload is readable by anyone who
 * holds the token (it names only the conversation, the tenant and the expiry); the secret never
 * leaves the server.
 */

export interface TokenClaims {
  conversationId: string;
  tenant: string;
  /** Seconds since the Unix epoch. */
  expiresAt: number;
}

export type TokenCheck =
  | { status: 'valid'; claims: TokenClaims }
  | { status: 'expired'; claims: TokenClaims }
  | { status: 'invalid' };

/** Shaped like Direct Line's token responses (`expires_in` is added by the router). */
export interface IssuedToken {
  token: string;
  conversationId: string;
  expiresIn: number;
}

export interface ConversationTokensOptions {
  /** At least 32 characters. */
  secret: string;
  /**
   * Lifetime of a token. Web Chat refreshes its token every 15 minutes, so anything shorter
   * than about 20 minutes makes open chats expire.
   */
  ttlSeconds: number;
  /** Milliseconds since the epoch; for tests. */
  now?: () => number;
}

const MAX_TOKEN_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_BYTES = 32;

export class ConversationTokens {
  private readonly secret: string;
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(options: ConversationTokensOptions) {
    if (options.secret.length < 32) {
      throw new Error('The Direct Line token secret must be at least 32 characters long.');
    }
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
      throw new Error('The Direct Line token lifetime must be a positive whole number of seconds.');
    }
    this.secret = options.secret;
    this.ttlSeconds = options.ttlSeconds;
    this.now = options.now ?? Date.now;
  }

  issue(conversationId: string, tenant: string): IssuedToken {
    const expiresAt = this.nowSeconds() + this.ttlSeconds;
    const payload = toBase64Url(JSON.stringify({ c: conversationId, t: tenant, exp: expiresAt }));
    return {
      token: `${payload}.${this.sign(payload).toString('base64url')}`,
      conversationId,
      expiresIn: this.ttlSeconds,
    };
  }

  verify(token: string): TokenCheck {
    if (token.length > MAX_TOKEN_LENGTH) return { status: 'invalid' };
    const parts = token.split('.');
    if (parts.length !== 2) return { status: 'invalid' };
    const [payload, signature] = parts as [string, string];
    if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return { status: 'invalid' };

    const given = Buffer.from(signature, 'base64url');
    const expected = this.sign(payload);
    if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, expected)) {
      return { status: 'invalid' };
    }

    const claims = parseClaims(payload);
    if (!claims) return { status: 'invalid' };
    if (claims.expiresAt <= this.nowSeconds()) return { status: 'expired', claims };
    return { status: 'valid', claims };
  }

  /** A fresh token for the same conversation and tenant, or why the old one is not acceptable. */
  refresh(token: string): IssuedToken | Exclude<TokenCheck, { status: 'valid' }> {
    const check = this.verify(token);
    if (check.status !== 'valid') return check;
    return this.issue(check.claims.conversationId, check.claims.tenant);
  }

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.secret).update(`directline-token.v1.${payload}`).digest();
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

function toBase64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function parseClaims(payload: string): TokenClaims | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { c, t, exp } = parsed as Record<string, unknown>;
  if (typeof c !== 'string' || typeof t !== 'string' || typeof exp !== 'number') return undefined;
  return { conversationId: c, tenant: t, expiresAt: exp };
}
