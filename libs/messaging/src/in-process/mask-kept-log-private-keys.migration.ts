import type { MigrationInterface, QueryRunner } from 'typeorm';
import { IN_TRANSIT_FIELD } from '@tss/contracts';
import { jsonWithoutPrivateKeys } from '@tss/service-kit';
import { EVENT_LOG_SCHEMA } from './event-log.migration';

/** Entries per batch: an event's data runs to tens of kilobytes (a mail's text). */
const BATCH = 200;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An entry's data with every private key removed but in `inTransit`; the very same value when nothing changes. */
const dataWithoutPrivateKeys = (data: unknown): unknown => {
  if (!isRecord(data) || !(IN_TRANSIT_FIELD in data)) return jsonWithoutPrivateKeys(data);
  const kept = Object.fromEntries(Object.entries(data).filter(([key]) => key !== IN_TRANSIT_FIELD));
  const masked = jsonWithoutPrivateKeys(kept);
  return masked === kept ? data : { ...(masked as object), [IN_TRANSIT_FIELD]: data[IN_TRANSIT_FIELD] };
};

/** `text` parsed as JSON, or undefined when it is not JSON. */
const parsedOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): releases before it did not take a
 * private key (a PEM, PGP or PuTTY block) for an access particular, and the in-process log is never
 * pruned (docs/adr/0032), so every event that carried a pasted key as written keeps it: a ticket's
 * `ticket.created` subject, `ticket.details_changed` steps, `ticket.responded` body, a mail's
 * `notification.email_received` text, dead letters of them included. Each key's block in an entry's
 * data is replaced by `[access particulars removed]` with `jsonWithoutPrivateKeys`, and nothing else;
 * a consumer still to read the entry gets it masked, as from a new producer. `inTransit` is left
 * alone: it is the vault's until every group has read the entry, and the log removes it then
 * (docs/adr/0070). Escalation's event types are left to the change that masks their staff texts.
 * Keyset pages by offset, only changed entries written; a value that is not JSON is no event's and
 * is left as it is. Nothing to undo: the clear text is gone.
 */
export class MaskKeptLogPrivateKeys1765606320000 implements MigrationInterface {
  name = 'MaskKeptLogPrivateKeys1765606320000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '0'; ; ) {
      const rows = (await queryRunner.query(
        `SELECT log_offset::text AS offset, convert_from(value, 'UTF8') AS data FROM "${EVENT_LOG_SCHEMA}".messages
          WHERE log_offset > $1::bigint AND value IS NOT NULL AND coalesce(headers->>'ce_type', '') NOT LIKE 'escalation.%' ORDER BY log_offset LIMIT ${BATCH}`,
        [after],
      )) as { offset: string; data: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = parsedOrUndefined(row.data);
        if (data === undefined) continue;
        const masked = dataWithoutPrivateKeys(data);
        if (masked !== data) await queryRunner.query(`UPDATE "${EVENT_LOG_SCHEMA}".messages SET value = convert_to($2, 'UTF8') WHERE log_offset = $1::bigint`, [row.offset, JSON.stringify(masked)]);
      }
      after = rows[rows.length - 1].offset;
    }
  }

  async down(): Promise<void> {
    // The keys are gone for good (P9): there is nothing to restore.
  }
}
