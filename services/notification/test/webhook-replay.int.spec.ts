import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { receivesType } from '../src/domain/webhook-filter';
import { replaySelectionOf } from '../src/domain/webhook-replay';
import { matchingStatement, webhookEventStore } from '../src/store/webhook-event.store';
import { FILTER_SETS, TYPES_TO_TRY } from './support/replay-cases';
import { notificationWithoutWorkers } from './support/webhook-fixtures';

// An outside test (services mode, ~31,000 deliveries): a partner endpoint filtered to
// ticket.reopened, ticket.responded and rating.* asked to replay since a time its partner had
// 14,663 events, 42 of them for it, and got 422 "More than 10000 events since then; replay a later
// range first": the bound counted every event of the partner before the filters, and there was no
// `until` to replay a range in parts. No dispatcher runs here: what a replay queued stays queued.
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
    const { sql, params } = matchingStatement({ selection, since: at(clock.now(), -36_000_000) }, 10_001);
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
        const read = await sut.host.unitOfWork.run((tx) => webhookEventStore.matching(tx, { selection: replaySelectionOf(endpoint), since }, 100_000));
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
});
