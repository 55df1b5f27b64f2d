import { randomUUID } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import {
  cutText,
  dataSchemaUri,
  EscalationRaisedV1,
  EscalationReferralRequestedV1,
  EscalationResolvedV1,
  findContract,
  TicketStatusChangedV1,
  type EventContract,
  type EventData,
} from '@tss/contracts';
import { kafkaBindingSql } from '@tss/messaging';
import { EVENT_LOG_SCHEMA } from '@tss/messaging/testing';
import { withoutAccessParticulars } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { ALL_SERVICES } from '../src/single-process-platform';
import { tablesHolding } from './support/tables-holding';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

/** The release before the fourth session's masking of referral texts (escalation 1765604950000, intake 1765604910000). */
const BEFORE = 1765604910000;
const MARKS = { reason: 'SECRETMARK-70-OldReason#', outcome: 'SECRETMARK-71-OldOutcome#', statusReason: 'SECRETMARK-72-OldStatusReason#' };
const REMOVED = '[access particulars removed]';
const AT = '2026-12-05T09:00:00.000Z';

const REASON = `Needs a review; admin password: ${MARKS.reason}`;
const OUTCOME = `Checked with login: qa password: ${MARKS.outcome}`;
// A development referral's reason, which releases before 1765603050000 copied onto the status change.
const STATUS_REASON = `Crash needs a code fix; VPN password: ${MARKS.statusReason}`;
// A summary at its contract's 500 units whose short particulars, masked, would take it past them.
const LONG_SUMMARY = cutText(`Referred to quality: ${'Steps on the admin page. '.repeat(18)}pwd: Ab1! then pwd: Cd2? then pwd: Ef3% and ${REASON}`, 500);

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;
type Envelope = { id: string; type: string; subject: string; data: Record<string, unknown> } & Record<string, unknown>;

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): the fourth session masked at the source
// what staff write in escalation, and what escalation and intake kept of it; copies of the older
// events kept elsewhere (the single process's event log, notification's webhook events, deliveries
// and mail, every consumer's dead letters, intake's outbox, escalation's kept answers) still held
// them as written. An upgrade from the release before leaves none of them anywhere in the database.
describe('upgrade: copies of staff texts older releases kept in clear, in every schema and the event log', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ticketId = randomUUID();
  const referralId = randomUUID();
  const endpointId = randomUUID();
  let platform: TestPlatform;

  const envelope = <C extends EventContract>(contract: C, data: EventData<C>): Envelope => ({
    specversion: '1.0',
    id: randomUUID(),
    source: `tss/${contract.owner}`,
    type: contract.type,
    time: AT,
    subject: ticketId,
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(contract.type, contract.version),
    data: data as Record<string, unknown>,
  });
  const events = {
    requested: envelope(EscalationReferralRequestedV1, { partnerId, referralId, requestedBy: 'agent-1', reason: REASON, requestedAt: AT, target: 'quality' }),
    raised: envelope(EscalationRaisedV1, {
      partnerId,
      escalationId: referralId,
      kind: 'quality',
      targetRole: 'quality',
      targetStaffIds: ['quality-1'],
      raisedAt: AT,
      causeType: 'ticket.referral_applied',
      summary: cutText(`Referred to quality: ${REASON}`, 500),
    }),
    longRaised: envelope(EscalationRaisedV1, { partnerId, escalationId: randomUUID(), kind: 'quality', targetRole: 'quality', raisedAt: AT, summary: LONG_SUMMARY }),
    resolved: envelope(EscalationResolvedV1, { partnerId, escalationId: referralId, resolvedAt: AT, resolvedBy: 'quality-1', outcome: OUTCOME }),
    statusChanged: envelope(TicketStatusChangedV1, { partnerId, sequence: 4, from: 'open', to: 'referred', reason: STATUS_REASON, changedAt: AT }),
  };
  const topicOf = (e: Envelope) => `tss.${e.type.slice(0, e.type.indexOf('.'))}`;
  const binding = kafkaBindingSql('r.event');

  /** What the older release wrote, as it wrote it, in each schema and the event log. */
  const write = async (query: Query) => {
    // escalation: the referral and its events (the fourth session's migrations mask these), its keyed answer, a dead letter.
    await query(`INSERT INTO escalation.referral_tickets (ticket_id, partner_id, reference) VALUES ($1, $2, 'TSS-AAAAA-BBBBB')`, [ticketId, partnerId]);
    await query(
      `INSERT INTO escalation.referrals (id, ticket_id, partner_id, target, reason, status, requested_by, requested_at, answered_at, outcome, outcome_by, outcome_at)
       VALUES ($1, $2, $3, 'quality', $4, 'applied', 'agent-1', $5, $5, $6, 'quality-1', $5)`,
      [referralId, ticketId, partnerId, REASON, AT, OUTCOME],
    );
    for (const e of [events.requested, events.raised, events.resolved]) {
      await query(
        `INSERT INTO escalation.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, $2, 'tss.escalation', $3, $4, $5, $5)`,
        [e.id, e.type, ticketId, e, AT],
      );
    }
    const answer = { id: referralId, ticketId, target: 'quality', reason: REASON, status: 'requested', requestedBy: 'agent-1', requestedAt: AT };
    await query(
      `INSERT INTO escalation.idempotency_keys (id, principal, method, path, key, state, claim_token, response_status, response_headers, response_body, created_at, completed_at, expires_at)
       VALUES ($1, 'staff:agent-1', 'POST', $2, 'retry-1', 'done', $3, 202, '{"content-type":"application/json; charset=utf-8"}', convert_to($4, 'UTF8'), $5, $5, '2026-12-06T09:00:00Z')`,
      [randomUUID(), `/v1/tickets/${ticketId}/referrals`, randomUUID(), JSON.stringify(answer), AT],
    );
    // ticket-intake: the development referral's status change as releases before 1765603050000 published it.
    await query(
      `INSERT INTO ticket_intake.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, $2, 'tss.ticket', $3, $4, $5, $5)`,
      [events.statusChanged.id, events.statusChanged.type, ticketId, events.statusChanged, AT],
    );
    // Dead letters: each consumer of these events keeps them whole.
    const deadLetter = async (schema: string, group: string, e: Envelope, kind: 'failed' | 'held', status: 'parked' | 'skipped') =>
      query(
        `INSERT INTO "${schema}".dead_letters (consumer_group, topic, message_key, position, event_id, event_type, headers, value, reason, kind, status, dead_lettered_at, resolved_at)
         SELECT $1, $2, $3, '7', $4, $5, ${binding.headers}, ${binding.value}, 'handler failed', $6, $7, $8, CASE WHEN $7 = 'parked' THEN NULL ELSE $8::timestamptz END FROM (SELECT $9::jsonb AS event) r`,
        [group, topicOf(e), ticketId, e.id, e.type, kind, status, AT, e],
      );
    await deadLetter('ticket_intake', 'ticket-intake', events.requested, 'failed', 'parked');
    await deadLetter('notification', 'notification', events.raised, 'failed', 'skipped');
    await deadLetter('rating', 'rating', events.raised, 'held', 'parked');
    await deadLetter('sla_timer', 'sla-timer', events.statusChanged, 'failed', 'parked');
    await deadLetter('escalation', 'escalation', events.statusChanged, 'failed', 'parked');
    // notification: the events kept for webhook replay, their deliveries, the department's notice.
    await query(
      `INSERT INTO notification.webhook_endpoints (id, owner_kind, partner_id, created_by, url, description, event_types, secret, status, created_at, updated_at)
       VALUES ($1, 'staff', NULL, 'admin-1', 'https://hooks.example/tss', 'Quality desk', '{*}', 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', 'enabled', $2, $2)`,
      [endpointId, AT],
    );
    for (const e of Object.values(events)) {
      const sequence = typeof e.data.sequence === 'number' ? e.data.sequence : null;
      const body = JSON.stringify(sequence === null ? e : { ...e, sequence });
      await query(
        `INSERT INTO notification.webhook_events (id, type, partner_id, subject, sequence, occurred_at, body, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $6)`,
        [e.id, e.type, partnerId, ticketId, sequence, AT, body],
      );
      await query(
        `INSERT INTO notification.webhook_deliveries (id, endpoint_id, message_id, event_type, body, reason, status, attempts, created_at, completed_at, subject)
         VALUES ($1, $2, $3, $4, $5, 'event', $6, 1, $7, $7, $8)`,
        [randomUUID(), endpointId, e.id, e.type, body, e === events.raised ? 'failed' : 'succeeded', AT, ticketId],
      );
    }
    const summary = String(events.raised.data.summary);
    await query(
      `INSERT INTO notification.mail_messages (id, ticket_id, partner_id, kind, recipient, language, message_id, subject, text_body, html_body, status, attempts, created_at, sent_at)
       VALUES ($1, $2, $3, 'escalation_notice', 'quality-1@tss.example', 'en', $4, '[TSS-AAAAA-BBBBB] Escalation: referred to quality', $5, $6, 'sent', 1, $7, $7)`,
      [
        randomUUID(),
        ticketId,
        partnerId,
        `<${randomUUID()}@tss.test>`,
        `Ticket TSS-AAAAA-BBBBB was referred to the quality department.\n\n${summary}\n\nTSS\n`,
        `<p dir="auto">Ticket TSS-AAAAA-BBBBB was referred to the quality department.</p><p dir="auto">${summary}</p><p>TSS</p>`,
        AT,
      ],
    );
    // The single process's event log: each event as the relay copied it, and a dead letter of one.
    for (const e of Object.values(events)) {
      await query(`INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value) SELECT $1, $2, ${binding.headers}, ${binding.value} FROM (SELECT $3::jsonb AS event) r`, [
        topicOf(e),
        ticketId,
        e,
      ]);
    }
    await query(
      `INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value)
       SELECT 'tss.dead-letter', $1, ${binding.headers} || '{"dlq-reason":"handler failed","dlq-group":"ticket-intake","dlq-topic":"tss.escalation"}', ${binding.value} FROM (SELECT $2::jsonb AS event) r`,
      [ticketId, events.requested],
    );
    // Every group had read the log before the upgrade.
    await query(
      `INSERT INTO "${EVENT_LOG_SCHEMA}".group_offsets (consumer_group, log_offset) SELECT g, (SELECT max(log_offset) FROM "${EVENT_LOG_SCHEMA}".messages) FROM unnest($1::text[]) AS g`,
      [ALL_SERVICES.map((s) => s.name)],
    );
  };

  beforeAll(async () => {
    for (const e of Object.values(events)) expect(Value.Check(findContract(e.type, 1)!.schema, e.data)).toBe(true);
    platform = await startTestPlatform('upgrade_staff_text_copies', { clock, olderRelease: { before: BEFORE, write } });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('P9: no table of any schema, nor the event log, holds a reason, an outcome or a status reason as written', async () => {
    const holding: Record<string, string[]> = {};
    for (const [name, mark] of Object.entries(MARKS)) holding[name] = await tablesHolding(platform, mark);
    expect(holding).toEqual({ reason: [], outcome: [], statusReason: [] });
    expect(await tablesHolding(platform, 'pwd: Ab1!')).toEqual([]);
  });

  it('P9: every copy of the events stays valid against its contract, the particulars removed', async () => {
    const copies: { where: string; type: string; data: Record<string, unknown> }[] = [];
    const logged = await platform.query<{ type: string; value: string }>(
      'notification',
      `SELECT headers->>'ce_type' AS type, convert_from(value, 'UTF8') AS value FROM "${EVENT_LOG_SCHEMA}".messages WHERE headers->>'ce_type' = ANY($1::text[]) ORDER BY log_offset`,
      [[...new Set(Object.values(events).map((e) => e.type))]],
    );
    copies.push(...logged.map((l) => ({ where: 'event log', type: l.type, data: JSON.parse(l.value) as Record<string, unknown> })));
    for (const table of ['webhook_events', 'webhook_deliveries']) {
      const kept = await platform.query<{ body: string }>('notification', `SELECT body FROM notification.${table}`);
      copies.push(...kept.map((k) => JSON.parse(k.body) as Envelope).map((e) => ({ where: table, type: e.type, data: e.data })));
    }
    for (const schema of ['ticket_intake', 'notification', 'rating', 'sla_timer', 'escalation']) {
      const letters = await platform.query<{ type: string; value: string }>('notification', `SELECT event_type AS type, convert_from(value, 'UTF8') AS value FROM "${schema}".dead_letters`);
      copies.push(...letters.map((l) => ({ where: `${schema}.dead_letters`, type: l.type, data: JSON.parse(l.value) as Record<string, unknown> })));
    }
    expect(copies).toHaveLength(6 + 10 + 5);
    const invalid = copies.filter((c) => !Value.Check(findContract(c.type, 1)!.schema, c.data)).map((c) => `${c.where}: ${c.type}`);
    expect(invalid).toEqual([]);
    // Each kept text as the new code writes it: masked, and cut to the contract's length where it has one.
    const expected: Record<string, string[]> = {
      'escalation.referral_requested': [`Needs a review; admin ${REMOVED}`],
      'escalation.raised': [`Referred to quality: Needs a review; admin ${REMOVED}`, cutText(withoutAccessParticulars(LONG_SUMMARY), 500)],
      'escalation.resolved': [`Checked with ${REMOVED}`],
      'ticket.status_changed': [`Crash needs a code fix; VPN ${REMOVED}`],
    };
    const textOf = (data: Record<string, unknown>) => data.reason ?? data.summary ?? data.outcome;
    expect(copies.filter((c) => !expected[c.type].includes(textOf(c.data) as string)).map((c) => `${c.where}: ${c.type}: ${String(textOf(c.data))}`)).toEqual([]);
  });
});
