import { cutText, EscalationRaisedV1, escalationSummaryText, TicketCreatedV1, TicketReferralAppliedV1, TicketReferralRejectedV1, type EscalationSummaryFacts, type ReferralTarget } from '@tss/contracts';
import { on, type BatchFlush, type HandlerBinding, type Outbox } from '@tss/messaging';
import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { answerReferral, departmentCalledIn, type ReferralTicket } from '../domain/referral';
import { staffProjection } from '../store/projection.store';
import { referralStore } from '../store/referral.store';

/**
 * A batch's tickets a referral may name, in one statement at its end: only the referral routes
 * read them, never a handler of this consumer (docs/adr/0049).
 */
const rememberTickets: BatchFlush<ReferralTicket> = (tickets, { tx }) => referralStore.rememberTickets(tx, tickets);

/** Longest `summary` of `escalation.raised` (its contract's limit). */
const SUMMARY_MAX_LENGTH = 500;
/** Longest reason `summaryFacts` carries: the referral's own limit (referral.schemas.ts). */
const REASON_MAX_LENGTH = 4000;

/**
 * What the department's notice says of the referral: the facts, which notification words in each
 * reader's language, the reason as staff wrote it (masked, P9); and the English summary of them.
 */
const summaryOf = (target: ReferralTarget, reason: string): { summary: string; summaryFacts: EscalationSummaryFacts } => {
  const summaryFacts = { on: TicketReferralAppliedV1.type, referredTo: target, reason: cutText(reason, REASON_MAX_LENGTH) };
  return { summary: cutText(escalationSummaryText(summaryFacts, 'en') ?? `Referred to ${target}: ${reason}`, SUMMARY_MAX_LENGTH), summaryFacts };
};

/**
 * What the referrals part consumes, each in the transaction that records the event in the inbox
 * (a redelivery changes nothing): the tickets it may name (`ticket.created`), and intake's answers.
 */
export const referralHandlers = (deps: { logger: Logger }): HandlerBinding[] => {
  const answer = async (tx: EntityManager, ticketId: string, referralId: string, result: Parameters<typeof answerReferral>[1], at: Date) => {
    const referral = await referralStore.find(tx, ticketId, referralId, true);
    if (!referral) {
      deps.logger.warn({ ticketId, referralId }, 'an answer to a referral escalation does not know');
      return undefined;
    }
    const next = answerReferral(referral, result, at);
    if (next) await referralStore.update(tx, next);
    return next;
  };

  /**
   * P5, P7: the department the applied referral calls in is told, through notification: its active
   * staff (escalation's staff projection, from `staff.*`) are the targets notification mails. Once:
   * a referral is no page to re-notify (docs/adr/0039, addendum of 2026-12-04, seventh session).
   */
  const callIn = async (tx: EntityManager, outbox: Outbox, referral: NonNullable<Awaited<ReturnType<typeof answer>>>, cause: { id: string; at: Date }) => {
    const role = departmentCalledIn(referral.target);
    if (!role) return;
    const targetStaffIds = await staffProjection.activeWithRole(tx, role);
    if (targetStaffIds.length === 0) deps.logger.warn({ referralId: referral.id, ticketId: referral.ticketId, targetRole: role }, 'referral applied with no active staff in the department it calls in');
    await outbox.add(tx, EscalationRaisedV1, referral.ticketId, {
      partnerId: referral.partnerId,
      escalationId: referral.id,
      ...(referral.ticketSequence === undefined ? {} : { ticketSequence: referral.ticketSequence }),
      kind: referral.target,
      targetRole: role,
      targetStaffIds,
      raisedAt: cause.at.toISOString(),
      causeEventId: cause.id,
      causeType: TicketReferralAppliedV1.type,
      ...summaryOf(referral.target, referral.reason),
    });
  };

  return [
    on(TicketCreatedV1, async (event, { batch }) => {
      batch.defer(rememberTickets, { ticketId: event.subject, partnerId: event.data.partnerId, reference: event.data.reference });
    }),
    on(TicketReferralAppliedV1, async (event, { tx, outbox, now }) => {
      const applied = await answer(tx, event.subject, event.data.referralId, { kind: 'applied', ticketSequence: event.data.sequence }, new Date(event.data.appliedAt));
      if (applied) await callIn(tx, outbox, applied, { id: event.id, at: now });
    }),
    on(TicketReferralRejectedV1, async (event, { tx, now }) => {
      await answer(tx, event.subject, event.data.referralId, { kind: 'rejected', reason: event.data.reason }, now);
    }),
  ];
};
