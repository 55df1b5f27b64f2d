import type { MigrationInterface, QueryRunner } from 'typeorm';
import { fileNameWithoutAccessParticulars } from '@tss/service-kit';
import { EVENT_LOG_SCHEMA } from './event-log.migration';

/** Entries per page: a mail's event runs to tens of kilobytes (its text). */
const BATCH = 200;

/**
 * Where each event type keeps file names in its data, as the releases that kept them in clear
 * wrote it (written out here, so a later contract change leaves this migration reading what they wrote).
 */
const NAMES_OF = {
  'notification.email_received': { list: 'attachmentPointers', name: 'filename' },
  'ticket.attachments_refused': { list: 'files', name: 'fileName' },
} as const;
type NamedType = keyof typeof NAMES_OF;
const NAMED_TYPES = Object.keys(NAMES_OF) as NamedType[];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `data` with the name of each item of its file list masked; the very same value when nothing
 * changed. Only that list: `inTransit` (the names as sent, for intake's vault) is left as it is.
 */
const withFileNamesMasked = (data: unknown, type: NamedType): unknown => {
  const { list, name } = NAMES_OF[type];
  if (!isRecord(data) || !Array.isArray(data[list])) return data;
  const items: unknown[] = data[list];
  const masked = items.map((item) => (isRecord(item) && typeof item[name] === 'string' ? maskedName(item, name) : item));
  return masked.some((item, i) => item !== items[i]) ? { ...data, [list]: masked } : data;
};

const maskedName = (item: Record<string, unknown>, key: string): Record<string, unknown> => {
  const name = item[key] as string;
  const masked = fileNameWithoutAccessParticulars(name);
  return masked === name ? item : { ...item, [key]: masked };
};

/**
 * P9 (docs/adr/0070, addendum of 2026-12-05, second session): notification's
 * `1765603900000-mask-kept-mail-file-names` and intake's `1765603300000-mask-kept-file-names`
 * masked the file names their own tables kept, not the in-process log's copies. Entries appended
 * after the log's own masking (`MaskKeptLogEntries1765501360000`) by releases before 9a736cc and
 * df202f3 hold them as sent (`password FilePw#1122.png`): `notification.email_received`
 * (`attachmentPointers[].filename`) and `ticket.attachments_refused` (`files[].fileName`), dead
 * letters of them included (their headers carry the event's type). Each name is masked with
 * `fileNameWithoutAccessParticulars`, the extension kept (removed, not vaulted: a migration has
 * no master key). `inTransit` is left alone: it is the vault's until every group has read the
 * entry, and the log removes it then. Keyset pages by offset, only changed entries written; a
 * masked name holds nothing the detection finds, so a second run changes nothing. A value that
 * is not JSON is no event's and is left as it is. Nothing to undo: the clear names are gone.
 */
export class MaskKeptLogFileNames1765604110000 implements MigrationInterface {
  name = 'MaskKeptLogFileNames1765604110000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = '0'; ; ) {
      const rows = (await queryRunner.query(
        `SELECT log_offset::text AS offset, headers->>'ce_type' AS type, convert_from(value, 'UTF8') AS data FROM "${EVENT_LOG_SCHEMA}".messages
          WHERE log_offset > $1::bigint AND headers->>'ce_type' = ANY($2::text[]) AND value IS NOT NULL ORDER BY log_offset LIMIT ${BATCH}`,
        [after, NAMED_TYPES],
      )) as { offset: string; type: NamedType; data: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = parsedOrUndefined(row.data);
        if (data === undefined) continue;
        const masked = withFileNamesMasked(data, row.type);
        if (masked !== data) await queryRunner.query(`UPDATE "${EVENT_LOG_SCHEMA}".messages SET value = convert_to($2, 'UTF8') WHERE log_offset = $1::bigint`, [row.offset, JSON.stringify(masked)]);
      }
      after = rows[rows.length - 1].offset;
    }
  }

  async down(): Promise<void> {
    // The names as sent are gone for good (P9): there is nothing to restore.
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
