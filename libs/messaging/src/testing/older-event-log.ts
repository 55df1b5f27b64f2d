import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { EVENT_LOG_MIGRATIONS } from '../in-process/event-log';
import { EVENT_LOG_SCHEMA } from '../in-process/event-log.migration';

export { EVENT_LOG_SCHEMA };

const timestampOf = (migration: { name: string }): number => Number(/(\d{13})$/.exec(migration.name)?.[1] ?? Number.NaN);

/**
 * The single process's event log as an older release left it, for the tests of an upgrade: the
 * log's migrations whose 13-digit timestamp is below `before`. The log's own open applies the rest.
 */
export const migrateOlderEventLog = async (databaseUrl: string, before: number): Promise<void> => {
  const dataSource = createServiceDataSource({ url: databaseUrl, schema: EVENT_LOG_SCHEMA, migrations: EVENT_LOG_MIGRATIONS.filter((m) => timestampOf(m) < before), poolSize: 1 });
  try {
    await initializeAndMigrate(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
};
