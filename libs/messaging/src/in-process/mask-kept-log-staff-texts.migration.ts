import type { MigrationInterface, QueryRunner } from 'typeorm';
import { STAFF_TEXT_EVENT_TYPES, staffTextValueWithoutAccessParticulars } from '../kept-events/kept-staff-texts';
import { EVENT_LOG_SCHEMA } from './event-log.migration';

/** Entries per page: they are read in offset order, only those of the types below decoded. */
const BATCH = 200;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): escalation masks what staff write
 * before it publishes it since the fourth session (a referral's reason, an outcome), and its
 * 1765604950000 masked its outbox's copies, not the in-process log's. Entries appended after the
 * log's own masking (`MaskKeptLogEntries1765501360000`) by older releases hold them as written:
 * `escalation.referral_requested`, `escalation.raised` (its `summary`), `escalation.resolved`
 * (`outcome`), and `ticket.status_changed` (a referral's reason as its `reason`, before intake's
 * 1765603050000), dead letters of them included (their headers carry the event's type). Each such
 * entry's data is decoded, masked with the detection new text goes through, cut where its contract
 * bounds a text, and written back only if it changed; other entries are not decoded. Keyset pages
 * by offset; a second run changes nothing. A value that is not UTF-8 JSON is no event's and is
 * left as it is. Nothing to undo: the clear text is gone.
 */
export class MaskKeptLogStaffTexts1765606100000 implements MigrationInterface {
  name = 'MaskKeptLogStaffTexts1765606100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '0'; ; ) {
      const rows = (await queryRunner.query(
        `SELECT log_offset::text AS offset, headers->>'ce_type' AS type, value FROM "${EVENT_LOG_SCHEMA}".messages
          WHERE log_offset > $1::bigint AND headers->>'ce_type' = ANY($2::text[]) AND value IS NOT NULL ORDER BY log_offset LIMIT ${BATCH}`,
        [after, STAFF_TEXT_EVENT_TYPES],
      )) as { offset: string; type: string; value: Buffer }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const masked = staffTextValueWithoutAccessParticulars(row.type, row.value);
        if (masked) await queryRunner.query(`UPDATE "${EVENT_LOG_SCHEMA}".messages SET value = $2 WHERE log_offset = $1::bigint`, [row.offset, masked]);
      }
      after = rows[rows.length - 1].offset;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}

