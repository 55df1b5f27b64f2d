import type { EntityManager } from 'typeorm';
import type { TicketStatus } from '@tss/contracts';
import type { SealedRow, WrappedKey } from '@tss/service-kit';
import type { Actor } from '../domain/actor';
import type { SealedCredential } from '../domain/credential-crypto';
import { INTAKE_SCHEMA } from './ticket.store';

export type CredentialKind = 'submitted' | 'detected';
/** `internal`: vaulted from an internal note, so staff's only, as the note is (P9). */
export type CredentialVisibility = 'public' | 'internal';

/** A credential as lists show it: never its secret, never its key. */
export interface CredentialMetadata {
  id: string;
  ticketId: string;
  partnerId: string;
  label: string;
  kind: CredentialKind;
  visibility: CredentialVisibility;
  createdBy: Actor;
  createdAt: Date;
  destroyAfter?: Date;
  destroyedAt?: Date;
}

/** A credential with what opens it: its sealed secret and wrapped data key, both absent once destroyed. */
export interface SealedCredentialRecord extends CredentialMetadata {
  sealed?: SealedCredential;
  dataKey?: WrappedKey;
}

/** What the vault needs to know of a ticket: whose it is, and whether it is resolved. */
export interface CredentialTicket {
  id: string;
  partnerId: string;
  requesterId: string | null;
  status: TicketStatus;
  resolvedAt: Date | null;
}

interface CredentialRow {
  id: string;
  ticket_id: string;
  partner_id: string;
  label: string;
  kind: CredentialKind;
  visibility: CredentialVisibility;
  ciphertext: Buffer | null;
  nonce: Buffer | null;
  tag: Buffer | null;
  created_by_kind: Actor['kind'];
  created_by_id: string;
  created_at: Date;
  destroy_after: Date | null;
  destroyed_at: Date | null;
  wrapped_data_key?: Buffer | null;
  master_key_id?: string | null;
}

const T = `"${INTAKE_SCHEMA}".credentials`;
const KEYS = `"${INTAKE_SCHEMA}".credential_data_keys`;
const METADATA_COLUMNS = 'c.id, c.ticket_id, c.partner_id, c.label, c.kind, c.visibility, c.created_by_kind, c.created_by_id, c.created_at, c.destroy_after, c.destroyed_at';

const toMetadata = (r: CredentialRow): CredentialMetadata => ({
  id: r.id,
  ticketId: r.ticket_id,
  partnerId: r.partner_id,
  label: r.label,
  kind: r.kind,
  visibility: r.visibility,
  createdBy: { kind: r.created_by_kind, id: r.created_by_id } as Actor,
  createdAt: r.created_at,
  ...(r.destroy_after ? { destroyAfter: r.destroy_after } : {}),
  ...(r.destroyed_at ? { destroyedAt: r.destroyed_at } : {}),
});

/** TypeORM hands UPDATE and DELETE back as `[rows, rowCount]`. */
const rowsOf = <R>(result: unknown): R[] =>
  Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? (result[0] as R[]) : (result as R[]);

