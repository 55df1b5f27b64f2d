import type { EntityManager } from 'typeorm';
import { NOTIFICATION_SCHEMA } from './acknowledgment.store';

export const escalationNoticeStore = {
  /** Claims the notice of (escalation, attempt): false when it was mailed already (a redelivery or a re-published event). */
  async claim(tx: EntityManager, notice: { escalationId: string; attempt: number; ticketId: string; recipients: readonly string[]; at: Date }): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO "${NOTIFICATION_SCHEMA}".escalation_notices (escalation_id, attempt, ticket_id, recipients, queued_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [notice.escalationId, notice.attempt, notice.ticketId, notice.recipients, notice.at],
    );
    return rows.length === 1;
  },
};
