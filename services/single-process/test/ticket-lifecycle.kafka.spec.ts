import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { ticketIntakeService } from '@tss/ticket-intake';
import { readTopics, startGatewayOverKafka, type SeenEvent } from './support/kafka-services';
import { ServiceInstances } from './support/service-instances';

const ADMIN = { clientId: 'kafka-lifecycle-admin', clientSecret: 'kafka-lifecycle-admin-secret-01' };

/**
 * Issue #9 "Done when": the lifecycle's events appear on Kafka. The gateway and ticket-intake run as
 * their own instances over a real broker; a plain kafkajs consumer reads `tss.ticket` from the start.
 */
describe('ticket lifecycle events on a real Kafka broker', () => {
  const topicPrefix = `lc${randomUUID().slice(0, 8)}.`;
  let seen: SeenEvent[];
  let db: TestDatabase;
  let services: ServiceInstances;
  let gatewayUrl: string;
  let reader: Awaited<ReturnType<typeof readTopics>>;

  beforeAll(async () => {
    db = await createTestDatabase('lifecycle_kafka');
    services = new ServiceInstances(db.url, {}, process.env.KAFKA_BROKERS);
    gatewayUrl = await startGatewayOverKafka(services, { topicPrefix, clock: systemClock, admin: ADMIN, routed: [ticketIntakeService] });
    reader = await readTopics([`${topicPrefix}tss.ticket`], `${topicPrefix}reader`);
    seen = reader.seen;
  }, 120_000);

  afterAll(async () => {
    await reader?.close();
    await services?.stopAll();
    await db?.drop();
  });

  it('filing, an agent’s change, a reply, a resolution and a reopening each reach tss.ticket in sequence order', async () => {
    const client = new PlatformClient(gatewayUrl);
    const admin = await client.token(ADMIN.clientId, ADMIN.clientSecret);
    const acme = await client.partner(admin, 'Acme lifecycle over Kafka');
    const agent = await client.staff(admin, ['agent']);
    const bearer = { type: 'bearer' as const };

    const filed = await client.http().post('/v1/tickets').auth(acme.token, bearer).send(sampleTicket());
    expect(filed.status).toBe(201);
    const id: string = filed.body.id;
    const patched = await client
      .http()
      .patch(`/v1/tickets/${filed.body.reference}`)
      .auth(agent.token, bearer)
      .set('if-match', filed.headers.etag)
      .send({ category: 'software_errors', assigneeId: agent.staffId });
    expect(patched.status).toBe(200);
    const reply = await client.http().post(`/v1/tickets/${id}/messages`).auth(agent.token, bearer).send({ body: 'Please update to 4.2.2.' });
    expect(reply.status).toBe(201);
    const resolved = await client.http().patch(`/v1/tickets/${id}`).auth(agent.token, bearer).set('if-match', `"${reply.body.ticket.version}"`).send({ status: 'resolved' });
    expect(resolved.status).toBe(200);
    const reopened = await client.http().post(`/v1/tickets/${id}/reopen`).auth(acme.token, bearer).send({ reason: 'Still broken' });
    expect(reopened.status).toBe(200);

    const expected = [
      'ticket.created',
      'ticket.accepted',
      'ticket.category_changed',
      'ticket.assigned',
      'ticket.status_changed',
      // Every public agent reply (docs/adr/0035, addendum of 2026-12-05), then the owed response it gave.
      'ticket.agent_replied',
      'ticket.responded',
      'ticket.status_changed',
      'ticket.resolved',
      // The partner's reopen reason is the requester's message on the thread first (docs/adr/0029 addendum).
      'ticket.message_received',
      'ticket.reopened',
      'ticket.status_changed',
    ];
    const mine = await waitFor(
      'every lifecycle event on Kafka',
      async () => {
        const events = seen.filter((e) => e.subject === id);
        return events.length >= expected.length && events;
      },
      { timeoutMs: 60_000 },
    );
    expect(mine.map((e) => e.type)).toEqual(expected);
    expect(mine.map((e) => e.data.sequence)).toEqual(expected.map((_, i) => i + 1));
    expect(mine[2].data).toMatchObject({ to: 'software_errors', partnerId: acme.partnerId });
    expect(mine[5].data).toMatchObject({ body: 'Please update to 4.2.2.' });
    expect(mine[8].data).toHaveProperty('reopenWindowEndsAt');
  });
});
