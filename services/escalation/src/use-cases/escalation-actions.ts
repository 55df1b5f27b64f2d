import type { EntityManager } from 'typeorm';
import { EscalationAcknowledgedV1, EscalationResolvedV1 } from '@tss/contracts';
import type { Outbox } from '@tss/messaging';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import type { TimerStore } from '@tss/timers';
import { acknowledge, resolve, type Actor, type Escalation } from '../domain/escalation';
import { acknowledgedEventData, resolvedEventData } from '../domain/escalation-events';
import { keptStaffText, withheldNotes } from '../domain/withheld-particulars';
import { escalationStore } from '../store/escalation.store';
import { cancelRenotice } from './renotice-timer';

export interface ActionDeps {
  outbox: Outbox;
  timers: TimerStore;
}

/** The 404 of an id that names no escalation. */
export const NO_SUCH_ESCALATION: Failure = { kind: 'not_found', detail: 'No such escalation.' };

/** Takes an escalation up: its re-notices stop; `escalation.acknowledged` in the same transaction. */
export const acknowledgeEscalation = async (tx: EntityManager, deps: ActionDeps, id: string, actor: Actor, now: Date): Promise<Result<Escalation, Failure>> => {
  const current = await escalationStore.lockForChange(tx, id);
  if (!current) return err(NO_SUCH_ESCALATION);
  const changed = acknowledge(current, actor, now);
  if (!changed.ok) return err(changed.refusal);
  await escalationStore.update(tx, changed.escalation);
  await cancelRenotice(tx, deps.timers, id);
  await deps.outbox.add(tx, EscalationAcknowledgedV1, current.ticketId, acknowledgedEventData(changed.escalation, actor.staffId, now));
  return ok(changed.escalation);
};

/**
 * Ends an escalation with an optional outcome: its re-notices stop; `escalation.resolved` in the same
 * transaction. P9: the outcome is kept and published without access particulars, and `notes` tell
 * the author (docs/adr/0026, addendum of 2026-12-05, fourth session).
 */
export const resolveEscalation = async (
  tx: EntityManager,
  deps: ActionDeps,
  id: string,
  actor: Actor,
  outcome: string | undefined,
  now: Date,
): Promise<Result<{ escalation: Escalation; notes: string[] }, Failure>> => {
  const current = await escalationStore.lockForChange(tx, id);
  if (!current) return err(NO_SUCH_ESCALATION);
  const kept = outcome === undefined ? undefined : keptStaffText(outcome);
  const changed = resolve(current, actor, now, kept?.text);
  if (!changed.ok) return err(changed.refusal);
  await escalationStore.update(tx, changed.escalation);
  await cancelRenotice(tx, deps.timers, id);
  await deps.outbox.add(tx, EscalationResolvedV1, current.ticketId, resolvedEventData(changed.escalation, now));
  return ok({ escalation: changed.escalation, notes: kept ? withheldNotes([{ what: 'The outcome', kept }], current.ticketId) : [] });
};
