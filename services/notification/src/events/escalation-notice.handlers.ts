import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { EscalationRaisedV1, EscalationRenotifiedV1, type EscalationKind, type EscalationSummaryFacts } from '@tss/contracts';
import { on, type HandlerBinding } from '@tss/messaging';
import { escalationNoticeMail, noticeLinkPath, noticeRecipients, type EscalationNotice } from '../domain/escalation-notice';
import { acknowledgmentStore } from '../store/acknowledgment.store';
import { escalationNoticeStore } from '../store/escalation-notice.store';
import { staffDirectoryStore } from '../store/staff-directory.store';
import { queueMail, type QueueMailDeps } from '../use-cases/mail-queue';
import { acknowledgmentBatch } from '../use-cases/acknowledgment-batch';

export interface EscalationNoticeDeps extends QueueMailDeps {
  /** ESCALATION_NOTICE_FALLBACK_EMAIL: who is told when no targeted staff member can be mailed. */
  fallbackEmail?: string;
  /** TSS_PUBLIC_URL: the gateway, where staff open the ticket and the escalation. */
  publicUrl: string;
  logger: Logger;
}

interface Escalation {
  escalationId: string;
  partnerId: string;
  kind: EscalationKind;
  targetRole: string;
  targetStaffIds?: string[];
  level?: number;
  summary?: string;
  summaryFacts?: EscalationSummaryFacts;
  quote?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * P7: the staff an escalation calls in hear of it by mail, on `escalation.raised` (attempt 0) and on
 * each `escalation.renotified` (its attempt). Each (escalation, attempt) is mailed once, even when
 * the event is delivered or published again. docs/adr/0042.
 */
export const escalationNoticeHandlers = (deps: EscalationNoticeDeps): HandlerBinding[] => {
  const notify = async (tx: EntityManager, ticketId: string, e: Escalation, attempt: number, now: Date): Promise<void> => {
    const directory = await staffDirectoryStore.find(tx, e.targetStaffIds ?? []);
    const recipients = noticeRecipients(e.targetStaffIds, directory, deps.fallbackEmail);
    const addresses = recipients.recipients.map((r) => r.address);
    const claimed = await escalationNoticeStore.claim(tx, { escalationId: e.escalationId, attempt, ticketId, recipients: addresses, at: now });
    if (!claimed) return;
    const log = deps.logger.child({ escalationId: e.escalationId, attempt, ticketId });
    if (recipients.unreachable.length > 0) log.warn({ unreachable: recipients.unreachable, fallbackUsed: recipients.fallbackUsed }, 'escalation notice: targeted staff without a known address');
    if (addresses.length === 0) {
      log.warn({ targetRole: e.targetRole }, 'escalation notice mailed to nobody: no targeted staff address and no ESCALATION_NOTICE_FALLBACK_EMAIL');
      return;
    }
    const isTicket = UUID.test(ticketId);
    const ack = isTicket ? await acknowledgmentStore.findForTicket(tx, ticketId) : null;
    const notice: EscalationNotice = {
      escalationId: e.escalationId,
      kind: e.kind,
      ...(e.level ? { level: e.level } : {}),
      attempt,
      ...(ack ? { reference: ack.reference } : {}),
      ticketId,
      targetRole: e.targetRole,
      ...(e.summary ? { summary: e.summary } : {}),
      ...(e.summaryFacts ? { summaryFacts: e.summaryFacts } : {}),
      ...(e.quote ? { quote: e.quote } : {}),
      ticketUrl: `${deps.publicUrl}/v1/tickets/${encodeURIComponent(ticketId)}`,
      escalationUrl: `${deps.publicUrl}${noticeLinkPath(e.kind, ticketId, e.escalationId)}`,
    };
    // One mail per recipient, each in the language they chose (docs/adr/0042, addendum of 2026-12-05, fourth session).
    for (const { address, language } of recipients.recipients) {
      const rendered = escalationNoticeMail(notice, language);
      await queueMail(tx, deps, { ticketId: isTicket ? ticketId : null, partnerId: e.partnerId, kind: 'escalation_notice', recipient: address, language, rendered }, now);
    }
  };

  // A notice reads the ticket's acknowledgment (its reference): the batch's go first.
  return acknowledgmentBatch.first([
    on(EscalationRaisedV1, async (event, { tx, now }) => notify(tx, event.subject, event.data, 0, now)),
    on(EscalationRenotifiedV1, async (event, { tx, now }) => notify(tx, event.subject, event.data, event.data.attempt, now)),
  ]);
};
