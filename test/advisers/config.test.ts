import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, MIN_PASSWORD_LENGTH, passwordProblem, verifyPassword } from '../../src/advisers/accounts';
import { sessionSecretFor, SignInLimiter } from '../../src/advisers/session';
import { adviserTokenEntry, findAdviserToken, newAdviserToken, parseAdviserTokens, sha256Hex } from '../../src/advisers/tokens';
import { loadConfig } from '../../src/config';

const HASH = 'a'.repeat(64);

describe('adviser console settings', () => {
  it('has no tokens, no session secret and 8-hour sessions by default', () => {
    const config = loadConfig({});
    expect(config.ADVISER_TOKENS).toEqual([]);
    expect(config.ADVISER_SESSION_SECRET).toBeUndefined();
    expect(config.ADVISER_SESSION_HOURS).toBe(8);
  });

  it('reads ADVISER_TOKENS entries: id:name:role:tenants:sha256hex', () => {
    const { token, sha256 } = newAdviserToken();
    const config = loadConfig({
      ADVISER_TOKENS: ` duty-desk:Derby duty desk:adviser:derby|milton-keynes:${sha256} , boss:Head of service:manager:*:${HASH}`,
      ADVISER_SESSION_HOURS: '12',
      ADVISER_SESSION_SECRET: 's'.repeat(32),
    });
    expect(config.ADVISER_SESSION_HOURS).toBe(12);
    expect(config.ADVISER_TOKENS.map(({ sha256: _hash, ...rest }) => rest)).toEqual([
      { id: 'duty-desk', name: 'Derby duty desk', role: 'adviser', tenants: ['derby', 'milton-keynes'] },
      { id: 'boss', name: 'Head of service', role: 'manager', tenants: [] },
    ]);
    expect(findAdviserToken(config.ADVISER_TOKENS, token)?.id).toBe('duty-desk');
    expect(findAdviserToken(config.ADVISER_TOKENS, sha256)).toBeUndefined();
    expect(findAdviserToken(config.ADVISER_TOKENS, `${token}x`)).toBeUndefined();
  });

  it.each([
    ['sam:Sam:adviser:derby', /five fields/],
    [`Sam:Sam:adviser:derby:${HASH}`, /id must be/],
    [`sam::adviser:derby:${HASH}`, /display name/],
    [`sam:Sam:admin:derby:${HASH}`, /role must be adviser or manager/],
    [`sam:Sam:adviser::${HASH}`, /tenants must be/],
    [`sam:Sam:adviser:Derby City:${HASH}`, /tenants must be/],
    ['sam:Sam:adviser:derby:sat_thisIsTheTokenItselfNotItsHash0123456789abcdef', /SHA-256 of the token/],
    [`sam:Sam:adviser:derby:${HASH},sam:Sam again:adviser:derby:${'b'.repeat(64)}`, /id is used by an earlier entry/],
    [`sam:Sam:adviser:derby:${HASH},kim:Kim:adviser:derby:${HASH}`, /same token hash/],
  ])('refuses a bad ADVISER_TOKENS entry (%s), naming the setting and not repeating it', (value, message) => {
    let error: unknown;
    try {
      loadConfig({ ADVISER_TOKENS: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    const text = (error as Error).message;
    expect(text).toMatch(/ADVISER_TOKENS: entry \d/);
    expect(text).toMatch(message);
    expect(text).not.toContain('thisIsTheTokenItself');
    expect(text).not.toContain(HASH);
  });

  it.each([
    [{ ADVISER_SESSION_HOURS: '0' }, 'ADVISER_SESSION_HOURS'],
    [{ ADVISER_SESSION_HOURS: '25' }, 'ADVISER_SESSION_HOURS'],
    [{ ADVISER_SESSION_HOURS: '1.5' }, 'ADVISER_SESSION_HOURS'],
    [{ ADVISER_SESSION_HOURS: 'eight' }, 'ADVISER_SESSION_HOURS'],
    [{ ADVISER_SESSION_SECRET: 'too short' }, 'ADVISER_SESSION_SECRET'],
  ])('refuses %o', (env, setting) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(setting));
  });

  it('never repeats the session secret in an error', () => {
    expect(() => loadConfig({ ADVISER_SESSION_SECRET: 'hunter2-short' })).toThrow(/ADVISER_SESSION_SECRET/);
    try {
      loadConfig({ ADVISER_SESSION_SECRET: 'hunter2-short' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('uses ADVISER_SESSION_SECRET, else derives a different key from the token secret', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'advisers-secret-'));
    try {
      expect(sessionSecretFor(loadConfig({ ADVISER_SESSION_SECRET: 'x'.repeat(40) }))).toBe('x'.repeat(40));
      const tokenSecret = 't'.repeat(40);
      const derived = sessionSecretFor(loadConfig({ DIRECTLINE_TOKEN_SECRET: tokenSecret, DATA_DIR: dataDir }));
      expect(derived).not.toBe(tokenSecret);
      expect(derived.length).toBeGreaterThanOrEqual(32);
      expect(sessionSecretFor(loadConfig({ DIRECTLINE_TOKEN_SECRET: tokenSecret, DATA_DIR: dataDir }))).toBe(derived);
      // Without either, from the secret kept in DATA_DIR: the same across restarts.
      const kept = sessionSecretFor(loadConfig({ DATA_DIR: dataDir }));
      expect(sessionSecretFor(loadConfig({ DATA_DIR: dataDir }))).toBe(kept);
      expect(kept).not.toBe(derived);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('adviser tokens and passwords', () => {
  it('makes tokens and the entry to configure, which parses back', () => {
    const { token, sha256 } = newAdviserToken();
    expect(token).toMatch(/^sat_[A-Za-z0-9_-]{43}$/);
    expect(sha256).toBe(sha256Hex(token));
    const entry = adviserTokenEntry({ id: 'duty-desk', name: 'Duty desk', role: 'manager', tenants: [], sha256 });
    expect(entry).toBe(`duty-desk:Duty desk:manager:*:${sha256}`);
    expect(entry).not.toContain(token);
    expect(parseAdviserTokens(entry)[0]).toMatchObject({ id: 'duty-desk', role: 'manager', tenants: [] });
    expect(() => adviserTokenEntry({ id: 'x', name: 'A: B', role: 'adviser', tenants: [], sha256 })).toThrow(/display name/);
  });

  it('hashes passwords with bcrypt and refuses short or over-long ones', async () => {
    expect(passwordProblem('short')).toMatch(new RegExp(`at least ${MIN_PASSWORD_LENGTH}`));
    expect(passwordProblem('é'.repeat(40))).toMatch(/72 bytes/);
    expect(passwordProblem(' twelve chars ok ')).toMatch(/space/);
    expect(passwordProblem('twelve chars ok')).toBeUndefined();
    await expect(hashPassword('short')).rejects.toThrow(/at least 12/);
    const hash = await hashPassword('a long enough password', { cost: 4 });
    expect(hash).toMatch(/^\$2b\$04\$/);
    expect(await verifyPassword('a long enough password', hash)).toBe(true);
    expect(await verifyPassword('a long enough passworD', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    expect(await verifyPassword('a long enough password', 'not a hash')).toBe(false);
  });

  it('counts only failed sign-ins, per key, in a sliding window', () => {
    let now = 0;
    const limiter = new SignInLimiter({ max: 2, windowSeconds: 60, now: () => now });
    const first = limiter.attempt(['ip:a', 'user:x']);
    expect(first.allowed).toBe(true);
    if (first.allowed) first.succeeded();
    expect(limiter.attempt(['ip:a', 'user:x']).allowed).toBe(true);
    now += 30_000;
    expect(limiter.attempt(['ip:a', 'user:y']).allowed).toBe(true);
    const refused = limiter.attempt(['ip:b', 'user:x']);
    expect(refused.allowed).toBe(true);
    expect(limiter.attempt(['ip:a', 'user:z'])).toEqual({ allowed: false, retryAfterSeconds: 30 });
    now += 30_001;
    expect(limiter.attempt(['ip:a', 'user:z']).allowed).toBe(true);
  });
});
