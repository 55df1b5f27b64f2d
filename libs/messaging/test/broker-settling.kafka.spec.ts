import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { metricsRegistry } from '@tss/service-kit';
import { logCapture, waitFor, type LogLine } from '@tss/service-kit/testing';
import { KafkaTransport } from '../src/kafka/kafka-transport';
import { fixKafkajsRequestQueue } from '../src/kafka/request-queue-fix';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
const SERVICES = ['rating', 'sla-timer', 'escalation', 'notification'];

const reachable = async (client: string): Promise<number | undefined> =>
  (await metricsRegistry().getSingleMetric('tss_kafka_broker_reachable')?.get())?.values.find((v) => v.labels.client === client)?.value;

/**
 * The first start of a new data folder in services mode (docs/adr/0020, addendum of 2026-12-05,
 * third session): every service creates the topics it uses at once, so all but one are told a topic
 * already exists ("Response CreateTopics(key: 19, version: 3)", "Topic creation errors"), and a new
 * group's coordinator may answer "not available" while the offsets topic is made. The broker
 * answered each time: rating and sla-timer logged "Kafka unreachable … outage: started" for it.
 */
describe('a broker’s answers while it settles are not an outage (real broker)', () => {
  const prefix = `s${randomUUID().slice(0, 8)}.`;
  const transports: { transport: KafkaTransport; lines: LogLine[]; client: string }[] = [];
  const subscriptions: { stop(): Promise<void> }[] = [];
  // As every KafkaTransport does before its first client (docs/adr/0057).
  fixKafkajsRequestQueue();
  const admin = new Kafka({ clientId: 'broker-settling-admin', brokers, logLevel: logLevel.NOTHING }).admin();

  beforeAll(async () => {
    await admin.connect();
    for (const service of SERVICES) {
      const capture = logCapture();
      const client = `${service}-${prefix}`;
      transports.push({ transport: new KafkaTransport({ brokers, clientId: client, logger: pino({ level: 'debug' }, capture.stream), topicPrefix: prefix }), lines: capture.lines, client });
    }
    // Connected first, so that their look-ups and creations of the topics below meet at the broker.
    await Promise.all(transports.map(({ transport }) => transport.ping()));
  });

  afterAll(async () => {
    for (const s of subscriptions) await s.stop();
    for (const { transport } of transports) await transport.close();
    await admin.disconnect();
  });

  it('services creating the same topics at once, then joining new groups: no outage, every gauge 1', async () => {
    const topics = ['ticket', 'sla', 'rating'].map((t) => `tss.${t}`);
    await Promise.all(transports.map(({ transport }) => transport.ensureTopics(topics)));
    for (const [index, { transport }] of transports.entries()) {
      subscriptions.push(await transport.subscribe({ group: SERVICES[index], topics, handle: async () => undefined }));
    }
    const groups = SERVICES.map((service) => `${prefix}${service}`);
    await waitFor('every group joined', async () => (await admin.describeGroups(groups)).groups.every((g) => g.state === 'Stable'), { timeoutMs: 60_000, intervalMs: 200 });

    const all = transports.flatMap(({ lines, client }) => lines.map((l): LogLine => ({ ...l, client })));
    // The race happened: at least one service was told a topic already exists.
    expect(all.filter((l) => l.msg.includes('Response CreateTopics')).length).toBeGreaterThan(0);
    expect(all.filter((l) => /Kafka unreachable/.test(l.msg) || l.outage !== undefined).map((l) => `${l.client}: ${l.msg}`)).toEqual([]);
    // Each answer (CreateTopics, and on a fresh broker "Response GroupCoordinator … not available") is told as the broker settling.
    expect(all.filter((l) => l.msg.includes(': Response ')).every((l) => l.level === 30 && l.msg.startsWith('Kafka broker settling: '))).toBe(true);
    for (const { transport, client } of transports) {
      expect(transport.brokerStatus.reachable).toBe(true);
      expect(await reachable(client)).toBe(1);
    }
  }, 120_000);
});
