import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutKeptPrivateKeys, withoutKeptPrivateKeys } from '@tss/service-kit';

const BATCH = 500;
/** Kept answers and events run to kilobytes (a referral with its reason, an escalation). */
const JSON_BATCH = 200;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): escalation masked what it keeps with
 * the detection of each release's day (1765501320000, 1765604950000, 1765604960000, 1765606140000,
 * 1765606420000), and before the fifth session of 2026-12-05 that detection did not take a private
 * key for an access particular. A key pasted into a referral's reason or outcome, an escalation's
 * outcome (or quoted in its quote and summary), a roster note or a display name was kept as
 * written; one pasted after "password:" lost only its "-----BEGIN" and kept the rest of its block.
 * This removes both (`withoutKeptPrivateKeys`) from every text escalation keeps of them: referrals
 * (reason, outcome, rejection reason), escalations (quote, summary, outcome), every roster version,
 * the staff copy's display names, the answers kept for Idempotency-Key retries (a masked one's
 * fingerprint cleared: a retry is compared by its key alone, as 1765604800000 decided for intake)
 * and the events in the outbox, published or not. Rule sets are left as they are (1765604960000:
 * masking a phrase would change what it matches). Removed, not vaulted: escalation has no vault.
 * Batches by key, only changed rows written; a second run changes nothing. Nothing to undo.
 */
export class MaskKeptPrivateKeys1765606500000 implements MigrationInterface {
  name = 'MaskKeptPrivateKeys1765606500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await maskReferrals(queryRunner);
    await maskEscalations(queryRunner);
    await maskRosters(queryRunner);
    await maskStaffNames(queryRunner);
    await maskKeptAnswers(queryRunner);
    await maskOutbox(queryRunner);
  }

  async down(): Promise<void> {
    // The keys are gone for good (P9): there is nothing to restore.
  }
}

/** `text` without keys; null stays null. */
const kept = (text: string | null): string | null => (text === null ? null : withoutKeptPrivateKeys(text));

const maskReferrals = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(
      `SELECT id::text AS id, reason, outcome, rejection_reason FROM escalation.referrals WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`,
      [after],
    )) as { id: string; reason: string; outcome: string | null; rejection_reason: string | null }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const masked = { reason: withoutKeptPrivateKeys(row.reason), outcome: kept(row.outcome), rejection: kept(row.rejection_reason) };
      if (masked.reason === row.reason && masked.outcome === row.outcome && masked.rejection === row.rejection_reason) continue;
      await queryRunner.query(`UPDATE escalation.referrals SET reason = $2, outcome = $3, rejection_reason = $4 WHERE id = $1::uuid`, [row.id, masked.reason, masked.outcome, masked.rejection]);
    }
    after = rows[rows.length - 1].id;
  }
};

const maskEscalations = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = FIRST_UUID; ; ) {
    const rows = (await queryRunner.query(`SELECT id::text AS id, quote, summary, outcome FROM escalation.escalations WHERE id > $1::uuid ORDER BY id LIMIT ${BATCH}`, [after])) as {
      id: string;
      quote: string | null;
      summary: string;
      outcome: string | null;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const masked = { quote: kept(row.quote), summary: withoutKeptPrivateKeys(row.summary), outcome: kept(row.outcome) };
      if (masked.quote === row.quote && masked.summary === row.summary && masked.outcome === row.outcome) continue;
      await queryRunner.query(`UPDATE escalation.escalations SET quote = $2, summary = $3, outcome = $4 WHERE id = $1::uuid`, [row.id, masked.quote, masked.summary, masked.outcome]);
    }
    after = rows[rows.length - 1].id;
  }
};

/** A roster version is one document: its overrides' notes are its free text; ids, zones and times hold no key. */
const maskRosters = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = 0; ; ) {
    const rows = (await queryRunner.query(`SELECT version, roster FROM escalation.rosters WHERE version > $1 ORDER BY version LIMIT ${BATCH}`, [after])) as { version: number; roster: unknown }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const roster = jsonWithoutKeptPrivateKeys(row.roster);
      if (roster !== row.roster) await queryRunner.query(`UPDATE escalation.rosters SET roster = $2::jsonb WHERE version = $1`, [row.version, JSON.stringify(roster)]);
    }
    after = rows[rows.length - 1].version;
  }
};

const maskStaffNames = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = ''; ; ) {
    const rows = (await queryRunner.query(`SELECT staff_id, display_name FROM escalation.staff WHERE staff_id > $1 ORDER BY staff_id LIMIT ${BATCH}`, [after])) as {
      staff_id: string;
      display_name: string | null;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const name = kept(row.display_name);
      if (name !== row.display_name) await queryRunner.query(`UPDATE escalation.staff SET display_name = $2 WHERE staff_id = $1`, [row.staff_id, name]);
    }
    after = rows[rows.length - 1].staff_id;
  }
};

/** The answers kept 24 h for Idempotency-Key retries: a referral's 202 and an outcome's 200 repeat the text. */
const maskKeptAnswers = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = ''; ; ) {
    const rows = (await queryRunner.query(
      `SELECT id, response_body AS body FROM escalation.idempotency_keys WHERE id > $1 AND response_body IS NOT NULL ORDER BY id LIMIT ${JSON_BATCH}`,
      [after],
    )) as { id: string; body: Buffer }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const masked = maskedAnswer(row.body);
      if (masked) await queryRunner.query(`UPDATE escalation.idempotency_keys SET response_body = $2, fingerprint = NULL WHERE id = $1`, [row.id, masked]);
    }
    after = rows[rows.length - 1].id;
  }
};

/** The answer re-encoded with its strings masked; undefined when nothing changes or it is no UTF-8 JSON. */
const maskedAnswer = (body: Buffer): Buffer | undefined => {
  let answer: unknown;
  try {
    answer = JSON.parse(UTF8.decode(body)) as unknown;
  } catch {
    return undefined;
  }
  const masked = jsonWithoutKeptPrivateKeys(answer);
  return masked === answer ? undefined : Buffer.from(JSON.stringify(masked), 'utf8');
};

/** Every event in the outbox, published or not: a consumer still to read one gets it masked, as from this release. */
const maskOutbox = async (queryRunner: QueryRunner): Promise<void> => {
  for (let after = 0; ; ) {
    const rows = (await queryRunner.query(`SELECT position::text AS position, event->'data' AS data FROM escalation.outbox WHERE position > $1 ORDER BY position LIMIT ${JSON_BATCH}`, [
      after,
    ])) as { position: string; data: unknown }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const data = jsonWithoutKeptPrivateKeys(row.data);
      if (data !== row.data) await queryRunner.query(`UPDATE escalation.outbox SET event = jsonb_set(event, '{data}', $2::jsonb) WHERE position = $1::bigint`, [row.position, JSON.stringify(data)]);
    }
    after = Number(rows[rows.length - 1].position);
  }
};
