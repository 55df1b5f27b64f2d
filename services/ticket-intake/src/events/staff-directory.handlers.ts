import { StaffCreatedV1, StaffUpdatedV1, type EventData } from '@tss/contracts';
import { on, type HandlerBinding, type HandlerContext } from '@tss/messaging';
import type { Clock } from '@tss/service-kit';
import type { Actor } from '../domain/actor';
import { returnToQueue, whyTicketsLeave } from '../domain/assignee';
import { staffStore } from '../store/staff.store';
import { ticketStore } from '../store/ticket.store';
import { commitChange, type ChangeDeps } from '../use-cases/commit-change';

export interface StaffDirectoryDeps extends ChangeDeps {
  clock: Clock;
}

/** The history's "who" of a ticket freed because the gateway said its assignee left: the gateway's announcement. */
const GATEWAY_ACTOR: Actor = { kind: 'service', id: 'gateway' };

/**
 * Keeps the staff member as announced; when they can no longer work tickets (disabled, or no longer
 * in a working role), their open work goes back to the queue (P4), each ticket with a history entry
 * saying why. Exactly once: a redelivered event is in the inbox already, and any other finds no
 * ticket still assigned to them. An older event arriving late changes nothing (`keep` is false).
 * The staff row is written before the tickets are read: an assignment deciding on the row waits,
 * and is then found here (changeTicket and the claim read the row FOR SHARE before the ticket).
 */
const keep = async (deps: StaffDirectoryDeps, staff: EventData<typeof StaffCreatedV1>, ctx: HandlerContext): Promise<void> => {
  const standing = { staffId: staff.staffId, roles: staff.roles, active: staff.active, changedAt: new Date(staff.changedAt) };
  if (!(await staffStore.keep(ctx.tx, standing))) return;
  const why = whyTicketsLeave(standing);
  if (why === undefined) return;
  const now = deps.clock.now();
  for (const locked of await ticketStore.lockOpenWorkOf(ctx.tx, staff.staffId)) {
    const change = returnToQueue(locked);
    if (change) await commitChange(ctx.tx, { ...deps, outbox: ctx.outbox }, locked, change, GATEWAY_ACTOR, now, why);
  }
};

/** The staff tickets may be assigned to (P4), from the gateway's `staff.*`; the tickets of those who leave go back to the queue. */
export const staffDirectoryHandlers = (deps: StaffDirectoryDeps): HandlerBinding[] => [
  on(StaffCreatedV1, (event, ctx) => keep(deps, event.data, ctx)),
  on(StaffUpdatedV1, (event, ctx) => keep(deps, event.data, ctx)),
];
