import type { EntityManager } from 'typeorm';
import { prepared } from '@tss/persistence';
import type { ResponseClock } from '../domain/response-clock';
import type { TicketSla } from '../domain/ticket-clocks';
import { SLA_SCHEMA, warningsJson } from './response-clock.store';

const S = `"${SLA_SCHEMA}"`;

/** The first parameter number free for the caller's timers statement. */
export const OPENING_TIMERS_FIRST_PARAM = 30;

/** The `WITH` name the timers statement may condition on: the clock row, when it was written. */
export const OPENED_CLOCK = 'opened_clock';

/**
 * `ticket.created` in one round trip (issue #15, docs/adr/0046): the ticket's projection (with its
 * reference number, P3), its first clock (started by the ticket's event `lastSequence`, which its
 * events follow: docs/adr/0066, addendum of 2026-12-05) and that clock's first timer (`timers`: `TimerStore.scheduleAllStatement` numbered
 * from `OPENING_TIMERS_FIRST_PARAM`, `onlyIf` on `OPENED_CLOCK`). A ticket known already (the
 * creation under another event id) writes nothing and answers false. `warnings_skipped` takes its
 * default, `[]`: a clock just started has passed no warning over.
 */
export const insertOpenedTicket = async (
  tx: EntityManager,
  ticket: TicketSla,
  reference: string,
  clock: ResponseClock,
  now: Date,
  timers: { sql: string; params: unknown[] },
): Promise<boolean> => {
  const rows = (await tx.query(
    prepared(`WITH opened_ticket AS (
       INSERT INTO ${S}.tickets (ticket_id, partner_id, requester_id, product, level, status, received_at, resolved_at, last_sequence, reference)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $28::text) ON CONFLICT (ticket_id) DO NOTHING RETURNING ticket_id),
     ${OPENED_CLOCK} AS (
       INSERT INTO ${S}.response_clocks (id, ticket_id, partner_id, requester_id, product, level, owed_by, started_by, status, started_at, target_ms, due_at,
                                          warnings, overdue_at, policy_scope, policy_version, warnings_published, created_at, counts_business_time, ticket_sequence)
       SELECT $10::uuid, $11::uuid, $12::uuid, $13::text, $14::text, $15::text, $16::text, $17::text, $18::text, $19::timestamptz, $20::bigint, $21::timestamptz,
              $22::jsonb, $23::timestamptz, $24::text, $25::integer, $26::jsonb, $27::timestamptz, $29::boolean, $9::integer
         FROM opened_ticket
       RETURNING id),
     first_timers AS (${timers.sql})
     SELECT ticket_id FROM opened_ticket`),
    [
      ticket.ticketId, ticket.partnerId, ticket.requesterId, ticket.product, ticket.level, ticket.status, ticket.receivedAt, ticket.resolvedAt, ticket.lastSequence,
      clock.id, ticket.ticketId, ticket.partnerId, ticket.requesterId, ticket.product, clock.level, clock.owedBy, clock.startedBy, clock.status,
      clock.startedAt, clock.targetMs, clock.dueAt, warningsJson(clock), clock.overdueAt, clock.policy.scope, clock.policy.version,
      JSON.stringify(clock.warningsPublished), now, reference, clock.countsBusinessTime,
      ...timers.params,
    ],
  )) as unknown[];
  return rows.length === 1;
};
