import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutKeptPrivateKeys, withoutKeptPrivateKeys } from '@tss/service-kit';

const BATCH = 500;
/** Kept answers run to tens of kilobytes (a thread page, a ticket). */
const ANSWER_BATCH = 200;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): before the fifth session a key pasted
 * after "password:" (or "Token:", "пароль:" …) lost only its "-----BEGIN" to the password's value,
 * vaulted or removed, and the rest of its block stayed: the BEGIN line's tail, the base64 lines and
 * the END line, which `1765606300000` (`withoutPrivateKeys`, whole keys only) does not find. This
 * removes such remainders (`withoutKeptPrivateKeys`) from every copy that migration swept: the
 * request and the closure (and with them the search document, kept by its triggers), message
 * bodies, every history entry's detail, the `ticket.*` events in the outbox and the answers kept for
 * Idempotency-Key retries. A remainder right after the placeholder goes with the blanks before it,
 * so "password: [credentials stored securely: TSS vault #…]" is what stays; elsewhere it becomes
 * `[access particulars removed]`. A row whose text changed loses its request verifier (and a kept
 * answer its fingerprint), as in `1765606300000`. Only changed rows are written; a second run
 * changes nothing. Nothing to undo: the clear text is gone.
 */
export class MaskKeptKeyRemainders1765606530000 implements MigrationInterface {
  name = 'MaskKeptKeyRemainders1765606530000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await maskTickets(queryRunner);
    await maskMessages(queryRunner);
    await maskHistory(queryRunner);
    await maskOutbox(queryRunner);
    await maskKeptAnswers(queryRunner);
  }

  async down(): Promise<void> {
    // The keys' remainders are gone for good (P9): there is nothing to restore.
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
      const request = jsonWithoutKeptPrivateKeys(row.request);
      const closure = jsonWithoutKeptPrivateKeys(row.closure);
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
      const body = withoutKeptPrivateKeys(row.body);
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
      const detail = jsonWithoutKeptPrivateKeys(row.detail);
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
      const data = jsonWithoutKeptPrivateKeys(row.data);
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
      const body = answerWithoutKeys(text);
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
const answerWithoutKeys = (body: string): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return withoutKeptPrivateKeys(body);
  }
  const masked = jsonWithoutKeptPrivateKeys(parsed);
  return masked === parsed ? body : JSON.stringify(masked);
};
