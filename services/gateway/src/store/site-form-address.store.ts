import type { EntityManager } from 'typeorm';
import type { AddressRequests } from '../domain/address-request-limit';

/**
 * The requests the public form filed for each address (by digest) within the last hour
 * (docs/adr/0037 addendum): counted under a lock per address, so simultaneous posts naming one
 * address are counted one after the other.
 */
export const siteFormAddressStore = {
  /** Holds the address's count until the transaction ends. */
  async lock(tx: EntityManager, digest: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`tss/site/form-address:${digest}`]);
  },

  /** The requests naming the address since `since` (other than the one keyed `exceptKey`), and whether that one is counted already. */
  async requestsSince(tx: EntityManager, digest: string, since: Date, exceptKey: string): Promise<AddressRequests & { alreadyCounted: boolean }> {
    const [row] = (await tx.query(
      `SELECT count(*) FILTER (WHERE idempotency_key <> $3) AS n, min(filed_at) FILTER (WHERE idempotency_key <> $3) AS oldest, bool_or(idempotency_key = $3) AS counted
         FROM gateway.site_form_addresses WHERE address_digest = $1 AND filed_at >= $2`,
      [digest, since, exceptKey],
    )) as { n: string; oldest: Date | null; counted: boolean | null }[];
    return { count: Number(row.n), ...(row.oldest ? { oldestAt: new Date(row.oldest) } : {}), alreadyCounted: row.counted === true };
  },

  /** Counts a request (once per form post: a repeat keeps its row), and forgets every one older than the window. */
  async record(tx: EntityManager, request: { digest: string; idempotencyKey: string; filedAt: Date; forgetBefore: Date }): Promise<void> {
    await tx.query(
      `INSERT INTO gateway.site_form_addresses (address_digest, idempotency_key, filed_at) VALUES ($1, $2, $3) ON CONFLICT (address_digest, idempotency_key) DO NOTHING`,
      [request.digest, request.idempotencyKey, request.filedAt],
    );
    await tx.query(`DELETE FROM gateway.site_form_addresses WHERE filed_at < $1`, [request.forgetBefore]);
  },
};
