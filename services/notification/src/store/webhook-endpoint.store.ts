import type { EntityManager } from 'typeorm';
import type { SealedRow } from '@tss/service-kit';
import type { StoredSecret, WebhookEndpoint } from '../domain/webhook-endpoint';

const T = 'notification.webhook_endpoints';

export interface EndpointRow {
  id: string;
  owner_kind: 'partner' | 'staff';
  partner_id: string | null;
  created_by: string;
  url: string;
  description: string;
  contact_email: string | null;
  event_types: string[];
  secret: string | null;
  secret_sealed: Buffer | null;
  secret_master_key_id: string | null;
  previous_secret: string | null;
  previous_secret_sealed: Buffer | null;
  previous_secret_master_key_id: string | null;
  previous_secret_expires_at: Date | null;
  status: 'enabled' | 'disabled';
  disabled_at: Date | null;
  disabled_reason: string | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Sealed, or (a row from before sealing, until the start-up seals it) in clear. */
export const storedSecret = (plain: string | null, sealed: Buffer | null, masterKeyId: string | null): StoredSecret | null =>
  sealed && masterKeyId ? { masterKeyId, ciphertext: sealed } : plain !== null ? { plain } : null;

/** The columns of a secret: clear, sealed, master key id. */
const secretColumns = (s: StoredSecret | null): [string | null, Buffer | null, string | null] =>
  s === null ? [null, null, null] : 'plain' in s ? [s.plain, null, null] : [null, s.ciphertext, s.masterKeyId];

export const toEndpoint = (r: EndpointRow): WebhookEndpoint => ({
  id: r.id,
  ownerKind: r.owner_kind,
  partnerId: r.partner_id,
  createdBy: r.created_by,
  url: r.url,
  description: r.description,
  contactEmail: r.contact_email,
  eventTypes: r.event_types,
  secret: storedSecret(r.secret, r.secret_sealed, r.secret_master_key_id)!,
  previousSecret: storedSecret(r.previous_secret, r.previous_secret_sealed, r.previous_secret_master_key_id),
  previousSecretExpiresAt: r.previous_secret_expires_at,
  status: r.status,
  disabledAt: r.disabled_at,
  disabledReason: r.disabled_reason,
  failingSince: r.failing_since,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Enabled endpoints that may receive events of the partner in parameter `$n` (null: of no partner),
 * with the table named `alias`: the staff's (all partners') and the partner's own.
 */
export const receivingWhere = (alias: string, param: number): string =>
  `${alias}.status = 'enabled' AND (${alias}.partner_id IS NULL AND ${alias}.owner_kind = 'staff' OR ${alias}.partner_id = $${param})`;

/** Which endpoints a caller may see: a partner its own; staff (admin) all. */
export type EndpointVisibility = { partnerId: string } | 'all';

const visibleClause = (visibility: EndpointVisibility, param: number): { sql: string; params: unknown[] } =>
  visibility === 'all' ? { sql: '', params: [] } : { sql: ` AND owner_kind = 'partner' AND partner_id = $${param}`, params: [visibility.partnerId] };

export const webhookEndpointStore = {
  async insert(tx: EntityManager, e: WebhookEndpoint): Promise<void> {
    await tx.query(
      `INSERT INTO ${T} (id, owner_kind, partner_id, created_by, url, description, event_types, status, created_at, updated_at, contact_email, secret, secret_sealed, secret_master_key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13)`,
      [e.id, e.ownerKind, e.partnerId, e.createdBy, e.url, e.description, e.eventTypes, e.status, e.createdAt, e.contactEmail, ...secretColumns(e.secret)],
    );
  },

  async find(tx: EntityManager, id: string, visibility: EndpointVisibility, lock = false): Promise<WebhookEndpoint | undefined> {
    const where = visibleClause(visibility, 2);
    const rows: EndpointRow[] = await tx.query(`SELECT * FROM ${T} WHERE id = $1${where.sql}${lock ? ' FOR UPDATE' : ''}`, [id, ...where.params]);
    return rows[0] ? toEndpoint(rows[0]) : undefined;
  },

  async list(tx: EntityManager, visibility: EndpointVisibility): Promise<WebhookEndpoint[]> {
    const where = visibleClause(visibility, 1);
    const rows: EndpointRow[] = await tx.query(`SELECT * FROM ${T} WHERE true${where.sql} ORDER BY created_at, id`, where.params);
    return rows.map(toEndpoint);
  },

  /** Enabled endpoints that may receive events of `partnerId` (their filters are matched by the caller). */
  async receiving(tx: EntityManager, partnerId: string | undefined): Promise<WebhookEndpoint[]> {
    const rows: EndpointRow[] = await tx.query(`SELECT * FROM ${T} e WHERE ${receivingWhere('e', 1)} ORDER BY id`, [partnerId ?? null]);
    return rows.map(toEndpoint);
  },

  async update(tx: EntityManager, e: WebhookEndpoint): Promise<void> {
    await tx.query(
      `UPDATE ${T} SET url = $2, description = $3, event_types = $4, previous_secret_expires_at = $5,
              status = $6, disabled_at = $7, disabled_reason = $8, failing_since = $9, updated_at = $10, contact_email = $11,
              secret = $12, secret_sealed = $13, secret_master_key_id = $14,
              previous_secret = $15, previous_secret_sealed = $16, previous_secret_master_key_id = $17
        WHERE id = $1`,
      [
        e.id,
        e.url,
        e.description,
        e.eventTypes,
        e.previousSecretExpiresAt,
        e.status,
        e.disabledAt,
        e.disabledReason,
        e.failingSince,
        e.updatedAt,
        e.contactEmail,
        ...secretColumns(e.secret),
        ...secretColumns(e.previousSecret),
      ],
    );
  },

  /**
   * Endpoints whose secrets are in clear or sealed under another master key than `currentMasterKeyId`,
   * locked, by id after `after`: a secret its own master key does not open is passed over, not met again.
   */
  async secretsDue(tx: EntityManager, currentMasterKeyId: string, after: string | undefined, limit: number): Promise<Pick<WebhookEndpoint, 'id' | 'secret' | 'previousSecret'>[]> {
    const rows: EndpointRow[] = await tx.query(
      `SELECT * FROM ${T}
        WHERE (secret IS NOT NULL OR previous_secret IS NOT NULL OR secret_master_key_id <> $1 OR previous_secret_master_key_id <> $1)
          AND ($2::uuid IS NULL OR id > $2)
        ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [currentMasterKeyId, after ?? null, limit],
    );
    return rows.map(toEndpoint);
  },

  /** How many secrets, current and previous, are sealed under each master key. */
  async countsByMasterKey(tx: EntityManager): Promise<Map<string, number>> {
    const rows: { master_key_id: string; n: number }[] = await tx.query(
      `SELECT master_key_id, count(*)::int AS n FROM (
         SELECT secret_master_key_id AS master_key_id FROM ${T} WHERE secret_master_key_id IS NOT NULL
         UNION ALL
         SELECT previous_secret_master_key_id FROM ${T} WHERE previous_secret_master_key_id IS NOT NULL
       ) sealed GROUP BY master_key_id`,
    );
    return new Map(rows.map((r) => [r.master_key_id, r.n]));
  },

  /**
   * Secrets sealed under `masterKeyId`, named `<endpoint id>` or `<endpoint id> (previous secret)`, in
   * that order after `after`: what the check at start tries (docs/adr/0014, seventh session).
   */
  async secretsUnder(tx: EntityManager, masterKeyId: string, after: string | undefined, limit: number): Promise<SealedRow[]> {
    const rows: { ref: string; sealed: Buffer }[] = await tx.query(
      `SELECT ref, sealed FROM (
         SELECT id::text AS ref, secret_sealed AS sealed FROM ${T} WHERE secret_master_key_id = $1 AND secret_sealed IS NOT NULL
         UNION ALL
         SELECT id::text || ' (previous secret)', previous_secret_sealed FROM ${T} WHERE previous_secret_master_key_id = $1 AND previous_secret_sealed IS NOT NULL
       ) sealed WHERE ($2::text IS NULL OR ref COLLATE "C" > $2) ORDER BY ref COLLATE "C" LIMIT $3`,
      [masterKeyId, after ?? null, limit],
    );
    return rows.map((r) => ({ ref: r.ref, wrapped: { masterKeyId, ciphertext: r.sealed } }));
  },

  async replaceSecrets(tx: EntityManager, id: string, secret: StoredSecret, previousSecret: StoredSecret | null): Promise<void> {
    await tx.query(
      `UPDATE ${T} SET secret = $2, secret_sealed = $3, secret_master_key_id = $4, previous_secret = $5, previous_secret_sealed = $6, previous_secret_master_key_id = $7 WHERE id = $1`,
      [id, ...secretColumns(secret), ...secretColumns(previousSecret)],
    );
  },

  async delete(tx: EntityManager, id: string): Promise<void> {
    await tx.query(`DELETE FROM ${T} WHERE id = $1`, [id]);
  },
};
