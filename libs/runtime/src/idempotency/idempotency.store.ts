import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';
import { keyExpiresAt, keyRecordId, type KeyRecord, type KeyScope } from './idempotency-rules';

/** A response kept for replay. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A key someone else holds or has finished with, as a claim found it. */
export interface TakenKey extends KeyRecord {
  response: StoredResponse | null;
}

/** This request holds the key: `token` proves it when it completes or releases the key. */
export interface HeldKey {
  id: string;
  token: string;
  /** It took over a first request whose lease had run out (a crashed or stuck worker). */
  tookOver: boolean;
}

export type ClaimOutcome = { held: true; key: HeldKey } | { held: false; taken: TakenKey };

interface TakenRow {
  state: 'in_flight' | 'done';
  fingerprint: string | null;
  lease_until: Date | null;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: Buffer | null;
}

// A row that found its key expired (not yet pruned), or in flight past its lease with the same
// fingerprint (its worker died), is taken over; any other conflict leaves the row as it is and
// returns nothing, and the caller reads what holds it. A key without a fingerprint on either side
// (a streamed body; a key whose fingerprint an upgrade cleared, P9) is compared alone, as
// `verdictFor` compares it: the same request.
const claimSql = (s: string) => `
  INSERT INTO "${s}".idempotency_keys AS k
    (id, principal, method, path, key, fingerprint, state, claim_token, lease_until, created_at, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, 'in_flight', $7, $8, $9, $10)
  ON CONFLICT (id) DO UPDATE SET
    fingerprint = EXCLUDED.fingerprint, state = 'in_flight', claim_token = EXCLUDED.claim_token,
    lease_until = EXCLUDED.lease_until, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at,
    response_status = NULL, response_headers = NULL, response_body = NULL, completed_at = NULL
  WHERE k.expires_at <= $9
     OR (k.state = 'in_flight' AND k.lease_until <= $9 AND (k.fingerprint IS NULL OR EXCLUDED.fingerprint IS NULL OR k.fingerprint = EXCLUDED.fingerprint))
  RETURNING (xmax <> 0) AS took_over`;

const readSql = (s: string) => `
  SELECT state, fingerprint, lease_until, response_status, response_headers, response_body
  FROM "${s}".idempotency_keys WHERE id = $1 AND expires_at > $2`;

const completeSql = (s: string) => `
  UPDATE "${s}".idempotency_keys
  SET state = 'done', lease_until = NULL, response_status = $3, response_headers = $4, response_body = $5, completed_at = $6
  WHERE id = $1 AND claim_token = $2 AND state = 'in_flight'`;

// Only the holder (its token) renews, and only while in flight: a renewal racing the answer's
// UPDATE or the release changes nothing.
const renewSql = (s: string) => `
  UPDATE "${s}".idempotency_keys SET lease_until = $3 WHERE id = $1 AND claim_token = $2 AND state = 'in_flight'`;

const releaseSql = (s: string) => `DELETE FROM "${s}".idempotency_keys WHERE id = $1 AND claim_token = $2 AND state = 'in_flight'`;

// SKIP LOCKED: replicas pruning at once share the work instead of queueing behind each other.
const pruneSql = (s: string) => `
  DELETE FROM "${s}".idempotency_keys WHERE id IN (
    SELECT id FROM "${s}".idempotency_keys WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`;

// A claim that lost to a row deleted in between (a 5xx released it) claims again; more than a few
// rounds means something else is wrong.
const MAX_CLAIM_ROUNDS = 3;

/** One service's Idempotency-Key rows (idempotency.migration.ts). Every statement commits on its own. */
export class IdempotencyStore {
  private readonly sql: { claim: string; read: string; renew: string; complete: string; release: string; prune: string };

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    const s = assertSchemaName(schema);
    this.sql = { claim: claimSql(s), read: readSql(s), renew: renewSql(s), complete: completeSql(s), release: releaseSql(s), prune: pruneSql(s) };
  }

  /** Takes the key for this request (committed before it runs), or says who has it. */
  async claim(scope: KeyScope, fingerprint: string | null, now: Date, leaseMs: number, retentionMs: number): Promise<ClaimOutcome> {
    const id = keyRecordId(scope);
    for (let round = 1; ; round += 1) {
      const token = randomUUID();
      const claimed = (await this.dataSource.query(this.sql.claim, [
        id,
        scope.principal,
        scope.method,
        scope.path,
        scope.key,
        fingerprint,
        token,
        new Date(now.getTime() + leaseMs),
        now,
        keyExpiresAt(now, retentionMs),
      ])) as { took_over: boolean }[];
      if (claimed.length > 0) return { held: true, key: { id, token, tookOver: claimed[0].took_over } };
      const [row] = (await this.dataSource.query(this.sql.read, [id, now])) as TakenRow[];
      if (row) return { held: false, taken: toTaken(row) };
      if (round >= MAX_CLAIM_ROUNDS) throw new Error(`idempotency key ${id}: neither claimed nor found after ${round} rounds`);
    }
  }

  /** Extends the holder's lease to `leaseUntil`; false when the key is no longer its own (taken over, answered or released). */
  async renew(key: HeldKey, leaseUntil: Date): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(this.sql.renew, [key.id, key.token, leaseUntil])) as [unknown, number];
    return affected > 0;
  }

  /** Keeps the response for replay; false when the key is no longer this request's (its lease ran out and a retry took it). */
  async complete(key: HeldKey, response: StoredResponse, now: Date): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(this.sql.complete, [key.id, key.token, response.status, response.headers, response.body, now])) as [unknown, number];
    return affected > 0;
  }

  /** Frees the key (the request failed on our side): a retry runs afresh. */
  async release(key: HeldKey): Promise<void> {
    await this.dataSource.query(this.sql.release, [key.id, key.token]);
  }

  /** Deletes keys that expired by `now`, `batchSize` rows per statement; returns how many went. */
  async prune(now: Date, batchSize = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const [, deleted] = (await this.dataSource.query(this.sql.prune, [now, batchSize])) as [unknown, number];
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}

const toTaken = (row: TakenRow): TakenKey => ({
  state: row.state,
  fingerprint: row.fingerprint,
  leaseUntil: row.lease_until,
  response:
    row.state === 'done' && row.response_status !== null
      ? { status: row.response_status, headers: row.response_headers ?? {}, body: row.response_body ?? Buffer.alloc(0) }
      : null,
});
