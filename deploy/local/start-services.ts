// `npm run start:services`: services mode on one machine for a newcomer. PostgreSQL (embedded
// unless DATABASE_URL is set), a Kafka broker (deploy/kafka unless KAFKA_BROKERS is set), every
// service migrated and run as its own process, the gateway's URL printed. Ctrl-C stops it all.
// Settings: TSS_DATA_DIR (.data/services), TSS_BASE_PORT (8080: gateway, then one port per
// service), TSS_METRICS_BASE_PORT (9464), TSS_PG_PORT (54330), KAFKA_PORT (9092), LOG_LEVEL (warn).
import path from 'node:path';
import { startServices } from '../../services/single-process/src/start-services';

const int = (value: string | undefined, fallback: number): number => (value ? Number.parseInt(value, 10) : fallback);

const env = process.env;
startServices({
  dataDir: path.resolve(env.TSS_DATA_DIR ?? '.data/services'),
  basePort: int(env.TSS_BASE_PORT, 8080),
  metricsBasePort: int(env.TSS_METRICS_BASE_PORT, 9464),
  pgPort: int(env.TSS_PG_PORT, 54330),
  kafkaPort: int(env.KAFKA_PORT, 9092),
  databaseUrl: env.DATABASE_URL,
  kafkaBrokers: env.KAFKA_BROKERS,
  logLevel: env.LOG_LEVEL ?? 'warn',
  write: (line) => process.stdout.write(`${line}\n`),
})
  .then((running) => {
    const lines = [
      '',
      `TSS (services mode) is running at ${running.gatewayUrl}`,
      `  API docs:  ${running.gatewayUrl}/docs`,
      ...Object.entries(running.urls).map(([name, url]) => `  ${name.padEnd(14)} ${url}`),
      `  Kafka:     ${running.kafkaBrokers}`,
      '',
      'Admin client of this data folder (kept in bootstrap-admin.json there):',
      `  curl -s ${running.gatewayUrl}/v1/auth/token -d grant_type=client_credentials -d client_id=${running.admin.clientId} -d client_secret=${running.admin.clientSecret}`,
      '',
      'Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(lines.join('\n'));
    let stopping = false;
    const shutdown = () => {
      if (stopping) return;
      stopping = true;
      running.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  })
  .catch((error: unknown) => {
    process.stderr.write(`start:services failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });

