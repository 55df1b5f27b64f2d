import type { EntityManager } from 'typeorm';
import { EscalationResolvedV1 } from '@tss/contracts';
import type { Outbox } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import { supersededByBreach, type Escalation } from '../domain/escalation';
import { resolvedEventData, type ResolvingEvent } from '../domain/escalation-events';
import { escalationStore } from '../store/escalation.store';
import { cancelRenotice } from './renotice-timer';

export interface SupersedeDeps {
  outbox: Outbox;
  timers: TimerStore;
}

/**
 * Records an escalation the service resolved by itself (no one did): no more re-notices,
 * `escalation.resolved`, naming the event that ended it (`cause`) when one did.
 */
export const recordResolvedAutomatically = async (tx: EntityManager, deps: SupersedeDeps, resolved: Escalation, now: Date, cause?: ResolvingEvent): Promise<void> => {
  await escalationStore.update(tx, resolved);
  await cancelRenotice(tx, deps.timers, resolved.id);
  await deps.outbox.add(tx, EscalationResolvedV1, resolved.ticketId, resolvedEventData(resolved, now, cause));
};

/** Resolves one locked about-to-breach escalation as superseded by its clock's breach (`breach`: its event, when one is being consumed). */
export const supersedeWarning = async (tx: EntityManager, deps: SupersedeDeps, current: Escalation, now: Date, breach?: ResolvingEvent): Promise<boolean> => {
  const superseded = supersededByBreach(current, now);
  if (!superseded) return false;
  await recordResolvedAutomatically(tx, deps, superseded, now, breach);
  return true;
};

/**
 * sla.breached: the clock's about-to-breach escalations stop calling "the response deadline is
 * near" beside the breach's own (docs/escalation.md, "Re-notices"), in the event's transaction.
 */
export const supersedeClockWarnings = async (tx: EntityManager, deps: SupersedeDeps, ticketId: string, clockId: string, now: Date, breach: ResolvingEvent): Promise<void> => {
  for (const current of await escalationStore.lockUnresolvedOfClock(tx, ticketId, clockId, ['sla.warning'])) await supersedeWarning(tx, deps, current, now, breach);
};
