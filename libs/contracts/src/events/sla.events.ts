import { Type } from '@sinclair/typebox';
import { defineEvent } from '../event-contract';
import { Instant, ServiceLevel, Uuid } from '../domain-values';

const ClockBase = { partnerId: Uuid, clockId: Uuid, level: ServiceLevel };

export const SlaClockStartedV1 = defineEvent(
  'sla.clock_started',
  1,
  'sla-timer',
  Type.Object({ ...ClockBase, startedAt: Instant, dueAt: Instant }),
  'P5: a response is owed by dueAt.',
);
export const SlaWarningV1 = defineEvent(
  'sla.warning',
  1,
  'sla-timer',
  Type.Object({ ...ClockBase, dueAt: Instant, remainingMs: Type.Integer() }),
  'P7: a response clock is about to breach.',
);
export const SlaBreachedV1 = defineEvent(
  'sla.breached',
  1,
  'sla-timer',
  Type.Object({ ...ClockBase, dueAt: Instant, breachedAt: Instant }),
  'P7: the maximum response time passed with no response.',
);
export const SlaOverdueV1 = defineEvent(
  'sla.overdue',
  1,
  'sla-timer',
  Type.Object({ ...ClockBase, dueAt: Instant, overdueMs: Type.Integer() }),
  'A breached clock is still unanswered (periodic reminder).',
);
export const SlaMetV1 = defineEvent(
  'sla.met',
  1,
  'sla-timer',
  Type.Object({ ...ClockBase, dueAt: Instant, respondedAt: Instant }),
  'A response was given in time.',
);
export const SlaClockCancelledV1 = defineEvent(
  'sla.clock_cancelled',
  1,
  'sla-timer',
  Type.Object({ ...ClockBase, cancelledAt: Instant, reason: Type.String() }),
  'No response is owed any more (P10 wait on the requester, resolution, closure).',
);
export const SlaRetargetedV1 = defineEvent(
  'sla.retargeted',
  1,
  'sla-timer',
  Type.Object({ ...ClockBase, previousLevel: ServiceLevel, startedAt: Instant, dueAt: Instant }),
  'P5: reclassification re-targets the running clock from its original start.',
);
