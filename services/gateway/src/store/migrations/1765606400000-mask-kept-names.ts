import type { MigrationInterface, QueryRunner } from 'typeorm';
import { jsonWithoutAccessParticulars, withoutAccessParticulars } from '@tss/service-kit';

const BATCH = 500;
/** Answers kept for Idempotency-Key retries run to a few kilobytes each. */
const ANSWER_BATCH = 200;
/**
 * The events that carry a name set here, and where: a partner's `name`, a staff member's
 * `displayName` (written out, so a later contract leaves what this migration does as it is). Only
 * that member is masked: ids and addresses stay as they are.
 */
const NAME_OF: Readonly<Record<string, string>> = { 'partner.created': 'name', 'partner.updated': 'name', 'staff.created': 'displayName', 'staff.updated': 'displayName' };
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A table's nullable text column, masked in batches by its primary key (uuid or text), only changed rows written. */
const maskColumn = async (queryRunner: QueryRunner, table: string, key: string, keyType: 'uuid' | 'text', column: string): Promise<void> => {
  for (let after: string | undefined; ; ) {
    const rows = (await queryRunner.query(
      `SELECT ${key}::text AS key, ${column} AS text FROM gateway.${table}
        WHERE ${column} IS NOT NULL ${after === undefined ? '' : `AND ${key} > $1::${keyType}`} ORDER BY ${key} LIMIT ${BATCH}`,
      after === undefined ? [] : [after],
    )) as { key: string; text: string }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const masked = withoutAccessParticulars(row.text);
      if (masked !== row.text) await queryRunner.query(`UPDATE gateway.${table} SET ${column} = $2 WHERE ${key} = $1::${keyType}`, [row.key, masked]);
    }
    after = rows[rows.length - 1].key;
  }
};

/**
 * P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): a partner's name and a staff client's
 * display name were taken as written, so a name holding access particulars ("Other Co password: …")
 * was kept in `gateway.partners` and `gateway.api_clients`, listed to admins, shown on the support
 * site and announced (`partner.*`, `staff.*`); a name from the identity provider likewise in
 * `gateway.sso_staff`. New names are refused (the API's) or kept without them (the provider's).
 * This masks what was kept with the same detection, removed (the gateway has no vault): the three
 * tables, the name in those events in the outbox, published or not, and the answers kept for
 * Idempotency-Key retries (a partner's 201 or 200 repeats its name). Batches by key, only changed
 * rows written; masked text holds nothing the detection finds, so a second run changes nothing.
 * The services' copies are masked by their own migrations. Nothing to undo: the clear text is gone.
 */
export class MaskKeptNames1765606400000 implements MigrationInterface {
  name = 'MaskKeptNames1765606400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await maskColumn(queryRunner, 'partners', 'id', 'uuid', 'name');
    await maskColumn(queryRunner, 'api_clients', 'client_id', 'text', 'display_name');
    await maskColumn(queryRunner, 'sso_staff', 'staff_id', 'text', 'display_name');
    for (let after = 0; ; ) {
      const rows = (await queryRunner.query(
        `SELECT position::text AS position, event_type AS type, event->'data' AS data FROM gateway.outbox WHERE position > $1 AND event_type = ANY($2::text[]) ORDER BY position LIMIT ${BATCH}`,
        [after, Object.keys(NAME_OF)],
      )) as { position: string; type: string; data: Record<string, unknown> | null }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const field = NAME_OF[row.type];
        const name = row.data?.[field];
        if (typeof name !== 'string') continue;
        const masked = withoutAccessParticulars(name);
        if (masked !== name) await queryRunner.query(`UPDATE gateway.outbox SET event = jsonb_set(event, ARRAY['data', $2::text], to_jsonb($3::text)) WHERE position = $1::bigint`, [row.position, field, masked]);
      }
      after = Number(rows[rows.length - 1].position);
    }
    for (let after = ''; ; ) {
      const rows = (await queryRunner.query(
        `SELECT id, response_body AS body FROM gateway.idempotency_keys WHERE id > $1 AND response_body IS NOT NULL ORDER BY id LIMIT ${ANSWER_BATCH}`,
        [after],
      )) as { id: string; body: Buffer }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const masked = maskedAnswer(row.body);
        if (masked) await queryRunner.query(`UPDATE gateway.idempotency_keys SET response_body = $2 WHERE id = $1`, [row.id, masked]);
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(): Promise<void> {
    // The particulars are gone for good (P9): there is nothing to restore.
  }
}

/** A kept answer re-encoded with its strings masked; undefined when nothing changes or it is no UTF-8 JSON. */
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
