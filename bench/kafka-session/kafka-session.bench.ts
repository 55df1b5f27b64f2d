// `npm run bench -- kafka-session` (needs KAFKA_BROKERS): are 10 s consumer sessions with a 3 s
// heartbeat (docs/adr/0020: the defaults of KAFKA_SESSION_TIMEOUT_MS, KAFKA_HEARTBEAT_INTERVAL_MS)
// safe under load? One consumer group of two members drains a topic while every message costs CPU
// on the event loop; a rebalance after both have joined is a false eviction of a live member.
// Reports joins, rebalances and the time taken.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_KAFKA_HEARTBEAT_INTERVAL_MS, DEFAULT_KAFKA_SESSION_TIMEOUT_MS } from '@tss/messaging';
import type { BenchFigures } from '../support/results';

const MESSAGES = Number(process.env.BENCH_KAFKA_MESSAGES ?? 20_000);
const CPU_MS_PER_MESSAGE = Number(process.env.BENCH_KAFKA_CPU_MS ?? 2);

const busy = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the handler's work, on the event loop, as a slow handler's would be
  }
};

export const runKafkaSessionBench = async (): Promise<BenchFigures> => {
  const brokers = process.env.KAFKA_BROKERS?.split(',');
  if (!brokers) throw new Error('kafka-session needs KAFKA_BROKERS (bash deploy/kafka/kafka-broker.sh run npm run bench -- kafka-session)');
  const run = randomBytes(4).toString('hex');
  const topic = `bench-session-${run}`;
  const kafka = new Kafka({ clientId: `bench-${run}`, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  for (let sent = 0; sent < MESSAGES; sent += 1_000) {
    await producer.send({ topic, messages: Array.from({ length: 1_000 }, (_, i) => ({ key: `k${(sent + i) % 500}`, value: String(sent + i) })) });
  }

  let joins = 0;
  let rebalances = 0;
  let handled = 0;
  const consumers = [0, 1].map(() =>
    kafka.consumer({ groupId: `bench-session-${run}`, sessionTimeout: DEFAULT_KAFKA_SESSION_TIMEOUT_MS, heartbeatInterval: DEFAULT_KAFKA_HEARTBEAT_INTERVAL_MS, maxWaitTimeInMs: 1_000 }),
  );
  const started = performance.now();
  for (const consumer of consumers) {
    consumer.on(consumer.events.GROUP_JOIN, () => (joins += 1));
    consumer.on(consumer.events.REBALANCING, () => (rebalances += 1));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async () => {
        busy(CPU_MS_PER_MESSAGE);
        handled += 1;
      },
    });
  }
  const deadline = started + 10 * 60_000;
  while (handled < MESSAGES && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  const seconds = (performance.now() - started) / 1000;
  for (const consumer of consumers) await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return {
    name: 'kafka-session',
    settings: { messages: MESSAGES, cpuMsPerMessage: CPU_MS_PER_MESSAGE, members: 2, partitions: 6, sessionTimeoutMs: DEFAULT_KAFKA_SESSION_TIMEOUT_MS, heartbeatIntervalMs: DEFAULT_KAFKA_HEARTBEAT_INTERVAL_MS },
    handled,
    seconds: Number(seconds.toFixed(1)),
    // The first member joins, then both join again when the second arrives: 3 joins. More is an eviction.
    joins,
    rebalances,
    extraJoins: Math.max(0, joins - 3),
  };
};
