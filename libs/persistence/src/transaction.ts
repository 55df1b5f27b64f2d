import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in one database transaction; commit on success, rollback on any error. READ
 * COMMITTED, PostgreSQL's default, which the services' data sources keep: naming it would cost
 * TypeORM a second statement (`SET TRANSACTION ISOLATION LEVEL …`) per transaction, two per ticket
 * in the ack benchmark's statement counts (docs/performance.md).
 */
export const inTransaction = <T>(dataSource: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> => dataSource.transaction(work);

export type { DataSource, EntityManager };

/**
 * Runs the reads of `work` on one snapshot (REPEATABLE READ): a view built from several reads
 * shows the data as one moment left it, never half of a transaction that committed between two of
 * them (a rating read withdrawn beside its survey still `rated`). For reads that answer a request;
 * writes keep `inTransaction` or the unit of work.
 */
export const inSnapshot = <T>(dataSource: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> => dataSource.transaction('REPEATABLE READ', work);

/**
 * The process ID of the PostgreSQL backend behind `manager`'s connection, which every NOTIFY sent
 * on it names as its sender; undefined before the connection is open. TypeORM keeps the pg client
 * on its query runner without typing it.
 */
export const backendPidOf = (manager: EntityManager): number | undefined => {
  const client = (manager.queryRunner as unknown as { databaseConnection?: { processID?: unknown } } | undefined)?.databaseConnection;
  return typeof client?.processID === 'number' ? client.processID : undefined;
};
