import type { Ticket } from './ticket';

/**
 * P11: the follow-up of a ticket that still stands for its problem, the newest if several do.
 * "Not solved" on a closed ticket (a reopen request, a rating) files a follow-up only when it has
 * none such: a repeat, or requests at once, would otherwise each file one, each acknowledged with
 * a clock of its own. A resolved or closed follow-up no longer stands for it: the problem came
 * back after support's answer, and a new "not solved" files a new follow-up (docs/adr/0029,
 * addendum of 2026-12-04, third session).
 */
export const openFollowUp = <T extends Pick<Ticket, 'status'>>(followUps: readonly T[]): T | undefined =>
  followUps.findLast((t) => t.status !== 'resolved' && t.status !== 'closed');
