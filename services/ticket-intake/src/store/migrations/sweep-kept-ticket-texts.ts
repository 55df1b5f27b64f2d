import type { QueryRunner } from 'typeorm';

const BATCH = 500;
/** Kept answers run to tens of kilobytes (a thread page, a ticket). */
const ANSWER_BATCH = 200;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

/** What a sweep does to each kept text: one string, and every string of a JSON value (the same value when nothing changed). */
export interface TextMask {
  text(value: string): string;
  json(value: unknown): unknown;
}

/**
 * Every copy of a text ticket-intake keeps, swept with `mask` (P9, docs/adr/0026): the request and
 * the closure (`tickets`, and with them the search document, kept by its triggers), message bodies,
 * every history entry's detail, the `ticket.*` events in the outbox, and the answers kept for
 * Idempotency-Key retries (24 h). A row whose text changed loses its request verifier (a kept answer
 * its fingerprint): a retry under its key is compared by the key alone. Keyset pages; only changed
 * rows are written, so a mask that finds nothing the second time makes a second run change nothing.
 * Shared by the migrations that remove private keys (`1765606300000`) and what older releases left
 * of half-masked ones (`1765606530000`); each names its mask, so what either removes does not move.
 */
export const sweepKeptTicketTexts = async (queryRunner: QueryRunner, mask: TextMask): Promise<void> => {
  await maskTickets(queryRunner, mask);
  await maskMessages(queryRunner, mask);
  await maskHistory(queryRunner, mask);
  await maskOutbox(queryRunner, mask);
  await maskKeptAnswers(queryRunner, mask);
};

/** The request (subject, description, details) and an out-of-scope closure's note; the search document follows by its trigger. */
const maskTickets = async (queryRunner: QueryRunner, mask: TextMask): Promise<void> => {
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(`SELECT id::text AS id, request, closure FROM ticket_intake.tickets WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
      id: string;
      request: unknown;
      closure: unknown;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const request = mask.json(row.request);
      const closure = mask.json(row.closure);
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
const maskMessages = async (queryRunner: QueryRunner, mask: TextMask): Promise<void> => {
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(`SELECT id::text AS id, body FROM ticket_intake.messages WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as { id: string; body: string }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const body = mask.text(row.body);
      if (body !== row.body) await queryRunner.query(`UPDATE ticket_intake.messages SET body = $2, request_hash = NULL WHERE id = $1::uuid`, [row.id, body]);
    }
    after = rows[rows.length - 1].id;
  }
};

/** Every string of every entry's detail: a change's note and values (`details_changed` keeps the steps it replaced), an answer's body. */
const maskHistory = async (queryRunner: QueryRunner, mask: TextMask): Promise<void> => {
  for (let after = 0; ; ) {
    const rows = (await queryRunner.query(`SELECT id::text AS id, detail FROM ticket_intake.ticket_history WHERE id > $1 ORDER BY id LIMIT ${BATCH}`, [after])) as { id: string; detail: unknown }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const detail = mask.json(row.detail);
      if (detail !== row.detail) await queryRunner.query(`UPDATE ticket_intake.ticket_history SET detail = $2::jsonb WHERE id = $1::bigint`, [row.id, JSON.stringify(detail)]);
    }
    after = Number(rows[rows.length - 1].id);
  }
};

/** The `ticket.*` events still in the outbox, published or not: consumers get them masked, as from this release. */
const maskOutbox = async (queryRunner: QueryRunner, mask: TextMask): Promise<void> => {
  for (let after = 0; ; ) {
    const rows = (await queryRunner.query(`SELECT position::text AS position, event->'data' AS data FROM ticket_intake.outbox WHERE position > $1 ORDER BY position LIMIT ${BATCH}`, [
      after,
    ])) as { position: string; data: unknown }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const data = mask.json(row.data);
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
const maskKeptAnswers = async (queryRunner: QueryRunner, mask: TextMask): Promise<void> => {
  for (let after = ''; ; ) {
    const rows = (await queryRunner.query(`SELECT id, response_body AS body FROM ticket_intake.idempotency_keys WHERE id > $1 ORDER BY id LIMIT ${ANSWER_BATCH}`, [after])) as {
      id: string;
      body: Buffer | null;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const text = row.body === null ? undefined : utf8Of(row.body);
      if (text === undefined) continue;
      const body = answerMasked(text, mask);
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
const answerMasked = (body: string, mask: TextMask): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return mask.text(body);
  }
  const masked = mask.json(parsed);
  return masked === parsed ? body : JSON.stringify(masked);
};
