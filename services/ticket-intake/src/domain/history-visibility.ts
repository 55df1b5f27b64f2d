import type { TicketEffect } from './ticket';

/**
 * Who reads the history entry of a ticket event (docs/adr/0026, sixth session: `internal` is for
 * staff only). A referral's entries are staff's (docs/adr/0039, seventh session): `referral_applied`
 * carries the reason written for the department (a quality review's, a development referral's), and
 * `referral_rejected` a refusal of staff's own request. What a development or design referral did to
 * the ticket (its level, its status, so its clock) stays on the public entries of those changes.
 */
export const historyVisibilityOf = (effect: TicketEffect): 'public' | 'internal' =>
  effect.kind === 'referral_applied' || effect.kind === 'referral_rejected' ? 'internal' : 'public';
