import type { EntityManager } from 'typeorm';
import { EscalationResolvedV1 } from '@tss/contracts';
import type { Outbox } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import { CLOCK_CAUSE_TYPES, clockStopped, type ClockStop } from '../domain/escalation';
import { resolvedEventData, type ResolvingEvent } from '../domain/escalation-events';
import { escalationStore } from '../store/escalation.store';
import { cancelRenotice } from './renotice-timer';

export interface ClockStopDeps {
  outbox: Outbox;
  timers: TimerStore;
}

/**
 * A response clock stopped (sla.met, sla.clock_cancelled): the escalations raised for it stop
 * re-notifying, in the event's transaction; an about-to-breach one met in time is resolved, with
 * `escalation.resolved` naming the stop's event (`cause`). The rows are locked first, so a re-notice firing at the same moment either
 * went out before (its next timer is cancelled here) or sees the stop and sends nothing.
 */
export const stopClockEscalations = async (tx: EntityManager, deps: ClockStopDeps, ticketId: string, clockId: string, stop: ClockStop, cause: ResolvingEvent): Promise<void> => {
  for (const current of await escalationStore.lockOfClock(tx, ticketId, clockId, CLOCK_CAUSE_TYPES)) {
    const { escalation, resolvedAutomatically } = clockStopped(current, stop);
    await escalationStore.update(tx, escalation);
    await cancelRenotice(tx, deps.timers, escalation.id);
    if (resolvedAutomatically) await deps.outbox.add(tx, EscalationResolvedV1, ticketId, resolvedEventData(escalation, stop.at, cause));
  }
};
