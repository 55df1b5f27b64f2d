import { Client } from 'pg';
import { TEST_ADMIN_URL_ENV } from '@tss/persistence/testing';

/** An outage of one test database: `start` cuts it off, `end` lets connections in again. */
export interface DatabaseOutage {
  start(): Promise<void>;
  end(): Promise<void>;
}

/**
 * What PostgreSQL stopping does to the services that use `databaseUrl`'s database, without stopping
 * the run's one server (other suites use it): every open connection is ended ("terminating
 * connection due to administrator command") and no new one is let in ("database … is not
 * currently accepting connections") until `end`. Through the run's admin connection, which is on
 * another database.
 */
export const databaseOutage = (databaseUrl: string): DatabaseOutage => {
  const adminUrl = process.env[TEST_ADMIN_URL_ENV];
  if (!adminUrl) throw new Error(`${TEST_ADMIN_URL_ENV} is not set: run the tests through Jest's global setup`);
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected test database name ${name}`);
  const asAdmin = async (work: (admin: Client) => Promise<unknown>): Promise<void> => {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await work(admin);
    } finally {
      await admin.end();
    }
  };
  return {
    start: () =>
      asAdmin(async (admin) => {
        await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      }),
    end: () => asAdmin((admin) => admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`)),
  };
};
