import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;
/** The details of a request (P2) that were stored as written and never shown until the ticket's view carried them. */
const DETAILS = ['browser', 'operatingSystem', 'operatingSystemVersion', 'connectivity', 'antivirus'] as const;

/**
 * P9 (docs/adr/0069): the ticket's view now shows the
 * details its request was filed with, which filing kept as written (only subject, description and
 * steps were masked). New filings mask them as they mask the description; this masks the stored
 * ones with the same detection. The particulars are removed, not vaulted (as in 1765500471000):
 * the tickets have been worked since, and support asks again if it needs access. Nothing to undo.
 */
export class MaskRequestDetails1765501370000 implements MigrationInterface {
  name = 'MaskRequestDetails1765501370000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, request FROM ticket_intake.tickets
          WHERE id > $1::uuid AND request ?| $2::text[] ORDER BY id LIMIT ${BATCH}`,
        [after, DETAILS],
      )) as { id: string; request: Record<string, unknown> }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const masked = Object.fromEntries(
          DETAILS.flatMap((field) => {
            const text = row.request[field];
            if (typeof text !== 'string') return [];
            const cleared = withoutAccessParticulars(text);
            return cleared === text ? [] : [[field, cleared]];
          }),
        );
        if (Object.keys(masked).length > 0) await queryRunner.query('UPDATE ticket_intake.tickets SET request = request || $2::jsonb WHERE id = $1::uuid', [row.id, JSON.stringify(masked)]);
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
