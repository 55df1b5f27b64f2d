/**
 * P9: particulars the vault took from a text on a resolved ticket are destroyed with its
 * resolution's. `notes` are told instead of the usual ones if the ticket is still resolved once the
 * text is taken (a requester's own message reopens it, and clears the deadline): they name the deadline.
 */
export interface DueWithResolution {
  notes: string[];
  credentialIds: string[];
  destroyAfter: Date;
}

/** Two texts' particulars due with one resolution: one account of both. */
export const bothDue = (a: DueWithResolution | undefined, b: DueWithResolution | undefined): DueWithResolution | undefined =>
  a && b ? { notes: [...a.notes, ...b.notes], credentialIds: [...a.credentialIds, ...b.credentialIds], destroyAfter: a.destroyAfter } : (a ?? b);
