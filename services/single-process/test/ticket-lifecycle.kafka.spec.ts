import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pino from 'pino';
import { bootstrapAdmin, forwardToServices, gatewayService, gatewayTokenAuthority, type ServiceUrls } from '@tss/gateway';
import { KafkaTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import type { ServiceInstanceOptions, ServiceModule } from '@tss/runtime';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { ticketIntakeService } from '@tss/ticket-intake';
import { ServiceInstances } from './support/service-instances';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const ADMIN = { clientId: 'kafka-lifecycle-admin', clientSecret: 'kafka-lifecycle-admin-secret-01' };
const BROKERS = (process.env.KAFKA_BROKERS ?? '').split(',');

interface SeenEvent {
  type: string;
  subject: string;
  sequence: number;
  data: Record<string, unknown>;
}

/**
 * Issue #9 "Done when": the lifecycle's events appear on Kafka. The gateway and ticket-intake run as
 * their own instances over a real broker; a plain kafkajs consumer reads `tss.ticket` from the start.
 */
describe('ticket lifecycle events on a real Kafka broker', () => {
  const topicPrefix = `lc${randomUUID().slice(0, 8)}.`;
  const urls: Record<string, string> = {};
  const seen: SeenEvent[] = [];
  let db: TestDatabase;
  let services: ServiceInstances;
  let gatewayUrl: string;
  let consumer: Consumer;

  const start = (module: ServiceModule, extra: Partial<ServiceInstanceOptions> = {}) =>
    services.start(module, { transport: new KafkaTransport({ brokers: BROKERS, clientId: module.name, logger, topicPrefix }), ...extra });

  beforeAll(async () => {
    db = await createTestDatabase('lifecycle_kafka');
    services = new ServiceInstances(db.url, {}, process.env.KAFKA_BROKERS);
    const gateway = await start(gatewayService, {
      keySource: (host) => gatewayTokenAuthority(host.dataSource, systemClock),
      extendApp: async (app) => {
        await app.register(forwardToServices(urls as unknown as ServiceUrls, { timeoutMs: 5_000 }));
      },
    });
    gatewayUrl = await services.listen(gateway);
    await bootstrapAdmin({ dataSource: gateway.host.dataSource, unitOfWork: gateway.host.unitOfWork, outbox: gateway.host.outbox, clock: systemClock }, ADMIN);
    urls['ticket-intake'] = await services.listen(await start(ticketIntakeService));

    const kafka = new Kafka({ clientId: 'lifecycle-reader', brokers: BROKERS, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    // Intake may be creating the topic at the same moment: retry until it exists with a leader.
    const topic = `${topicPrefix}tss.ticket`;
    await waitFor(
      'the tss.ticket topic with a leader',
      async () => {
        try {
          await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
          const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
          return metadata.topics[0].partitions.every((p) => p.leader >= 0);
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000 },
    );
    await admin.disconnect();
    consumer = kafka.consumer({ groupId: `${topicPrefix}reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${topicPrefix}tss.ticket`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const header = (name: string) => message.headers?.[name]?.toString();
        const data = JSON.parse(message.value!.toString()) as Record<string, unknown>;
        seen.push({ type: header('ce_type')!, subject: header('ce_subject')!, sequence: data.sequence as number, data });
      },
    });
  }, 120_000);

  afterAll(async () => {
    await consumer?.disconnect();
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
      'ticket.responded',
      'ticket.status_changed',
      'ticket.resolved',
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
    expect(mine.map((e) => e.sequence)).toEqual(expected.map((_, i) => i + 1));
    expect(mine[2].data).toMatchObject({ to: 'software_errors', partnerId: acme.partnerId });
    expect(mine[7].data).toHaveProperty('reopenWindowEndsAt');
  });
});
