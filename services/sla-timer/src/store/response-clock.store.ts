import type { EntityManager } from 'typeorm';
import { ResponseClockEntity, type ResponseClockRow } from './response-clock.entity';

export const SLA_SCHEMA = 'sla_timer';

export const responseClockStore = {
  /** Plain SQL: it runs once per `ticket.created`, where the ORM's query building showed in the profile (issue #8). */
  async insert(tx: EntityManager, row: ResponseClockRow): Promise<void> {
    await tx.query(
      `INSERT INTO "${SLA_SCHEMA}".response_clocks (id, ticket_id, partner_id, requester_id, level, status, started_at, due_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [row.id, row.ticketId, row.partnerId, row.requesterId, row.level, row.status, row.startedAt, row.dueAt, row.createdAt],
    );
  },
  /** A ticket's clocks, within one partner and, for a requester, within that requester's tickets. */
  async listForTicket(tx: EntityManager, tenant: { partnerId: string; requesterId?: string }, ticketId: string): Promise<ResponseClockRow[]> {
    const requester = tenant.requesterId === undefined ? {} : { requesterId: tenant.requesterId };
    return tx.getRepository(ResponseClockEntity).find({ where: { partnerId: tenant.partnerId, ...requester, ticketId }, order: { startedAt: 'ASC' } });
  },
};
