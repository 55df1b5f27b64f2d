import type { DataSource, EntityManager } from 'typeorm';

/** Runs `work` in one database transaction; commit on success, rollback on any error. */
export const inTransaction = <T>(dataSource: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> =>
  dataSource.transaction('READ COMMITTED', work);

export type { DataSource, EntityManager };
