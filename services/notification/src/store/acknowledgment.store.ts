import type { EntityManager } from 'typeorm';
import { AcknowledgmentEntity, type AcknowledgmentRow } from './acknowledgment.entity';

export const NOTIFICATION_SCHEMA = 'notification';

export const acknowledgmentStore = {
  async insert(tx: EntityManager, row: AcknowledgmentRow): Promise<void> {
    await tx.getRepository(AcknowledgmentEntity).insert(row);
  },
  async findForTicket(tx: EntityManager, ticketId: string): Promise<AcknowledgmentRow | null> {
    return tx.getRepository(AcknowledgmentEntity).findOneBy({ ticketId });
  },
};
