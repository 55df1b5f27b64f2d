import type { EntityManager } from 'typeorm';
import { unknownStaffDetail } from '@tss/service-kit';
import type { Actor } from '../domain/actor';
import { assigneeRefusal } from '../domain/assignee';
import type { TicketPatch, TicketRuleViolation } from '../domain/ticket';
import { staffStore } from '../store/staff.store';

/**
 * P4: a PATCH naming a new assignee names a known, active staff member whose role works tickets,
 * else the ticket would be in nobody's queue. Staff assigning themselves are proven by their token
 * (a PATCH needs `tickets:write`, which only the roles that work tickets hold), as a claim is: it
 * is fresher than the projection, and it is how staff signed in through single sign-on, whom the
 * gateway never announces, take tickets. The staff row is read FOR SHARE (staffStore): a disabling
 * kept meanwhile waits for this transaction, then finds the ticket assigned and frees it.
 */
export const checkNewAssignee = async (tx: EntityManager, current: string | undefined, patch: TicketPatch, actor: Actor): Promise<TicketRuleViolation | undefined> => {
  const assigneeId = patch.assigneeId;
  if (typeof assigneeId !== 'string' || assigneeId === current) return undefined;
  if (actor.kind === 'staff' && actor.id === assigneeId) return undefined;
  return assigneeRefusal(assigneeId, await staffStore.standingOf(tx, assigneeId), unknownStaffDetail(assigneeId));
};
