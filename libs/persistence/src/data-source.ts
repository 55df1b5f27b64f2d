import { Client } from 'pg';
import { DataSource, type EntitySchema, type MigrationInterface, type MixedList } from 'typeorm';
import { AnswerBoundClient } from './answer-bound';
import { assertSchemaCompatible } from './compatibility-floors';
import { usePreparedStatements } from './prepared-statements';
import { assertSchemaName } from './schema-name';

export interface ServiceDataSourceOptions {
  url: string;
  /** The service's own PostgreSQL schema (one per service). */
  schema: string;
  entities?: MixedList<EntitySchema | string>;
  migrations?: MixedList<(new () => MigrationInterface) | string>;
  poolSize?: number;
  applicationName?: string;
  /**
   * Run the services' hot statements prepared (docs/adr/0058): the runtime's PG_PREPARED_STATEMENTS
   * (`on`; off by default until the acknowledgment benchmark's tail with it is understood). Turned
   * on for the whole process: every pg client sends a marked statement named from then on.
   */
  preparedStatements?: boolean;
  /**
   * How long a new connection, or a wait for a free one, may take (default 5 s). The runtime passes
   * DB_ANSWER_TIMEOUT_MS when it is shorter: with PostgreSQL frozen, a request whose connection the
   * bound closed needs a new one, and would otherwise wait 5 s whatever its bound (docs/adr/0073).
   */
  connectTimeoutMs?: number;
}

/**
 * One TypeORM data source per service, confined to its schema: tables, the migrations table and
 * the search path all live there. Schema changes only ever come from migrations.
 */
/** A new pooled connection's bound when none is given. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export const createServiceDataSource = (options: ServiceDataSourceOptions): DataSource => {
  if (options.preparedStatements) usePreparedStatements();
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities ?? [],
    migrations: options.migrations ?? [],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    applicationName: options.applicationName ?? options.schema,
    extra: {
      max: options.poolSize ?? 10,
      options: `-c search_path=${options.schema}`,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // A request's statements wait for an answer at most DB_ANSWER_TIMEOUT_MS (answer-bound.ts, docs/adr/0073).
      Client: AnswerBoundClient,
    },
  });
};

export { assertSchemaName } from './schema-name';

/**
 * Connects, creates the service schema if missing and applies pending migrations. Replicas that
 * migrate on start may start together: a session advisory lock per schema, held by a connection
 * of its own (outside the pool, which may have one connection), lets one migrate while the others
 * wait, then find nothing pending. Without it, both would create the migrations table or run the
 * same migration, and one would fail to start. A schema whose compatibility floor names a
 * migration this release does not have is refused before anything is migrated
 * (SchemaNeedsNewerRelease, docs/adr/0071).
 */
export const initializeAndMigrate = async (dataSource: DataSource): Promise<string[]> => {
  if (!dataSource.isInitialized) await dataSource.initialize();
  const schema = assertSchemaName(String((dataSource.options as { schema?: string }).schema));
  const url = (dataSource.options as { url?: string }).url;
  if (!url) throw new Error(`${schema}: migrating needs the data source's url`);
  const lock = new Client({ connectionString: url, application_name: `${schema}:migrate` });
  // A connection lost meanwhile fails the statement in hand; its 'error' event must not end the process.
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    // Released with the session, should this process die while it holds it.
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`tss:migrate:${schema}`]);
    await assertSchemaCompatible(dataSource);
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lock.end();
  }
};

/** Readiness: the pool can reach PostgreSQL. */
export const pingDatabase = async (dataSource: DataSource): Promise<void> => {
  await dataSource.query('SELECT 1');
};
