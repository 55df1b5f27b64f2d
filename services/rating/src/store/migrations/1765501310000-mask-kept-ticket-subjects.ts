import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): rating keeps each ticket's subject
 * from its `ticket.created`, which releases before the vault published as the requester wrote it;
 * the rating link (`GET /v1/ratings/{token}`) and the rate page show it. Masks it with the
 * detection intake now applies before publishing, in batches by primary key. Nothing to undo: the
 * clear text is gone.
 */
export class MaskKeptTicketSubjects1765501310000 implements MigrationInterface {
  name = 'MaskKeptTicketSubjects1765501310000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = (await queryRunner.query(`SELECT ticket_id::text AS id, subject FROM rating.tickets WHERE ticket_id > $1::uuid ORDER BY ticket_id LIMIT ${BATCH}`, [after])) as {
        id: string;
        subject: string;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const subject = withoutAccessParticulars(row.subject);
        if (subject !== row.subject) await queryRunner.query(`UPDATE rating.tickets SET subject = $2 WHERE ticket_id = $1::uuid`, [row.id, subject]);
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
