import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutAccessParticulars } from '@tss/service-kit';

const BATCH = 200;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): the runtime keeps the answer to each
 * POST sent with an Idempotency-Key for 24 h, to replay it to a retry (docs/adr/0028). Answers an
 * older release gave to a referral (`reason`), a referral's or an escalation's outcome hold the text
 * as staff wrote it, which the fourth session's 1765604950000 and 1765604960000 masked in the rows
 * but not in these copies. Every string of each kept JSON answer is masked with the detection new
 * text goes through (removed), in batches by key, writing only what changes: a retry gets the
 * answer as the rows now read. An answer that is no UTF-8 JSON is left as it is. The keys expire
 * within a day anyway; nothing to undo: the clear text is gone.
 */
export class MaskKeptAnswers1765606140000 implements MigrationInterface {
  name = 'MaskKeptAnswers1765606140000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (let after = ''; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id, response_body AS body FROM escalation.idempotency_keys WHERE id > $1 AND response_body IS NOT NULL ORDER BY id LIMIT ${BATCH}`,
        [after],
      )) as { id: string; body: Buffer }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const masked = maskedAnswer(row.body);
        if (masked) await queryRunner.query(`UPDATE escalation.idempotency_keys SET response_body = $2 WHERE id = $1`, [row.id, masked]);
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}

/** The answer re-encoded with its strings masked; undefined when nothing changes or it is no UTF-8 JSON. */
const maskedAnswer = (body: Buffer): Buffer | undefined => {
  let answer: unknown;
  try {
    answer = JSON.parse(UTF8.decode(body)) as unknown;
  } catch {
    return undefined;
  }
  const masked = jsonWithoutAccessParticulars(answer);
  return masked === answer ? undefined : Buffer.from(JSON.stringify(masked), 'utf8');
};
