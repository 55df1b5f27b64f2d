import type { EntityManager } from 'typeorm';
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

  /** Endpoints whose secrets are in clear or sealed under another master key than `currentMasterKeyId`, locked. */
  async secretsDue(tx: EntityManager, currentMasterKeyId: string, limit: number): Promise<Pick<WebhookEndpoint, 'id' | 'secret' | 'previousSecret'>[]> {
    const rows: EndpointRow[] = await tx.query(
      `SELECT * FROM ${T}
        WHERE secret IS NOT NULL OR previous_secret IS NOT NULL OR secret_master_key_id <> $1 OR previous_secret_master_key_id <> $1
        ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [currentMasterKeyId, limit],
    );
    return rows.map(toEndpoint);
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
