import type { MigrationInterface, QueryRunner } from 'typeorm';
import { IN_TRANSIT_FIELD } from '@tss/contracts';
import { jsonWithoutKeptPrivateKeys, withoutKeptPrivateKeys } from '@tss/service-kit';
import { htmlWithoutAccessParticulars } from '../../domain/mail-template';

/** Rows per batch: a mail's bodies, an event's text, run to tens of kilobytes. */
const BATCH = 200;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): before the fifth session a key after
 * "password:" in a mail lost only its "-----BEGIN" to the password's value, and notification kept
 * the rest of its block (the BEGIN line's tail, the base64 lines, the END line), which
 * `1765606310000` (`withoutPrivateKeys`, whole keys only) does not find. This removes such remainders
 * (`withoutKeptPrivateKeys`) from every copy that migration swept: inbound mail's records, the events
 * in the outbox, mail sent and mail contacts' subjects, events kept for webhook replay and their
 * deliveries, escalation's event types included (their staff texts were masked, half-masking a key
 * the same way, by `1765606130000` with the detection of its day). A remainder right after the
 * placeholder goes with the blanks before it; elsewhere it becomes `[access particulars removed]`.
 * `inTransit` is left as it is and none is added: an unpublished `email_received` that has one
 * carries the mail as sent, the whole key in it, for intake's vault, and a remainder is no key
 * intake's detection would find. Keyset pages, only changed rows written; a second run changes
 * nothing. Nothing to undo: the clear text is gone.
 */
export class MaskKeptKeyRemainders1765606540000 implements MigrationInterface {
  name = 'MaskKeptKeyRemainders1765606540000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await maskInboundMail(queryRunner);
    await maskOutbox(queryRunner);
    await maskSentMail(queryRunner);
    await maskWebhookBodies(queryRunner, { table: 'webhook_events', id: 'text', first: '' });
    await maskWebhookBodies(queryRunner, { table: 'webhook_deliveries', id: 'uuid', first: FIRST_UUID });
  }

  async down(): Promise<void> {
    // The keys' remainders are gone for good (P9): there is nothing to restore.
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
      const subject = withoutKeptPrivateKeys(row.subject);
      const text = withoutKeptPrivateKeys(row.text_body);
      if (subject !== row.subject || text !== row.text_body) await queryRunner.query(`UPDATE notification.inbound_messages SET subject = $2, text_body = $3 WHERE id = $1::uuid`, [row.id, subject, text]);
    }
    after = rows[rows.length - 1].id;
  }
};

const maskOutbox = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = 0; ; ) {
    const rows = (await queryRunner.query(`SELECT position::text AS position, event->'data' AS data FROM notification.outbox WHERE position > $1 ORDER BY position LIMIT ${BATCH}`, [after])) as {
      position: string;
      data: unknown;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const data = dataWithoutKeys(row.data);
      if (data !== row.data) await queryRunner.query(`UPDATE notification.outbox SET event = jsonb_set(event, '{data}', $2::jsonb) WHERE position = $1::bigint`, [row.position, JSON.stringify(data)]);
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
      const subject = withoutKeptPrivateKeys(row.subject);
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
      const masked = { subject: withoutKeptPrivateKeys(row.subject), text: withoutKeptPrivateKeys(row.text_body), html: htmlWithoutAccessParticulars(row.html_body, withoutKeptPrivateKeys) };
      if (masked.subject !== row.subject || masked.text !== row.text_body || masked.html !== row.html_body) {
        await queryRunner.query(`UPDATE notification.mail_messages SET subject = $2, text_body = $3, html_body = $4 WHERE id = $1::uuid`, [row.id, masked.subject, masked.text, masked.html]);
      }
    }
    after = rows[rows.length - 1].id;
  }
};

/** Whatever a delivery's status: a pending one is sent masked, a failed one retried masked, a sent one kept masked. */
const maskWebhookBodies = async (queryRunner: QueryRunner, kept: { table: 'webhook_events' | 'webhook_deliveries'; id: 'text' | 'uuid'; first: string }): Promise<void> => {
  for (let after = kept.first; ; ) {
    const rows = (await queryRunner.query(`SELECT id::text AS id, body FROM notification.${kept.table} WHERE id > $1::${kept.id} ORDER BY id LIMIT ${BATCH}`, [after])) as {
      id: string;
      body: string;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const body = webhookBodyWithoutKeys(row.body);
      if (body !== row.body) await queryRunner.query(`UPDATE notification.${kept.table} SET body = $2 WHERE id = $1::${kept.id}`, [row.id, body]);
    }
    after = rows[rows.length - 1].id;
  }
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An event's data with every remainder removed but in `inTransit`; the very same value when nothing changes. */
const dataWithoutKeys = (data: unknown): unknown => {
  if (!isRecord(data) || !(IN_TRANSIT_FIELD in data)) return jsonWithoutKeptPrivateKeys(data);
  const { [IN_TRANSIT_FIELD]: inTransit, ...kept } = data;
  const masked = jsonWithoutKeptPrivateKeys(kept);
  // A record's masking is a record with the same keys.
  return masked === kept || !isRecord(masked) ? data : { ...masked, [IN_TRANSIT_FIELD]: inTransit };
};

/** A kept webhook body (a CloudEvent as JSON) masked as JSON; the same text when it holds no remainder. */
const webhookBodyWithoutKeys = (body: string): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return withoutKeptPrivateKeys(body);
  }
  const masked = jsonWithoutKeptPrivateKeys(parsed);
  return masked === parsed ? body : JSON.stringify(masked);
};
