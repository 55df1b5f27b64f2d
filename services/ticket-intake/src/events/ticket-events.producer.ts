import type { EntityManager } from 'typeorm';
import { cutText, MAX_ATTACHMENTS_PER_REPLY_EVENT, MAX_REFUSED_ATTACHMENTS_PER_EVENT,
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
  TicketUnassignedV1, } from '@tss/contracts';
import { outboxDraft, type Outbox, type OutboxDraft } from '@tss/messaging';
import type { Ticket, TicketEffect } from '../domain/ticket';
import { levelWasRequested } from '../domain/ticket-request';
import { ticketStore, type LockedTicket } from '../store/ticket.store';

/**
 * A ticket's effects as outbox drafts, in order, numbered on from the ticket's sequence (DESIGN: a
 * per-ticket `sequence` assigned in intake's transaction). Returns them and the last number.
 */

/** A reply's words as its events carry them: at most 20,000 units, never half a character, and whether that cut it. */
const REPLY_BODY_MAX = 20_000;
const replyBody = (body: string | undefined): { body?: string; bodyCut?: true } => {
  if (body === undefined) return {};
  const carried = cutText(body, REPLY_BODY_MAX);
  return carried.length < body.length ? { body: carried, bodyCut: true } : { body: carried };
};

export const ticketEventDrafts = (ticket: Ticket, effects: readonly TicketEffect[], now: Date): { drafts: OutboxDraft[]; sequence: number } => {
  let sequence = ticket.sequence;
  const base = () => ({ partnerId: ticket.partnerId, sequence: (sequence += 1) });
  const drafts = effects.map((effect): OutboxDraft => {
    switch (effect.kind) {
      case 'created':
        return outboxDraft(TicketCreatedV1, ticket.id, {
          ...base(),
          reference: ticket.reference,
          channel: ticket.channel,
          ...(ticket.request.product ? { product: ticket.request.product } : {}),
          ...(ticket.request.productVersion ? { productVersion: ticket.request.productVersion } : {}),
          level: ticket.level,
          subject: ticket.request.subject ?? cutText(ticket.request.description, 120),
          requester: { ...ticket.request.requester },
          missingDetails: [...ticket.missingDetails],
          receivedAt: ticket.receivedAt.toISOString(),
          language: ticket.language,
          levelConfirmed: ticket.levelConfirmed,
          levelRequested: levelWasRequested(ticket.request, ticket.channel),
          ...(effect.linkedTicketId ? { linkedTicketId: effect.linkedTicketId } : {}),
          ...(effect.openingMessageId ? { openingMessageId: effect.openingMessageId } : {}),
          ...(effect.credentialsVaulted ? { credentialsVaulted: effect.credentialsVaulted } : {}),
        });
      case 'accepted':
        return outboxDraft(TicketAcceptedV1, ticket.id, { ...base(), acceptedAt: now.toISOString(), via: effect.via });
      case 'acknowledgment_failed':
        return outboxDraft(TicketAcknowledgmentFailedV1, ticket.id, { ...base(), reason: effect.reason.slice(0, 1_000), failedAt: effect.failedAt.toISOString() });
      case 'team_leader_requested':
        return outboxDraft(TicketTeamLeaderRequestedV1, ticket.id, {
          ...base(),
          requestedAt: now.toISOString(),
          ...(effect.messageId ? { messageId: effect.messageId } : {}),
          ...(effect.quote ? { quote: effect.quote } : {}),
        });
      case 'message_received':
        return outboxDraft(TicketMessageReceivedV1, ticket.id, {
          ...base(),
          messageId: effect.messageId,
          channel: effect.channel,
          receivedAt: now.toISOString(),
          attachmentIds: effect.attachmentIds,
          ...(effect.credentialsVaulted ? { credentialsVaulted: effect.credentialsVaulted } : {}),
        });
      case 'attachments_refused':
        return outboxDraft(TicketAttachmentsRefusedV1, ticket.id, {
          ...base(),
          messageId: effect.messageId,
          channel: effect.channel,
          fromRequester: effect.fromRequester,
          // The first ones: a mail bringing more (a flood) is told all the same (the thread note names them all).
          files: effect.files.slice(0, MAX_REFUSED_ATTACHMENTS_PER_EVENT).map((f) => ({
            fileName: f.fileName,
            reason: f.reason,
            ...(f.maxFiles !== undefined ? { maxFiles: f.maxFiles } : {}),
            ...(f.maxFileBytes !== undefined ? { maxFileBytes: f.maxFileBytes } : {}),
            ...(f.maxMessageBytes !== undefined ? { maxMessageBytes: f.maxMessageBytes } : {}),
          })),
          ...(effect.limits ? { attachmentLimits: effect.limits } : {}),
          refusedAt: now.toISOString(),
        });
      case 'agent_replied':
        return outboxDraft(TicketAgentRepliedV1, ticket.id, {
          ...base(),
          messageId: effect.messageId,
          authorId: effect.authorId,
          repliedAt: now.toISOString(),
          // As `ticket.responded` carries it: the masked reply the thread shows, which the requester is mailed.
          ...replyBody(effect.body),
          // P8: its files as the thread shows them, so the mail names them (none: no field, as from an older intake).
          ...(effect.attachments?.length
            ? { attachments: effect.attachments.slice(0, MAX_ATTACHMENTS_PER_REPLY_EVENT).map((a) => ({ id: a.id, fileName: a.fileName, size: a.size })) }
            : {}),
        });
      case 'responded':
        return outboxDraft(TicketRespondedV1, ticket.id, {
          ...base(),
          messageId: effect.messageId,
          respondedAt: now.toISOString(),
          authorId: effect.authorId,
          // The reply as the thread shows it, so the requester's mail carries it (notification, P8); cut
          // as `ticket.agent_replied` cuts it: a message may hold 50,000 units, and half an emoji is no jsonb.
          ...replyBody(effect.body),
        });
      case 'status_changed':
        return outboxDraft(TicketStatusChangedV1, ticket.id, {
          ...base(),
          from: effect.from,
          to: effect.to,
          changedAt: now.toISOString(),
          ...(effect.reason ? { reason: effect.reason } : {}),
          // Masked before the domain saw it (change-ticket.ts, P9): as the history keeps it.
          ...(effect.question ? { question: cutText(effect.question, 20_000) } : {}),
        });
      case 'level_changed':
        return outboxDraft(TicketLevelChangedV1, ticket.id, { ...base(), from: effect.from, to: effect.to, confirmed: effect.confirmed, changedAt: now.toISOString() });
      case 'assigned':
        return outboxDraft(TicketAssignedV1, ticket.id, { ...base(), assigneeId: effect.assigneeId, assignedAt: now.toISOString() });
      case 'unassigned':
        return outboxDraft(TicketUnassignedV1, ticket.id, { ...base(), previousAssigneeId: effect.previousAssigneeId, unassignedAt: now.toISOString() });
      case 'resolved':
        return outboxDraft(TicketResolvedV1, ticket.id, {
          ...base(),
          resolvedAt: now.toISOString(),
          reopenWindowEndsAt: effect.reopenWindowEndsAt.toISOString(),
          ...(effect.credentialsHeld !== undefined ? { credentialsHeld: effect.credentialsHeld } : {}),
        });
      case 'reopened':
        return outboxDraft(TicketReopenedV1, ticket.id, {
          ...base(),
          reopenedAt: now.toISOString(),
          ...(effect.reason ? { reason: effect.reason } : {}),
          ...(effect.credentialsVaulted ? { credentialsVaulted: effect.credentialsVaulted } : {}),
          ...(effect.ratingSurveyId ? { ratingSurveyId: effect.ratingSurveyId } : {}),
        });
      case 'closed':
        return outboxDraft(TicketClosedV1, ticket.id, {
          ...base(),
          closedAt: now.toISOString(),
          reason: effect.reason,
          ...(effect.thirdParty ? { thirdParty: effect.thirdParty } : {}),
          ...(effect.credentialsHeld !== undefined ? { credentialsHeld: effect.credentialsHeld } : {}),
        });
      case 'category_changed':
        return outboxDraft(TicketCategoryChangedV1, ticket.id, { ...base(), ...(effect.from ? { from: effect.from } : {}), to: effect.to, changedAt: now.toISOString() });
      case 'details_changed':
        // The product and version as they now are, as ticket.created carries them (reports filter by product).
        return outboxDraft(TicketDetailsChangedV1, ticket.id, {
          ...base(),
          changed: [...effect.fields],
          ...(ticket.request.product ? { product: ticket.request.product } : {}),
          ...(ticket.request.productVersion ? { productVersion: ticket.request.productVersion } : {}),
          missingDetails: [...effect.missingDetails],
          changedAt: now.toISOString(),
        });
      case 'credentials_destroyed':
        return outboxDraft(TicketCredentialsDestroyedV1, ticket.id, { ...base(), credentialId: effect.credentialId, destroyedAt: now.toISOString() });
      case 'credentials_stored_after_resolution':
        return outboxDraft(TicketCredentialsStoredAfterResolutionV1, ticket.id, { ...base(), credentialId: effect.credentialId, destroyAfter: effect.destroyAfter.toISOString() });
      case 'referral_rejected':
        return outboxDraft(TicketReferralRejectedV1, ticket.id, { ...base(), referralId: effect.referralId, reason: effect.reason });
      case 'referral_applied':
        return outboxDraft(TicketReferralAppliedV1, ticket.id, { ...base(), referralId: effect.referralId, target: effect.target, appliedAt: now.toISOString() });
    }
  });
  return { drafts, sequence };
};

/** Writes a ticket's effects to the outbox in order, in one statement; returns the last sequence number. */
export const publishTicketEffects = async (tx: EntityManager, outbox: Outbox, ticket: Ticket, effects: readonly TicketEffect[], now: Date): Promise<number> => {
  const { drafts, sequence } = ticketEventDrafts(ticket, effects, now);
  await outbox.addAll(tx, drafts);
  return sequence;
};

/**
 * Publishes the effects of a change to an existing ticket, numbering them on from the sequence read
 * under the ticket's row lock, and stores the last number in the same transaction. Taking a
 * `LockedTicket` (from `ticketStore.lockForChange`) is what keeps two concurrent changes from
 * taking the same numbers. Returns the ticket with its new sequence.
 */
export const publishTicketChange = async (
  tx: EntityManager,
  outbox: Outbox,
  ticket: LockedTicket,
  effects: readonly TicketEffect[],
  now: Date,
): Promise<LockedTicket> => {
  const sequence = await publishTicketEffects(tx, outbox, ticket, effects, now);
  await ticketStore.setSequence(tx, ticket.id, sequence, now);
  return { ...ticket, sequence };
};
