import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { dataSchemaUri, TicketCreatedV1 } from '@tss/contracts';
import { metricsRegistry, systemClock } from '@tss/service-kit';
import { logCapture, waitFor } from '@tss/service-kit/testing';
import { KafkaTransport } from '../src/kafka/kafka-transport';
import { sampleTicketCreated } from '../src/testing';
import { ownBroker } from './support/own-broker';

const reachable = async (client: string): Promise<number | undefined> =>
  (await metricsRegistry().getSingleMetric('tss_kafka_broker_reachable')?.get())?.values.find((v) => v.labels.client === client)?.value;

/** What the consumer-only client logged at warn or above. */
const loud = (lines: { level: number; msg: string }[]) => lines.filter((l) => l.level >= 40).map((l) => l.msg);

/**
 * An operator's audit (sixth session of 2026-12-05): a hung broker (SIGSTOP) left every service that
 * only consumes at `tss_kafka_broker_reachable` 1, with no line, for minutes; only the service whose
 * produce timed out went to 0. A consumer's request that times out is the broker unreachable too.
 */
describe('a hung broker is seen by a client that only consumes (real broker of its own)', () => {
  const prefix = `h${randomUUID().slice(0, 8)}.`;
  const client = `consumer-only-${prefix}`;
  const capture = logCapture();
  let broker: Awaited<ReturnType<typeof ownBroker>>;
  let consumer: KafkaTransport;
  let producer: KafkaTransport;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    broker = await ownBroker();
    const options = { brokers: [broker.address], topicPrefix: prefix, maxRetryTimeMs: 2_000 };
    // A request unanswered for 8 s fails (kafkajs's default is 30 s): the suite need not wait longer.
    consumer = new KafkaTransport({ ...options, requestTimeoutMs: 8_000, clientId: client, logger: pino({ level: 'debug' }, capture.stream) });
    producer = new KafkaTransport({ ...options, clientId: `producer-${prefix}`, logger: pino({ level: 'silent' }) });
  }, 180_000);

  afterAll(async () => {
    broker?.signal('SIGCONT');
    await stop?.();
    await consumer?.close();
    await producer?.close();
    await broker?.destroy();
  }, 120_000);

  it('goes to 0 with one warn line while the broker does not answer, and back to 1 at its first answer', async () => {
    const handled: string[] = [];
    ({ stop } = await consumer.subscribe({ group: 'hung', topics: ['tss.ticket'], handle: async (m) => void handled.push((m.event as { id?: string } | undefined)?.id ?? '') }));
    const id = randomUUID();
    await producer.publish([
      {
        topic: 'tss.ticket',
        key: 'ticket-1',
        event: {
          specversion: '1.0',
          id,
          source: 'tss/ticket-intake',
          type: TicketCreatedV1.type,
          time: systemClock.now().toISOString(),
          subject: 'ticket-1',
          datacontenttype: 'application/json',
          dataschema: dataSchemaUri(TicketCreatedV1.type, TicketCreatedV1.version),
          data: sampleTicketCreated(1),
        },
      },
    ]);
    await waitFor('the event consumed', async () => handled.includes(id), { timeoutMs: 60_000 });
    expect(await reachable(client)).toBe(1);
    const before = capture.lines.length;

    broker.signal('SIGSTOP');
    // kafkajs times a request out after its requestTimeout (8 s here); the bound leaves room for that.
    const outcome = await new Promise<string>((resolve) => {
      const bound = setTimeout(() => resolve('still reachable after 30 s'), 30_000);
      consumer.onUnreachable(() => {
        clearTimeout(bound);
        resolve('unreachable');
      });
    });
    expect(outcome).toBe('unreachable');
    expect(await reachable(client)).toBe(0);

    broker.signal('SIGCONT');
    await waitFor('reachable again', async () => consumer.brokerStatus.reachable, { timeoutMs: 60_000 });
    expect(await reachable(client)).toBe(1);
    const during = capture.lines.slice(before);
    expect(during.filter((l) => l.outage === 'started')).toHaveLength(1);
    expect(during.filter((l) => l.outage === 'ended')).toHaveLength(1);
    expect(loud(during).filter((m) => m.startsWith('Kafka unreachable'))).toHaveLength(1);
  }, 150_000);
});
