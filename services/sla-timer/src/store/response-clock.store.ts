import type { EntityManager } from 'typeorm';
import { ResponseClockEntity, type ResponseClockRow } from './response-clock.entity';

export const SLA_SCHEMA = 'sla_timer';

export const responseClockStore = {
  async insert(tx: EntityManager, row: ResponseClockRow): Promise<void> {
    await tx.getRepository(ResponseClockEntity).insert(row);
  },
  /** A ticket's clocks, within one partner and, for a requester, within that requester's tickets. */
  async listForTicket(tx: EntityManager, tenant: { partnerId: string; requesterId?: string }, ticketId: string): Promise<ResponseClockRow[]> {
    const requester = tenant.requesterId === undefined ? {} : { requesterId: tenant.requesterId };
    return tx.getRepository(ResponseClockEntity).find({ where: { partnerId: tenant.partnerId, ...requester, ticketId }, order: { startedAt: 'ASC' } });
  },
};
