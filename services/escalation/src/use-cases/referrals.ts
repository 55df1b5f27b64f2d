import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { EscalationReferralRequestedV1, EscalationResolvedV1, parseReference, type ReferralTarget } from '@tss/contracts';
import type { Outbox } from '@tss/messaging';
import { err, ok, type Failure, type Result } from '@tss/service-kit';
import { recordOutcome, requestReferral, type Referral, type ReferralTicket } from '../domain/referral';
import { keptStaffText, withheldNotes } from '../domain/withheld-particulars';
import { referralStore } from '../store/referral.store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Not in escalation's projection: maybe only not yet (docs/adr/0068).
const NO_TICKET: Failure = { kind: 'unknown_ticket', detail: 'No such ticket.' };

/**
 * A ticket named by id or reference, as intake's routes take them (P3): a reference with a wrong
 * check character is a 400, an unknown ticket a 404. Escalation knows a ticket from its
 * `ticket.created` (docs/adr/0039); the routes are for staff, who see every partner's tickets.
 */
export const findReferralTicket = async (tx: EntityManager, idOrReference: string): Promise<Result<ReferralTicket, Failure>> => {
  if (UUID.test(idOrReference)) {
    const ticket = await referralStore.ticketById(tx, idOrReference.toLowerCase());
    return ticket ? ok(ticket) : err(NO_TICKET);
  }
  const reference = parseReference(idOrReference);
  if (!reference) {
    return err({
      kind: 'invalid_reference',
      detail: `"${idOrReference.slice(0, 40)}" is neither a ticket id nor a valid reference number (TSS-XXXXX-XXXXC; its last character is a check character).`,
    });
  }
  const ticket = await referralStore.ticketByReference(tx, reference);
  return ticket ? ok(ticket) : err(NO_TICKET);
};

export interface ReferralDeps {
  outbox: Outbox;
}

/** A referral as a write left it, and notes for its author (P9: particulars withheld from what they wrote). */
export interface ReferralWritten {
  referral: Referral;
  notes: string[];
}

/**
 * P5/P6/P7: a staff member refers a ticket. The referral is stored `requested` and its
 * `escalation.referral_requested` written in the same transaction; intake applies or rejects it.
 * P9: the reason is kept (and so published, copied into intake's history and the department's
 * notice) without access particulars.
 */
export const requestReferralIn = async (
  tx: EntityManager,
  deps: ReferralDeps,
  input: { ticketIdOrReference: string; target: ReferralTarget; reason: string; staffId: string },
  now: Date,
): Promise<Result<ReferralWritten, Failure>> => {
  const found = await findReferralTicket(tx, input.ticketIdOrReference);
  if (!found.ok) return found;
  const reason = keptStaffText(input.reason);
  const referral = requestReferral({ id: randomUUID(), ticket: found.value, target: input.target, reason: reason.text, requestedBy: input.staffId }, now);
  await referralStore.insert(tx, referral);
  await deps.outbox.add(tx, EscalationReferralRequestedV1, referral.ticketId, {
    partnerId: referral.partnerId,
    referralId: referral.id,
    requestedBy: referral.requestedBy,
    reason: referral.reason,
    requestedAt: now.toISOString(),
    target: referral.target,
  });
  return ok({ referral, notes: withheldNotes([{ what: 'The reason', kept: reason }], referral.ticketId) });
};

/** A ticket's referral, or a 404 (an unknown ticket or referral, or one of another ticket). */
export const findReferral = async (tx: EntityManager, ticketIdOrReference: string, referralId: string, lock = false): Promise<Result<Referral, Failure>> => {
  const found = await findReferralTicket(tx, ticketIdOrReference);
  if (!found.ok) return found;
  const referral = await referralStore.find(tx, found.value.ticketId, referralId, lock);
  return referral ? ok(referral) : err({ kind: 'not_found', detail: 'No such referral of this ticket.' });
};

export const listReferrals = async (tx: EntityManager, ticketIdOrReference: string): Promise<Result<{ ticket: ReferralTicket; referrals: Referral[] }, Failure>> => {
  const found = await findReferralTicket(tx, ticketIdOrReference);
  if (!found.ok) return found;
  return ok({ ticket: found.value, referrals: await referralStore.listForTicket(tx, found.value.ticketId) });
};

/**
 * P7: the quality department's outcome, recorded once on its applied referral; the escalation that
 * called it in (raised when intake applied the referral, with the referral's id) is resolved with it.
 * P9: the outcome is kept and published without access particulars.
 */
export const recordReferralOutcomeIn = async (
  tx: EntityManager,
  deps: ReferralDeps,
  input: { ticketIdOrReference: string; referralId: string; text: string; staffId: string },
  now: Date,
): Promise<Result<ReferralWritten, Failure>> => {
  const found = await findReferral(tx, input.ticketIdOrReference, input.referralId, true);
  if (!found.ok) return found;
  const outcome = keptStaffText(input.text);
  const next = recordOutcome(found.value, { text: outcome.text, recordedBy: input.staffId, recordedAt: now });
  if ('kind' in next) return err({ kind: 'conflict', detail: next.detail });
  await referralStore.update(tx, next);
  await deps.outbox.add(tx, EscalationResolvedV1, next.ticketId, {
    partnerId: next.partnerId,
    escalationId: next.id,
    // The call-in's ticket event, as on its escalation.raised (docs/adr/0066, third session).
    ...(next.ticketSequence === undefined ? {} : { ticketSequence: next.ticketSequence }),
    resolvedAt: now.toISOString(),
    resolvedBy: input.staffId,
    outcome: outcome.text,
  });
  return ok({ referral: next, notes: withheldNotes([{ what: 'The outcome', kept: outcome }], next.ticketId) });
};
