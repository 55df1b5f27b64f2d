import type { EntityManager } from 'typeorm';
import { AcknowledgmentEntity, type AcknowledgmentRow } from './acknowledgment.entity';

export const NOTIFICATION_SCHEMA = 'notification';

export const acknowledgmentStore = {
  /** Plain SQL: it runs once per `ticket.created`, where the ORM's query building showed in the profile (issue #8). */
  async insert(tx: EntityManager, row: AcknowledgmentRow): Promise<void> {
    const statement = acknowledgmentStore.insertStatement(row, 1);
    await tx.query(statement.sql, statement.params);
  },
  /** `insert` as a statement to fold into another (parameters numbered from `first`). */
  insertStatement(row: AcknowledgmentRow, first: number): { sql: string; params: unknown[] } {
    const p = Array.from({ length: 8 }, (_, i) => `$${first + i}`).join(', ');
    return {
      sql: `INSERT INTO "${NOTIFICATION_SCHEMA}".acknowledgments (ticket_id, partner_id, reference, channel, recipient, delivery, body, recorded_at) VALUES (${p})`,
      params: [row.ticketId, row.partnerId, row.reference, row.channel, row.recipient, row.delivery, row.body, row.recordedAt],
    };
  },
  async findForTicket(tx: EntityManager, ticketId: string): Promise<AcknowledgmentRow | null> {
    return tx.getRepository(AcknowledgmentEntity).findOneBy({ ticketId });
  },
};
