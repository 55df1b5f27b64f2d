import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import type { CloudEventEnvelope } from '@tss/contracts';
import { metricsRegistry } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { measureConsumerLag } from '../src/kafka/consumer-lag';
import { KafkaTransport } from '../src/kafka/kafka-transport';
import { fixKafkajsRequestQueue } from '../src/kafka/request-queue-fix';
import type { InboundMessage } from '../src/transport';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const envelope = (subject: string): CloudEventEnvelope => ({
  specversion: '1.0',
  id: randomUUID(),
  source: 'lag-test',
  type: 'ticket.accepted',
  time: new Date('2026-12-02T00:00:00Z').toISOString(),
  subject,
  datacontenttype: 'application/json',
  dataschema: 'urn:tss:event:ticket.accepted:v1',
  data: { n: subject },
});

/** `tss_consumer_lag_messages` of one group, summed over partitions, as a scrape sees it. */
const scrapedLag = async (group: string): Promise<number | undefined> => {
  const values = (await metricsRegistry().getSingleMetric('tss_consumer_lag_messages')?.get())?.values.filter((v) => v.labels.group === group) ?? [];
  return values.length === 0 ? undefined : values.reduce((sum, v) => sum + v.value, 0);
};

// Issue #14: services expose their consumer lag (HPA on lag, the lag alert) without an exporter.
describe('consumer lag from the broker (tss_consumer_lag_messages)', () => {
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const transport = new KafkaTransport({ brokers, clientId: 'lag-test', logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), topicPrefix: prefix });
  fixKafkajsRequestQueue();
  const kafka = new Kafka({ clientId: 'lag-test-admin', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();

  beforeAll(async () => {
    await transport.ping();
    await admin.connect();
  });

  afterAll(async () => {
    await transport.close();
    await admin.disconnect();
  });

  it('counts what a group has not committed, per partition, and falls to 0 as it consumes', async () => {
    const topic = 'lag.events';
    await transport.ensureTopics([topic]);
    await transport.publish(Array.from({ length: 7 }, (_, i) => ({ topic, key: `k${i}`, event: envelope(`k${i}`) })));
    // What the log holds: the 7, and again those a retried produce appended twice. Publishing is at
    // least once: kafkajs sends a broker's request again whole when one of its partitions fails (a
    // leader still moving on a new topic), so the partitions that took it get it twice; consumers'
    // inboxes absorb that. A CI run under load met it: 12 in the log, the 7 plus 5 again.
    const offsets = await admin.fetchTopicOffsets(`${prefix}${topic}`);
    const inLog = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    expect(inLog).toBeGreaterThanOrEqual(7);
    // A group that never committed owes everything in the log. On a broker just started, the group
    // coordinator may still be loading its offsets topic (a retriable COORDINATOR_LOAD_IN_PROGRESS):
    // the scrape asks again, and so does this.
    const never = await waitFor('the group coordinator answering', () => measureConsumerLag(admin, `${prefix}never`, [`${prefix}${topic}`]).catch(() => undefined), { timeoutMs: 30_000 });
    expect(never.reduce((sum, p) => sum + p.lag, 0)).toBe(inLog);
    expect(new Set(never.map((p) => p.topic))).toEqual(new Set([`${prefix}${topic}`]));

    // A subscribed group that holds its messages: its lag is scraped under its unprefixed name.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const seen: InboundMessage[] = [];
    const subscription = await transport.subscribe({
      group: 'lagging',
      topics: [topic],
      handle: async (message) => {
        seen.push(message);
        await held;
      },
    });
    try {
      await waitFor('the group to fetch', () => seen.length > 0, { timeoutMs: 30_000 });
      expect(await scrapedLag('lagging')).toBe(inLog);
      release();
      await waitFor('the lag to fall to 0 once the group has committed', async () => (await scrapedLag('lagging')) === 0, { timeoutMs: 30_000 });
      expect(seen).toHaveLength(inLog);
      expect(new Set(seen.map((m) => m.key))).toEqual(new Set(Array.from({ length: 7 }, (_, i) => `k${i}`)));
    } finally {
      release();
      await subscription.stop();
    }
    // A stopped subscription is no longer reported.
    expect(await scrapedLag('lagging')).toBeUndefined();
  });
});
