// `npm test`: type check, lint (module boundaries included), then every Jest suite.
// The Kafka suite runs only when KAFKA_BROKERS names a broker; otherwise we say so.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const run = (label, command, args) => {
  process.stdout.write(`\n▶ ${label}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    process.stderr.write(`✖ ${label} failed\n`);
    process.exit(result.status ?? 1);
  }
};

const extra = process.argv.slice(2);
if (!extra.length) {
  run('type check (tsc --noEmit)', 'npx', ['tsc', '-p', 'tsconfig.json']);
  run('lint (eslint + Nx module boundaries)', 'npx', ['nx', 'run-many', '-t', 'lint', '--output-style=static']);
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
mkdirSync('.cache', { recursive: true });
const resultsFile = '.cache/jest-results.json';
const jest = spawnSync('npx', ['jest', '--json', `--outputFile=${resultsFile}`, ...extra], { stdio: 'inherit', env: process.env });
let summary;
try {
  summary = JSON.parse(readFileSync(resultsFile, 'utf8'));
} catch {
  summary = undefined;
}
if (summary) {
  // The plain closing line CI reads, whatever the runner.
  process.stdout.write(`\ntests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed\n`);
}
process.exit(jest.status ?? 1);
