/**
 * Applies the store's pending migrations, then exits.
 *
 *   DATABASE_URL=postgres://user@host:5432/db npx tsx scripts/migrate.ts
 *   DATA_DIR=./data npx tsx scripts/migrate.ts          # SQLite (no DATABASE_URL)
 *
 * DATABASE_SCHEMA (optional) puts the tables in a schema of their own. Safe to run while other
 * instances start: PostgreSQL migrations run in one transaction under an advisory lock, SQLite
 * ones in one IMMEDIATE transaction. The connection string is never printed.
 */
import { migratePostgres } from '../src/store/postgresStore';
import { SqliteStore } from '../src/store/sqliteStore';
import { isPostgresUrl } from '../src/store/store';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL?.trim();
  if (url && isPostgresUrl(url)) {
    const schema = process.env.DATABASE_SCHEMA?.trim() || undefined;
    const { from, to } = await migratePostgres({ connectionString: url, schema });
    console.log(from === to ? `PostgreSQL schema is up to date (version ${to}).` : `PostgreSQL schema migrated from version ${from} to ${to}.`);
    return;
  }
  if (url) {
    throw new Error('DATABASE_URL must start with postgres:// or postgresql:// (leave it unset for SQLite)');
  }
  const dataDir = process.env.DATA_DIR?.trim() || './data';
  const store = await SqliteStore.open({ dataDir });
  try {
    console.log(`SQLite schema at ${store.file} is at version ${await store.schemaVersion()}.`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
  console.error(`Migration failed: ${detail.replace(/postgres(ql)?:\/\/\S+/gi, 'postgres://…')}`);
  process.exit(1);
});
