import type { EntityManager } from 'typeorm';
import { unknownStaffDetail } from '@tss/service-kit';
import type { StaffStanding } from '@tss/persistence';
import type { Actor } from '../domain/actor';
import { assigneeRefusal } from '../domain/assignee';
import type { TicketPatch, TicketRuleViolation } from '../domain/ticket';
import { staffStore } from '../store/staff.store';

/**
 * The standing of the assignee a PATCH names, read FOR SHARE before the ticket is locked: a change
 * of standing (the staff member disabled) kept meanwhile waits for this transaction and then finds
 * the ticket assigned, and takes the rows in the same order (staff, then tickets), so neither waits
 * on the other crosswise.
 */
export const readNamedAssignee = async (tx: EntityManager, patch: TicketPatch): Promise<StaffStanding | undefined> =>
  typeof patch.assigneeId === 'string' ? staffStore.standingOf(tx, patch.assigneeId) : undefined;

/**
 * P4: a PATCH naming a new assignee names a known, active staff member whose role works tickets,
 * else the ticket would be in nobody's queue. Staff assigning themselves, unknown here, are proven
 * by their token (a PATCH needs `tickets:write`, which only the roles that work tickets hold), as a
 * claim is: it is fresher than the projection, and it is how staff signed in through single
 * sign-on, whom the gateway never announces, take tickets. One the gateway said is disabled is not.
 */
export const checkNewAssignee = (current: string | undefined, patch: TicketPatch, actor: Actor, standing: StaffStanding | undefined): TicketRuleViolation | undefined => {
  const assigneeId = patch.assigneeId;
  if (typeof assigneeId !== 'string' || assigneeId === current) return undefined;
  if (actor.kind === 'staff' && actor.id === assigneeId && standing === undefined) return undefined;
  return assigneeRefusal(assigneeId, standing, unknownStaffDetail(assigneeId));
};
