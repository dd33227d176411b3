import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adviserAccountsFrom, hashPassword } from '../../src/advisers/accounts';
import { configureLog } from '../../src/log';
import { createStore, type Store } from '../../src/store/store';

/** The console's accounts on the real (SQLite) store, as src/app.ts wires them. */
describe('adviser accounts on the store', () => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    configureLog('silent');
    dir = mkdtempSync(path.join(tmpdir(), 'advisers-store-'));
    store = await createStore({ dataDir: dir });
  });
  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads accounts, says whether there are any, and marks advisers seen', async () => {
    const accounts = adviserAccountsFrom(store);
    expect(await accounts.hasAny?.()).toBe(false);
    const passwordHash = await hashPassword('a long enough password', { cost: 4 });
    await store.upsertAdviser({ id: 'sam', displayName: 'Sam Jones', passwordHash, role: 'adviser', tenants: ['derby'] });
    expect(await accounts.hasAny?.()).toBe(true);
    expect(await accounts.get('sam')).toMatchObject({ id: 'sam', displayName: 'Sam Jones', passwordHash, role: 'adviser', tenants: ['derby'] });
    expect(await accounts.get('nobody')).toBeUndefined();
    await accounts.markSeen('sam');
    expect((await store.getAdviser('sam'))?.lastSeenAt).toBeTruthy();
    await accounts.markSeen('duty-desk'); // a token's id: no account, nothing happens
    expect(await store.countAdvisersSeenSince(new Date(Date.now() - 60_000), 'derby')).toBe(1);
  });
});
