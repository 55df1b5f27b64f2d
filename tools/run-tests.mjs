// `npm test`: type check, lint (module boundaries included), then every Jest suite.
// The Kafka suite runs only when KAFKA_BROKERS names a broker; otherwise we say so.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Runs a check with its output held, so two checks can run at once and still print in one piece. */
const check = (label, command, args) =>
  new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\n▶ ${label} (${seconds} s)\n${output}`);
      if (code !== 0) process.stderr.write(`✖ ${label} failed\n`);
      resolve(code ?? 1);
    });
  });

const extra = process.argv.slice(2);
if (!extra.length) {
  // @nx/enforce-module-boundaries reads Nx's cached project graph and skips itself, silently but
  // for a warning, when there is none (a fresh clone): compute it first.
  const graph = spawnSync('npx', ['nx', 'show', 'projects'], { env: process.env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (graph.status !== 0) process.exit(graph.status ?? 1);
  // Both at once (they share nothing); eslint runs once over the workspace rather than once per
  // project: the same rules, Nx module boundaries included, in a third of the time.
  const codes = await Promise.all([
    check('type check (tsc --noEmit)', 'npx', ['tsc', '-p', 'tsconfig.json']),
    check('lint (eslint + Nx module boundaries)', 'npx', ['eslint', 'libs', 'services']),
  ]);
  const failed = codes.find((code) => code !== 0);
  if (failed !== undefined) process.exit(failed);
}
if (!process.env.REDIS_URL) {
  process.stdout.write(
    '\n⚠ REDIS_URL is not set: the Redis suite (*.redis.spec.ts, rate limits shared by replicas) is SKIPPED.\n' +
      '  Run it with a Redis on 127.0.0.1: REDIS_URL=redis://127.0.0.1:6379 npm test (.ci/run starts one)\n',
  );
}
const kafka = process.env.KAFKA_BROKERS;
if (!kafka) {
  process.stdout.write(
    '\n⚠ KAFKA_BROKERS is not set: the Kafka suite (*.kafka.spec.ts) is SKIPPED.\n' +
      '  Run it with a real broker: bash deploy/kafka/kafka-broker.sh run npm test\n\n',
  );
}
if (!process.env.KAFKA_TEST_SASL_BROKERS || !process.env.KAFKA_TEST_SASL_SSL_BROKERS) {
  process.stdout.write(
    '\n⚠ KAFKA_TEST_SASL_BROKERS or KAFKA_TEST_SASL_SSL_BROKERS is not set: the Kafka SASL suite (*.kafka-sasl.spec.ts, PLAIN and TLS + SCRAM) is SKIPPED.\n' +
      '  Run it with both SASL listeners: KAFKA_SASL_PORT=9094 KAFKA_SASL_SSL_PORT=9095 bash deploy/kafka/kafka-broker.sh run npm test\n\n',
  );
}
if (!process.env.JAEGER_QUERY_URL || !kafka) {
  process.stdout.write(
    '\n⚠ JAEGER_QUERY_URL or KAFKA_BROKERS is not set: the trace-export suite (*.jaeger.spec.ts) is SKIPPED.\n' +
      '  Run it with a real collector and broker: bash deploy/kafka/kafka-broker.sh run bash deploy/jaeger/jaeger.sh run npm test\n\n',
  );
}
mkdirSync('.cache', { recursive: true });
const resultsFile = '.cache/jest-results.json';
// One worker more than the cores: the suites wait on PostgreSQL, brokers, child processes and
// timers as well as compute. On 2 cores, two workers halved the run against one (378 s → 207 s
// measured, 849 tests both ways); with two, the machine was still 12 % idle through CI's Jest
// phase (vmstat), so a third fills the waits (docs/adr/0078). Jest's own default there is one.
// TEST_WORKERS, or a --maxWorkers given on the command line, wins.
const workerCount = Number(process.env.TEST_WORKERS) || availableParallelism() + 1;
const workers = extra.some((a) => a.startsWith('--maxWorkers') || a === '-w' || a === '--runInBand' || a === '-i') ? [] : [`--maxWorkers=${workerCount}`];
const jest = spawnSync('npx', ['jest', '--json', `--outputFile=${resultsFile}`, ...workers, ...extra], { stdio: 'inherit', env: process.env });
let summary;
try {
  summary = JSON.parse(readFileSync(resultsFile, 'utf8'));
} catch {
  summary = undefined;
}
if (summary) {
  // The plain closing line CI reads, whatever the runner.
  process.stdout.write(`\n${summary.numPassedTests} passed, ${summary.numFailedTests} failed\n`);
}
process.exit(jest.status ?? 1);
