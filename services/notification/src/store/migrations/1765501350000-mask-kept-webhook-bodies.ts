import type { MigrationInterface, QueryRunner } from 'typeorm';
import { IN_TRANSIT_FIELD } from '@tss/contracts';
import { jsonWithoutAccessParticulars, withoutAccessParticulars } from '@tss/service-kit';

/** Rows per batch: a body runs to tens of kilobytes. */
const BATCH = 200;

/**
 * A kept webhook body (a CloudEvent as JSON) as `webhookBodyOf` writes one now: every string of
 * it masked, without `data.inTransit`. The same text when nothing changes; a body that is not
 * JSON (none is written so) is masked as text, having no structure to keep.
 */
const bodyWithoutAccessParticulars = (body: string): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return withoutAccessParticulars(body);
  }
  const data = typeof parsed === 'object' && parsed !== null ? (parsed as { data?: unknown }).data : undefined;
  const published =
    typeof data === 'object' && data !== null && IN_TRANSIT_FIELD in data
      ? { ...(parsed as object), data: Object.fromEntries(Object.entries(data).filter(([key]) => key !== IN_TRANSIT_FIELD)) }
      : parsed;
  const masked = jsonWithoutAccessParticulars(published);
  return masked === parsed ? body : JSON.stringify(masked);
};

/**
 * P9 (docs/adr/0070, addendum of 2026-12-04, fourth session): notification keeps each event it
 * offers to webhooks for 30 days (`webhook_events`, for replay) and each delivery's body
 * (`webhook_deliveries`), as published by older releases: a reopening's reason, a rating's
 * comment, an answer's body with a password in clear, which a replay or a retry sent to the
 * subscriber again. Masks every string of each body as JSON (it stays valid and keeps its keys),
 * and drops `data.inTransit` as deliveries do now, in batches by primary key. A delivery is signed
 * when it is sent, over the body it sends: a masked body is signed as masked. Nothing to undo:
 * the clear text is gone.
 */
export class MaskKeptWebhookBodies1765501350000 implements MigrationInterface {
  name = 'MaskKeptWebhookBodies1765501350000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = ''; ; ) {
      const rows = (await queryRunner.query(`SELECT id, body FROM notification.webhook_events WHERE id > $1 ORDER BY id LIMIT ${BATCH}`, [after])) as { id: string; body: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const body = bodyWithoutAccessParticulars(row.body);
        if (body !== row.body) await queryRunner.query(`UPDATE notification.webhook_events SET body = $2 WHERE id = $1`, [row.id, body]);
      }
      after = rows[rows.length - 1].id;
    }
    // Whatever their status: a pending one is sent masked, a failed one retried masked, a sent one kept masked.
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = (await queryRunner.query(`SELECT id::text AS id, body FROM notification.webhook_deliveries WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
        id: string;
        body: string;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const body = bodyWithoutAccessParticulars(row.body);
        if (body !== row.body) await queryRunner.query(`UPDATE notification.webhook_deliveries SET body = $2 WHERE id = $1::uuid`, [row.id, body]);
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}
