import type { MigrationInterface, QueryRunner } from 'typeorm';
import { fileNameWithoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

/** `value` with every string under a `fileName` key masked as a file name; the very same value when nothing changed. */
const withFileNamesMasked = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    const items = value.map(withFileNamesMasked);
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, item]) => [key, key === 'fileName' && typeof item === 'string' ? fileNameWithoutAccessParticulars(item) : withFileNamesMasked(item)] as const);
  return entries.some(([key, item]) => item !== (value as Record<string, unknown>)[key]) ? Object.fromEntries(entries) : value;
};

// The refusal notes' lines (domain/mail-notes.ts) quote a file's name; names are at most 200 characters.
const REFUSAL_LINE = /^(Attachment "|Вложение «)(.{1,200})(" was not accepted: |» не принято: )/gmu;

/** A system note with each refused file's name masked, the rest as written. */
const withRefusedNamesMasked = (body: string): string => body.replace(REFUSAL_LINE, (_line, open: string, name: string, close: string) => `${open}${fileNameWithoutAccessParticulars(name)}${close}`);

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, first session): a file's name went into storage as
 * sent, so `password FilePw#1122.png` showed in clear in `GET …/attachments`, downloads, the
 * history's `attachment_uploaded` and `attachments_refused` entries, the system note naming a mailed
 * file that was refused, and the `ticket.attachments_refused` events in the outbox. New names are
 * vaulted and masked; this masks the ones kept, each particular replaced by
 * `[access particulars removed]` and the extension kept (removed, not vaulted, as 1765501330000
 * did: a migration has no master key). Only changed rows are written; a second run changes nothing.
 * Nothing to undo: the clear text is gone.
 */
export class MaskKeptFileNames1765603300000 implements MigrationInterface {
  name = 'MaskKeptFileNames1765603300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(`SELECT id::text AS id, file_name FROM ticket_intake.attachments WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
        id: string;
        file_name: string;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const fileName = fileNameWithoutAccessParticulars(row.file_name);
        if (fileName !== row.file_name) await queryRunner.query(`UPDATE ticket_intake.attachments SET file_name = $2 WHERE id = $1::uuid`, [row.id, fileName]);
      }
      after = rows[rows.length - 1].id;
    }
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id::text AS id, detail FROM ticket_intake.ticket_history WHERE id > $1 AND action IN ('attachment_uploaded', 'attachments_refused') ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; detail: unknown }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const detail = withFileNamesMasked(row.detail);
        if (detail !== row.detail) await queryRunner.query(`UPDATE ticket_intake.ticket_history SET detail = $2::jsonb WHERE id = $1::bigint`, [row.id, JSON.stringify(detail)]);
      }
      after = Number(rows[rows.length - 1].id);
    }
    for (let after = FIRST_UUID; ; ) {
      const rows = (await queryRunner.query(`SELECT id::text AS id, body FROM ticket_intake.messages WHERE id > $1::uuid AND author_kind = 'system' ORDER BY id LIMIT ${BATCH}`, [after])) as {
        id: string;
        body: string;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const body = withRefusedNamesMasked(row.body);
        if (body !== row.body) await queryRunner.query(`UPDATE ticket_intake.messages SET body = $2 WHERE id = $1::uuid`, [row.id, body]);
      }
      after = rows[rows.length - 1].id;
    }
    // Published or not: notification reads the names to mail the requester, better masked than clear.
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT position::text AS position, event->'data' AS data FROM ticket_intake.outbox WHERE position > $1 AND event_type = 'ticket.attachments_refused' ORDER BY position LIMIT ${BATCH}`,
        [after],
      )) as { position: string; data: unknown }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = withFileNamesMasked(row.data);
        if (data !== row.data) await queryRunner.query(`UPDATE ticket_intake.outbox SET event = jsonb_set(event, '{data}', $2::jsonb) WHERE position = $1::bigint`, [row.position, JSON.stringify(data)]);
      }
      after = Number(rows[rows.length - 1].position);
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
