import { Client } from 'pg';
import type { EmbeddedPostgres } from '@tss/persistence';

/**
 * Restarts `pg` with pg_stat_statements preloaded (it cannot be loaded later), so a benchmark can
 * count the statements its system sends. Each database that is to be counted still needs
 * `CREATE EXTENSION pg_stat_statements`.
 */
export const restartWithStatementStats = async (pg: EmbeddedPostgres): Promise<void> => {
  const admin = new Client({ connectionString: pg.url() });
  await admin.connect();
  try {
    await admin.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    // Statements inside triggers and functions too (`toplevel` tells them apart).
    await admin.query(`ALTER SYSTEM SET pg_stat_statements.track = 'all'`);
  } finally {
    await admin.end();
  }
  await pg.stop();
  await pg.start();
};
