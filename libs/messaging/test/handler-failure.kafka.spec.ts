import { randomUUID } from 'node:crypto';
import { DatabaseError } from 'pg';
import pino from 'pino';
import type { CloudEventEnvelope } from '@tss/contracts';
import { metricsRegistry } from '@tss/service-kit';
import { logCapture, waitFor } from '@tss/service-kit/testing';
import { KafkaTransport } from '../src/kafka/kafka-transport';
import type { InboundMessage } from '../src/transport';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const CLIENT = 'handler-failure-test';

const envelope = (subject: string): CloudEventEnvelope => ({
  specversion: '1.0',
  id: randomUUID(),
  source: 'handler-failure-test',
  type: 'ticket.accepted',
  time: new Date('2026-12-04T00:00:00Z').toISOString(),
  subject,
  datacontenttype: 'application/json',
  dataschema: 'urn:tss:event:ticket.accepted:v1',
  data: { n: subject },
});

const reachable = async (): Promise<number | undefined> =>
  (await metricsRegistry().getSingleMetric('tss_kafka_broker_reachable')?.get())?.values.find((v) => v.labels.client === CLIENT)?.value;

// A handler's database outage while Kafka answers is not a Kafka outage (services mode, fault test).
describe('a handler failing on its database, Kafka up', () => {
  const { lines, stream } = logCapture();
  const transport = new KafkaTransport({ brokers, clientId: CLIENT, logger: pino({ level: 'debug' }, stream), topicPrefix: `h${randomUUID().slice(0, 8)}.` });

  beforeAll(async () => {
    await transport.ping();
  });

  afterAll(async () => {
    await transport.close();
  });

  it('is logged as the database’s, the broker stays reachable, and the events come again', async () => {
    const topic = 'handler.events';
    await transport.ensureTopics([topic]);
    await transport.publish([{ topic, key: 'k1', event: envelope('k1') }]);
    let failuresLeft = 2;
    // From the first fetch on, the broker answers: what is logged from then on is the handler's.
    let fetchedAtLine: number | undefined;
    const handled: InboundMessage[] = [];
    const subscription = await transport.subscribe({
      group: 'failing-handler',
      topics: [topic],
      handle: async () => undefined,
      handleBatch: async (messages, progress) => {
        fetchedAtLine ??= lines.length;
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          const error = new DatabaseError('the database system is shutting down', 107, 'error');
          error.code = '57P03';
          throw error;
        }
        handled.push(...messages);
        progress.handled(messages.length);
      },
    });
    try {
      await waitFor('the event, once the database is back', () => handled.length === 1, { timeoutMs: 30_000 });
    } finally {
      await subscription.stop();
    }

    const sinceFetched = lines.slice(fetchedAtLine);
    expect(sinceFetched.filter((l) => /Kafka unreachable/.test(l.msg) || l.outage !== undefined)).toEqual([]);
    expect(transport.brokerStatus.reachable).toBe(true);
    expect(await reachable()).toBe(1);
    expect(sinceFetched.filter((l) => l.level === 40 && l.msg.startsWith('database unavailable: the database system is shutting down'))).toHaveLength(2);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  }, 60_000);
});
