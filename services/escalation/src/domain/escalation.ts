import type { EscalationKind } from '@tss/contracts';
import type { TargetRole } from './escalation-rules';

/** An escalation record (issue #12): raised by a rule, acknowledged by someone, resolved with an outcome. */
export type EscalationStatus = 'open' | 'acknowledged' | 'resolved';

export interface Escalation {
  id: string;
  ticketId: string;
  partnerId: string;
  kind: EscalationKind;
  level: 1 | 2 | null;
  rule: string;
  causeKey: string;
  causeEventId: string;
  causeType: string;
  targetRole: TargetRole;
  targetStaffIds: string[];
  surveyId: string | null;
  quote: string | null;
  summary: string;
  status: EscalationStatus;
  raisedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  outcome: string | null;
  renotices: number;
  lastNotifiedAt: Date;
}

/** Who acts on an escalation: a staff member, with whether they hold `escalations:manage`. */
export interface Actor {
  staffId: string;
  manages: boolean;
}

export type Refusal = { kind: 'forbidden' | 'conflict'; detail: string };

/** Only the people called in, or a manager, may take an escalation up; once. */
export const acknowledge = (e: Escalation, by: Actor, at: Date): { ok: true; escalation: Escalation } | { ok: false; refusal: Refusal } => {
  if (!by.manages && !e.targetStaffIds.includes(by.staffId)) return { ok: false, refusal: { kind: 'forbidden', detail: 'Only a staff member it was sent to, or one with escalations:manage, may acknowledge it.' } };
  if (e.status !== 'open') return { ok: false, refusal: { kind: 'conflict', detail: `The escalation is already ${e.status}.` } };
  return { ok: true, escalation: { ...e, status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by.staffId } };
};

/** Resolving ends it, acknowledged or not (a manager may close one nobody took up). */
export const resolve = (e: Escalation, by: Actor, at: Date, outcome: string | undefined): { ok: true; escalation: Escalation } | { ok: false; refusal: Refusal } => {
  if (!by.manages && !e.targetStaffIds.includes(by.staffId) && e.acknowledgedBy !== by.staffId)
    return { ok: false, refusal: { kind: 'forbidden', detail: 'Only a staff member it was sent to, or one with escalations:manage, may resolve it.' } };
  if (e.status === 'resolved') return { ok: false, refusal: { kind: 'conflict', detail: 'The escalation is already resolved.' } };
  return { ok: true, escalation: { ...e, status: 'resolved', resolvedAt: at, resolvedBy: by.staffId, outcome: outcome ?? null } };
};

/**
 * Kinds about a response owed: once the ticket is resolved or closed their re-notices stop (the
 * records stay). A requester's complaint (team leader asked for, a low rating) keeps calling until
 * someone takes it up: a rating arrives after resolution by design.
 */
export const RESPONSE_KINDS: readonly EscalationKind[] = ['sla_warning', 'sla_breach', 'sla_overdue', 'emergency', 'phone_callback'];

export const stopsWithTicket = (kind: EscalationKind): boolean => RESPONSE_KINDS.includes(kind);

/** Ticket statuses after which response escalations are neither raised nor re-notified. */
export const isTicketFinished = (status: string | undefined): boolean => status === 'resolved' || status === 'closed';

/** Whether the re-notice timer should send again: still open, and (for response kinds) the ticket still owes. */
export const shouldRenotify = (e: Escalation, ticketStatus: string | undefined): boolean => e.status === 'open' && !(stopsWithTicket(e.kind) && isTicketFinished(ticketStatus));
