import type { EntityManager } from 'typeorm';
import { AcknowledgmentEntity, type AcknowledgmentRow } from './acknowledgment.entity';

export const NOTIFICATION_SCHEMA = 'notification';

export const acknowledgmentStore = {
  /** One acknowledgment (`insertAllStatement` of one). */
  async insert(tx: EntityManager, row: AcknowledgmentRow): Promise<void> {
    const statement = acknowledgmentStore.insertAllStatement([row], 1);
    await tx.query(statement.sql, statement.params);
  },
  /** Tickets' acknowledgments (P3), one JSON document (parameter `first`): a consumer batch's, in one statement. */
  insertAllStatement(rows: readonly AcknowledgmentRow[], first: number): { sql: string; params: unknown[] } {
    const json = rows.map((r) => ({ ticket_id: r.ticketId, partner_id: r.partnerId, reference: r.reference, channel: r.channel, recipient: r.recipient, delivery: r.delivery, body: r.body, recorded_at: r.recordedAt }));
    return {
      sql: `INSERT INTO "${NOTIFICATION_SCHEMA}".acknowledgments (ticket_id, partner_id, reference, channel, recipient, delivery, body, recorded_at)
       SELECT a.ticket_id, a.partner_id, a.reference, a.channel, a.recipient, a.delivery, a.body, a.recorded_at
         FROM jsonb_to_recordset($${first}::jsonb) AS a(ticket_id uuid, partner_id uuid, reference text, channel text, recipient text, delivery text, body text, recorded_at timestamptz)`,
      params: [JSON.stringify(json)],
    };
  },
  /** P11: the ticket was closed at `closedAt` (the first closure stands). */
  async recordTicketClosed(tx: EntityManager, ticketId: string, closedAt: Date): Promise<void> {
    await tx.query(`UPDATE "${NOTIFICATION_SCHEMA}".acknowledgments SET ticket_closed_at = $2 WHERE ticket_id = $1 AND ticket_closed_at IS NULL`, [ticketId, closedAt]);
  },
  /** The reference of a ticket notification knows (its `ticket.created`). */
  async referenceOf(tx: EntityManager, ticketId: string): Promise<string | undefined> {
    const rows = (await tx.query(`SELECT reference FROM "${NOTIFICATION_SCHEMA}".acknowledgments WHERE ticket_id = $1`, [ticketId])) as { reference: string }[];
    return rows[0]?.reference;
  },
  async findForTicket(tx: EntityManager, ticketId: string): Promise<AcknowledgmentRow | null> {
    return tx.getRepository(AcknowledgmentEntity).findOneBy({ ticketId });
  },
};
