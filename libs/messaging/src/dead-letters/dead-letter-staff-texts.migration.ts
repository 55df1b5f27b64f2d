import type { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';
import { STAFF_TEXT_EVENT_TYPES, staffTextValueWithoutAccessParticulars } from '../kept-events/kept-staff-texts';

type MigrationClass = new () => MigrationInterface;

/** Letters per page: a value is one event's data. */
const BATCH = 200;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): a dead letter keeps the event whole
 * (its data as the transport carried it, `value`) until an operator replays or skips it and
 * retention prunes it; a parked one stays for good. Letters of events older releases published
 * with what staff wrote in escalation as written (`escalation.referral_requested`'s reason,
 * `escalation.raised`'s summary, `escalation.resolved`'s outcome, `ticket.status_changed`'s
 * reason) still hold it. Their data is masked as the in-process log's is (the same function), in
 * pages by id, written back only if it changed, whatever their status: a replay hands the consumer
 * the masked event, which the new producers would have sent, valid against its contract. Letters
 * of other types are not decoded, nor a value that is no UTF-8 JSON (a malformed message is
 * left as it came). Nothing to undo: the clear text is gone.
 */
export const messagingDeadLetterStaffTextsMigration = (schema: string): MigrationClass => {
  const s = assertSchemaName(schema);
  return class MessagingDeadLetterStaffTexts1765606110000 implements MigrationInterface {
    name = 'MessagingDeadLetterStaffTexts1765606110000';

    async up(queryRunner: QueryRunner): Promise<void> {
      for (let after = '0'; ; ) {
        // The type as the consumer read it, or from the headers when it could not read the event.
        const rows = (await queryRunner.query(
          `SELECT id::text AS id, type, value
             FROM (SELECT id, coalesce(event_type, headers->>'ce_type') AS type, value FROM "${s}".dead_letters WHERE id > $1::bigint) l
            WHERE type = ANY($2::text[]) AND value IS NOT NULL ORDER BY id LIMIT ${BATCH}`,
          [after, STAFF_TEXT_EVENT_TYPES],
        )) as { id: string; type: string; value: Buffer }[];
        if (rows.length === 0) break;
        for (const row of rows) {
          const masked = staffTextValueWithoutAccessParticulars(row.type, row.value);
          if (masked) await queryRunner.query(`UPDATE "${s}".dead_letters SET value = $2 WHERE id = $1::bigint`, [row.id, masked]);
        }
        after = rows[rows.length - 1].id;
      }
    }

    async down(): Promise<void> {
      // The particulars are gone for good (P9): there is nothing to restore.
    }
  };
};

