import {
  TicketAcceptedV1,
  TicketAcknowledgmentFailedV1,
  TicketAgentRepliedV1,
  TicketAssignedV1,
  TicketAttachmentsRefusedV1,
  TicketCategoryChangedV1,
  TicketClosedV1,
  TicketCreatedV1,
  TicketCredentialsDestroyedV1,
  TicketCredentialsStoredAfterResolutionV1,
  TicketDetailsChangedV1,
  TicketLevelChangedV1,
  TicketMessageReceivedV1,
  TicketReferralAppliedV1,
  TicketReferralRejectedV1,
  TicketReopenedV1,
  TicketResolvedV1,
  TicketRespondedV1,
  TicketStatusChangedV1,
  TicketTeamLeaderRequestedV1,
  TicketUnassignedV1,
  type EventContract,
  type EventData,
} from '@tss/contracts';
import { batchOutbox, on, onNewerTypes, type BatchWrites, type HandlerBinding, type NewerTypeBinding } from '@tss/messaging';
import type { TicketFact } from '../domain/ticket-clocks';
import { slaTicketStore } from '../store/sla-ticket.store';
import { applyTicketCreated, applyTicketEvent, type ClockDeps } from '../use-cases/apply-ticket-event';

/** The service's timers; the events go to the consumer's outbox, at the batch's end. */
export type TicketEventDeps = Pick<ClockDeps, 'timers'>;

/**
 * What a handler of the batch applies its event with: the batch's events written to the outbox in
 * one statement at its end (`batchOutbox`; every outbox write of this consumer goes through it, so
 * their order is kept), not a round trip per event (issue #15).
 */
const inBatch = (deps: TicketEventDeps, batch: BatchWrites): ClockDeps => ({ timers: deps.timers, outbox: batchOutbox(batch), batch });

type Sequenced = { partnerId: string; sequence: number };

/** A ticket event as a fact for the clocks; `other` still advances the ticket's sequence. */
const sequenced = <C extends EventContract>(contract: C, factOf: (data: EventData<C>) => TicketFact, deps: TicketEventDeps): HandlerBinding =>
  on(contract, async (event, { tx, now, logger, passOver, batch }) => {
    const data = event.data as EventData<C> & Sequenced;
    await applyTicketEvent(tx, inBatch(deps, batch), { ticketId: event.subject, partnerId: data.partnerId, sequence: data.sequence, fact: factOf(event.data) }, now, logger, passOver);
  });

const other = (): TicketFact => ({ kind: 'other' });

/**
 * sla-timer consumes every `ticket.*` event: those that change what is owed move clocks (P5, P10,
 * P11), the rest only advance the ticket's sequence, so order can be checked on each.
 */
export const ticketEventHandlers = (deps: TicketEventDeps): HandlerBinding[] => [
  on(TicketCreatedV1, async (event, { tx, now, logger, batch }) => {
    await applyTicketCreated(
      tx,
      inBatch(deps, batch),
      {
        ticketId: event.subject,
        partnerId: event.data.partnerId,
        reference: event.data.reference,
        requesterId: event.data.requester.id ?? null,
        product: event.data.product ?? null,
        level: event.data.level,
        receivedAt: new Date(event.data.receivedAt),
        sequence: event.data.sequence,
      },
      now,
      logger,
    );
  }),
  sequenced(TicketMessageReceivedV1, (d) => ({ kind: 'message_received', at: new Date(d.receivedAt) }), deps),
  sequenced(TicketRespondedV1, (d) => ({ kind: 'responded', at: new Date(d.respondedAt) }), deps),
  // Every public agent message: the response owed (P5) is `ticket.responded`, published beside it when one was owed.
  sequenced(TicketAgentRepliedV1, other, deps),
  sequenced(TicketStatusChangedV1, (d) => ({ kind: 'status_changed', to: d.to, ...(d.reason ? { reason: d.reason } : {}), at: new Date(d.changedAt) }), deps),
  sequenced(TicketLevelChangedV1, (d) => ({ kind: 'level_changed', to: d.to, at: new Date(d.changedAt) }), deps),
  sequenced(TicketResolvedV1, (d) => ({ kind: 'resolved', at: new Date(d.resolvedAt) }), deps),
  sequenced(TicketReopenedV1, (d) => ({ kind: 'reopened', at: new Date(d.reopenedAt) }), deps),
  sequenced(TicketClosedV1, (d) => ({ kind: 'closed', reason: d.reason, at: new Date(d.closedAt) }), deps),
  sequenced(TicketAcceptedV1, other, deps),
  sequenced(TicketAcknowledgmentFailedV1, other, deps),
  sequenced(TicketCategoryChangedV1, other, deps),
  on(TicketDetailsChangedV1, async (event, { tx, now, logger, passOver, batch }) => {
    const d = event.data;
    const outcome = await applyTicketEvent(tx, inBatch(deps, batch), { ticketId: event.subject, partnerId: d.partnerId, sequence: d.sequence, fact: other() }, now, logger, passOver);
    // The product as staff completed it (P2): the SLA report counts the ticket's clocks under it.
    if (outcome === 'applied') await slaTicketStore.setProduct(tx, event.subject, d.product ?? null);
  }),
  sequenced(TicketAssignedV1, other, deps),
  sequenced(TicketUnassignedV1, other, deps),
  sequenced(TicketTeamLeaderRequestedV1, other, deps),
  sequenced(TicketCredentialsDestroyedV1, other, deps),
  sequenced(TicketCredentialsStoredAfterResolutionV1, other, deps),
  sequenced(TicketAttachmentsRefusedV1, other, deps),
  sequenced(TicketReferralRejectedV1, other, deps),
  sequenced(TicketReferralAppliedV1, other, deps),
];

/**
 * A `ticket.*` event of a type this release does not know (a newer intake's, during a rolling
 * upgrade) still takes its place in the ticket's sequence, as `other`: without it every later
 * event of the ticket would wait for it and be dead-lettered (docs/adr/0072). One without a
 * partner and a sequence is not a ticket event this check can place: skipped, with a warning.
 */
export const newerTicketEventTypes = (deps: TicketEventDeps): NewerTypeBinding =>
  onNewerTypes('ticket.', async (event, { tx, now, logger, passOver, batch }) => {
    const data = event.data as { partnerId?: unknown; sequence?: unknown } | null;
    if (typeof data?.partnerId !== 'string' || typeof data.sequence !== 'number' || !Number.isInteger(data.sequence)) {
      logger.warn('a ticket event of a newer release without partnerId and sequence: skipped');
      return;
    }
    await applyTicketEvent(tx, inBatch(deps, batch), { ticketId: event.subject, partnerId: data.partnerId, sequence: data.sequence, fact: other() }, now, logger, passOver);
  });
