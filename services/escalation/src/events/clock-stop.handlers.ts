import { SlaClockCancelledV1, SlaMetV1, type CloudEvent } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import type { ResolvingEvent } from '../domain/escalation-events';
import { stopClockEscalations, type ClockStopDeps } from '../use-cases/stop-clock-escalations';

const causeOf = (event: CloudEvent<{ ticketSequence?: number }>): ResolvingEvent => ({ id: event.id, type: event.type, ticketSequence: event.data.ticketSequence });

/** sla.met and sla.clock_cancelled: the escalations raised for that clock stop calling (docs/escalation.md, "Re-notices"). */
export const clockStopHandlers = (deps: ClockStopDeps): HandlerBinding[] => [
  on(SlaMetV1, async (event, ctx) => {
    await stopClockEscalations(ctx.tx, deps, event.subject, event.data.clockId, { kind: 'met', at: new Date(event.data.respondedAt) }, causeOf(event));
  }),
  on(SlaClockCancelledV1, async (event, ctx) => {
    await stopClockEscalations(ctx.tx, deps, event.subject, event.data.clockId, { kind: 'cancelled', reason: event.data.reason, at: new Date(event.data.cancelledAt) }, causeOf(event));
  }),
];
