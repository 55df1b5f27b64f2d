import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutPrivateKeys, withoutPrivateKeys } from '@tss/service-kit';

const BATCH = 500;
/** Kept answers run to tens of kilobytes (a thread page, a ticket). */
const ANSWER_BATCH = 200;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): releases before it did not take a
 * private key (a PEM, PGP or PuTTY block) for an access particular, so a key pasted into a request,
 * a detail, a message or a note was kept as written: the request and the closure (`tickets`, and
 * with them the search document, kept by its triggers), message bodies, every history entry's
 * detail, the `ticket.*` events in the outbox, and the answers kept for Idempotency-Key retries
 * (24 h). This removes each key's block with `withoutPrivateKeys`, `[access particulars removed]` in
 * its place, and nothing else: what earlier masking migrations left as the detection of their day
 * found it stays as it is. Removed, not vaulted, as every masking migration of tickets did (the
 * migration has no master key, and the keys were shown and mailed in clear). A row whose text
 * changed loses its request verifier, as `1765604800000` clears those of masked rows: a retry under
 * its key is compared by the key alone. Only changed rows are written; a masked text holds no key,
 * so a second run changes nothing. Nothing to undo: the clear text is gone.
 */
export class MaskKeptPrivateKeys1765606300000 implements MigrationInterface {
  name = 'MaskKeptPrivateKeys1765606300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await maskTickets(queryRunner);
    await maskMessages(queryRunner);
    await maskHistory(queryRunner);
    await maskOutbox(queryRunner);
    await maskKeptAnswers(queryRunner);
  }

  async down(): Promise<void> {
    // The keys are gone for good (P9): there is nothing to restore.
  }
}

/** The request (subject, description, details) and an out-of-scope closure's note; the search document follows by its trigger. */
const maskTickets = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(`SELECT id::text AS id, request, closure FROM ticket_intake.tickets WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
      id: string;
      request: unknown;
      closure: unknown;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const request = jsonWithoutPrivateKeys(row.request);
      const closure = jsonWithoutPrivateKeys(row.closure);
      if (request === row.request && closure === row.closure) continue;
      await queryRunner.query(`UPDATE ticket_intake.tickets SET request = $2::jsonb, closure = $3::jsonb, request_hash = NULL WHERE id = $1::uuid`, [
        row.id,
        JSON.stringify(request),
        closure === null ? null : JSON.stringify(closure),
      ]);
    }
    after = rows[rows.length - 1].id;
  }
};

/** Every message, public or internal; a public one's change refreshes its ticket's search document (trigger). */
const maskMessages = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(`SELECT id::text AS id, body FROM ticket_intake.messages WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as { id: string; body: string }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const body = withoutPrivateKeys(row.body);
      if (body !== row.body) await queryRunner.query(`UPDATE ticket_intake.messages SET body = $2, request_hash = NULL WHERE id = $1::uuid`, [row.id, body]);
    }
    after = rows[rows.length - 1].id;
  }
};

/** Every string of every entry's detail: a change's note and values (`details_changed` keeps the steps it replaced), an answer's body. */
const maskHistory = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = 0; ; ) {
    const rows = (await queryRunner.query(`SELECT id::text AS id, detail FROM ticket_intake.ticket_history WHERE id > $1 ORDER BY id LIMIT ${BATCH}`, [after])) as { id: string; detail: unknown }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const detail = jsonWithoutPrivateKeys(row.detail);
      if (detail !== row.detail) await queryRunner.query(`UPDATE ticket_intake.ticket_history SET detail = $2::jsonb WHERE id = $1::bigint`, [row.id, JSON.stringify(detail)]);
    }
    after = Number(rows[rows.length - 1].id);
  }
};

/** The `ticket.*` events still in the outbox, published or not: consumers get them masked, as from this release. */
const maskOutbox = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = 0; ; ) {
    const rows = (await queryRunner.query(`SELECT position::text AS position, event->'data' AS data FROM ticket_intake.outbox WHERE position > $1 ORDER BY position LIMIT ${BATCH}`, [
      after,
    ])) as { position: string; data: unknown }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const data = jsonWithoutPrivateKeys(row.data);
      if (data !== row.data) await queryRunner.query(`UPDATE ticket_intake.outbox SET event = jsonb_set(event, '{data}', $2::jsonb) WHERE position = $1::bigint`, [row.position, JSON.stringify(data)]);
    }
    after = Number(rows[rows.length - 1].position);
  }
};

/**
 * The answers kept for Idempotency-Key retries (libs/runtime, 24 h): a message's 201 repeated its
 * body as stored, the key in it. A masked answer's fingerprint goes too (it digests the request as
 * written): the retry is compared by its key alone, and replays the masked answer.
 */
const maskKeptAnswers = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = ''; ; ) {
    const rows = (await queryRunner.query(`SELECT id, response_body AS body FROM ticket_intake.idempotency_keys WHERE id > $1 ORDER BY id LIMIT ${ANSWER_BATCH}`, [after])) as {
      id: string;
      body: Buffer | null;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const text = row.body === null ? undefined : utf8Of(row.body);
      if (text === undefined) continue;
      const body = answerWithoutPrivateKeys(text);
      if (body !== text) await queryRunner.query(`UPDATE ticket_intake.idempotency_keys SET response_body = $2, fingerprint = NULL WHERE id = $1`, [row.id, Buffer.from(body, 'utf8')]);
    }
    after = rows[rows.length - 1].id;
  }
};

/** An answer's bytes as text, or undefined when they are not UTF-8 (no answer of text, nothing to mask). */
const utf8Of = (bytes: Buffer): string | undefined => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
};

/** A kept answer as JSON with every string masked (it stays valid and keeps its keys), or as text when it is not JSON. */
const answerWithoutPrivateKeys = (body: string): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return withoutPrivateKeys(body);
  }
  const masked = jsonWithoutPrivateKeys(parsed);
  return masked === parsed ? body : JSON.stringify(masked);
};
