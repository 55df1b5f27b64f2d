import { Products, ServiceLevels, SupportCategoryCodes, TicketStatuses } from '@tss/contracts';
import { err, ok, type Failure, type RequestScope, type Result } from '@tss/service-kit';
import { decodeTicketListCursor, type TicketListPosition } from '../domain/ticket-cursor';
import type { TicketSearchFilter } from '../store/ticket-search.store';
import type { TicketListQuery } from './ticket-list.schemas';

export interface TicketListRequest {
  /** The filters the caller asked for, normalised: what a cursor is bound to. */
  asked: Record<string, unknown>;
  /** What the store runs: the caller's filters ANDed with its scope (DESIGN "Tenancy"). */
  filter: TicketSearchFilter;
  /** False when a filter contradicts the scope (another partner, another requester): nothing matches. */
  satisfiable: boolean;
  after?: TicketListPosition;
  limit: number;
}

const badFilter = (field: string, message: string): Failure => ({
  kind: 'validation',
  detail: `${field}: ${message}`,
  extensions: { errors: [{ in: 'querystring', pointer: `/${field}`, message }] },
});

/** Repeated or comma-separated values of one filter, each checked against its enumeration. */
const valuesOf = <T extends string>(field: string, raw: readonly string[] | undefined, allowed: readonly T[]): Result<T[] | undefined, Failure> => {
  if (raw === undefined) return ok(undefined);
  const values = [...new Set(raw.flatMap((v) => v.split(',')).map((v) => v.trim()))];
  const unknown = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (unknown.length > 0) return err(badFilter(field, `unknown value ${unknown.map((v) => JSON.stringify(v)).join(', ')}; one of ${allowed.join(', ')}`));
  return ok(values as T[]);
};

/** The list request a query asks for under the caller's scope, or the 400 naming the bad field. */
export const ticketListRequest = (query: TicketListQuery, scope: RequestScope): Result<TicketListRequest, Failure> => {
  const statuses = valuesOf('status', query.status, TicketStatuses);
  if (!statuses.ok) return statuses;
  const levels = valuesOf('level', query.level, ServiceLevels);
  if (!levels.ok) return levels;
  const products = valuesOf('product', query.product, Products);
  if (!products.ok) return products;
  const categories = valuesOf('category', query.category, SupportCategoryCodes);
  if (!categories.ok) return categories;
  const createdFrom = query.createdFrom === undefined ? undefined : new Date(query.createdFrom);
  const createdTo = query.createdTo === undefined ? undefined : new Date(query.createdTo);
  // RFC 3339 admits a leap second (23:59:60) that JavaScript dates cannot hold.
  if (createdFrom && Number.isNaN(createdFrom.getTime())) return err(badFilter('createdFrom', 'not an instant this API can compare'));
  if (createdTo && Number.isNaN(createdTo.getTime())) return err(badFilter('createdTo', 'not an instant this API can compare'));
  if (createdFrom && createdTo && createdFrom.getTime() > createdTo.getTime()) return err(badFilter('createdTo', 'must not be before createdFrom'));
  const text = query.q?.trim();
  if (query.q !== undefined && !text) return err(badFilter('q', 'must contain a word'));

  const asked = {
    status: statuses.value?.sort(),
    level: levels.value?.sort(),
    product: products.value?.sort(),
    category: categories.value?.sort(),
    requesterId: query.requesterId,
    assigneeId: query.assigneeId,
    partnerId: query.partnerId,
    linkedTicketId: query.linkedTicketId,
    createdFrom: createdFrom?.toISOString(),
    createdTo: createdTo?.toISOString(),
    q: text,
  };
  let after: TicketListPosition | undefined;
  if (query.cursor !== undefined) {
    const decoded = decodeTicketListCursor(query.cursor, scope, asked);
    if (!decoded.ok) return decoded;
    after = decoded.value;
  }

  // Partners and requesters are held to their own tickets; their filters only narrow further.
  const partnerId = scope.kind === 'staff' ? query.partnerId : scope.partnerId;
  const requesterIds = [...(scope.kind === 'requester' ? [scope.requesterId] : []), ...(query.requesterId !== undefined ? [query.requesterId] : [])];
  const satisfiable =
    (scope.kind === 'staff' || query.partnerId === undefined || query.partnerId === scope.partnerId) && new Set(requesterIds).size <= 1;
  return ok({
    asked,
    satisfiable,
    filter: {
      partnerId,
      requesterIds: requesterIds.length > 0 ? [requesterIds[0]] : undefined,
      statuses: statuses.value,
      levels: levels.value,
      products: products.value,
      categories: categories.value,
      assigneeId: query.assigneeId,
      linkedTicketId: query.linkedTicketId,
      createdFrom,
      createdTo,
      text,
    },
    after,
    limit: query.limit,
  });
};
