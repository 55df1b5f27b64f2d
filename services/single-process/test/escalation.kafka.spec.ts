import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { dataSchemaUri, RatingSubmittedV1, type CloudEventEnvelope, type EventData } from '@tss/contracts';
import { escalationService } from '@tss/escalation';
import { fixKafkajsRequestQueue, toKafkaHeaders } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { ticketIntakeService } from '@tss/ticket-intake';
import { KAFKA_TEST_BROKERS, readTopics, startGatewayOverKafka, type SeenEvent } from './support/kafka-services';
import { ServiceInstances } from './support/service-instances';

const ADMIN = { clientId: 'kafka-escalation-admin', clientSecret: 'kafka-escalation-admin-secret-01' };

/**
 * Issue #12 in services mode over a real broker: a cause event delivered twice (the same CloudEvent
 * id, as Kafka redelivers after a consumer crash before its offset commit) raises one escalation;
 * the same survey under a new event id (a duplicate, not a redelivery) raises none more.
 */
describe('escalation over a real Kafka broker (services mode)', () => {
  const topicPrefix = `esc${randomUUID().slice(0, 8)}.`;
  const clock = new TestClock(new Date());
  let seen: SeenEvent[];
  let db: TestDatabase;
  let services: ServiceInstances;
  let gatewayUrl: string;
  let reader: Awaited<ReturnType<typeof readTopics>>;
  fixKafkajsRequestQueue(); // kafkajs's own timer otherwise wakes every 1 ms, with a TimeoutNegativeWarning
  const kafka = new Kafka({ clientId: `${topicPrefix}rating`, brokers: KAFKA_TEST_BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();

  beforeAll(async () => {
    db = await createTestDatabase('escalation_kafka');
    services = new ServiceInstances(db.url, { clock }, process.env.KAFKA_BROKERS);
    reader = await readTopics([`${topicPrefix}tss.escalation`], `${topicPrefix}reader`, { alsoCreate: [`${topicPrefix}tss.ticket`, `${topicPrefix}tss.rating`, `${topicPrefix}tss.sla`] });
    seen = reader.seen;
    gatewayUrl = await startGatewayOverKafka(services, { topicPrefix, clock, admin: ADMIN, routed: [ticketIntakeService, escalationService] });
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await producer.disconnect();
    await reader?.close();
    await services?.stopAll();
    await db?.drop();
  });

  /** A `rating.submitted` as the rating service would publish it, in the CloudEvents Kafka binary mode. */
  const ratingEvent = (ticketId: string, data: EventData<typeof RatingSubmittedV1>, id = randomUUID()): CloudEventEnvelope => ({
    specversion: '1.0',
    id,
    source: 'tss/rating',
    type: RatingSubmittedV1.type,
    time: clock.now().toISOString(),
    subject: ticketId,
    datacontenttype: 'application/json',
    dataschema: dataSchemaUri(RatingSubmittedV1.type, RatingSubmittedV1.version),
    data,
  });
  const send = (event: CloudEventEnvelope) =>
    producer.send({ topic: `${topicPrefix}tss.rating`, messages: [{ key: event.subject, value: JSON.stringify(event.data), headers: toKafkaHeaders(event) }] });

  it('a redelivered (and a duplicated) rating raises one escalation', async () => {
    const client = new PlatformClient(gatewayUrl);
    const admin = await client.token(ADMIN.clientId, ADMIN.clientSecret);
    const acme = await client.partner(admin, 'Acme escalation over Kafka');
    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    const ticketId: string = filed.body.id;
    const rating = { partnerId: acme.partnerId, surveyId: randomUUID(), score: 1, solved: true, comment: 'Nobody helped.', submittedAt: clock.now().toISOString() };
    const event = ratingEvent(ticketId, rating);
    await send(event);
    await send(event); // redelivery: the same event id
    await send(ratingEvent(ticketId, rating)); // the same survey under another id

    const raised = await waitFor('escalation.raised on tss.escalation', () => seen.find((e) => e.subject === ticketId && e.type === 'escalation.raised'), { timeoutMs: 60_000 });
    expect(raised.data).toMatchObject({ kind: 'low_rating', surveyId: rating.surveyId, causeEventId: event.id, quote: 'Nobody helped.' });
    const escalation = services.all.find((i) => i.host.module.name === 'escalation')!;
    await waitFor(
      'all three deliveries handled',
      async () => {
        const rows: { n: number }[] = await escalation.host.dataSource.query(`SELECT count(*)::int AS n FROM escalation.inbox WHERE event_type = 'rating.submitted'`);
        return rows[0].n === 2; // two event ids; the redelivery found the first in the inbox
      },
      { timeoutMs: 30_000 },
    );
    const list = await client.http().get(`/v1/escalations?ticketId=${ticketId}`).auth(admin, { type: 'bearer' });
    expect(list.status).toBe(200);
    expect(list.body.items.map((e: { kind: string }) => e.kind)).toEqual(['low_rating']);
    const records: { n: number }[] = await escalation.host.dataSource.query(`SELECT count(*)::int AS n FROM escalation.escalations WHERE ticket_id = $1`, [ticketId]);
    expect(records[0].n).toBe(1);
    expect(seen.filter((e) => e.subject === ticketId && e.type === 'escalation.raised')).toHaveLength(1);
  });
});
