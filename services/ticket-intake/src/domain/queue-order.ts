import { MAX_RESPONSE_MS, type ServiceLevel } from '@tss/contracts';

/** Where a queue entry's due time comes from: the response clock sla-timer runs, or the level's target until one is known. */
export type QueueDueSource = 'sla_clock' | 'level_target';

/**
 * A ticket's place in the agents' queue (P4): emergencies first (rank 0), then by the due time of
 * the response owed, then in the order received; the id breaks the last ties so the order is total.
 */
export interface QueuePosition {
  /** The `open` view only: a ticket owing no response comes after every one that owes (absent: it owes). */
  owesNothing?: true;
  rank: 0 | 1;
  dueAt: Date;
  receivedAt: Date;
  id: string;
}

/** P4: emergencies are expedited. */
export const queueRank = (level: ServiceLevel): 0 | 1 => (level === 'emergency' ? 0 : 1);

/** P5: until sla-timer's clock is known, the response is owed by the time received plus the level's maximum. */
export const levelTargetDueAt = (level: ServiceLevel, receivedAt: Date): Date => new Date(receivedAt.getTime() + MAX_RESPONSE_MS[level]);

/** The due time the queue orders by: the clock's when sla.* told us one, the level's target otherwise. */
export const queueDueAt = (ticket: { level: ServiceLevel; receivedAt: Date; responseDueAt: Date | null }): { dueAt: Date; source: QueueDueSource } =>
  ticket.responseDueAt
    ? { dueAt: ticket.responseDueAt, source: 'sla_clock' }
    : { dueAt: levelTargetDueAt(ticket.level, ticket.receivedAt), source: 'level_target' };

export const queuePositionOf = (ticket: { id: string; level: ServiceLevel; receivedAt: Date; responseDueAt: Date | null; responseOwed?: boolean }): QueuePosition => ({
  ...(ticket.responseOwed === false ? { owesNothing: true as const } : {}),
  rank: queueRank(ticket.level),
  dueAt: queueDueAt(ticket).dueAt,
  receivedAt: ticket.receivedAt,
  id: ticket.id,
});

/** The queue order as a comparator; the store's SQL orders by the same keys (tests hold them to each other). */
export const compareQueuePositions = (a: QueuePosition, b: QueuePosition): number =>
  Number(a.owesNothing ?? false) - Number(b.owesNothing ?? false) ||
  a.rank - b.rank ||
  a.dueAt.getTime() - b.dueAt.getTime() ||
  a.receivedAt.getTime() - b.receivedAt.getTime() ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Whose tickets a queue read shows: unassigned ones (the default), the caller's, or all. */
export const QueueAssigneeFilters = ['none', 'me', 'any'] as const;
export type QueueAssigneeFilter = (typeof QueueAssigneeFilters)[number];

/**
 * What a queue read lists (docs/adr/0027, addendum of 2026-12-04, fifth session): `owed` (the
 * default) the work owing a response (P4, P5); `open` every new or open ticket, those owing
 * nothing after the others, so a ticket at work that owes nothing (back from a wait with nothing
 * from the requester, answered but unassigned) is never out of every staff view.
 */
export const QueueViews = ['owed', 'open'] as const;
export type QueueView = (typeof QueueViews)[number];
