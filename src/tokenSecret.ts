import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

/**
 * The secret that signs web chat tokens. Production sets DIRECTLINE_TOKEN_SECRET; on a developer's
 * machine one is made once and kept in DATA_DIR so tokens survive a restart.
 */
export function tokenSecretFor(config: Config): string {
  if (config.DIRECTLINE_TOKEN_SECRET) return config.DIRECTLINE_TOKEN_SECRET;
  const file = path.resolve(config.DATA_DIR, 'directline-token-secret');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
