import type { RequestScope } from '@tss/service-kit';
import type { Actor } from '../domain/actor';

/** Who a request acts as, for the history: the partner's client, the requester, or the staff member. */
export const actorOf = (scope: RequestScope, clientId?: string): Actor => {
  switch (scope.kind) {
    case 'partner':
      return { kind: 'partner', id: clientId ?? scope.partnerId };
    case 'requester':
      return { kind: 'requester', id: scope.requesterId };
    case 'staff':
      return { kind: 'staff', id: scope.staffId };
  }
};
