import type { EntityManager } from 'typeorm';
import type { Actor } from '../domain/actor';
import { INTAKE_SCHEMA } from './ticket.store';

/** One audit entry of a ticket (issue #9): who, when, what, why. Never updated, never deleted with the ticket's life. */
export interface HistoryEntry {
  ticketId: string;
  partnerId: string;
  at: Date;
  actor: Actor;
  /** What happened, e.g. `status_changed`, `credential_revealed`; the event type's suffix where there is one. */
  action: string;
  /** Its particulars (from, to, reason, ids). Never secrets. */
  detail?: Record<string, unknown>;
  /** The ticket event's sequence number when the entry has one. */
  sequence?: number;
  /** `internal`: about what only staff see (a credential from an internal note, P9); shown to staff only. Default `public`. */
  visibility?: 'public' | 'internal';
}

export interface HistoryRecord extends Required<Omit<HistoryEntry, 'sequence'>> {
  id: string;
  sequence?: number;
}

interface HistoryRow {
  id: string;
  ticket_id: string;
  partner_id: string;
  at: Date;
  actor_kind: Actor['kind'];
  actor_id: string;
  action: string;
  detail: Record<string, unknown>;
  sequence: number | null;
  visibility: 'public' | 'internal';
}

export const historyStore = {
  /** Appends entries in the caller's transaction, in the order given. */
  async append(tx: EntityManager, ...entries: HistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const statement = historyStore.appendStatement(entries, 1);
    await tx.query(statement.sql, statement.params);
  },

  /**
   * `append` as a data-modifying statement for a caller to fold into its own `WITH` (numbered from
   * `$first`, one parameter: the entries as one JSON document). `onlyIf`: an SQL condition on the
   * caller's `WITH` names without which nothing is written.
   */
  appendStatement(entries: readonly HistoryEntry[], first: number, onlyIf?: string): { sql: string; params: unknown[] } {
    const rows = entries.map((e) => ({
      ticket_id: e.ticketId,
      partner_id: e.partnerId,
      at: e.at,
      actor_kind: e.actor.kind,
      actor_id: e.actor.id,
      action: e.action,
      // A staff member acting in the requester's name (a site link they minted): the detail names the requester.
      detail: { ...(e.detail ?? {}), ...(e.actor.kind === 'staff' && e.actor.onBehalfOf ? { onBehalfOf: e.actor.onBehalfOf } : {}) },
      sequence: e.sequence ?? null,
      visibility: e.visibility ?? 'public',
    }));
    return {
      sql: `INSERT INTO "${INTAKE_SCHEMA}".ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail, sequence, visibility)
       SELECT h.ticket_id, h.partner_id, h.at, h.actor_kind, h.actor_id, h.action, h.detail, h.sequence, h.visibility
         FROM ROWS FROM (jsonb_to_recordset($${first}::jsonb)
              AS (ticket_id uuid, partner_id uuid, at timestamptz, actor_kind text, actor_id text, action text, detail jsonb, sequence integer, visibility text))
              WITH ORDINALITY AS h(ticket_id, partner_id, at, actor_kind, actor_id, action, detail, sequence, visibility, n)${onlyIf ? `
        WHERE ${onlyIf}` : ''}
        ORDER BY h.n`,
      params: [JSON.stringify(rows)],
    };
  },

  /**
   * A page of a ticket's history, oldest first, after the entry `after` when given (its `id`, where
   * the next page starts); `internal` entries only when asked for (staff).
   */
  async list(tx: EntityManager, ticketId: string, page: { after?: string; limit: number; includeInternal: boolean }): Promise<HistoryRecord[]> {
    const rows = (await tx.query(
      `SELECT * FROM "${INTAKE_SCHEMA}".ticket_history WHERE ticket_id = $1 AND id > $2::bigint AND ($4 OR visibility = 'public') ORDER BY id LIMIT $3`,
      [ticketId, page.after ?? '0', page.limit, page.includeInternal],
    )) as HistoryRow[];
    return rows.map((r) => ({
      id: String(r.id),
      ticketId: r.ticket_id,
      partnerId: r.partner_id,
      at: r.at,
      actor: { kind: r.actor_kind, id: r.actor_id } as Actor,
      action: r.action,
      detail: r.detail,
      visibility: r.visibility,
      ...(r.sequence === null ? {} : { sequence: r.sequence }),
    }));
  },
};
