import type { EntityManager } from 'typeorm';
import { ResponseClockEntity, type ResponseClockRow } from './response-clock.entity';

export const SLA_SCHEMA = 'sla_timer';

export const responseClockStore = {
  async insert(tx: EntityManager, row: ResponseClockRow): Promise<void> {
    await tx.getRepository(ResponseClockEntity).insert(row);
  },
  async listForTicket(tx: EntityManager, partnerId: string, ticketId: string): Promise<ResponseClockRow[]> {
    return tx.getRepository(ResponseClockEntity).find({ where: { partnerId, ticketId }, order: { startedAt: 'ASC' } });
  },
};
