// One sla-timer replica of the `sla-service` benchmark, in a process of its own (as a pod would
// be): the service's own composition (`slaTimerService.build`) with its timer worker, batch
// handlers and outbox, plus the outbox relay publishing to the in-process transport (the log in
// PostgreSQL the single-process mode uses), so `published_at` is when the relay had it published.
// Routes and event consumers are not started: nothing calls them here. Prints `ready` once started.
import pino from 'pino';
import { InProcessTransport, Outbox, OutboxRelay, relayBatchSizeFrom } from '@tss/messaging';
import { RelaySession } from '../../libs/messaging/src/outbox/relay-session';
import { createServiceDataSource } from '@tss/persistence';
import { loadConfig, systemClock } from '@tss/service-kit';
import { hostSettingsFrom, type ServiceDeps } from '@tss/runtime';
import { slaTimerService } from '../../services/sla-timer/src/index';
import { SlaTimerEnv } from '../../services/sla-timer/src/sla-timer.config';
import { SLA_SCHEMA } from '../../services/sla-timer/src/store/response-clock.store';

const url = process.env.DATABASE_URL ?? '';

/** `BENCH_TRACE_SQL=1`: total time per statement kind, printed at exit (where a batch's time goes). */
const traceSql = async (): Promise<void> => {
  const { PostgresQueryRunner } = await import('typeorm/driver/postgres/PostgresQueryRunner.js');
  const totals = new Map<string, { n: number; ms: number }>();
  const timed = <F extends (...a: never[]) => Promise<unknown>>(original: F, keyOf: (sql: string) => string): F =>
    async function (this: unknown, sql: string, ...rest: unknown[]) {
      const t = performance.now();
      try {
        return await (original as unknown as (...a: unknown[]) => Promise<unknown>).call(this, sql, ...rest);
      } finally {
        const key = keyOf(sql.replace(/\s+/g, ' ').trim().slice(0, 60));
        const total = totals.get(key) ?? { n: 0, ms: 0 };
        total.n += 1;
        total.ms += performance.now() - t;
        totals.set(key, total);
      }
    } as unknown as F;
  // The relay's own connection (not typeorm's): its reads and marks, apart.
  RelaySession.prototype.query = timed(RelaySession.prototype.query, (sql) => `relay: ${sql}`);
  const original = PostgresQueryRunner.prototype.query;
  PostgresQueryRunner.prototype.query = timed(original, (sql) => sql);
  process.once('exit', () => {
    for (const [key, { n, ms }] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) process.stderr.write(`sql ${n} × ${(ms / n).toFixed(2)} ms = ${ms.toFixed(0)} ms: ${key}\n`);
  });
};

const main = async (): Promise<void> => {
  if (process.env.BENCH_TRACE_SQL) await traceSql();
  const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
  // As a service's host opens it (PG_PREPARED_STATEMENTS among the runtime's settings).
  const dataSource = createServiceDataSource({ url, schema: SLA_SCHEMA, applicationName: `bench:service-${process.pid}`, preparedStatements: hostSettingsFrom(process.env).preparedStatements });
  await dataSource.initialize();
  const outbox = new Outbox({ service: 'sla-timer', schema: SLA_SCHEMA, clock: systemClock });
  const deps = { config: loadConfig(SlaTimerEnv, process.env), dataSource, outbox, clock: systemClock, logger, env: process.env } as unknown as ServiceDeps<SlaTimerEnv>;
  const built = slaTimerService.build(deps);
  const transport = new InProcessTransport({ logger });
  await transport.useDatabase(url);
  const relay = new OutboxRelay({ dataSource, schema: SLA_SCHEMA, transport, clock: systemClock, logger, batchSize: relayBatchSizeFrom(process.env) });
  for (const task of built.background ?? []) task.start();
  // `BENCH_SERVICE_RELAY=off`: the timers' share of the time without the relay's (a diagnosis, not the service).
  if (process.env.BENCH_SERVICE_RELAY !== 'off') relay.start();
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void (async () => {
      for (const task of built.background ?? []) await task.stop();
      await relay.stop();
      await transport.close();
      await dataSource.destroy();
      process.exit(0);
    })();
  });
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
