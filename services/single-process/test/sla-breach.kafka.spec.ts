import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pino from 'pino';
import { bootstrapAdmin, forwardToServices, gatewayService, gatewayTokenAuthority, type ServiceUrls } from '@tss/gateway';
import { KafkaTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import type { ServiceInstanceOptions, ServiceModule } from '@tss/runtime';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { slaTimerService } from '@tss/sla-timer';
import { ticketIntakeService } from '@tss/ticket-intake';
import { ServiceInstances } from './support/service-instances';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const ADMIN = { clientId: 'kafka-sla-admin', clientSecret: 'kafka-sla-admin-secret-0001' };
const BROKERS = (process.env.KAFKA_BROKERS ?? '').split(',');
const HOUR = 3_600_000;

interface SeenEvent {
  type: string;
  subject: string;
  data: Record<string, unknown>;
}

/**
 * Issue #10 in services mode: gateway, ticket-intake and sla-timer as their own instances over a
 * real broker, on one simulated clock. sla-timer reads `tss.ticket` from Kafka, its timer worker
 * fires the breach, and its relay publishes `sla.breached` to `tss.sla`, read here by a plain
 * kafkajs consumer.
 */
describe('SLA events on a real Kafka broker (services mode)', () => {
  const topicPrefix = `sla${randomUUID().slice(0, 8)}.`;
  const urls: Record<string, string> = {};
  const seen: SeenEvent[] = [];
  const clock = new TestClock(new Date());
  let db: TestDatabase;
  let services: ServiceInstances;
  let gatewayUrl: string;
  let consumer: Consumer;

  const start = (module: ServiceModule, extra: Partial<ServiceInstanceOptions> = {}) =>
    services.start(module, { transport: new KafkaTransport({ brokers: BROKERS, clientId: module.name, logger, topicPrefix }), ...extra });

  beforeAll(async () => {
    db = await createTestDatabase('sla_kafka');
    services = new ServiceInstances(db.url, { clock }, process.env.KAFKA_BROKERS);
    const kafka = new Kafka({ clientId: 'sla-reader', brokers: BROKERS, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [`${topicPrefix}tss.ticket`, `${topicPrefix}tss.sla`].map((topic) => ({ topic, numPartitions: 1 })),
      waitForLeaders: true,
    });
    await admin.disconnect();

    const gateway = await start(gatewayService, {
      keySource: (host) => gatewayTokenAuthority(host.dataSource, clock),
      extendApp: async (app) => {
        await app.register(forwardToServices(urls as unknown as ServiceUrls, { timeoutMs: 5_000 }));
      },
    });
    gatewayUrl = await services.listen(gateway);
    await bootstrapAdmin({ dataSource: gateway.host.dataSource, unitOfWork: gateway.host.unitOfWork, outbox: gateway.host.outbox, clock }, ADMIN);
    urls['ticket-intake'] = await services.listen(await start(ticketIntakeService));
    urls['sla-timer'] = await services.listen(await start(slaTimerService));

    consumer = kafka.consumer({ groupId: `${topicPrefix}reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${topicPrefix}tss.sla`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const header = (name: string) => message.headers?.[name]?.toString();
        seen.push({ type: header('ce_type')!, subject: header('ce_subject')!, data: JSON.parse(message.value!.toString()) as Record<string, unknown> });
      },
    });
  }, 120_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await services?.stopAll();
    await db?.drop();
  });

  it('an unanswered emergency: sla.clock_started, three warnings and sla.breached reach tss.sla, once each', async () => {
    const client = new PlatformClient(gatewayUrl);
    const admin = await client.token(ADMIN.clientId, ADMIN.clientSecret);
    const acme = await client.partner(admin, 'Acme SLA over Kafka');
    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ level: 'emergency' }));
    expect(filed.status).toBe(201);
    const id: string = filed.body.id;
    const started = await waitFor('sla.clock_started on tss.sla', () => seen.find((e) => e.subject === id && e.type === 'sla.clock_started'), { timeoutMs: 60_000 });
    expect(started.data).toMatchObject({ partnerId: acme.partnerId, level: 'emergency', targetMs: 6 * HOUR });

    clock.advanceMs(5.5 * HOUR); // 50 %, 75 %, 90 %
    await waitFor('three warnings', () => seen.filter((e) => e.subject === id && e.type === 'sla.warning').length === 3, { timeoutMs: 30_000 });
    clock.advanceMs(HOUR); // past the 6 h due time
    const breached = await waitFor('sla.breached on tss.sla', () => seen.find((e) => e.subject === id && e.type === 'sla.breached'), { timeoutMs: 30_000 });
    expect(breached.data).toMatchObject({ partnerId: acme.partnerId, clockId: started.data.clockId, dueAt: started.data.dueAt, breachedAt: started.data.dueAt });
    expect(seen.filter((e) => e.subject === id).map((e) => e.type)).toEqual(['sla.clock_started', 'sla.warning', 'sla.warning', 'sla.warning', 'sla.breached']);
  });
});
