import type { DataSource, EntityManager } from 'typeorm';
import type { OutboxRelay } from './outbox-relay';

/**
 * A service's state changes go through here: one transaction for the change and its outbox rows,
 * then a kick to the relay so the events leave at once instead of at the next poll.
 */
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay?: Pick<OutboxRelay, 'kick'>,
  ) {}

  async run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    // READ COMMITTED, PostgreSQL's default, which the services' data sources keep. Naming it, as
    // `inTransaction` does, costs TypeORM a second statement (SET TRANSACTION ...) per
    // transaction: one round trip more for every ticket filed and every batch consumed (issue #8).
    const result = await this.dataSource.transaction(work);
    this.relay?.kick();
    return result;
  }
}
