import { Client } from 'pg';
import { migrateService } from '../service-host';
import type { ServiceModule } from '../service-module';

/**
 * A database as an older release left it, for the tests of an upgrade: the module's migrations
 * that release had, and the rows it wrote, written by hand as it kept them. The service then
 * starts on it and applies the rest, as an upgrade does.
 */
export interface OlderRelease {
  /** The 13-digit timestamp of the first migration the older release did not have: every earlier one is applied. */
  before: number;
  /** Writes what the older release kept (raw SQL on the service's schema). */
  write(query: (sql: string, params?: unknown[]) => Promise<unknown[]>): Promise<void>;
}

const timestampOf = (migration: { name: string }): number => {
  const found = /(\d{13})$/.exec(migration.name);
  if (!found) throw new Error(`migration ${migration.name}: its name does not end in a 13-digit timestamp`);
  return Number(found[1]);
};

/** Applies the migrations `release` had to the database at `databaseUrl`, then writes its rows. */
export const prepareOlderRelease = async (module: ServiceModule, databaseUrl: string, release: OlderRelease): Promise<void> => {
  await migrateService({ ...module, migrations: module.migrations.filter((m) => timestampOf(m) < release.before) }, databaseUrl);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await release.write(async (sql, params) => (await client.query(sql, params)).rows as unknown[]);
  } finally {
    await client.end();
  }
};
