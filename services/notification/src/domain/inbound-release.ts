import { parseReference } from '@tss/contracts';

/**
 * What an agent asks of a quarantined mail (docs/adr/0067): file it for a partner, or thread it onto
 * a ticket, named by its id or by the reference number agents see (P3).
 */
export type ReleaseTarget = { partnerId: string; ticketId?: undefined; reference?: undefined } | { ticketId: string; partnerId?: undefined; reference?: undefined } | { reference: string; partnerId?: undefined; ticketId?: undefined };

/** Why a release request names no target it can be sent to: the message and the field at fault. */
export interface ReleaseTargetProblem {
  pointer: string;
  message: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** The request names one target, the partner to file for or the ticket (id or reference) to thread onto; else why not. */
export const releaseTargetOf = (body: { partnerId?: string; ticketId?: string }): { ok: true; value: ReleaseTarget } | { ok: false; error: ReleaseTargetProblem } => {
  if (body.partnerId !== undefined && body.ticketId === undefined) return { ok: true, value: { partnerId: body.partnerId } };
  if (body.ticketId !== undefined && body.partnerId === undefined) {
    if (UUID.test(body.ticketId)) return { ok: true, value: { ticketId: body.ticketId.toLowerCase() } };
    const reference = parseReference(body.ticketId);
    if (reference) return { ok: true, value: { reference } };
    return { ok: false, error: { pointer: '/ticketId', message: 'ticketId names no ticket: give its id (uuid) or its reference number (TSS-XXXXX-XXXXC).' } };
  }
  return { ok: false, error: { pointer: '/', message: 'Name exactly one of partnerId (to file the mail as a new ticket) and ticketId (to thread it onto one).' } };
};