export const credentialStore = {
  /** The ticket a credential belongs to, with no tenancy applied: the use case decides who may see it. */
  async ticket(tx: EntityManager, ticketId: string): Promise<CredentialTicket | null> {
    const [row] = (await tx.query(`SELECT id, partner_id, requester_id, status, resolved_at FROM "${INTAKE_SCHEMA}".tickets WHERE id = $1`, [ticketId])) as {
      id: string;
      partner_id: string;
      requester_id: string | null;
      status: TicketStatus;
      resolved_at: Date | null;
    }[];
    return row ? { id: row.id, partnerId: row.partner_id, requesterId: row.requester_id, status: row.status, resolvedAt: row.resolved_at } : null;
  },

  async insert(tx: EntityManager, credential: CredentialMetadata, sealed: SealedCredential, dataKey: WrappedKey): Promise<void> {
    await tx.query(
      `INSERT INTO ${T} (id, ticket_id, partner_id, label, kind, ciphertext, nonce, tag, created_by_kind, created_by_id, created_at, destroy_after, visibility)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        credential.id,
        credential.ticketId,
        credential.partnerId,
        credential.label,
        credential.kind,
        sealed.ciphertext,
        sealed.nonce,
        sealed.tag,
        credential.createdBy.kind,
        credential.createdBy.id,
        credential.createdAt,
        credential.destroyAfter ?? null,
        credential.visibility,
      ],
    );
    await tx.query(`INSERT INTO ${KEYS} (credential_id, wrapped_data_key, master_key_id) VALUES ($1, $2, $3)`, [credential.id, dataKey.ciphertext, dataKey.masterKeyId]);
  },

  /** A ticket's credentials, oldest first, destroyed ones included (they show as destroyed); `internal` ones only when asked for (staff). */
  async listForTicket(tx: EntityManager, ticketId: string, reader: { includeInternal: boolean }): Promise<CredentialMetadata[]> {
    const rows = (await tx.query(`SELECT ${METADATA_COLUMNS} FROM ${T} c WHERE c.ticket_id = $1 AND ($2 OR c.visibility = 'public') ORDER BY c.created_at, c.id`, [
      ticketId,
      reader.includeInternal,
    ])) as CredentialRow[];
    return rows.map(toMetadata);
  },

  /** One credential of a ticket with its sealed secret and wrapped data key, if not destroyed. */
  async findSealed(tx: EntityManager, ticketId: string, credentialId: string): Promise<SealedCredentialRecord | null> {
    const [row] = (await tx.query(
      `SELECT ${METADATA_COLUMNS}, c.ciphertext, c.nonce, c.tag, k.wrapped_data_key, k.master_key_id
       FROM ${T} c LEFT JOIN ${KEYS} k ON k.credential_id = c.id WHERE c.ticket_id = $1 AND c.id = $2`,
      [ticketId, credentialId],
    )) as CredentialRow[];
    if (!row) return null;
    return {
      ...toMetadata(row),
      ...(row.ciphertext && row.nonce && row.tag ? { sealed: { ciphertext: row.ciphertext, nonce: row.nonce, tag: row.tag } } : {}),
      ...(row.wrapped_data_key && row.master_key_id ? { dataKey: { ciphertext: row.wrapped_data_key, masterKeyId: row.master_key_id } } : {}),
    };
  },

  /** The wrapped data key of a credential, if it still has one: what opens any copy of its ciphertext. */
  async dataKey(tx: EntityManager, credentialId: string): Promise<WrappedKey | null> {
    const [row] = (await tx.query(`SELECT wrapped_data_key, master_key_id FROM ${KEYS} WHERE credential_id = $1`, [credentialId])) as {
      wrapped_data_key: Buffer;
      master_key_id: string;
    }[];
    return row ? { ciphertext: row.wrapped_data_key, masterKeyId: row.master_key_id } : null;
  },

  /** Whether the ticket holds credentials not destroyed yet: any, or only those the requester's side sees (`public`). */
  async hasLive(tx: EntityManager, ticketId: string, among: 'any' | 'public' = 'any'): Promise<boolean> {
    const rows = (await tx.query(`SELECT 1 FROM ${T} WHERE ticket_id = $1 AND destroyed_at IS NULL AND ($2 = 'any' OR visibility = 'public') LIMIT 1`, [ticketId, among])) as unknown[];
    return rows.length > 0;
  },

  /** Marks when the ticket's live credentials are due for destruction (null: not due, e.g. reopened). */
  async setDestroyAfter(tx: EntityManager, ticketId: string, destroyAfter: Date | null): Promise<void> {
    await tx.query(`UPDATE ${T} SET destroy_after = $2 WHERE ticket_id = $1 AND destroyed_at IS NULL`, [ticketId, destroyAfter]);
  },

  /**
   * Destroys every live credential of a ticket: deletes the wrapped data keys (P9: without them no
   * copy of the ciphertext opens, even under the master key) and clears the sealed secrets. Returns
   * what it destroyed, oldest first.
   */
  async destroyLive(tx: EntityManager, ticketId: string, now: Date): Promise<CredentialMetadata[]> {
    const destroyed = rowsOf<CredentialRow>(
      await tx.query(
        `UPDATE ${T} c SET destroyed_at = $2, ciphertext = NULL, nonce = NULL, tag = NULL
         WHERE c.ticket_id = $1 AND c.destroyed_at IS NULL RETURNING ${METADATA_COLUMNS}`,
        [ticketId, now],
      ),
    ).map(toMetadata);
    if (destroyed.length > 0) await tx.query(`DELETE FROM ${KEYS} WHERE credential_id = ANY($1::uuid[])`, [destroyed.map((c) => c.id)]);
    return destroyed.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  },

  /**
   * Wrapped data keys under a master key other than `currentMasterKeyId` (due for re-wrapping), by
   * credential id after `after`: a key its own master key does not open is passed over, not met again.
   */
  async keysNotUnder(tx: EntityManager, currentMasterKeyId: string, after: string | undefined, limit: number): Promise<{ credentialId: string; dataKey: WrappedKey }[]> {
    const rows = (await tx.query(
      `SELECT credential_id, wrapped_data_key, master_key_id FROM ${KEYS}
        WHERE master_key_id <> $1 AND ($2::uuid IS NULL OR credential_id > $2) ORDER BY credential_id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [currentMasterKeyId, after ?? null, limit],
    )) as { credential_id: string; wrapped_data_key: Buffer; master_key_id: string }[];
    return rows.map((r) => ({ credentialId: r.credential_id, dataKey: { ciphertext: r.wrapped_data_key, masterKeyId: r.master_key_id } }));
  },

  /** How many data keys are wrapped under each master key. */
  async countsByMasterKey(tx: EntityManager): Promise<Map<string, number>> {
    const rows = (await tx.query(`SELECT master_key_id, count(*)::int AS n FROM ${KEYS} GROUP BY master_key_id`)) as { master_key_id: string; n: number }[];
    return new Map(rows.map((r) => [r.master_key_id, r.n]));
  },

  /** Data keys wrapped under `masterKeyId`, by credential id after `after`: what the check at start tries (docs/adr/0014, seventh session). */
  async keysUnder(tx: EntityManager, masterKeyId: string, after: string | undefined, limit: number): Promise<SealedRow[]> {
    const rows = (await tx.query(
      `SELECT credential_id, wrapped_data_key FROM ${KEYS} WHERE master_key_id = $1 AND ($2::uuid IS NULL OR credential_id > $2) ORDER BY credential_id LIMIT $3`,
      [masterKeyId, after ?? null, limit],
    )) as { credential_id: string; wrapped_data_key: Buffer }[];
    return rows.map((r) => ({ ref: r.credential_id, wrapped: { masterKeyId, ciphertext: r.wrapped_data_key } }));
  },

  async replaceDataKey(tx: EntityManager, credentialId: string, dataKey: WrappedKey): Promise<void> {
    await tx.query(`UPDATE ${KEYS} SET wrapped_data_key = $2, master_key_id = $3 WHERE credential_id = $1`, [credentialId, dataKey.ciphertext, dataKey.masterKeyId]);
  },
};
