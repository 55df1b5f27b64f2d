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
  /** The last notice that went to someone: null while every notice found no one on duty in its role. */
  lastNotifiedAt: Date | null;
  /** For an escalation raised by a response clock (`sla.warning`, `sla.breached`, `sla.overdue`): when that clock stopped. */
  clockStoppedAt: Date | null;
  /**
   * The ticket event (its `sequence`) its cause follows, kept from the raise for its later events
   * (docs/adr/0066, third session); null when the cause named none (a rating, an older sla-timer).
   */
  ticketSequence: number | null;
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
 * When someone was last notified, after a notice (the raise or a re-notice) to `targetStaffIds` at
 * `at`: a notice with no one on duty in its role notified nobody, so it keeps the earlier instant
 * (null before anyone was reached). docs/adr/0038, "No one on duty".
 */
export const lastNotifiedAfter = (previous: Date | null, targetStaffIds: readonly string[], at: Date): Date | null => (targetStaffIds.length > 0 ? at : previous);

/**
 * Kinds about a response owed: once the ticket is resolved or closed their re-notices stop (the
 * records stay). A requester's complaint (team leader asked for, a low rating) keeps calling until
 * someone takes it up: a rating arrives after resolution by design.
 */
export const RESPONSE_KINDS: readonly EscalationKind[] = ['sla_warning', 'sla_breach', 'sla_overdue', 'emergency', 'phone_callback'];

export const stopsWithTicket = (kind: EscalationKind): boolean => RESPONSE_KINDS.includes(kind);

/** Ticket statuses after which response escalations are neither raised nor re-notified. */
export const isTicketFinished = (status: string | undefined): boolean => status === 'resolved' || status === 'closed';

/**
 * Whether the re-notice timer should send again: still open, its response clock (if it was raised
 * for one) not stopped, and (for response kinds) the ticket still owes.
 */
export const shouldRenotify = (e: Escalation, ticketStatus: string | undefined): boolean =>
  e.status === 'open' && e.clockStoppedAt === null && !(stopsWithTicket(e.kind) && isTicketFinished(ticketStatus));

/** The events that raise an escalation for one response clock (cause key `clock:<id>`). */
export const CLOCK_CAUSE_TYPES: readonly string[] = ['sla.warning', 'sla.breached', 'sla.overdue'];

/** How a response clock stopped: answered in time, or no response owed any more (`responded_after_breach` included). */
export type ClockStop = { kind: 'met'; at: Date } | { kind: 'cancelled'; reason: string; at: Date };

export const OUTCOME_ANSWERED_IN_TIME = 'Answered in time: the response came before the due time (sla.met); resolved automatically.';

/**
 * The clock an escalation was raised for stopped: no re-notice is due any more, whatever happened.
 * An about-to-breach warning whose clock was met came to nothing: it is resolved, with an outcome
 * saying so (no one resolved it: `resolvedBy` null). Anything else stays as it is for someone to
 * take up: a breach or an overdue clock is for the team leader to look at even once answered, and
 * a warning whose clock was cancelled (a wait on the requester, resolution, an answer after the
 * breach) does not say the response came in time. docs/adr/0038, addendum of 2026-12-04.
 */
export const clockStopped = (e: Escalation, stop: ClockStop): { escalation: Escalation; resolvedAutomatically: boolean } => {
  const stopped: Escalation = { ...e, clockStoppedAt: e.clockStoppedAt ?? stop.at };
  if (stop.kind === 'met' && e.causeType === 'sla.warning' && e.status !== 'resolved') {
    return { escalation: { ...stopped, status: 'resolved', resolvedAt: stop.at, resolvedBy: null, outcome: OUTCOME_ANSWERED_IN_TIME }, resolvedAutomatically: true };
  }
  return { escalation: stopped, resolvedAutomatically: false };
};

export const OUTCOME_SUPERSEDED_BY_BREACH = 'Superseded: the response clock breached (sla.breached), so it is no longer about to; resolved automatically.';

/** The events that raise an escalation for a breached response clock (P7: the team leader looks at it). */
export const BREACH_CAUSE_TYPES: readonly string[] = ['sla.breached', 'sla.overdue'];

/**
 * An about-to-breach (`sla.warning`) escalation whose clock has breached says something no longer
 * true: "the response deadline is near" after the deadline. It is resolved, acknowledged or not
 * (`resolvedBy` null, an outcome saying why); the breach is the clock's to escalate now, under
 * its own rule. Anything else, or one already resolved, is left as it is (undefined).
 * docs/adr/0038, addendum of 2026-12-04, seventh session.
 */
export const supersededByBreach = (e: Escalation, at: Date): Escalation | undefined => {
  if (e.causeType !== 'sla.warning' || e.status === 'resolved') return undefined;
  return { ...e, status: 'resolved', resolvedAt: at, resolvedBy: null, outcome: OUTCOME_SUPERSEDED_BY_BREACH };
};

export const OUTCOME_RATING_WITHDRAWN =
  'Withdrawn: the rating was taken after the ticket had been reopened, so it rated a resolution that no longer stood (rating.withdrawn); resolved automatically.';

/**
 * A low-rating escalation whose rating was withdrawn (P11: taken after the ticket had been reopened)
 * complains of a resolution that no longer stood: it is resolved, acknowledged or not (`resolvedBy`
 * null, an outcome saying why). A request for the team leader in the same rating's comment stays: the
 * requester asked for a person, whatever the survey. docs/adr/0038, addendum of 2026-12-05.
 */
export const withdrawnWithRating = (e: Escalation, at: Date): Escalation | undefined => {
  if (e.kind !== 'low_rating' || e.status === 'resolved') return undefined;
  return { ...e, status: 'resolved', resolvedAt: at, resolvedBy: null, outcome: OUTCOME_RATING_WITHDRAWN };
};
