import { In, type EntityManager } from 'typeorm';
import type { Product, ServiceLevel, SupportCategoryCode, TicketStatus } from '@tss/contracts';
import type { TicketListPosition } from '../domain/ticket-cursor';
import { TicketEntity, type TicketRow } from './ticket.entity';
import { INTAKE_SCHEMA } from './ticket.store';

/** What a ticket list may be narrowed to; every field ANDs. `partnerId` absent means all partners (staff only). */
export interface TicketSearchFilter {
  partnerId?: string;
  requesterIds?: readonly string[];
  statuses?: readonly TicketStatus[];
  levels?: readonly ServiceLevel[];
  products?: readonly Product[];
  categories?: readonly SupportCategoryCode[];
  assigneeId?: string;
  /** P11: follow-ups of this ticket. */
  linkedTicketId?: string;
  /** received_at ≥ createdFrom */
  createdFrom?: Date;
  /** received_at < createdTo */
  createdTo?: Date;
  /** PostgreSQL web search syntax (`websearch_to_tsquery`): words, "a phrase", or, -not. */
  text?: string;
}

/** The text search configuration and folding of `search_document` (migration 1765000300000): queries must parse alike. */
const SEARCH_CONFIG = 'pg_catalog.russian';

class SqlWhere {
  readonly params: unknown[] = [];
  readonly conditions: string[] = [];

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(condition: string): void {
    this.conditions.push(condition);
  }

  /**
   * One value is an equality, not `= ANY` of a one-element array: the planner knows an equality
   * fixes its column, so an index leading with it still yields the list's order (no sort of every match).
   */
  anyOf(column: string, values: readonly string[] | undefined): void {
    if (!values || values.length === 0) return;
    this.add(values.length === 1 ? `${column} = ${this.param(values[0])}::text` : `${column} = ANY(${this.param(values)}::text[])`);
  }

  toSql(): string {
    return this.conditions.length > 0 ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/**
 * The ticket list (issue #9): newest first by (received_at DESC, id DESC), a total order, paged by
 * keyset so a page never repeats or skips a ticket when new ones arrive.
 */
export const ticketSearchStore = {
  async search(tx: EntityManager, filter: TicketSearchFilter, page: { after?: TicketListPosition; limit: number }): Promise<TicketRow[]> {
    const where = new SqlWhere();
    if (filter.partnerId !== undefined) where.add(`t.partner_id = ${where.param(filter.partnerId)}`);
    where.anyOf('t.requester_id', filter.requesterIds);
    where.anyOf('t.status', filter.statuses);
    where.anyOf('t.level', filter.levels);
    where.anyOf(`(t.request ->> 'product')`, filter.products);
    where.anyOf('t.category', filter.categories);
    if (filter.assigneeId !== undefined) where.add(`t.assignee_id = ${where.param(filter.assigneeId)}`);
    if (filter.linkedTicketId !== undefined) where.add(`t.linked_ticket_id = ${where.param(filter.linkedTicketId)}::uuid`);
    if (filter.createdFrom) where.add(`t.received_at >= ${where.param(filter.createdFrom)}`);
    if (filter.createdTo) where.add(`t.received_at < ${where.param(filter.createdTo)}`);
    if (filter.text !== undefined) where.add(`t.search_document @@ websearch_to_tsquery('${SEARCH_CONFIG}', "${INTAKE_SCHEMA}".search_fold(${where.param(filter.text)}))`);
    if (page.after) where.add(`(t.received_at, t.id) < (${where.param(page.after.receivedAt)}, ${where.param(page.after.id)}::uuid)`);
    const ids = (await tx.query(
      `SELECT t.id FROM "${INTAKE_SCHEMA}".tickets t ${where.toSql()} ORDER BY t.received_at DESC, t.id DESC LIMIT ${where.param(page.limit)}`,
      where.params,
    )) as { id: string }[];
    if (ids.length === 0) return [];
    // The rows through the entity, so the list maps them exactly as the single-ticket read does.
    const rows = await tx.getRepository(TicketEntity).findBy({ id: In(ids.map((r) => r.id)) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((r) => byId.get(r.id)).filter((r): r is TicketRow => r !== undefined);
  },
};
