import type { Failure } from '@tss/service-kit';
import type { TicketRuleViolation } from '../domain/ticket';

/** A change the ticket's rules refuse, as the problem the edge answers: 409 naming the allowed statuses, or 422 naming the field. */
export const failureOf = (v: TicketRuleViolation): Failure =>
  v.kind === 'invalid_transition'
    ? { kind: 'invalid_transition', detail: `${v.detail} Allowed: ${v.allowed.join(', ') || 'none'}.`, extensions: { allowed: v.allowed } }
    : { kind: 'unprocessable', detail: v.detail, ...(v.field ? { extensions: { errors: [{ in: 'body', pointer: `/${v.field}`, message: v.detail }] } } : {}) };
