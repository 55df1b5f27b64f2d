import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { notificationService } from '@tss/notification';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { startTracing, systemClock, type Tracing } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { slaTimerService } from '@tss/sla-timer';
import { ticketIntakeService } from '@tss/ticket-intake';
import { startGatewayOverKafka, startOverKafka } from './support/kafka-services';
import { ServiceInstances } from './support/service-instances';

const ADMIN = { clientId: 'kafka-suite-admin', clientSecret: 'kafka-suite-admin-secret-0123' };

/**
 * Services mode over a real Kafka broker: the gateway, ticket-intake, sla-timer and notification
 * each run as their own fastify instance with their own pools and Kafka clients, talking only
 * through HTTP (gateway → intake) and Kafka topics.
 */
describe('walking skeleton, services mode over real Kafka', () => {
  const spans = new InMemorySpanExporter();
  const topicPrefix = `ws${randomUUID().slice(0, 8)}.`;
  let tracing: Tracing;
  let db: TestDatabase;
  let gatewayUrl: string;

  let services: ServiceInstances;

  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'tss-kafka-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    db = await createTestDatabase('services_mode_kafka');
    services = new ServiceInstances(db.url, {}, process.env.KAFKA_BROKERS);
    gatewayUrl = await startGatewayOverKafka(services, { topicPrefix, clock: systemClock, admin: ADMIN, routed: [ticketIntakeService, slaTimerService] });
    await startOverKafka(services, topicPrefix, notificationService);
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
    await tracing?.shutdown();
  });

  it('a ticket POSTed through the gateway reaches sla-timer and notification over Kafka, in one trace', async () => {
    const client = new PlatformClient(gatewayUrl);
    const admin = await client.token(ADMIN.clientId, ADMIN.clientSecret);
    const acme = await client.partner(admin, 'Acme over Kafka');
    spans.reset();

    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ level: 'emergency' }));
    expect(filed.status).toBe(201);
    const ticketId: string = filed.body.id;

    const sla = await waitFor(
      'the response clock, read through the gateway',
      async () => {
        const response = await client.http().get(`/v1/tickets/${ticketId}/sla`).auth(acme.token, { type: 'bearer' });
        return response.body.clocks?.length === 1 && response.body;
      },
      { timeoutMs: 60_000 },
    );
    expect(sla.clocks[0].level).toBe('emergency');
    expect(Date.parse(sla.clocks[0].dueAt) - Date.parse(sla.clocks[0].startedAt)).toBe(6 * 3_600_000);

    const notification = services.all.find((i) => i.host.module.name === 'notification')!;
    await waitFor(
      'the acknowledgment',
      async () => (await notification.host.dataSource.query('SELECT reference FROM notification.acknowledgments WHERE ticket_id = $1', [ticketId]))[0]?.reference === filed.body.reference,
      { timeoutMs: 60_000 },
    );

    const finished = await waitFor('sla-timer consumer span', () => {
      const all = spans.getFinishedSpans();
      return all.some((s) => s.name === 'consume ticket.created' && s.attributes['tss.consumer_group'] === 'sla-timer') && all;
    });
    const gatewaySpan = finished.find((s) => s.name === 'POST /v1/*' && s.attributes['tss.service'] === 'gateway')!;
    const intakeSpan = finished.find((s) => s.name === 'POST /v1/tickets' && s.attributes['tss.service'] === 'ticket-intake')!;
    const publish = finished.find((s) => s.name === 'publish ticket.created')!;
    const consume = finished.find((s) => s.name === 'consume ticket.created' && s.attributes['tss.consumer_group'] === 'sla-timer')!;
    const traceId = gatewaySpan.spanContext().traceId;
    expect([intakeSpan, publish, consume].map((s) => s.spanContext().traceId)).toEqual([traceId, traceId, traceId]);
    expect(intakeSpan.parentSpanContext?.spanId).toBe(gatewaySpan.spanContext().spanId);
    expect(consume.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
  });

  // docs/adr/0031, addendum of 2026-12-04 (fourth session): agreements name partners sla-timer learned from the gateway.
  it('sla-timer learns a partner from the gateway’s partner.created over Kafka: an agreement for it is stored, one for an id nobody registered is a 422', async () => {
    const client = new PlatformClient(gatewayUrl);
    const admin = await client.token(ADMIN.clientId, ADMIN.clientSecret);
    const globex = await client.partner(admin, 'Globex over Kafka');
    const slaTimer = services.all.find((i) => i.host.module.name === 'sla-timer')!;
    await waitFor(
      'sla-timer knows the partner',
      async () => ((await slaTimer.host.dataSource.query('SELECT 1 FROM sla_timer.partners WHERE id = $1', [globex.partnerId])) as unknown[]).length === 1,
      { timeoutMs: 60_000 },
    );
    const terms = (targetMs: number, phoneSupport = false) => ({ targetMs, phoneSupport });
    const agreement = { levels: { emergency: terms(3_600_000, true), standard: terms(7_200_000), consulting: terms(86_400_000, true), development: terms(604_800_000) }, warningAt: [0.5], overdueAt: 1.5 };
    const agree = (partnerId: string) => client.http().put(`/v1/partners/${partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(agreement);
    expect((await agree(globex.partnerId)).body).toMatchObject({ scope: globex.partnerId, version: 1 });
    const unknown = await agree(randomUUID());
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ in: 'params', pointer: '/id' })]);
  });

  it('readiness reports the database of each service; the broker is a metric, not readiness (docs/adr/0020)', async () => {
    for (const instance of services.all) {
      if (!instance.app.server.listening) await instance.app.listen({ host: '127.0.0.1', port: 0 });
      const ready = await fetch(`http://127.0.0.1:${(instance.app.server.address() as AddressInfo).port}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: unknown }).checks).toEqual({ [`${instance.host.module.name}:database`]: 'ok' });
    }
  });
});
