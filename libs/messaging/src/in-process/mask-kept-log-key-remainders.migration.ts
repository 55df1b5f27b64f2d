import type { MigrationInterface, QueryRunner } from 'typeorm';
import { IN_TRANSIT_FIELD } from '@tss/contracts';
import { jsonWithoutKeptPrivateKeys } from '@tss/service-kit';
import { EVENT_LOG_SCHEMA } from './event-log.migration';

/** Entries per batch: an event's data runs to tens of kilobytes (a mail's text). */
const BATCH = 200;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An entry's data with every remainder of a key removed but in `inTransit`; the very same value when nothing changes. */
const dataWithoutKeys = (data: unknown): unknown => {
  if (!isRecord(data) || !(IN_TRANSIT_FIELD in data)) return jsonWithoutKeptPrivateKeys(data);
  const kept = Object.fromEntries(Object.entries(data).filter(([key]) => key !== IN_TRANSIT_FIELD));
  const masked = jsonWithoutKeptPrivateKeys(kept);
  // A record's masking is a record with the same keys.
  return masked === kept || !isRecord(masked) ? data : { ...masked, [IN_TRANSIT_FIELD]: data[IN_TRANSIT_FIELD] };
};

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `value` read as UTF-8 JSON, or undefined when it is not (decoded here: SQL's convert_from fails the whole page on one bad byte). */
const parsedOrUndefined = (value: Buffer): unknown => {
  try {
    return JSON.parse(UTF8.decode(value)) as unknown;
  } catch {
    return undefined;
  }
};

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): before the fifth session a key after
 * "password:" lost only its "-----BEGIN" to the password's value, and the events published with the
 * text so masked kept the rest of its block (the BEGIN line's tail, the base64 lines, the END line),
 * which `1765606320000` (`withoutPrivateKeys`, whole keys only) does not find; the log is never
 * pruned of what it had (docs/adr/0032). This removes such remainders (`jsonWithoutKeptPrivateKeys`)
 * from every entry's data, dead letters in the log and escalation's event types included (their
 * staff texts were masked by `1765606100000`, half-masking a key the same way). `inTransit` is left
 * alone: it is the vault's until every group has read the entry (docs/adr/0070). Keyset pages by
 * offset, only changed entries written; a value that is no UTF-8 JSON is no event's and is left as it is.
 * Nothing to undo: the clear text is gone.
 */
export class MaskKeptLogKeyRemainders1765606550000 implements MigrationInterface {
  name = 'MaskKeptLogKeyRemainders1765606550000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '0'; ; ) {
      const rows = (await queryRunner.query(
        `SELECT log_offset::text AS offset, value FROM "${EVENT_LOG_SCHEMA}".messages WHERE log_offset > $1::bigint AND value IS NOT NULL ORDER BY log_offset LIMIT ${BATCH}`,
        [after],
      )) as { offset: string; value: Buffer }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = parsedOrUndefined(row.value);
        if (data === undefined) continue;
        const masked = dataWithoutKeys(data);
        if (masked !== data) await queryRunner.query(`UPDATE "${EVENT_LOG_SCHEMA}".messages SET value = convert_to($2, 'UTF8') WHERE log_offset = $1::bigint`, [row.offset, JSON.stringify(masked)]);
      }
      after = rows[rows.length - 1].offset;
    }
  }

  async down(): Promise<void> {
    // The keys' remainders are gone for good (P9): there is nothing to restore.
  }
}
