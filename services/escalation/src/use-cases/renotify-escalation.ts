import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { EscalationRenotifiedV1 } from '@tss/contracts';
import type { Outbox } from '@tss/messaging';
import type { Clock } from '@tss/service-kit';
import type { FiredTimer, TimerStore } from '@tss/timers';
import { BREACH_CAUSE_TYPES, lastNotifiedAfter, shouldRenotify, type Escalation } from '../domain/escalation';
import { renotifiedEventData } from '../domain/escalation-events';
import { escalationStore } from '../store/escalation.store';
import { ticketProjection } from '../store/projection.store';
import { scheduleRenotice } from './renotice-timer';
import { supersedeWarning } from './supersede-warnings';
import { targetsAt } from './on-duty';

export interface RenotifyDeps {
  outbox: Outbox;
  timers: TimerStore;
  clock: Clock;
  logger: Logger;
  renotifyAfterMs: number;
}

/**
 * A re-notice is due: still unacknowledged (and, for a response escalation, its ticket still owes a
 * response) → `escalation.renotified` to whoever is on duty now, and the next one armed. Otherwise
 * nothing, and no next one.
 */
export const onRenoticeDue = (deps: RenotifyDeps) => async (timer: FiredTimer, tx: EntityManager): Promise<void> => {
  const escalationId = (timer.payload as { escalationId?: unknown } | null)?.escalationId;
  if (typeof escalationId !== 'string') return;
  const escalation = await escalationStore.lockForChange(tx, escalationId);
  if (!escalation) return;
  const ticket = await ticketProjection.find(tx, escalation.ticketId);
  if (!shouldRenotify(escalation, ticket?.status)) return;
  const now = deps.clock.now();
  // One raised before breaches superseded warnings (docs/adr/0038, seventh session): its clock's
  // breach escalation says the deadline passed, so it is resolved instead of sent again.
  if (escalation.causeType === 'sla.warning' && (await escalationStore.existsOfCause(tx, escalation.ticketId, escalation.causeKey, BREACH_CAUSE_TYPES))) {
    await supersedeWarning(tx, deps, escalation, now);
    return;
  }
  const targetStaffIds = await targetsAt(tx, now, escalation.targetRole);
  const attempt = escalation.renotices + 1;
  const renotified: Escalation = { ...escalation, renotices: attempt, lastNotifiedAt: lastNotifiedAfter(escalation.lastNotifiedAt, targetStaffIds, now), targetStaffIds };
  await escalationStore.update(tx, renotified);
  if (targetStaffIds.length === 0) deps.logger.warn({ escalationId, targetRole: escalation.targetRole, attempt }, 'escalation re-notified with no one on duty in its role');
  await deps.outbox.add(tx, EscalationRenotifiedV1, escalation.ticketId, renotifiedEventData(renotified, now));
  await scheduleRenotice(tx, deps.timers, escalationId, new Date(now.getTime() + deps.renotifyAfterMs));
};
