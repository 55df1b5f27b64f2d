import { cutText } from '@tss/contracts';
import type { Ticket } from '../domain/ticket';
import type { TicketSummaryView, TicketView } from './ticket.schemas';

/** The requester the ticket names, when it names one (P2): the partner, staff and that requester see it. */
const requesterOf = (t: Ticket): Pick<TicketSummaryView, 'requester'> => {
  const { id, name, email } = t.request.requester ?? {};
  return id || name || email ? { requester: { ...(id ? { id } : {}), ...(name ? { name } : {}), ...(email ? { email } : {}) } } : {};
};

/** A ticket as lists show it: its state and the short details of its request (docs/api.md "Reading tickets"). */
export const toTicketSummaryView = (t: Ticket): TicketSummaryView => ({
  id: t.id,
  reference: t.reference,
  partnerId: t.partnerId,
  ...requesterOf(t),
  status: t.status,
  level: t.level,
  levelConfirmed: t.levelConfirmed,
  channel: t.channel,
  language: t.language,
  ...(t.request.product ? { product: t.request.product } : {}),
  ...(t.request.productVersion ? { productVersion: t.request.productVersion } : {}),
  subject: t.request.subject ?? cutText(t.request.description, 120),
  ...(t.request.browser ? { browser: t.request.browser } : {}),
  ...(t.request.operatingSystem ? { operatingSystem: t.request.operatingSystem } : {}),
  ...(t.request.operatingSystemVersion ? { operatingSystemVersion: t.request.operatingSystemVersion } : {}),
  ...(t.category ? { category: t.category } : {}),
  ...(t.assigneeId ? { assigneeId: t.assigneeId } : {}),
  ...(t.waitReason ? { waitReason: t.waitReason } : {}),
  ...(t.supportDelay ? { supportDelay: t.supportDelay } : {}),
  ...(t.closure ? { closure: t.closure } : {}),
  ...(t.linkedTicketId ? { linkedTicketId: t.linkedTicketId } : {}),
  responseOwed: t.responseOwed,
  missingDetails: t.missingDetails,
  teamLeaderRequested: t.teamLeaderRequested,
  receivedAt: t.receivedAt.toISOString(),
  ...(t.acceptedAt ? { acceptedAt: t.acceptedAt.toISOString() } : {}),
  ...(t.resolvedAt ? { resolvedAt: t.resolvedAt.toISOString() } : {}),
  ...(t.reopenWindowEndsAt ? { reopenWindowEndsAt: t.reopenWindowEndsAt.toISOString() } : {}),
  ...(t.closedAt ? { closedAt: t.closedAt.toISOString() } : {}),
  version: t.sequence,
});

/** P10, P12: while the ticket waits on the requester, why, and what support asked them (the agent's masked note). */
const awaitingOf = (t: Ticket): Pick<TicketView, 'awaiting'> =>
  t.status === 'awaiting_customer' && t.waitReason ? { awaiting: { reason: t.waitReason, ...(t.waitQuestion ? { question: t.waitQuestion } : {}) } } : {};

/**
 * A ticket on its own (its GET, and every answer that is the ticket): the summary and the whole
 * request it was filed with, as stored: access particulars were masked at filing (P9).
 */
export const toTicketView = (t: Ticket): TicketView => ({
  ...toTicketSummaryView(t),
  ...awaitingOf(t),
  description: t.request.description,
  ...(t.request.stepsToReproduce ? { stepsToReproduce: t.request.stepsToReproduce } : {}),
  ...(t.request.connectivity ? { connectivity: t.request.connectivity } : {}),
  ...(t.request.antivirus ? { antivirus: t.request.antivirus } : {}),
});
