import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Set by the Jest global setup: the admin URL of the run's one PostgreSQL (embedded or DATABASE_URL). */
export const TEST_ADMIN_URL_ENV = 'TSS_TEST_ADMIN_DATABASE_URL';
/** Set by the Jest global setup: the database every service's migrations were applied to once this run. */
export const TEST_TEMPLATE_DATABASE_ENV = 'TSS_TEST_TEMPLATE_DATABASE';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /**
   * `migrated` (default): a clone of the run's template, every service's migrations already
   * applied. `empty`: no schema at all, for tests of the migrations themselves.
   */
  from?: 'migrated' | 'empty';
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]*$/;

const adminUrl = (): string => {
  const url = process.env[TEST_ADMIN_URL_ENV];
  if (!url) throw new Error(`${TEST_ADMIN_URL_ENV} is not set: run the tests through Jest's global setup (npm test)`);
  return url;
};

export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

const withAdmin = async <T>(work: (admin: Client) => Promise<T>, url = adminUrl()): Promise<T> => {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
};

const templateName = (): string => {
  const name = process.env[TEST_TEMPLATE_DATABASE_ENV];
  if (!name) throw new Error(`${TEST_TEMPLATE_DATABASE_ENV} is not set: run the tests through Jest's global setup (npm test), or ask for { from: 'empty' }`);
  if (!DATABASE_NAME.test(name)) throw new Error(`invalid template database name ${name}`);
  return name;
};

/**
 * A database of one suite's own on the run's one PostgreSQL server. By default a clone of the
 * run's migrated template (`CREATE DATABASE … TEMPLATE`, a file copy: no migration runs per suite).
 */
export const createTestDatabase = async (label: string, options: TestDatabaseOptions = {}): Promise<TestDatabase> => {
  const name = `t_${label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  const template = options.from === 'empty' ? 'template0' : templateName();
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    url: withDatabase(adminUrl(), name),
    drop: () => withAdmin(async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
};

/**
 * Creates the run's template: an empty database that `migrate` fills, after which nobody may
 * connect to it (a clone fails while any session is connected to its template).
 */
export const createTemplateDatabase = async (url: string, name: string, migrate: (databaseUrl: string) => Promise<void>): Promise<void> => {
  if (!DATABASE_NAME.test(name)) throw new Error(`invalid template database name ${name}`);
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE template0`), url);
  await migrate(withDatabase(url, name));
  await withAdmin(async (admin) => {
    await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  }, url);
};

/** Drops a template made by `createTemplateDatabase` (the run's teardown on an external server). */
export const dropTemplateDatabase = (url: string, name: string): Promise<void> =>
  withAdmin(async (admin) => {
    if (!DATABASE_NAME.test(name)) throw new Error(`invalid template database name ${name}`);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }, url);
