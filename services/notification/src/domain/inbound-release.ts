/** What an agent asks of a quarantined mail (docs/adr/0067): file it for a partner, or thread it onto a ticket. */
export type ReleaseTarget = { partnerId: string; ticketId?: undefined } | { ticketId: string; partnerId?: undefined };

/** An inbound mail as far as its release is concerned. */
export interface ReleasableMail {
  outcome: string;
  ticketId: string | null;
  partnerId: string | null;
  releasedBy?: string | null;
  releasedAt?: Date | null;
}

/**
 * Why the mail cannot be released now (a 409), or undefined when it can. Only a quarantined mail is
 * released, and once: a second release (a retry, or two agents at once) changes nothing and says
 * who released it and where it went, so the mail reaches intake once.
 */
export const releaseConflict = (mail: ReleasableMail): string | undefined => {
  if (mail.releasedBy) {
    const where = mail.outcome === 'threaded' ? `threaded onto ticket ${mail.ticketId}` : `filed for partner ${mail.partnerId}`;
    return `This mail was released already, by ${mail.releasedBy} at ${mail.releasedAt?.toISOString() ?? 'an unknown time'}: ${where}.`;
  }
  if (mail.outcome !== 'quarantined') return `This mail is not in the quarantine: its outcome is ${mail.outcome}.`;
  return undefined;
};

/** The request names one target, the partner to file for or the ticket to thread onto; else why not. */
export const releaseTargetOf = (body: { partnerId?: string; ticketId?: string }): ReleaseTarget | undefined => {
  if (body.partnerId !== undefined && body.ticketId === undefined) return { partnerId: body.partnerId };
  if (body.ticketId !== undefined && body.partnerId === undefined) return { ticketId: body.ticketId };
  return undefined;
};
