import { SlaClockCancelledV1, SlaClockStartedV1, SlaMetV1, SlaRetargetedV1 } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import { queueStore } from '../store/queue.store';

/**
 * The queue's projection of sla-timer's clocks (DESIGN "Projections"; P4 orders by the due time of
 * the response owed). The ticket id is the event's subject; the partner id in the data keeps a
 * foreign event from touching another partner's ticket. The inbox makes each event apply once.
 */
export const onSlaClockStarted = on(SlaClockStartedV1, async (event, { tx }) => {
  await queueStore.setResponseDue(tx, event.data.partnerId, event.subject, { clockId: event.data.clockId, dueAt: new Date(event.data.dueAt) });
});

/** P5: reclassification moves the due time of the running clock. */
export const onSlaRetargeted = on(SlaRetargetedV1, async (event, { tx }) => {
  await queueStore.setResponseDue(tx, event.data.partnerId, event.subject, { clockId: event.data.clockId, dueAt: new Date(event.data.dueAt) });
});

export const onSlaMet = on(SlaMetV1, async (event, { tx }) => {
  await queueStore.clearResponseDue(tx, event.data.partnerId, event.subject, event.data.clockId);
});

export const onSlaClockCancelled = on(SlaClockCancelledV1, async (event, { tx }) => {
  await queueStore.clearResponseDue(tx, event.data.partnerId, event.subject, event.data.clockId);
});

export const slaProjectionHandlers: readonly HandlerBinding[] = [onSlaClockStarted, onSlaRetargeted, onSlaMet, onSlaClockCancelled];
