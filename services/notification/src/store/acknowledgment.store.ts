import type { EntityManager } from 'typeorm';
import { AcknowledgmentEntity, type AcknowledgmentRow } from './acknowledgment.entity';

export const NOTIFICATION_SCHEMA = 'notification';

export const acknowledgmentStore = {
  /** Plain SQL: it runs once per `ticket.created`, where the ORM's query building showed in the profile (issue #8). */
  async insert(tx: EntityManager, row: AcknowledgmentRow): Promise<void> {
    await tx.query(
      `INSERT INTO "${NOTIFICATION_SCHEMA}".acknowledgments (ticket_id, partner_id, reference, channel, recipient, delivery, body, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [row.ticketId, row.partnerId, row.reference, row.channel, row.recipient, row.delivery, row.body, row.recordedAt],
    );
  },
  async findForTicket(tx: EntityManager, ticketId: string): Promise<AcknowledgmentRow | null> {
    return tx.getRepository(AcknowledgmentEntity).findOneBy({ ticketId });
  },
};
