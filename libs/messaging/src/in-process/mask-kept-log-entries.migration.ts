import type { MigrationInterface, QueryRunner } from 'typeorm';
import { IN_TRANSIT_FIELD } from '@tss/contracts';
import { jsonWithoutAccessParticulars } from '@tss/service-kit';
import { EVENT_LOG_SCHEMA } from './event-log.migration';

/** Entries per batch: an event's data runs to tens of kilobytes (a mail's text). */
const BATCH = 200;

/** An entry's data (JSON) with every string masked but those in transit; the same value when nothing changes. */
const dataWithoutAccessParticulars = (data: unknown): unknown => {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !(IN_TRANSIT_FIELD in data)) return jsonWithoutAccessParticulars(data);
  const { [IN_TRANSIT_FIELD]: inTransit, ...kept } = data as Record<string, unknown>;
  const masked = jsonWithoutAccessParticulars(kept);
  return masked === kept ? data : { ...(masked as object), [IN_TRANSIT_FIELD]: inTransit };
};

/**
 * P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): the in-process transport's log is
 * never pruned (docs/adr/0032), so each event an older release published with text it did not
 * mask (a ticket's subject, an agent's answer, a rating's comment, a mail's text) stayed in it as
 * written, for good. Masks every string of each entry's data with the detection that text now
 * goes through, in batches by offset; consumers still to read an entry get it masked, as from a
 * new producer. `inTransit` is left alone: it is the vault's until every group has read the
 * entry, and the log removes it then (docs/adr/0070). A value that is not JSON is no event's and
 * is left as it is. Nothing to undo: the clear text is gone.
 */
export class MaskKeptLogEntries1765501360000 implements MigrationInterface {
  name = 'MaskKeptLogEntries1765501360000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT log_offset::text AS offset, convert_from(value, 'UTF8') AS data FROM "${EVENT_LOG_SCHEMA}".messages
          WHERE log_offset > $1 AND value IS NOT NULL ORDER BY log_offset LIMIT ${BATCH}`,
        [after],
      )) as { offset: string; data: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = parsedOrUndefined(row.data);
        if (data === undefined) continue;
        const masked = dataWithoutAccessParticulars(data);
        if (masked !== data) await queryRunner.query(`UPDATE "${EVENT_LOG_SCHEMA}".messages SET value = convert_to($2, 'UTF8') WHERE log_offset = $1::bigint`, [row.offset, JSON.stringify(masked)]);
      }
      after = Number(rows[rows.length - 1].offset);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}

/** `text` parsed as JSON, or undefined when it is not JSON. */
const parsedOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};
