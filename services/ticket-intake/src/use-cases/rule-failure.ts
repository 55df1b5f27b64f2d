import type { Failure } from '@tss/service-kit';
import type { TicketRuleViolation } from '../domain/ticket';

/**
 * A change the ticket's rules refuse, as the problem the edge answers: 409 invalid-transition naming
 * the allowed statuses, 409 conflict for a change the ticket's state forbids that is no status
 * change, or 422 naming the field.
 */
export const failureOf = (v: TicketRuleViolation): Failure => {
  switch (v.kind) {
    case 'invalid_transition':
      return { kind: 'invalid_transition', detail: `${v.detail} Allowed: ${v.allowed.join(', ') || 'none'}.`, extensions: { allowed: v.allowed } };
    case 'conflict':
      return { kind: 'conflict', detail: v.detail };
    case 'unprocessable':
      return { kind: 'unprocessable', detail: v.detail, ...(v.field ? { extensions: { errors: [{ in: 'body', pointer: `/${v.field}`, message: v.detail }] } } : {}) };
  }
};
