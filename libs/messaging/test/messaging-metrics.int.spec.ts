import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TicketAcceptedV1, TicketCreatedV1, TicketTeamLeaderRequestedV1 } from '@tss/contracts';
import { metricsRegistry } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { EventConsumer, on } from '../src/consumer/event-consumer';
import { InProcessTransport } from '../src/in-process/in-process-transport';
import { Outbox } from '../src/outbox/outbox';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { openPipelineDatabase, type PipelineDatabase } from './support/test-pipeline';
import type { EventTransport, OutboundMessage } from '../src/transport';
import { sampleTicketCreated } from '../src/testing';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const PRODUCER = 'metrics_producer';
const CONSUMER = 'metrics_consumer';
const PRODUCING_SERVICE = 'metrics-producer';
const CONSUMING_SERVICE = 'metrics-consumer';

/** One sample of a metric in the process registry, as Prometheus would scrape it. */
const sample = async (name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const metric = metricsRegistry().getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value;
};

const createdData = (sequence: number) => sampleTicketCreated(sequence);

describe('messaging metrics (issue #7)', () => {
  let pipeline: PipelineDatabase;
  let producerDs: DataSource;
  let consumerDs: DataSource;
  let transport: InProcessTransport;
  const clock = new TestClock('2026-04-01T12:00:00.000Z');
  const outbox = new Outbox({ service: 'ticket-intake', schema: PRODUCER, clock });

  // A database per test: a new consumer group reads the whole log, so one test's events stay out of the other's counts.
  beforeEach(async () => {
    pipeline = await openPipelineDatabase('messaging_metrics', { producer: PRODUCER, consumer: CONSUMER });
    ({ producerDs, consumerDs, transport } = pipeline);
  });

  afterEach(async () => {
    await pipeline?.close();
  });

  it('exports the outbox backlog, the age of its oldest row and the published count, by service', async () => {
    let release!: () => void;
    const brokerBack = new Promise<void>((resolve) => (release = resolve));
    let attempted = false;
    const brokerAway: EventTransport = Object.assign(Object.create(transport) as EventTransport, {
      copyFromOutbox: undefined, // through `publish`, which waits for the broker
      publish: async (messages: readonly OutboundMessage[]) => {
        attempted = true;
        await brokerBack;
        await transport.publish(messages);
      },
    });
    const relay = new OutboxRelay({ dataSource: producerDs, schema: PRODUCER, service: PRODUCING_SERVICE, transport: brokerAway, clock, logger, pollIntervalMs: 10_000 });
    const publishedBefore = (await sample('tss_outbox_published_events_total', { service: PRODUCING_SERVICE })) ?? 0;
    await new UnitOfWork(producerDs).run(async (tx) => {
      for (let sequence = 1; sequence <= 3; sequence += 1) await outbox.add(tx, TicketCreatedV1, randomUUID(), createdData(sequence));
    });
    clock.advanceMs(90_000);
    relay.start();
    try {
      await waitFor('the relay to try the batch', () => attempted);
      expect(await sample('tss_outbox_backlog_events', { service: PRODUCING_SERVICE })).toBe(3);
      expect(await sample('tss_outbox_oldest_unpublished_age_seconds', { service: PRODUCING_SERVICE })).toBe(90);
      release();
      await waitFor('the backlog drained', async () => (await sample('tss_outbox_backlog_events', { service: PRODUCING_SERVICE })) === 0);
      expect(await sample('tss_outbox_oldest_unpublished_age_seconds', { service: PRODUCING_SERVICE })).toBe(0);
      expect(await sample('tss_outbox_published_events_total', { service: PRODUCING_SERVICE })).toBe(publishedBefore + 3);
      expect(await metricsRegistry().metrics()).toContain(`tss_outbox_backlog_events{service="${PRODUCING_SERVICE}"} 0`);
    } finally {
      await relay.stop();
    }
  });

  it('exports consumer outcomes and parked dead letters, by service', async () => {
    const relay = new OutboxRelay({ dataSource: producerDs, schema: PRODUCER, service: PRODUCING_SERVICE, transport, clock, logger, pollIntervalMs: 10_000 });
    const poisoned = randomUUID();
    const consumer = new EventConsumer({
      group: CONSUMING_SERVICE,
      schema: CONSUMER,
      transport,
      unitOfWork: new UnitOfWork(consumerDs),
      outbox: new Outbox({ service: 'sla-timer', schema: CONSUMER, clock }),
      clock,
      logger,
      bindings: [
        on(TicketCreatedV1, async () => undefined),
        on(TicketAcceptedV1, async (event) => {
          if (event.subject === poisoned) throw new Error('handler bug');
        }),
      ],
      maxAttempts: 1,
      retryBaseMs: 1,
    });
    relay.start();
    await consumer.start();
    try {
      const fine = randomUUID();
      const handled = await new UnitOfWork(producerDs, relay).run(async (tx) => {
        const event = await outbox.add(tx, TicketCreatedV1, fine, createdData(1)); // handled
        await outbox.add(tx, TicketTeamLeaderRequestedV1, fine, { partnerId: randomUUID(), sequence: 2, requestedAt: '2026-01-01T00:00:00.000Z' }); // skipped
        await outbox.add(tx, TicketAcceptedV1, poisoned, { partnerId: randomUUID(), sequence: 1, acceptedAt: '2026-01-01T00:00:00.000Z', via: 'api' }); // dead-lettered
        await outbox.add(tx, TicketCreatedV1, poisoned, createdData(2)); // parked behind it
        return event;
      });
      await transport.publish([{ topic: TicketCreatedV1.topic, key: fine, event: handled }]); // duplicate
      await waitFor('five outcomes', () => Object.values(consumer.outcomes).reduce((a, b) => a + b, 0) >= 5);
      for (const outcome of ['handled', 'duplicate', 'skipped', 'dead-lettered', 'parked']) {
        expect([outcome, await sample('tss_consumer_events_total', { service: CONSUMING_SERVICE, outcome })]).toEqual([outcome, 1]);
      }
      expect(await sample('tss_dead_letters', { service: CONSUMING_SERVICE, status: 'parked' })).toBe(1);
      expect(await sample('tss_dead_letters', { service: CONSUMING_SERVICE, status: 'skipped' })).toBe(0);
      const [deadLetter] = await consumer.deadLetters.list('parked');
      await consumer.deadLetters.skip(deadLetter.id);
      expect(await sample('tss_dead_letters', { service: CONSUMING_SERVICE, status: 'parked' })).toBe(0);
      expect(await sample('tss_dead_letters', { service: CONSUMING_SERVICE, status: 'skipped' })).toBe(1);
    } finally {
      await consumer.stop();
      await relay.stop();
    }
  });
});
