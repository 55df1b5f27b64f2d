#!/usr/bin/env node
// Smoke test of the test broker with the real kafkajs client.
//   KAFKA_BROKERS=127.0.0.1:9092 node deploy/kafka/smoke.cjs
//   bash deploy/kafka/kafka-broker.sh run node deploy/kafka/smoke.cjs
// Admin: createTopics (3 partitions), describeCluster, fetchTopicMetadata, fetchTopicOffsets,
// describeGroups, fetchOffsets, deleteTopics. Producer: idempotent, 10 keyed messages with
// headers. Consumer: a consumer group, manual commit, committed offsets checked via admin.
// Exits 0 on success, 1 on any failure (or after SMOKE_TIMEOUT_MS, default 60000).
'use strict';

const { Kafka, logLevel, Partitioners } = require('kafkajs');

const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((s) => s.trim()).filter(Boolean);
const TOTAL = 10;
const PARTITIONS = 3;
const runId = `${Date.now()}-${process.pid}`;
const topic = `smoke-${runId}`;
const groupId = `smoke-group-${runId}`;
const timeoutMs = Number(process.env.SMOKE_TIMEOUT_MS || 60000);

const t0 = Date.now();
const ms = () => `${Date.now() - t0}ms`;
const step = (msg) => console.log(`[smoke ${ms()}] ${msg}`);

const kafka = new Kafka({
  clientId: 'kafka-broker-smoke',
  brokers,
  logLevel: process.env.KAFKAJS_LOG_LEVEL ? logLevel[process.env.KAFKAJS_LOG_LEVEL] : logLevel.WARN,
});

async function main() {
  const admin = kafka.admin();
  // DefaultPartitioner is the kafkajs >= 2 default; naming it silences the partitioner warning.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, allowAutoTopicCreation: false });
  // maxWaitTimeInMs: consumer.stop() waits for the in-flight fetch (default 5000 ms long poll).
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout: 10000, heartbeatInterval: 1000, maxWaitTimeInMs: 250 });
  const summary = { brokers, topic, groupId };

  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    summary.clusterId = cluster.clusterId;
    summary.controller = cluster.controller;
    step(`connected: cluster ${cluster.clusterId}, brokers ${cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',')}`);

    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    if (!created) throw new Error(`createTopics returned false for ${topic}`);
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const nParts = md.topics[0].partitions.length;
    if (nParts !== PARTITIONS) throw new Error(`expected ${PARTITIONS} partitions, metadata says ${nParts}`);
    step(`created topic ${topic} with ${nParts} partitions`);

    await producer.connect();
    const messages = Array.from({ length: TOTAL }, (_, i) => ({
      key: `key-${i}`,
      value: JSON.stringify({ i, runId }),
      headers: { 'x-index': String(i), 'x-run': runId },
    }));
    const sent = await producer.send({ topic, acks: -1, messages });
    step(`produced ${TOTAL} messages: ${JSON.stringify(sent.map((r) => [r.partition, r.baseOffset]))}`);

    const offsets = await admin.fetchTopicOffsets(topic);
    const highSum = offsets.reduce((acc, o) => acc + Number(o.high), 0);
    if (highSum !== TOTAL) throw new Error(`expected ${TOTAL} messages in the topic, high watermarks sum to ${highSum}`);
    const usedPartitions = offsets.filter((o) => Number(o.high) > 0).length;

    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = [];
    let resolveAll;
    const allReceived = new Promise((r) => { resolveAll = r; });
    const groupJoin = new Promise((r) => consumer.on(consumer.events.GROUP_JOIN, (e) => r(e.payload)));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers || {}).map(([k, v]) => [k, v && v.toString()]));
        received.push({ partition, offset: message.offset, key: message.key && message.key.toString(), value: message.value.toString(), headers });
        await consumer.commitOffsets([{ topic: t, partition, offset: String(Number(message.offset) + 1) }]);
        if (received.length >= TOTAL) resolveAll();
      },
    });
    const join = await groupJoin;
    step(`joined group ${groupId} as ${join.isLeader ? 'leader' : 'member'} (${join.duration}ms), assigned ${JSON.stringify(join.memberAssignment)}`);
    await allReceived;
    step(`consumed ${received.length} messages`);

    // Checks: every key once, headers intact, key -> value matches.
    const keys = new Set(received.map((m) => m.key));
    if (keys.size !== TOTAL) throw new Error(`expected ${TOTAL} distinct keys, got ${keys.size}`);
    for (const m of received) {
      const i = Number(m.key.slice('key-'.length));
      if (JSON.parse(m.value).i !== i) throw new Error(`value mismatch for ${m.key}`);
      if (m.headers['x-index'] !== String(i) || m.headers['x-run'] !== runId) throw new Error(`header mismatch for ${m.key}: ${JSON.stringify(m.headers)}`);
    }

    const groups = await admin.describeGroups([groupId]);
    const g = groups.groups[0];
    summary.group = { state: g.state, protocolType: g.protocolType, protocol: g.protocol, members: g.members.length };
    await consumer.stop();
    await consumer.disconnect();

    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedSum = committed[0].partitions.reduce((acc, p) => acc + Math.max(0, Number(p.offset)), 0);
    if (committedSum !== TOTAL) throw new Error(`expected committed offsets to sum to ${TOTAL}, got ${committedSum}: ${JSON.stringify(committed)}`);
    step(`committed offsets: ${JSON.stringify(committed[0].partitions.map((p) => [p.partition, p.offset]))}`);

    await admin.deleteGroups([groupId]);
    await admin.deleteTopics({ topics: [topic] });

    Object.assign(summary, {
      ok: true,
      produced: TOTAL,
      consumed: received.length,
      partitionsWithData: usedPartitions,
      committed: committedSum,
      elapsedMs: Date.now() - t0,
    });
    console.log(`SMOKE OK ${JSON.stringify(summary)}`);
  } finally {
    await Promise.allSettled([producer.disconnect(), consumer.disconnect(), admin.disconnect()]);
  }
}

const timer = setTimeout(() => {
  console.error(`SMOKE FAILED: timed out after ${timeoutMs}ms`);
  process.exit(1);
}, timeoutMs);

main().then(
  () => { clearTimeout(timer); process.exit(0); },
  (err) => {
    console.error(`SMOKE FAILED: ${err && err.stack ? err.stack : err}`);
    if (err && err.cause) console.error('cause:', err.cause);
    process.exit(1);
  },
);
