// `npm run bench` runs every benchmark; `npm run bench -- <name>` one of them.
import { runE2eBench } from './e2e/e2e.bench';
import { runIntakeBench } from './intake/intake.bench';
import { runKafkaSessionBench } from './kafka-session/kafka-session.bench';
import { runMemoryBench } from './memory/memory.bench';
import { runSlaTimersBench } from './sla/sla-timers.bench';
import { writeResult, type BenchFigures } from './support/results';
import { runWebhooksBench } from './webhooks/webhooks.bench';

const BENCHMARKS: Record<string, () => Promise<BenchFigures>> = {
  ack: () => import('./ack/ack.bench.js').then((m) => m.runAckBench()),
  intake: runIntakeBench,
  'kafka-session': runKafkaSessionBench,
  'kafka-e2e': runE2eBench,
  memory: runMemoryBench,
  sla: runSlaTimersBench,
  'sla-service': () => import('./sla/sla-service.bench.js').then((m) => m.runSlaServiceBench()),
  webhooks: runWebhooksBench,
};

const main = async (): Promise<void> => {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !BENCHMARKS[name]);
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  // Without a broker, the Kafka benchmarks are left out of a full run (and say so).
  const all = Object.keys(BENCHMARKS).filter((name) => process.env.KAFKA_BROKERS || !name.startsWith('kafka'));
  if (asked.length === 0 && all.length < Object.keys(BENCHMARKS).length) process.stderr.write('KAFKA_BROKERS is not set: the kafka-* benchmarks are left out\n');
  for (const name of asked.length > 0 ? asked : all) writeResult(await BENCHMARKS[name]());
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
