import type { MigrationInterface, QueryRunner } from 'typeorm';
import { IN_TRANSIT_FIELD } from '@tss/contracts';
import { jsonWithoutPrivateKeys, withoutPrivateKeys } from '@tss/service-kit';
import { htmlWithoutAccessParticulars } from '../../domain/mail-template';

/** Rows per batch: a mail's bodies, an event's text, run to tens of kilobytes. */
const BATCH = 200;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';
/** Escalation's events are another change's (docs/adr/0070, fifth session): their kept copies are left to it. */
const NOT_ESCALATION = `NOT LIKE 'escalation.%'`;

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): releases before it did not take a
 * private key (a PEM, PGP or PuTTY block) for an access particular, so each copy notification keeps
 * of a text held a pasted key as written:
 * - an inbound mail's record (`inbound_messages`: subject and text), whatever its outcome;
 * - the `notification.email_received` events in its outbox. A published one is masked; one still to
 *   publish gets the shape `forwardToIntake` writes now: its text masked, the text as sent in
 *   `inTransit` (kept if it has one), so intake vaults the key as it vaults any particular arriving
 *   now, and the relay drops `inTransit` once published. Chosen in the row's `UPDATE`, on the row as
 *   it is then;
 * - the mail it sent (`mail_messages`: subject, plain and HTML bodies, an agent's answer quoting a
 *   key) and each ticket's mail contact (`mail_contacts.subject`);
 * - the events kept for webhook replay and their deliveries (`webhook_events`, `webhook_deliveries`),
 *   as JSON, `data.inTransit` dropped as deliveries do now; a delivery is signed when sent, over what
 *   it sends. Escalation's event types are left to the change that masks their staff texts.
 * Each key's block is replaced by `[access particulars removed]` with `withoutPrivateKeys`, and
 * nothing else (removed, not vaulted, as every masking migration did: no master key here). Keyset
 * pages, only changed rows written; a masked text holds no key, so a second run changes nothing.
 * The in-process event log is libs/messaging's (`MaskKeptLogPrivateKeys1765606320000`). Nothing to
 * undo: the clear text is gone.
 */
export class MaskKeptPrivateKeys1765606310000 implements MigrationInterface {
  name = 'MaskKeptPrivateKeys1765606310000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await maskInboundMail(queryRunner);
    await maskForwardedMail(queryRunner);
    await maskSentMail(queryRunner);
    await maskWebhookBodies(queryRunner, { table: 'webhook_events', typeColumn: 'type', id: 'text', first: '' });
    await maskWebhookBodies(queryRunner, { table: 'webhook_deliveries', typeColumn: 'event_type', id: 'uuid', first: FIRST_UUID });
  }

  async down(): Promise<void> {
    // The keys are gone for good (P9): there is nothing to restore.
  }
}

const maskInboundMail = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(`SELECT id::text AS id, subject, text_body FROM notification.inbound_messages WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
      id: string;
      subject: string;
      text_body: string;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const subject = withoutPrivateKeys(row.subject);
      const text = withoutPrivateKeys(row.text_body);
      if (subject !== row.subject || text !== row.text_body) await queryRunner.query(`UPDATE notification.inbound_messages SET subject = $2, text_body = $3 WHERE id = $1::uuid`, [row.id, subject, text]);
    }
    after = rows[rows.length - 1].id;
  }
};

const maskForwardedMail = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = 0; ; ) {
    const rows = (await queryRunner.query(
      `SELECT position::text AS position, event->'data' AS data FROM notification.outbox
        WHERE position > $1 AND event_type = 'notification.email_received' ORDER BY position LIMIT ${BATCH}`,
      [after],
    )) as { position: string; data: unknown }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const kept = withoutInTransit(row.data);
      const masked = jsonWithoutPrivateKeys(kept);
      if (masked === kept) continue;
      await queryRunner.query(
        `UPDATE notification.outbox
            SET event = CASE
                  WHEN published_at IS NULL THEN jsonb_set(jsonb_set(event, '{data}', $2::jsonb), '{data,${IN_TRANSIT_FIELD}}',
                    COALESCE(event->'data'->'${IN_TRANSIT_FIELD}', jsonb_build_object('subject', event->'data'->'subject', 'text', event->'data'->'text')))
                  ELSE jsonb_set(event, '{data}', $2::jsonb)
                END
          WHERE position = $1::bigint`,
        [row.position, JSON.stringify(masked)],
      );
    }
    after = Number(rows[rows.length - 1].position);
  }
};

const maskSentMail = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(`SELECT ticket_id::text AS id, subject FROM notification.mail_contacts WHERE ticket_id > $1::uuid ORDER BY ticket_id LIMIT ${BATCH}`, [after])) as {
      id: string;
      subject: string;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const subject = withoutPrivateKeys(row.subject);
      if (subject !== row.subject) await queryRunner.query(`UPDATE notification.mail_contacts SET subject = $2 WHERE ticket_id = $1::uuid`, [row.id, subject]);
    }
    after = rows[rows.length - 1].id;
  }
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(`SELECT id::text AS id, subject, text_body, html_body FROM notification.mail_messages WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
      id: string;
      subject: string;
      text_body: string;
      html_body: string;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const masked = { subject: withoutPrivateKeys(row.subject), text: withoutPrivateKeys(row.text_body), html: htmlWithoutAccessParticulars(row.html_body, withoutPrivateKeys) };
      if (masked.subject !== row.subject || masked.text !== row.text_body || masked.html !== row.html_body) {
        await queryRunner.query(`UPDATE notification.mail_messages SET subject = $2, text_body = $3, html_body = $4 WHERE id = $1::uuid`, [row.id, masked.subject, masked.text, masked.html]);
      }
    }
    after = rows[rows.length - 1].id;
  }
};

/** Whatever a delivery's status: a pending one is sent masked, a failed one retried masked, a sent one kept masked. */
const maskWebhookBodies = async (
  queryRunner: QueryRunner,
  kept: { table: 'webhook_events' | 'webhook_deliveries'; typeColumn: 'type' | 'event_type'; id: 'text' | 'uuid'; first: string },
): Promise<void> => {
  for (let after = kept.first; ; ) {
    const rows = (await queryRunner.query(
      `SELECT id::text AS id, body FROM notification.${kept.table} WHERE id > $1::${kept.id} AND ${kept.typeColumn} ${NOT_ESCALATION} ORDER BY id LIMIT ${BATCH}`,
      [after],
    )) as { id: string; body: string }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const body = webhookBodyWithoutPrivateKeys(row.body);
      if (body !== row.body) await queryRunner.query(`UPDATE notification.${kept.table} SET body = $2 WHERE id = $1::${kept.id}`, [row.id, body]);
    }
    after = rows[rows.length - 1].id;
  }
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An event's data without `inTransit` (the vault's, never kept masked); the very same value without one. */
const withoutInTransit = (data: unknown): unknown => {
  if (!isRecord(data) || !(IN_TRANSIT_FIELD in data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => key !== IN_TRANSIT_FIELD));
};

/** A kept webhook body (a CloudEvent as JSON) masked as JSON, without `data.inTransit`; the same text when it holds no key. */
const webhookBodyWithoutPrivateKeys = (body: string): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return withoutPrivateKeys(body);
  }
  const published = isRecord(parsed) && isRecord(parsed.data) ? { ...parsed, data: withoutInTransit(parsed.data) } : parsed;
  const masked = jsonWithoutPrivateKeys(published);
  return masked === published ? body : JSON.stringify(masked);
};
