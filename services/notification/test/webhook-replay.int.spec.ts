import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { EntityManager } from 'typeorm';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { receivesType } from '../src/domain/webhook-filter';
import { replaySelectionOf } from '../src/domain/webhook-replay';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { matchingStatement, webhookEventStore } from '../src/store/webhook-event.store';
import { replay as replayRange, REPLAY_LIMITS } from '../src/use-cases/webhook-endpoints';
import { FILTER_SETS, TYPES_TO_TRY } from './support/replay-cases';
import { notificationWithoutWorkers } from './support/webhook-fixtures';

// An outside test (services mode, ~31,000 deliveries): a partner endpoint filtered to
// ticket.reopened, ticket.responded and rating.* asked to replay since a time its partner had
// 14,663 events, 42 of them for it, and got 422 "More than 10000 events since then; replay a later
// range first": the bound counted every event of the partner before the filters, and there was no
// `until` to replay a range in parts. No dispatcher runs here: what a replay queued stays queued.
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('a webhook replay brings back what the endpoint receives, however busy the platform (notification alone, real PostgreSQL)', () => {
  const clock = new TestClock('2026-12-05T06:00:00.000Z');
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const partnerToken = (partnerId: string) => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'webhooks:manage' });
  const adminToken = () => sut.token({ kind: 'staff', client_id: randomUUID(), roles: ['admin'] });
  /** A partner the gateway registered (an admin's endpoint for a partner names only those). */
  const registeredPartner = async () => {
    const partnerId = randomUUID();
    await sut.query(`INSERT INTO notification.partners (id, active, changed_at) VALUES ($1, true, $2)`, [partnerId, clock.now()]);
    return partnerId;
  };
  const subscribed = async (token: string, body: Record<string, unknown>) => {
    const response = await sut.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: 'http://127.0.0.1:9/replayed', ...body });
    expect(response.status).toBe(201);
    return response.body as { id: string };
  };
  const replay = (token: string, endpointId: string, body: Record<string, unknown>) =>
    sut.http().post(`/v1/webhooks/endpoints/${endpointId}/replay`).auth(token, { type: 'bearer' }).send(body);

  interface Recorded {
    id: string;
    type: string;
    partnerId: string;
    subject: string;
    sequence?: number;
    at: Date;
  }
  /** Events as the consumer records them for replay (webhook_events), in one statement. */
  const record = async (events: readonly Recorded[]) => {
    await sut.query(
      `INSERT INTO notification.webhook_events (id, type, partner_id, subject, sequence, occurred_at, body, received_at)
       SELECT e.id, e.type, e.partner_id, e.subject, e.sequence, e.at, json_build_object('id', e.id, 'type', e.type, 'subject', e.subject)::text, e.at
         FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::int[], $6::timestamptz[]) AS e(id, type, partner_id, subject, sequence, at)`,
      [events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.partnerId), events.map((e) => e.subject), events.map((e) => e.sequence ?? null), events.map((e) => e.at)],
    );
  };
  const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
  const event = (type: string, partnerId: string, when: Date, subject = randomUUID(), sequence?: number): Recorded => ({ id: randomUUID(), type, partnerId, subject, sequence, at: when });
  /** What is queued for the endpoint, in the order it was queued. */
  const queued = async (endpointId: string) =>
    (
      await sut.query<{ message_id: string; event_type: string }>(
        `SELECT message_id, event_type FROM notification.webhook_deliveries WHERE endpoint_id = $1 ORDER BY queue_seq`,
        [endpointId],
      )
    ).map((r) => r.message_id);

  it('12,000 events of the partner the endpoint does not receive and 30 it does since then: the replay queues the 30, oldest first', async () => {
    const partnerId = await registeredPartner();
    const token = partnerToken(partnerId);
    const endpoint = await subscribed(token, { eventTypes: ['ticket.reopened', 'ticket.responded', 'rating.*'] });
    // Each test's events lie in a window of their own: an internal system's replay reads every partner's.
    const since = at(clock.now(), -36_000_000);
    const others = ['ticket.created', 'ticket.message_received', 'ticket.status_changed', 'sla.clock_started', 'sla.met'];
    const noise = Array.from({ length: 12_000 }, (_, i) => event(others[i % others.length], partnerId, at(since, i * 250)));
    const wanted = ['ticket.reopened', 'ticket.responded', 'rating.requested'];
    const matching = Array.from({ length: 30 }, (_, i) => event(wanted[i % 3], partnerId, at(since, i * 100_000 + 7)));
    // Matching ones before `since` stay out.
    await record([...noise, ...matching, event('ticket.reopened', partnerId, at(since, -1))]);

    const response = await replay(token, endpoint.id, { since: since.toISOString() });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ queued: 30 });
    expect(await queued(endpoint.id)).toEqual(matching.map((e) => e.id));
  });

  it('the query reads the few matching events through webhook_events_by_type, not every event of the range', async () => {
    // After the test above: 12,000 events of that partner in the range, 30 for its endpoint.
    await sut.query(`ANALYZE notification.webhook_events`);
    const [{ partner_id: partnerId }] = await sut.query<{ partner_id: string }>(
      `SELECT partner_id FROM notification.webhook_events GROUP BY partner_id ORDER BY count(*) DESC LIMIT 1`,
    );
    const selection = replaySelectionOf({ partnerId, eventTypes: ['ticket.reopened', 'ticket.responded', 'rating.*'] });
    const { sql, params } = matchingStatement({ selection, since: at(clock.now(), -36_000_000), recordedBy: clock.now() }, 2_000);
    const plan = (await sut.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Bitmap Index Scan on webhook_events_by_type/);
    expect(plan).not.toMatch(/Seq Scan|webhook_events_time|webhook_events_partner_time/);
  });

  it('the query selects exactly what live matching sends, for every filter set, type and scope', async () => {
    const partnerId = await registeredPartner();
    const other = await registeredPartner();
    const since = at(clock.now(), -20_000_000);
    const events = [partnerId, other].flatMap((p, n) => TYPES_TO_TRY.map((type, i) => event(type, p, at(since, n * 1_000 + i))));
    await record(events);
    const ours = new Set(events.map((e) => e.id));
    for (const scope of [partnerId, null]) {
      for (const eventTypes of FILTER_SETS) {
        const endpoint = { partnerId: scope, eventTypes };
        const read = await sut.host.unitOfWork.run((tx) => webhookEventStore.matching(tx, { selection: replaySelectionOf(endpoint), since, recordedBy: clock.now() }, 100_000));
        const expected = events.filter((e) => (scope === null || e.partnerId === scope) && receivesType(endpoint, e.type)).map((e) => e.id);
        expect([scope, eventTypes, read.filter((e) => ours.has(e.id)).map((e) => e.id)]).toEqual([scope, eventTypes, expected]);
      }
    }
  });

  it('a partner gets neither another partner’s events nor staff-only ones by replay, and thousands of those do not count towards its bound; an internal system gets every partner’s', async () => {
    const partnerId = await registeredPartner();
    const other = await registeredPartner();
    const own = await subscribed(partnerToken(partnerId), { eventTypes: ['*'] });
    const adminForPartner = await subscribed(adminToken(), { eventTypes: ['*'], partnerId });
    // As stored before the staff-only rule: a partner endpoint whose filters name escalations and referrals.
    const older = await subscribed(partnerToken(partnerId), { eventTypes: ['ticket.*'] });
    await sut.query(`UPDATE notification.webhook_endpoints SET event_types = $2 WHERE id = $1`, [older.id, ['ticket.*', 'escalation.*', 'ticket.referral_applied']]);
    const internal = await subscribed(adminToken(), { eventTypes: ['ticket.created', 'escalation.raised'] });

    const since = at(clock.now(), -3_000_000);
    const staffOnly = Array.from({ length: 10_001 }, (_, i) =>
      event(['escalation.raised', 'escalation.acknowledged', 'ticket.referral_applied', 'ticket.referral_rejected'][i % 4], partnerId, at(since, i * 100)),
    );
    const partnersOwn = Array.from({ length: 5 }, (_, i) => event('ticket.created', partnerId, at(since, i * 100 + 50)));
    const anotherPartners = Array.from({ length: 5 }, (_, i) => event('ticket.created', other, at(since, i * 100 + 60)));
    await record([...staffOnly, ...partnersOwn, ...anotherPartners]);

    for (const [token, endpoint] of [
      [partnerToken(partnerId), own],
      [adminToken(), adminForPartner],
      [partnerToken(partnerId), older],
    ] as const) {
      const response = await replay(token, endpoint.id, { since: since.toISOString() });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ queued: 5 });
      expect(await queued(endpoint.id)).toEqual(partnersOwn.map((e) => e.id));
    }
    // Another partner's token does not reach the endpoint at all.
    expect((await replay(partnerToken(other), own.id, { since: since.toISOString() })).status).toBe(404);

    const everyPartner = await replay(adminToken(), internal.id, { since: since.toISOString() });
    expect(everyPartner.status).toBe(202);
    const raised = staffOnly.filter((e) => e.type === 'escalation.raised');
    expect(everyPartner.body).toEqual({ queued: raised.length + 10 });
    expect(new Set(await queued(internal.id))).toEqual(new Set([...raised, ...partnersOwn, ...anotherPartners].map((e) => e.id)));
  });

  it('`until` bounds the range (exclusive): a range is replayed in parts, each event once', async () => {
    const partnerId = await registeredPartner();
    const token = partnerToken(partnerId);
    const endpoint = await subscribed(token, { eventTypes: ['ticket.*'] });
    const t = at(clock.now(), -600_000);
    const events = [0, 1_000, 2_000, 3_000].map((ms) => event('ticket.created', partnerId, at(t, ms)));
    await record(events);

    const first = await replay(token, endpoint.id, { since: at(t, 1_000).toISOString(), until: at(t, 3_000).toISOString() });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ queued: 2 });
    expect(await queued(endpoint.id)).toEqual([events[1].id, events[2].id]);

    const rest = await replay(token, endpoint.id, { since: at(t, 3_000).toISOString() });
    expect(rest.body).toEqual({ queued: 1 });
    expect(await queued(endpoint.id)).toEqual([events[1].id, events[2].id, events[3].id]);
  });

  it('an `until` not after `since` is a 400 problem naming /until; nothing is queued', async () => {
    const partnerId = await registeredPartner();
    const token = partnerToken(partnerId);
    const endpoint = await subscribed(token, { eventTypes: ['ticket.*'] });
    const t = at(clock.now(), -600_000);
    await record([event('ticket.created', partnerId, at(t, 10))]);
    for (const until of [t, at(t, -1)]) {
      const response = await replay(token, endpoint.id, { since: t.toISOString(), until: until.toISOString() });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/validation', status: 400, detail: 'until must be after since.' });
      expect(response.body.errors).toEqual([{ in: 'body', pointer: '/until', message: 'must be after since' }]);
    }
    expect(await queued(endpoint.id)).toEqual([]);
  });
  /** A ticket's deliveries to the endpoint, in the order queued, must follow its events' sequence. */
  const outOfOrderTickets = async (endpointId: string) =>
    (
      await sut.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT d.subject, array_agg(e.sequence ORDER BY d.queue_seq) AS queued, array_agg(e.sequence ORDER BY e.sequence) AS sorted
             FROM notification.webhook_deliveries d JOIN notification.webhook_events e ON e.id = d.message_id
            WHERE d.endpoint_id = $1 GROUP BY d.subject) t
          WHERE queued <> sorted`,
        [endpointId],
      )
    )[0].n;
  /** `count` events of `tickets` tickets, the ticket's sequence rising with time; `perInstant` share each millisecond. */
  const ticketEvents = (partnerId: string, since: Date, count: number, tickets: number, perInstant = 1): Recorded[] => {
    const subjects = Array.from({ length: tickets }, () => randomUUID());
    return Array.from({ length: count }, (_, i) => event('ticket.message_received', partnerId, at(since, Math.floor(i / perInstant)), subjects[i % tickets], Math.floor(i / tickets) + 1));
  };

  it('more events than one replay queues: a 422 problem with how many match and the `until` of the first part; following it, the parts queue each event once, each ticket in order', async () => {
    const partnerId = await registeredPartner();
    const token = partnerToken(partnerId);
    const endpoint = await subscribed(token, { eventTypes: ['ticket.*'] });
    const since = at(clock.now(), -2_000_000);
    // 5,000 tickets of 5 events each: every ticket has events on both sides of the split.
    const events = ticketEvents(partnerId, since, 25_000, 5_000);
    await record([...events, ...Array.from({ length: 3_000 }, (_, i) => event('sla.met', partnerId, at(since, i)))]);

    const refused = await replay(token, endpoint.id, { since: since.toISOString() });
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const suggestedUntil = at(since, 20_000).toISOString();
    expect(refused.body).toMatchObject({ type: 'https://tss.dev/problems/unprocessable', status: 422, matchingEvents: 25_000, replayLimit: 20_000, suggestedUntil });
    expect(refused.body.detail).toBe(
      `25,000 events in this range match the endpoint's filters; one replay queues at most 20,000. Replay it in parts, oldest first (each ticket's events then arrive in order): {"since": "${since.toISOString()}", "until": "${suggestedUntil}"}, then from "${suggestedUntil}".`,
    );
    expect(await queued(endpoint.id)).toEqual([]);

    const first = await replay(token, endpoint.id, { since: since.toISOString(), until: suggestedUntil });
    expect([first.status, first.body]).toEqual([202, { queued: 20_000 }]);
    const rest = await replay(token, endpoint.id, { since: suggestedUntil });
    expect([rest.status, rest.body]).toEqual([202, { queued: 5_000 }]);
    expect(await queued(endpoint.id)).toEqual(events.map((e) => e.id));
    expect(await outOfOrderTickets(endpoint.id)).toBe(0);
  });

  it('50,000 events replayed in parts: at most one batch per transaction, each event once, each ticket in order; its time measured (TEST_LOG_LEVEL=info)', async () => {
    const partnerId = await registeredPartner();
    const endpoint = await subscribed(partnerToken(partnerId), { eventTypes: ['*'] });
    const owner = { kind: 'partner' as const, partnerId };
    const timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    const since = at(clock.now(), -1_000_000);
    // 10 events an instant, so batches end amid an instant; 10,000 tickets of 5 events.
    const events = ticketEvents(partnerId, since, 50_000, 10_000, 10);
    await record(events);

    const transactions: { queued: number; ms: number }[] = [];
    let total = 0;
    const counting = {
      run: async <T>(work: (tx: EntityManager) => Promise<T>): Promise<T> => {
        const started = performance.now();
        const result = await sut.host.unitOfWork.run(work);
        const ms = performance.now() - started;
        const [{ n }] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification.webhook_deliveries WHERE endpoint_id = $1`, [endpoint.id]);
        transactions.push({ queued: n - total, ms });
        total = n;
        return result;
      },
    };
    const started = performance.now();
    const parts: number[] = [];
    for (let from = since; ; ) {
      const refused = await replayRange(counting, timers, owner, endpoint.id, { since: from }, clock.now());
      if (refused.ok) {
        parts.push(refused.value.queued);
        break;
      }
      const until = new Date(String(refused.error.extensions?.suggestedUntil));
      const part = await replayRange(counting, timers, owner, endpoint.id, { since: from, until }, clock.now());
      if (!part.ok) throw new Error(part.error.detail);
      parts.push(part.value.queued);
      from = until;
    }
    const elapsedMs = performance.now() - started;
    const longest = (ts: typeof transactions) => Math.round(Math.max(...ts.map((t) => t.ms)));
    logger.info(
      {
        events: 50_000,
        parts,
        transactions: transactions.length,
        elapsedMs: Math.round(elapsedMs),
        longestBatchMs: longest(transactions.filter((t) => t.queued > 0)),
        longestCheckMs: longest(transactions.filter((t) => t.queued === 0)),
      },
      'replay of 50,000 events',
    );

    expect(parts).toEqual([20_000, 20_000, 10_000]);
    expect(Math.max(...transactions.map((t) => t.queued))).toBe(REPLAY_LIMITS.batchSize);
    // In the replay's order: by time, then ticket, then sequence (the test database sorts text as C does).
    const inReplayOrder = [...events].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0) || (a.sequence ?? 0) - (b.sequence ?? 0));
    const ids = await queued(endpoint.id);
    expect(ids.length).toBe(50_000);
    expect(ids.every((id, i) => id === inReplayOrder[i].id)).toBe(true);
    expect(await outOfOrderTickets(endpoint.id)).toBe(0);
  }, 180_000);
});
