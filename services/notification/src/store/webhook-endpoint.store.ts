import type { EntityManager } from 'typeorm';
import type { WebhookEndpoint } from '../domain/webhook-endpoint';

const T = 'notification.webhook_endpoints';

interface EndpointRow {
  id: string;
  owner_kind: 'partner' | 'staff';
  partner_id: string | null;
  created_by: string;
  url: string;
  description: string;
  contact_email: string | null;
  event_types: string[];
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  status: 'enabled' | 'disabled';
  disabled_at: Date | null;
  disabled_reason: string | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toEndpoint = (r: EndpointRow): WebhookEndpoint => ({
  id: r.id,
  ownerKind: r.owner_kind,
  partnerId: r.partner_id,
  createdBy: r.created_by,
  url: r.url,
  description: r.description,
  contactEmail: r.contact_email,
  eventTypes: r.event_types,
  secret: r.secret,
  previousSecret: r.previous_secret,
  previousSecretExpiresAt: r.previous_secret_expires_at,
  status: r.status,
  disabledAt: r.disabled_at,
  disabledReason: r.disabled_reason,
  failingSince: r.failing_since,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Which endpoints a caller may see: a partner its own; staff (admin) all. */
export type EndpointVisibility = { partnerId: string } | 'all';

const visibleClause = (visibility: EndpointVisibility, param: number): { sql: string; params: unknown[] } =>
  visibility === 'all' ? { sql: '', params: [] } : { sql: ` AND owner_kind = 'partner' AND partner_id = $${param}`, params: [visibility.partnerId] };

export const webhookEndpointStore = {
  async insert(tx: EntityManager, e: WebhookEndpoint): Promise<void> {
    await tx.query(
      `INSERT INTO ${T} (id, owner_kind, partner_id, created_by, url, description, event_types, secret, status, created_at, updated_at, contact_email)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)`,
      [e.id, e.ownerKind, e.partnerId, e.createdBy, e.url, e.description, e.eventTypes, e.secret, e.status, e.createdAt, e.contactEmail],
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
    const rows: EndpointRow[] = await tx.query(
      `SELECT * FROM ${T} WHERE status = 'enabled' AND (partner_id IS NULL AND owner_kind = 'staff' OR partner_id = $1) ORDER BY id`,
      [partnerId ?? null],
    );
    return rows.map(toEndpoint);
  },

  async update(tx: EntityManager, e: WebhookEndpoint): Promise<void> {
    await tx.query(
      `UPDATE ${T} SET url = $2, description = $3, event_types = $4, secret = $5, previous_secret = $6, previous_secret_expires_at = $7,
              status = $8, disabled_at = $9, disabled_reason = $10, failing_since = $11, updated_at = $12, contact_email = $13
        WHERE id = $1`,
      [e.id, e.url, e.description, e.eventTypes, e.secret, e.previousSecret, e.previousSecretExpiresAt, e.status, e.disabledAt, e.disabledReason, e.failingSince, e.updatedAt, e.contactEmail],
    );
  },

  async delete(tx: EntityManager, id: string): Promise<void> {
    await tx.query(`DELETE FROM ${T} WHERE id = $1`, [id]);
  },
};
