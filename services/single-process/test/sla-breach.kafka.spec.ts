import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { slaTimerService } from '@tss/sla-timer';
import { ticketIntakeService } from '@tss/ticket-intake';
import { readTopics, startGatewayOverKafka, type SeenEvent } from './support/kafka-services';
import { ServiceInstances } from './support/service-instances';

const ADMIN = { clientId: 'kafka-sla-admin', clientSecret: 'kafka-sla-admin-secret-0001' };
const HOUR = 3_600_000;

/**
 * Issue #10 in services mode: gateway, ticket-intake and sla-timer as their own instances over a
 * real broker, on one simulated clock. sla-timer reads `tss.ticket` from Kafka, its timer worker
 * fires the breach, and its relay publishes `sla.breached` to `tss.sla`, read here by a plain
 * kafkajs consumer.
 */
describe('SLA events on a real Kafka broker (services mode)', () => {
  const topicPrefix = `sla${randomUUID().slice(0, 8)}.`;
  const clock = new TestClock(new Date());
  let seen: SeenEvent[];
  let db: TestDatabase;
  let services: ServiceInstances;
  let gatewayUrl: string;
  let reader: Awaited<ReturnType<typeof readTopics>>;

  beforeAll(async () => {
    db = await createTestDatabase('sla_kafka');
    services = new ServiceInstances(db.url, { clock }, process.env.KAFKA_BROKERS);
    reader = await readTopics([`${topicPrefix}tss.sla`], `${topicPrefix}reader`, { alsoCreate: [`${topicPrefix}tss.ticket`] });
    seen = reader.seen;
    gatewayUrl = await startGatewayOverKafka(services, { topicPrefix, clock, admin: ADMIN, routed: [ticketIntakeService, slaTimerService] });
  }, 120_000);

  afterAll(async () => {
    await reader?.close();
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

    // One threshold at a time: a warning whose later one is already past is passed over (docs/adr/0030, addendum of 2026-12-05).
    const warnings = () => seen.filter((e) => e.subject === id && e.type === 'sla.warning').length;
    for (const [step, count] of [[3 * HOUR, 1], [1.5 * HOUR, 2], [0.9 * HOUR, 3]] as const) {
      clock.advanceMs(step); // 50 %, 75 %, 90 %
      await waitFor(`warning ${count}`, () => warnings() === count, { timeoutMs: 30_000 });
    }
    clock.advanceMs(HOUR); // past the 6 h due time
    const breached = await waitFor('sla.breached on tss.sla', () => seen.find((e) => e.subject === id && e.type === 'sla.breached'), { timeoutMs: 30_000 });
    expect(breached.data).toMatchObject({ partnerId: acme.partnerId, clockId: started.data.clockId, dueAt: started.data.dueAt, breachedAt: started.data.dueAt });
    expect(seen.filter((e) => e.subject === id).map((e) => e.type)).toEqual(['sla.clock_started', 'sla.warning', 'sla.warning', 'sla.warning', 'sla.breached']);
  });
});
