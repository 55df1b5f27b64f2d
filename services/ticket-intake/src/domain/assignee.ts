import { TICKET_WORKING_ROLES } from '@tss/contracts';
import type { Ticket, TicketEffect, TicketRuleViolation } from './ticket';

/** A staff member as the gateway last announced them (`staff.*`), as far as assignment cares. */
export interface StaffStanding {
  roles: readonly string[];
  active: boolean;
}

const worksTickets = (roles: readonly string[]): boolean => roles.some((r) => (TICKET_WORKING_ROLES as readonly string[]).includes(r));

/** Whether tickets may be assigned to, and stay with, a staff member: active, in a role that works tickets (docs/auth.md). */
export const mayWorkTickets = (staff: StaffStanding | undefined): boolean => staff !== undefined && staff.active && worksTickets(staff.roles);

/** Why a staff member's tickets go back to the queue (P4), as the history records it; undefined while they may work them. */
export const whyTicketsLeave = (staff: StaffStanding): string | undefined => {
  if (!staff.active) return 'The assignee was disabled: the ticket is back in the queue.';
  if (!worksTickets(staff.roles)) return 'The assignee no longer has a role that works tickets (agent, team_lead, developer): the ticket is back in the queue.';
  return undefined;
};

/**
 * P4: a ticket assigned to someone who cannot work it is in nobody's queue. An assignee is a known,
 * active staff member whose role works tickets. `unknownDetail` is the answer for an id intake has
 * no announcement of (it may be one created a moment ago).
 */
export const assigneeRefusal = (assigneeId: string, staff: StaffStanding | undefined, unknownDetail: string): TicketRuleViolation | undefined => {
  if (staff === undefined) return { kind: 'unprocessable', field: 'assigneeId', detail: unknownDetail };
  if (!staff.active) return { kind: 'unprocessable', field: 'assigneeId', detail: `Staff member ${assigneeId} is disabled: assign the ticket to an active one.` };
  if (!worksTickets(staff.roles)) {
    return {
      kind: 'unprocessable',
      field: 'assigneeId',
      detail: `Staff member ${assigneeId} has no role that works tickets (${TICKET_WORKING_ROLES.join(', ')}): assign it to one who has.`,
    };
  }
  return undefined;
};

/**
 * P4: the ticket of a staff member who can no longer work it goes back to the unassigned queue
 * (`ticket.unassigned`); its status and clocks stay as they are. Undefined when nobody has it.
 */
export const returnToQueue = (ticket: Ticket): { ticket: Ticket; effects: TicketEffect[] } | undefined =>
  ticket.assigneeId === undefined ? undefined : { ticket: { ...ticket, assigneeId: undefined }, effects: [{ kind: 'unassigned', previousAssigneeId: ticket.assigneeId }] };
