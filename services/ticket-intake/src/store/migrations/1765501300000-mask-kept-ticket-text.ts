import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutAccessParticulars, withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';
/** The parts of a request that filing masks (credentials.part.ts, `beforeFiling`) since 2026-12-01. */
const REQUEST_TEXTS = ['subject', 'description', 'stepsToReproduce'] as const;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): releases before the vault kept a
 * request's subject, description and steps as written, and releases before 2026-12-04 an agent's
 * answers and notes: `GET /v1/tickets/{id}`, the thread, the search and the `ticket.*` events
 * still in the outbox (`ticket.created`'s subject, `ticket.responded`'s body…) showed passwords
 * in clear after an upgrade. Masks all three with the detection new text goes through, in
 * batches by primary key. The particulars are removed, not vaulted (see the ADR): the migration
 * has no master key, and they were in clear in mail and events long since. The search document
 * follows by its triggers. Nothing to undo: the clear text is gone.
 */
export class MaskKeptTicketText1765501300000 implements MigrationInterface {
  name = 'MaskKeptTicketText1765501300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, request->>'subject' AS "subject", request->>'description' AS "description", request->>'stepsToReproduce' AS "stepsToReproduce"
           FROM ticket_intake.tickets WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as ({ id: string } & Record<(typeof REQUEST_TEXTS)[number], string | null>)[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const masked = Object.fromEntries(
          REQUEST_TEXTS.flatMap((field) => {
            const text = row[field];
            if (text === null) return [];
            const cleared = withoutAccessParticulars(text);
            return cleared === text ? [] : [[field, cleared]];
          }),
        );
        if (Object.keys(masked).length > 0) await queryRunner.query(`UPDATE ticket_intake.tickets SET request = request || $2::jsonb WHERE id = $1::uuid`, [row.id, JSON.stringify(masked)]);
      }
      after = rows[rows.length - 1].id;
    }
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(`SELECT id::text AS id, body FROM ticket_intake.messages WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as { id: string; body: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const body = withoutAccessParticulars(row.body);
        if (body !== row.body) await queryRunner.query(`UPDATE ticket_intake.messages SET body = $2 WHERE id = $1::uuid`, [row.id, body]);
      }
      after = rows[rows.length - 1].id;
    }
    // Published or not: what consumers get, or got, is better masked than clear (nothing here is for the vault).
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(`SELECT position::text AS position, event->'data' AS data FROM ticket_intake.outbox WHERE position > $1 ORDER BY position LIMIT ${BATCH}`, [
        after,
      ])) as { position: string; data: unknown }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = jsonWithoutAccessParticulars(row.data);
        if (data !== row.data) await queryRunner.query(`UPDATE ticket_intake.outbox SET event = jsonb_set(event, '{data}', $2::jsonb) WHERE position = $1::bigint`, [row.position, JSON.stringify(data)]);
      }
      after = Number(rows[rows.length - 1].position);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
