import path from 'node:path';
import { startEmbeddedPostgres } from '../../libs/persistence/src/embedded-postgres';
import { TEST_ADMIN_URL_ENV } from '../../libs/persistence/src/testing/test-database';

/**
 * One PostgreSQL for the whole run: DATABASE_URL when given, otherwise an embedded server in a
 * throw-away folder. Suites create databases of their own on it.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env[TEST_ADMIN_URL_ENV] = process.env.DATABASE_URL;
    return;
  }
  const port = Number(process.env.TSS_TEST_PG_PORT ?? 54329 + (process.pid % 500));
  const dataDir = path.resolve(__dirname, '../../.data/test-pg', String(port));
  const pg = await startEmbeddedPostgres({ dataDir, port });
  process.env[TEST_ADMIN_URL_ENV] = pg.url();
  (globalThis as { __TSS_TEST_PG__?: { stop(): Promise<void> } }).__TSS_TEST_PG__ = pg;
}
