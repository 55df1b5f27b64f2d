import { Client } from 'pg';
import { migrateOlderEventLog } from '@tss/messaging/testing';
import { prepareOlderRelease } from '@tss/runtime/testing';
import { ALL_SERVICES } from '../../src/single-process-platform';

/**
 * The whole platform's database as an older release left it, for the tests of an upgrade across
 * schemas: every service's migrations and the event log's below `before`, then the rows that
 * release wrote, by hand (raw SQL on any schema). The platform then starts on it and applies the rest.
 */
export interface OlderPlatform {
  /** The 13-digit timestamp of the first migration the older release did not have, in any schema. */
  before: number;
  write(query: (sql: string, params?: unknown[]) => Promise<unknown[]>): Promise<void>;
}

export const prepareOlderPlatform = async (databaseUrl: string, release: OlderPlatform): Promise<void> => {
  for (const module of ALL_SERVICES) await prepareOlderRelease(module, databaseUrl, { before: release.before, write: async () => {} });
  await migrateOlderEventLog(databaseUrl, release.before);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await release.write(async (sql, params) => (await client.query(sql, params)).rows as unknown[]);
  } finally {
    await client.end();
  }
};
