import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { startTracing, systemClock, type Tracing } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { slaTimerService } from '@tss/sla-timer';
import { ticketIntakeService } from '@tss/ticket-intake';
import { startGatewayOverKafka } from './support/kafka-services';
import { ServiceInstances } from './support/service-instances';

const ADMIN = { clientId: 'tracing-kafka-admin', clientSecret: 'tracing-kafka-admin-secret-0123' };
const KAFKAJS = '@opentelemetry/instrumentation-kafkajs';
const PG = '@opentelemetry/instrumentation-pg';

/**
 * docs/adr/0022-tracing.md over a real broker: the relay publishes batches outside any span, yet
 * each kafkajs `send` span continues its own event's trace (ce_traceparent), under the relay's
 * publish span. The Jaeger suite checks the same across processes; this one runs wherever the
 * Kafka suite runs.
 */
describe('tracing instrumentations, services mode over real Kafka', () => {
  const spans = new InMemorySpanExporter();
  const topicPrefix = `tr${randomUUID().slice(0, 8)}.`;
  let tracing: Tracing;
  let db: TestDatabase;
  let services: ServiceInstances;
  let gatewayUrl: string;


  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'tss-tracing-kafka-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    db = await createTestDatabase('tracing_kafka');
    services = new ServiceInstances(db.url, {}, process.env.KAFKA_BROKERS);
    gatewayUrl = await startGatewayOverKafka(services, { topicPrefix, clock: systemClock, admin: ADMIN, routed: [ticketIntakeService, slaTimerService] });
  }, 120_000);

  afterAll(async () => {
    await services?.stopAll();
    await db?.drop();
    await tracing?.shutdown();
  });

  it('a filed ticket’s kafkajs send span is the child of its relay publish span, and sla-timer’s SQL sits under its consume span', async () => {
    const client = new PlatformClient(gatewayUrl);
    const partner = await client.partner(await client.token(ADMIN.clientId, ADMIN.clientSecret), 'Acme traced over Kafka');
    spans.reset();

    const filed = await client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);

    const finished = await waitFor(
      'sla-timer’s consume span and its SQL',
      () => {
        const all = spans.getFinishedSpans();
        const consume = all.find((s) => s.name === 'consume ticket.created' && s.attributes['tss.consumer_group'] === 'sla-timer');
        return consume && all.some((s) => s.parentSpanContext?.spanId === consume.spanContext().spanId && s.instrumentationScope.name === PG) && all;
      },
      { timeoutMs: 60_000 },
    );
    const intake = finished.find((s) => s.kind === SpanKind.SERVER && s.attributes['tss.service'] === 'ticket-intake' && s.name === 'POST /v1/tickets')!;
    expect(intake).toBeDefined();
    const traceId = intake.spanContext().traceId;
    const inTrace = (s: ReadableSpan) => s.spanContext().traceId === traceId;
    const publish = finished.find((s) => inTrace(s) && s.name === 'publish ticket.created')!;
    expect(publish).toBeDefined();

    const send = finished.filter((s) => s.instrumentationScope.name === KAFKAJS && s.kind === SpanKind.PRODUCER && s.parentSpanContext?.spanId === publish.spanContext().spanId);
    expect(send).toHaveLength(1);
    expect(send[0].spanContext().traceId).toBe(traceId);
    expect(send[0].name).toBe(`send ${String(send[0].attributes['messaging.destination.name'])}`);

    // kafkajs's batch consumer spans start their own trace and link back to the send span.
    const processed = await waitFor('sla-timer’s kafkajs process span', () =>
      spans.getFinishedSpans().find((s) => s.instrumentationScope.name === KAFKAJS && s.kind === SpanKind.CONSUMER && s.links.some((l) => l.context.spanId === send[0].spanContext().spanId)),
    );
    expect(processed.name).toMatch(/^process /);
  });
});
