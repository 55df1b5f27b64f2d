import { In, IsNull, Not, type DataSource } from 'typeorm';
import type { SealedRow, WrappedKey } from '@tss/service-kit';
import { SigningKeyEntity, type SigningKeyRow } from './gateway.entities';

/** The gateway's signing-key rows: one query per operation. */
export class SigningKeyStore {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(SigningKeyEntity);
  }

  /** Every key not retired, oldest first: what the JWKS publishes. */
  active(): Promise<SigningKeyRow[]> {
    return this.repo.find({ where: { retiredAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  async insert(row: SigningKeyRow): Promise<void> {
    await this.repo.insert(row);
  }

  async retire(kids: readonly string[], at: Date): Promise<void> {
    await this.repo.update({ kid: In([...kids]), retiredAt: IsNull() }, { retiredAt: at });
  }

  /** Rows, retired ones included, whose private key is in the clear or wrapped under another master key than `currentMasterKeyId`. */
  needingProtection(currentMasterKeyId: string): Promise<SigningKeyRow[]> {
    return this.repo.find({ where: [{ privateKeyPem: Not(IsNull()) }, { masterKeyId: Not(currentMasterKeyId) }] });
  }

  /** Stores the key wrapped and drops any plaintext copy, in one statement. */
  async replacePrivateKey(kid: string, wrapped: WrappedKey): Promise<void> {
    await this.repo.update({ kid }, { wrappedPrivateKey: wrapped.ciphertext, masterKeyId: wrapped.masterKeyId, privateKeyPem: null });
  }

  /** How many keys, retired ones included, are wrapped under each master key. */
  async countsByMasterKey(): Promise<Map<string, number>> {
    const rows: { master_key_id: string; n: number }[] = await this.dataSource.query(
      `SELECT master_key_id, count(*)::int AS n FROM gateway.signing_keys WHERE master_key_id IS NOT NULL GROUP BY master_key_id`,
    );
    return new Map(rows.map((r) => [r.master_key_id, r.n]));
  }

  /** Keys wrapped under `masterKeyId`, by kid after `after`: what the check at start tries (docs/adr/0014, seventh session). */
  async wrappedUnder(masterKeyId: string, after: string | undefined, limit: number): Promise<SealedRow[]> {
    const rows: { kid: string; wrapped_private_key: Buffer }[] = await this.dataSource.query(
      `SELECT kid, wrapped_private_key FROM gateway.signing_keys
        WHERE master_key_id = $1 AND wrapped_private_key IS NOT NULL AND ($2::text IS NULL OR kid > $2) ORDER BY kid LIMIT $3`,
      [masterKeyId, after ?? null, limit],
    );
    return rows.map((r) => ({ ref: r.kid, wrapped: { masterKeyId, ciphertext: r.wrapped_private_key } }));
  }
}
