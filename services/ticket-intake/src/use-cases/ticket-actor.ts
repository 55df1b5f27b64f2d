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

/**
 * An Idempotency-Key as the use cases store it: a partner's own keys as given, a requester's and
 * a staff member's under their id, so one caller's key never replays another caller's answer.
 */
export const callerKey = (scope: RequestScope, key: string | undefined): string | undefined => {
  if (key === undefined) return undefined;
  switch (scope.kind) {
    case 'partner':
      return key;
    case 'requester':
      return `requester:${scope.requesterId}:${key}`;
    case 'staff':
      return `staff:${scope.staffId}:${key}`;
  }
};
