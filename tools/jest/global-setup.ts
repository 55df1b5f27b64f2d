import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '../../libs/persistence/src/embedded-postgres';
import { TEST_ADMIN_URL_ENV } from '../../libs/persistence/src/testing/test-database';
import { freePort } from '../../libs/service-kit/src/testing/free-port';

/**
 * One PostgreSQL for the whole run: DATABASE_URL when given, otherwise an embedded server in a
 * throw-away folder (fsync off: test data need not survive a power cut). Suites create databases
 * of their own on it.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env[TEST_ADMIN_URL_ENV] = process.env.DATABASE_URL;
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-test-pg-'));
  const pg = new EmbeddedPostgres({ dataDir, port: await freePort(), fsync: false });
  await pg.start();
  process.env[TEST_ADMIN_URL_ENV] = pg.url();
  (globalThis as { __TSS_TEST_PG__?: unknown }).__TSS_TEST_PG__ = { pg, dataDir };
}
