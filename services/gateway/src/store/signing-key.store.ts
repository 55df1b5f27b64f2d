import { In, IsNull, Not, type DataSource } from 'typeorm';
import type { WrappedKey } from '@tss/service-kit';
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

  /** Master-key ids any stored key is still wrapped under. */
  async masterKeyIdsInUse(): Promise<string[]> {
    const rows: { master_key_id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT master_key_id FROM gateway.signing_keys WHERE master_key_id IS NOT NULL`,
    );
    return rows.map((r) => r.master_key_id);
  }
}
