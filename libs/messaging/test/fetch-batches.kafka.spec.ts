import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import type { CloudEventEnvelope } from '@tss/contracts';
import { waitFor } from '@tss/service-kit/testing';
import { KafkaTransport } from '../src/kafka/kafka-transport';
import { fixKafkajsRequestQueue } from '../src/kafka/request-queue-fix';
import type { BatchProgress, InboundMessage } from '../src/transport';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const envelope = (subject: string, n: number): CloudEventEnvelope => ({
  specversion: '1.0',
  id: randomUUID(),
  source: 'fetch-batches-test',
  type: 'ticket.accepted',
  time: new Date('2026-12-07T00:00:00Z').toISOString(),
  subject,
  datacontenttype: 'application/json',
  dataschema: 'urn:tss:event:ticket.accepted:v1',
  data: { n },
});

const partitionOf = (m: InboundMessage) => (m.position ?? '').split('@')[0];
const idOf = (m: InboundMessage) => (m.event as { id: string }).id;

// docs/adr/0087: the partitions of one fetch reach the batch handler as one batch (one
// transaction in the consumer), each partition's messages together and in their order.
describe('a fetch of several partitions over a real broker', () => {
  const transports: KafkaTransport[] = [];
  const admin = new Kafka({ clientId: 'fetch-batches-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  const transportWith = (mergeLimit?: number) => {
    const topicPrefix = `t${randomUUID().slice(0, 8)}.`;
    const transport = new KafkaTransport({
      brokers,
      clientId: 'fetch-batches-test',
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      topicPrefix,
      ...(mergeLimit === undefined ? {} : { mergeLimit }),
    });
    transports.push(transport);
    return Object.assign(transport, { topicPrefix });
  };
  fixKafkajsRequestQueue();

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await admin.disconnect();
  });

  /** The group's committed offset of each partition against the partition's end: equal once everything read is committed. */
  const committedAndEnd = async (prefix: string) => {
    const [committed] = await admin.fetchOffsets({ groupId: `${prefix}merging`, topics: [`${prefix}merge.events`] });
    const ends = await admin.fetchTopicOffsets(`${prefix}merge.events`);
    return {
      committed: Object.fromEntries(committed.partitions.map((p) => [p.partition, p.offset])),
      end: Object.fromEntries(ends.map((p) => [p.partition, p.high])),
    };
  };

  /** Publishes 3 events for each of 12 keys (over the topic's 3 partitions), then reads them with a batch handler that records its batches. */
  const readBack = async (transport: KafkaTransport & { topicPrefix: string }) => {
    const topic = 'merge.events';
    await transport.ensureTopics([topic]);
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const rounds = [0, 1, 2].map((n) => keys.map((key) => ({ topic, key, event: envelope(key, n) })));
    for (const round of rounds) await transport.publish(round);
    const sent = rounds.flat();
    const batches: InboundMessage[][] = [];
    const subscription = await transport.subscribe({
      group: 'merging',
      topics: [topic],
      handle: async () => undefined,
      handleBatch: async (messages: readonly InboundMessage[], progress: BatchProgress) => {
        batches.push([...messages]);
        progress.handled(messages.length);
      },
    });
    let offsets: Awaited<ReturnType<typeof committedAndEnd>> | undefined;
    try {
      const ids = new Set(sent.map((m) => m.event.id));
      await waitFor('every event read', () => batches.flat().filter((m) => ids.has(idOf(m))).length >= ids.size && new Set(batches.flat().map(idOf)).size >= ids.size, {
        timeoutMs: 60_000,
      });
      // The offsets of what was handled are committed (by FetchBatches, once a fetch's batches are done).
      offsets = await waitFor('the handled offsets committed', async () => {
        const now = await committedAndEnd(transport.topicPrefix);
        return JSON.stringify(now.committed) === JSON.stringify(now.end) && now;
      }, { timeoutMs: 30_000 });
    } finally {
      await subscription.stop();
    }
    return { batches, sent, offsets };
  };

  it('hands the partitions of a fetch over as one batch, each partition together and in its order', async () => {
    const { batches, sent, offsets } = await readBack(transportWith());
    expect(Object.keys(offsets?.committed ?? {})).toHaveLength(3);
    const all = batches.flat();
    // All three partitions held events when the group first fetched: they came as one batch.
    expect(Math.max(...batches.map((b) => new Set(b.map(partitionOf)).size))).toBe(3);
    for (const batch of batches) {
      // Partition after partition: a partition's messages are together in the batch.
      const runs = batch.map(partitionOf).filter((p, i, list) => i === 0 || list[i - 1] !== p);
      expect(new Set(runs).size).toBe(runs.length);
    }
    // Each key's events in the order they were published (a redelivered copy, if any, after its first).
    for (const key of new Set(sent.map((m) => m.key))) {
      const firsts = [...new Map(all.filter((m) => m.key === key).map((m) => [idOf(m), (m.event as CloudEventEnvelope).data as { n: number }])).values()].map((d) => d.n);
      expect(firsts).toEqual([0, 1, 2]);
    }
  });

  it('hands each partition over on its own with a merge limit of 0', async () => {
    const { batches } = await readBack(transportWith(0));
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const batch of batches) expect(new Set(batch.map(partitionOf)).size).toBe(1);
  });
});
