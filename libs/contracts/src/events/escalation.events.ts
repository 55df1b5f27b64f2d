import { Type } from '@sinclair/typebox';
import { defineEvent } from '../event-contract';
import { EscalationKind, Instant, ReferralTarget, Uuid } from '../domain-values';
import { EscalationSummaryFacts } from '../escalation-summary';

const EscalationBase = {
  partnerId: Uuid,
  escalationId: Uuid,
  /**
   * The ticket event (its `sequence`) this event follows, so a receiver, and notification's webhook
   * queue, can place it after it (docs/adr/0066, addendum of 2026-12-05, third session). Raised: its
   * cause's (a ticket event's `sequence`, an `sla.*` or `rating.*` event's `ticketSequence`); later
   * events: the one kept when it was raised, or, resolved by an event, the later of that and the
   * event's. Absent when the cause names none (`rating.submitted`, an older sla-timer's events) and
   * from releases before it. Added 2026-12-05 (optional, docs/adr/0004: not breaking).
   */
  ticketSequence: Type.Optional(Type.Integer({ minimum: 1 })),
};

export const EscalationReferralRequestedV1 = defineEvent(
  'escalation.referral_requested',
  1,
  'escalation',
  Type.Object({
    partnerId: Uuid,
    referralId: Uuid,
    requestedBy: Type.String(),
    reason: Type.String(),
    requestedAt: Instant,
    /** Absent means `development`. `quality` changes nothing on the ticket but its history; `design` makes it a feature request (P6). */
    target: Type.Optional(ReferralTarget),
  }),
  'P6, P7: refer the ticket to development (a level change), quality (involvement) or design (a feature request); intake applies it.',
);

/** Who is called in: a role, and the staff on duty in it when the escalation was raised (the roster). */
const Recipients = {
  targetRole: Type.String(),
  targetStaffIds: Type.Optional(Type.Array(Type.String())),
};

export const EscalationRaisedV1 = defineEvent(
  'escalation.raised',
  1,
  'escalation',
  Type.Object({
    ...EscalationBase,
    kind: EscalationKind,
    ...Recipients,
    raisedAt: Instant,
    /** 1 the team leader, 2 the head of support (P7: still no response at the overdue threshold). */
    level: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 })),
    /** The rule that raised it, and the event that set it off (one escalation per cause). */
    rule: Type.Optional(Type.String()),
    causeEventId: Type.Optional(Type.String()),
    causeType: Type.Optional(Type.String()),
    /** A rating that led to it (the rating shows that it did). */
    surveyId: Type.Optional(Uuid),
    /** What was written: the message that asked for the team leader, a rating's comment (at most 2,000 characters). */
    quote: Type.Optional(Type.String({ maxLength: 2000 })),
    summary: Type.Optional(Type.String({ maxLength: 500 })),
    /**
     * What `summary` says in English, as facts, so each reader words it in their language (notification's
     * staff notices, docs/adr/0042, addendum of 2026-12-05, fifth session). Optional (added 2026-12-05,
     * docs/adr/0004): without it, a reader shows `summary` as written.
     */
    summaryFacts: Type.Optional(EscalationSummaryFacts),
  }),
  'P7: someone (team leader, head of support, on-duty agents, quality, development) was called in.',
);
export const EscalationRenotifiedV1 = defineEvent(
  'escalation.renotified',
  1,
  'escalation',
  Type.Object({ ...EscalationBase, kind: EscalationKind, ...Recipients, attempt: Type.Integer({ minimum: 1 }), renotifiedAt: Instant }),
  'An escalation nobody acknowledged is sent again (issue #12: a configurable interval).',
);
export const EscalationAcknowledgedV1 = defineEvent(
  'escalation.acknowledged',
  1,
  'escalation',
  Type.Object({ ...EscalationBase, acknowledgedBy: Type.String(), acknowledgedAt: Instant }),
  'The escalation was taken up.',
);
export const EscalationResolvedV1 = defineEvent(
  'escalation.resolved',
  1,
  'escalation',
  Type.Object({
    ...EscalationBase,
    resolvedAt: Instant,
    resolvedBy: Type.Optional(Type.String()),
    outcome: Type.Optional(Type.String({ maxLength: 4000 })),
    /**
     * Resolved by the service on an event it consumed (`sla.met`, `sla.breached`, `rating.withdrawn`):
     * that event, as on `escalation.raised`; absent when a person (or the re-notice timer) resolved
     * it. Added 2026-12-05 (optional).
     */
    causeEventId: Type.Optional(Type.String()),
    causeType: Type.Optional(Type.String()),
  }),
  'The escalation is over.',
);
