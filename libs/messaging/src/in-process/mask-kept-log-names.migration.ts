import type { MigrationInterface, QueryRunner } from 'typeorm';
import { withoutAccessParticulars } from '@tss/service-kit';
import { EVENT_LOG_SCHEMA } from './event-log.migration';

/** Entries per page: these events are small, but other types' entries are not decoded at all. */
const BATCH = 200;

/**
 * Where each event type keeps a name an administrator set, as the releases that kept them in clear
 * wrote it (written out here, so a later contract change leaves this migration reading what they
 * wrote): a partner's `name`, a staff member's `displayName`. Only that member is masked: ids and
 * addresses stay as they are.
 */
const NAME_OF = {
  'partner.created': 'name',
  'partner.updated': 'name',
  'staff.created': 'displayName',
  'staff.updated': 'displayName',
} as const;
type NamedType = keyof typeof NAME_OF;
const NAMED_TYPES = Object.keys(NAME_OF) as NamedType[];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `data` with its name masked; the very same value when nothing changed. */
const withNameMasked = (data: unknown, type: NamedType): unknown => {
  const field = NAME_OF[type];
  if (!isRecord(data) || typeof data[field] !== 'string') return data;
  const name = data[field];
  const masked = withoutAccessParticulars(name);
  return masked === name ? data : { ...data, [field]: masked };
};

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): the gateway took partner names and
 * staff display names as an administrator wrote them ("Other Co password: …") and announced them
 * (`partner.*`, `staff.*`); it refuses such names now, and its `1765606400000-mask-kept-names`
 * masks its own tables and outbox, not the in-process log's copies. The log is never pruned
 * (docs/adr/0032), so entries appended after its own masking (`MaskKeptLogEntries1765501360000`)
 * hold them as written, dead letters of them included (their headers carry the event's type).
 * Each name is masked with the detection new text goes through (removed: a migration has no
 * vault). Keyset pages by offset, only entries of those types decoded, only changed ones written;
 * a masked name holds nothing the detection finds, so a second run changes nothing. A value that
 * is not UTF-8 JSON is no event's and is left as it is. Nothing to undo: the clear text is gone.
 */
export class MaskKeptLogNames1765606430000 implements MigrationInterface {
  name = 'MaskKeptLogNames1765606430000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '0'; ; ) {
      const rows = (await queryRunner.query(
        `SELECT log_offset::text AS offset, headers->>'ce_type' AS type, value FROM "${EVENT_LOG_SCHEMA}".messages
          WHERE log_offset > $1::bigint AND headers->>'ce_type' = ANY($2::text[]) AND value IS NOT NULL ORDER BY log_offset LIMIT ${BATCH}`,
        [after, NAMED_TYPES],
      )) as { offset: string; type: NamedType; value: Buffer }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = decodedOrUndefined(row.value);
        if (data === undefined) continue;
        const masked = withNameMasked(data, row.type);
        if (masked !== data) await queryRunner.query(`UPDATE "${EVENT_LOG_SCHEMA}".messages SET value = $2 WHERE log_offset = $1::bigint`, [row.offset, Buffer.from(JSON.stringify(masked), 'utf8')]);
      }
      after = rows[rows.length - 1].offset;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The entry's value as JSON, or undefined when it is not UTF-8 JSON. */
const decodedOrUndefined = (value: Buffer): unknown => {
  try {
    return JSON.parse(UTF8.decode(value)) as unknown;
  } catch {
    return undefined;
  }
};
