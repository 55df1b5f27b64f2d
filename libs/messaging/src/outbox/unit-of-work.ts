import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '@tss/persistence';
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
    const result = await inTransaction(this.dataSource, work);
    this.relay?.kick();
    return result;
  }
}
