import { Type } from '@sinclair/typebox';
import { defineEvent } from '../event-contract';
import { Instant, ServiceLevel, Uuid } from '../domain-values';

const ClockBase = {
  partnerId: Uuid,
  clockId: Uuid,
  level: ServiceLevel,
  /** The policy the clock runs under (issue #10: a clock keeps the version it started under). */
  policyScope: Type.Optional(Type.String()),
  policyVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  /**
   * The ticket event (its `sequence`) this event follows, so it is delivered after it (docs/adr/0066,
   * addendum of 2026-12-05): on `sla.clock_started`, `sla.retargeted`, `sla.met` and
   * `sla.clock_cancelled` the ticket event that caused it; on a breach, a warning or an overdue
   * notice the one that started or last re-targeted the clock. Absent from events of releases before
   * it, and of clocks started before it.
   */
  ticketSequence: Type.Optional(Type.Integer({ minimum: 1 })),
};
/** P5: who owes the response: support, or the development department after a referral. */
const OwedBy = Type.Optional(Type.Union([Type.Literal('support'), Type.Literal('development')]));
/** A timer's firing: how long after its due time it was published (downtime, backlog). */
const Lateness = { latenessMs: Type.Optional(Type.Integer({ minimum: 0 })), late: Type.Optional(Type.Boolean()) };

export const SlaClockStartedV1 = defineEvent(
  'sla.clock_started',
  1,
  'sla-timer',
  Type.Object({
    ...ClockBase,
    startedAt: Instant,
    dueAt: Instant,
    targetMs: Type.Optional(Type.Integer({ minimum: 1 })),
    owedBy: OwedBy,
    /** P12: the partner's agreement includes phone support at this level (escalation: a call-back task on emergencies). */
    phoneSupport: Type.Optional(Type.Boolean()),
  }),
  'P5: a response is owed by dueAt.',
);
export const SlaWarningV1 = defineEvent(
  'sla.warning',
  1,
  'sla-timer',
  Type.Object({
    ...ClockBase,
    dueAt: Instant,
    remainingMs: Type.Integer(),
    threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
    /**
     * P7: the last warning of the clock's schedule (its agreement's highest `warningAt`): the
     * clock's "about to breach", whatever fraction the agreement chose. Absent on the others (and
     * from releases before it, docs/adr/0038, seventh-session addendum).
     */
    last: Type.Optional(Type.Literal(true)),
    ...Lateness,
  }),
  'P7: a response clock is about to breach.',
);
export const SlaBreachedV1 = defineEvent(
  'sla.breached',
  1,
  'sla-timer',
  Type.Object({ ...ClockBase, dueAt: Instant, breachedAt: Instant, ...Lateness }),
  'P7: the maximum response time passed with no response.',
);
export const SlaOverdueV1 = defineEvent(
  'sla.overdue',
  1,
  'sla-timer',
  Type.Object({ ...ClockBase, dueAt: Instant, overdueMs: Type.Integer(), ...Lateness }),
  'A breached clock is still unanswered at the agreement’s overdue point (`overdueAt` × the target, 150 % by default): one notice per clock, for escalation’s second level.',
);
export const SlaMetV1 = defineEvent(
  'sla.met',
  1,
  'sla-timer',
  Type.Object({ ...ClockBase, dueAt: Instant, respondedAt: Instant, elapsedMs: Type.Optional(Type.Integer({ minimum: 0 })), targetMs: Type.Optional(Type.Integer({ minimum: 1 })) }),
  'A response was given in time.',
);
export const SlaClockCancelledV1 = defineEvent(
  'sla.clock_cancelled',
  1,
  'sla-timer',
  Type.Object({
    ...ClockBase,
    cancelledAt: Instant,
    reason: Type.String(),
    /** Set when the clock ended with a response given after it breached (reason `responded_after_breach`). */
    respondedAt: Type.Optional(Instant),
  }),
  'No response is owed any more (P10 wait on the requester, resolution, closure, or a response given after the breach).',
);
export const SlaRetargetedV1 = defineEvent(
  'sla.retargeted',
  1,
  'sla-timer',
  Type.Object({
    ...ClockBase,
    previousLevel: ServiceLevel,
    startedAt: Instant,
    dueAt: Instant,
    targetMs: Type.Optional(Type.Integer({ minimum: 1 })),
    owedBy: OwedBy,
    /**
     * P12: the clock's agreement includes phone support at the new level (as `sla.clock_started`
     * says it; escalation: a call-back task when a ticket is raised to emergency). Optional, added
     * to V1 (docs/adr/0004: an optional field is not breaking); absent from events published before.
     */
    phoneSupport: Type.Optional(Type.Boolean()),
  }),
  'P5: reclassification re-targets the running clock from its original start.',
);
