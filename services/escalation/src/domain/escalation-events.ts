import type { EscalationAcknowledgedV1, EscalationRaisedV1, EscalationRenotifiedV1, EscalationResolvedV1, EscalationSummaryFacts, EventData } from '@tss/contracts';
import type { Escalation } from './escalation';

/**
 * The data of the `escalation.*` events an escalation's changes publish. Each names the ticket event
 * it follows (`ticketSequence`, docs/adr/0066, addendum of 2026-12-05, third session), so a receiver,
 * and notification's webhook queue, can place it after that event: the one its cause followed, kept
 * from the raise; for a resolution an event brought about, the later of that and the event's own.
 */

/** A consumed event that ended an escalation (`sla.met`, `sla.breached`, `rating.withdrawn`): its `escalation.resolved` names it. */
export interface ResolvingEvent {
  id: string;
  type: string;
  /** The ticket event it follows, when it names one. */
  ticketSequence?: number;
}

/** The later of two ticket events, either of which may be unknown. */
export const laterTicketSequence = (kept: number | null, other: number | undefined): number | null =>
  other === undefined ? kept : kept === null ? other : Math.max(kept, other);

const followed = (ticketSequence: number | null): { ticketSequence?: number } => (ticketSequence === null ? {} : { ticketSequence });

/** What a raise and a re-notice both say: which escalation, what it follows, whom it calls in. */
const callingIn = (e: Escalation) => ({
  partnerId: e.partnerId,
  escalationId: e.id,
  ...followed(e.ticketSequence),
  kind: e.kind,
  targetRole: e.targetRole,
  targetStaffIds: e.targetStaffIds,
});

/** `summaryFacts`: what the summary says, as facts (known when raised, not kept: `escalation.raised` is published once). */
export const raisedEventData = (e: Escalation, summaryFacts?: EscalationSummaryFacts): EventData<typeof EscalationRaisedV1> => ({
  ...callingIn(e),
  raisedAt: e.raisedAt.toISOString(),
  ...(e.level ? { level: e.level } : {}),
  rule: e.rule,
  causeEventId: e.causeEventId,
  causeType: e.causeType,
  ...(e.surveyId ? { surveyId: e.surveyId } : {}),
  ...(e.quote ? { quote: e.quote } : {}),
  summary: e.summary,
  ...(summaryFacts ? { summaryFacts } : {}),
});

/** A re-notice of `e` as it now is (its `renotices` counted, its targets those on duty now). */
export const renotifiedEventData = (e: Escalation, at: Date): EventData<typeof EscalationRenotifiedV1> => ({
  ...callingIn(e),
  attempt: e.renotices,
  renotifiedAt: at.toISOString(),
});

export const acknowledgedEventData = (e: Escalation, by: string, at: Date): EventData<typeof EscalationAcknowledgedV1> => ({
  partnerId: e.partnerId,
  escalationId: e.id,
  ...followed(e.ticketSequence),
  acknowledgedBy: by,
  acknowledgedAt: at.toISOString(),
});

/**
 * `e` resolved at `at`: by a person (`resolvedBy`), or by the service on `cause`, which it names
 * (and whose ticket event it follows, when later than the kept one: a response that met the clock,
 * a reopening that withdrew the rating). Resolved by the service on no event (the re-notice timer):
 * neither.
 */
export const resolvedEventData = (e: Escalation, at: Date, cause?: ResolvingEvent): EventData<typeof EscalationResolvedV1> => ({
  partnerId: e.partnerId,
  escalationId: e.id,
  ...followed(cause ? laterTicketSequence(e.ticketSequence, cause.ticketSequence) : e.ticketSequence),
  resolvedAt: at.toISOString(),
  ...(e.resolvedBy ? { resolvedBy: e.resolvedBy } : {}),
  ...(e.outcome ? { outcome: e.outcome } : {}),
  ...(cause ? { causeEventId: cause.id, causeType: cause.type } : {}),
});
