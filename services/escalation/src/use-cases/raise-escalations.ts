import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { cutText, EscalationRaisedV1 } from '@tss/contracts';
import type { BatchWrites, Outbox } from '@tss/messaging';
import type { TimerStore } from '@tss/timers';
import { evaluateRules, type RuleCause } from '../domain/escalation-rules';
import { isTicketFinished, lastNotifiedAfter, stopsWithTicket, type Escalation } from '../domain/escalation';
import { raisedEventData } from '../domain/escalation-events';
import { escalationStore } from '../store/escalation.store';
import { ticketProjection, writeCreatedTicketsNow } from '../store/projection.store';
import { settingsStore } from '../store/settings.store';
import { scheduleRenotice } from './renotice-timer';
import { targetsAt } from './on-duty';

export interface RaiseDeps {
  outbox: Outbox;
  timers: TimerStore;
  logger: Logger;
  renotifyAfterMs: number;
}

/**
 * Raises what the rules in force say for one event, in the event's transaction: the record, its
 * `escalation.raised` and its re-notice timer commit with the inbox row. A cause already raised by
 * the same rule raises nothing (the unique key), whatever the event id. `writes`: the transaction's
 * deferred writes, the batch's new ticket rows among them, written before the ticket is read.
 */
export const raiseFor = async (tx: EntityManager, deps: RaiseDeps, cause: RuleCause, now: Date, writes: BatchWrites): Promise<Escalation[]> => {
  // The rules once per transaction (a consumer batch), and the ticket only when a rule needs it:
  // most events raise nothing, and then cost no read (issue #11, docs/adr/0047).
  const rules = await settingsStore.rulesOfTransaction(tx);
  const readTicket = async () => {
    await writeCreatedTicketsNow(writes);
    return ticketProjection.find(tx, cause.ticketId);
  };
  let ticket = cause.level === undefined ? await readTicket() : undefined;
  const matches = evaluateRules(rules.value, { ...cause, level: cause.level ?? ticket?.level });
  if (matches.length === 0) return [];
  if (cause.level !== undefined) ticket = await readTicket();
  const raised: Escalation[] = [];
  for (const match of matches) {
    if (stopsWithTicket(match.kind) && isTicketFinished(ticket?.status)) continue;
    const targetStaffIds = await targetsAt(tx, now, match.targetRole);
    const escalation: Escalation = {
      id: randomUUID(),
      ticketId: cause.ticketId,
      partnerId: cause.partnerId,
      kind: match.kind,
      level: match.level ?? null,
      rule: match.rule,
      causeKey: match.causeKey,
      causeEventId: cause.eventId,
      // The event that raised it: a raise to emergency is recorded as the re-target it was.
      causeType: cause.via ?? cause.type,
      targetRole: match.targetRole,
      targetStaffIds,
      surveyId: match.surveyId ?? null,
      quote: match.quote ?? null,
      // The reference is what staff say aloud and search by (P3); notices quote the summary.
      summary: cutText(ticket?.reference ? `${ticket.reference}: ${match.summary}` : match.summary, 500),
      status: 'open',
      raisedAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
      outcome: null,
      renotices: 0,
      lastNotifiedAt: lastNotifiedAfter(null, targetStaffIds, now),
      clockStoppedAt: null,
      // What its events follow (docs/adr/0066, third session): kept for its re-notices and resolution.
      ticketSequence: cause.ticketSequence ?? null,
    };
    if (!(await escalationStore.insertOnce(tx, escalation))) {
      deps.logger.info({ rule: match.rule, causeKey: match.causeKey, eventId: cause.eventId }, 'escalation already raised for this cause');
      continue;
    }
    if (targetStaffIds.length === 0)
      deps.logger.warn({ escalationId: escalation.id, targetRole: match.targetRole, ticketId: cause.ticketId }, 'escalation raised with no one on duty in its role; re-notices will look again');
    await deps.outbox.add(tx, EscalationRaisedV1, cause.ticketId, raisedEventData(escalation, match.summaryFacts));
    await scheduleRenotice(tx, deps.timers, escalation.id, new Date(now.getTime() + deps.renotifyAfterMs));
    raised.push(escalation);
  }
  return raised;
};
