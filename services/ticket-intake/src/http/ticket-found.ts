import type { DataSource } from 'typeorm';
import { scopeOf, sendFailure, type TargetRefusal } from '@tss/service-kit';
import { findTicketFor } from '../use-cases/find-ticket';

/**
 * How a state-changing route under `/v1/tickets/{id}` finds its ticket, for the app's precondition
 * hook (service-kit preconditions.ts): as the caller may see it, so a missing ticket, another
 * partner's or requester's, and a malformed reference get the route's own 404 or 400 with or
 * without If-Match and If-None-Match (RFC 9110 §13.2.1). The handlers find it the same way.
 */
export const ticketFoundFor =
  (dataSource: DataSource): TargetRefusal =>
  async (request, reply) => {
    const found = await findTicketFor(dataSource.manager, scopeOf(request, 'partner', 'requester', 'staff'), (request.params as { id: string }).id);
    return found.ok ? undefined : sendFailure(reply, found.error);
  };
