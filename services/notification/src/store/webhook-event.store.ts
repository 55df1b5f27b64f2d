import type { EntityManager } from 'typeorm';
import type { WebhookEndpoint } from '../domain/webhook-endpoint';
import { receivingWhere, toEndpoint, type EndpointRow } from './webhook-endpoint.store';

/** Every event webhooks may carry, kept so `replay` can re-send a range (docs/adr/0034-webhooks.md). */
export interface WebhookEventRecord {
  id: string;
  type: string;
  partnerId: string | undefined;
  subject: string;
  sequence: number | undefined;
  occurredAt: Date;
  body: string;
}

export const webhookEventStore = {
  /** False when the event was recorded before (an inbox replay never gets this far, but a V1/V2 pair might). */
  async insert(tx: EntityManager, e: WebhookEventRecord, now: Date): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO notification.webhook_events (id, type, partner_id, subject, sequence, occurred_at, body, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [e.id, e.type, e.partnerId ?? null, e.subject, e.sequence ?? null, e.occurredAt, e.body, now],
    );
    return rows.length > 0;
  },

  /**
   * `insert`, and in the same round trip the enabled endpoints that may receive the event's partner
   * (`webhookEndpointStore.receiving`): the first event of a partner in a transaction (issue #11).
   */
  async insertReturningReceivers(tx: EntityManager, e: WebhookEventRecord, now: Date): Promise<{ recorded: boolean; receivers: WebhookEndpoint[] }> {
    const rows: (Partial<EndpointRow> & { recorded: number })[] = await tx.query(
      `WITH recorded AS (
         INSERT INTO notification.webhook_events (id, type, partner_id, subject, sequence, occurred_at, body, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id
       )
       SELECT (SELECT count(*) FROM recorded)::int AS recorded, e.*
         FROM (VALUES (1)) AS one(n) LEFT JOIN notification.webhook_endpoints e ON ${receivingWhere('e', 3)}
        ORDER BY e.id`,
      [e.id, e.type, e.partnerId ?? null, e.subject, e.sequence ?? null, e.occurredAt, e.body, now],
    );
    return {
      recorded: rows[0]?.recorded === 1,
      receivers: rows.filter((r): r is EndpointRow & { recorded: number } => typeof r.id === 'string').map(toEndpoint),
    };
  },

  /** Events from `since` (inclusive), oldest first; of one partner, or of all when `partnerId` is null. */
  async since(tx: EntityManager, partnerId: string | null, since: Date, limit: number): Promise<{ id: string; type: string; body: string }[]> {
    return tx.query(
      `SELECT id, type, body FROM notification.webhook_events
        WHERE occurred_at >= $2 AND ($1::uuid IS NULL OR partner_id = $1)
        ORDER BY occurred_at, subject, sequence NULLS LAST, id LIMIT $3`,
      [partnerId, since, limit],
    );
  },
};
