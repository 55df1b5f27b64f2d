import type { MigrationInterface, QueryRunner } from 'typeorm';
import { IN_TRANSIT_FIELD } from '@tss/contracts';
import { jsonWithoutKeptPrivateKeys, withoutKeptPrivateKeys, withoutPrivateKeys } from '@tss/service-kit';

const BATCH = 500;
/** Kept answers and events run to kilobytes (a comment of 2,000 characters, a rate page). */
const JSON_BATCH = 200;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): rating masked what it keeps with the
 * detection of each release's day (1765500470000, 1765501310000, and every comment as it arrived),
 * and before the fifth session of 2026-12-05 that detection did not take a private key for an access
 * particular. A key pasted into a rating's comment or a ticket's subject was kept as written; one
 * after "password:" lost only its "-----BEGIN" and kept the rest of its block. This removes both
 * (`withoutKeptPrivateKeys`) from the comments (`ratings`), rating's copy of the subjects
 * (`tickets`), the answers kept for Idempotency-Key retries (a masked one's fingerprint cleared: a
 * retry is compared by its key alone) and the events in the outbox. An outbox event still to publish
 * whose comment held a whole key keeps the comment as written in `inTransit` (kept if it has one),
 * as a "not solved" rating with particulars is published now (`keptComment`): intake vaults the key
 * with the reopening's reason. A half-masked remainder is only removed (intake's detection would not
 * find it in transit, and its older release took the rest). Removed, not vaulted, elsewhere: rating has no vault. Batches by key, only
 * changed rows written; a second run changes nothing. Nothing to undo: the clear text is gone.
 */
export class MaskKeptPrivateKeys1765606510000 implements MigrationInterface {
  name = 'MaskKeptPrivateKeys1765606510000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await maskComments(queryRunner);
    await maskSubjects(queryRunner);
    await maskKeptAnswers(queryRunner);
    await maskOutbox(queryRunner);
  }

  async down(): Promise<void> {
    // The keys are gone for good (P9): there is nothing to restore.
  }
}

const maskComments = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(
      `SELECT survey_id::text AS id, comment FROM rating.ratings WHERE survey_id > $1::uuid AND comment IS NOT NULL ORDER BY survey_id LIMIT ${BATCH}`,
      [after],
    )) as { id: string; comment: string }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const comment = withoutKeptPrivateKeys(row.comment);
      if (comment !== row.comment) await queryRunner.query(`UPDATE rating.ratings SET comment = $2 WHERE survey_id = $1::uuid`, [row.id, comment]);
    }
    after = rows[rows.length - 1].id;
  }
};

/** Rating's copy of a ticket's subject (the rating link and the rate page show it). */
const maskSubjects = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(`SELECT ticket_id::text AS id, subject FROM rating.tickets WHERE ticket_id > $1::uuid ORDER BY ticket_id LIMIT ${BATCH}`, [after])) as {
      id: string;
      subject: string;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const subject = withoutKeptPrivateKeys(row.subject);
      if (subject !== row.subject) await queryRunner.query(`UPDATE rating.tickets SET subject = $2 WHERE ticket_id = $1::uuid`, [row.id, subject]);
    }
    after = rows[rows.length - 1].id;
  }
};

/** The answers kept 24 h for Idempotency-Key retries: a rating's answer repeats its comment. */
const maskKeptAnswers = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = ''; ; ) {
    const rows = (await queryRunner.query(
      `SELECT id, response_body AS body FROM rating.idempotency_keys WHERE id > $1 AND response_body IS NOT NULL ORDER BY id LIMIT ${JSON_BATCH}`,
      [after],
    )) as { id: string; body: Buffer }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const masked = maskedAnswer(row.body);
      if (masked) await queryRunner.query(`UPDATE rating.idempotency_keys SET response_body = $2, fingerprint = NULL WHERE id = $1`, [row.id, masked]);
    }
    after = rows[rows.length - 1].id;
  }
};

/** The answer re-encoded with its strings masked; undefined when nothing changes or it is no UTF-8 JSON (a rate page is HTML: as text). */
const maskedAnswer = (body: Buffer): Buffer | undefined => {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    return undefined;
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text) as unknown;
  } catch {
    const masked = withoutKeptPrivateKeys(text);
    return masked === text ? undefined : Buffer.from(masked, 'utf8');
  }
  const masked = jsonWithoutKeptPrivateKeys(answer);
  return masked === answer ? undefined : Buffer.from(JSON.stringify(masked), 'utf8');
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every event in the outbox, published or not, `inTransit` left as it is. An unpublished "not
 * solved" `rating.submitted` whose comment held a whole key, without `inTransit`, gets the comment as
 * written there, as `keptComment` publishes one now; the relay drops it once published.
 */
const maskOutbox = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = 0; ; ) {
    const rows = (await queryRunner.query(
      `SELECT position::text AS position, event_type AS type, event->'data' AS data, published_at IS NOT NULL AS published FROM rating.outbox WHERE position > $1 ORDER BY position LIMIT ${JSON_BATCH}`,
      [after],
    )) as { position: string; type: string; data: unknown; published: boolean }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const data = dataWithoutKeys(row);
      if (data !== row.data) await queryRunner.query(`UPDATE rating.outbox SET event = jsonb_set(event, '{data}', $2::jsonb) WHERE position = $1::bigint`, [row.position, JSON.stringify(data)]);
    }
    after = Number(rows[rows.length - 1].position);
  }
};

const dataWithoutKeys = (row: { type: string; data: unknown; published: boolean }): unknown => {
  if (!isRecord(row.data)) return jsonWithoutKeptPrivateKeys(row.data);
  const { [IN_TRANSIT_FIELD]: inTransit, ...kept } = row.data;
  const masked = jsonWithoutKeptPrivateKeys(kept);
  // A record's masking is a record with the same keys.
  if (masked === kept || !isRecord(masked)) return row.data;
  if (inTransit !== undefined) return { ...masked, [IN_TRANSIT_FIELD]: inTransit };
  const comment = kept.comment;
  if (row.type !== 'rating.submitted' || row.published || kept.solved !== false || typeof comment !== 'string') return masked;
  // Whole keys only: intake's detection finds those, not a remainder, which would stay in its reason.
  const wholeKeysOnly = withoutPrivateKeys(comment);
  return wholeKeysOnly !== comment && withoutKeptPrivateKeys(comment) === wholeKeysOnly ? { ...masked, [IN_TRANSIT_FIELD]: { comment } } : masked;
};
