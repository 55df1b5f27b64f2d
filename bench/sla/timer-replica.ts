// One timer-worker replica of the `sla` benchmark, in a process of its own (as a pod would be):
// fires the schema's timers on the real clock; each firing writes an effect row (what an
// `sla.breached` outbox row would be) in the firing transaction. Prints `ready` once listening.
import pino from 'pino';
import { createServiceDataSource } from '@tss/persistence';
import { hostSettingsFrom } from '@tss/runtime';
import { systemClock } from '@tss/service-kit';
import { TimerWorker, type FiredTimer } from '@tss/timers';
import type { EntityManager } from 'typeorm';

const url = process.env.DATABASE_URL ?? '';
const schema = process.env.BENCH_SCHEMA ?? 'sla_bench';
const owner = process.env.BENCH_OWNER ?? `replica-${process.pid}`;

const main = async (): Promise<void> => {
  // As a service's host opens it (PG_PREPARED_STATEMENTS among the runtime's settings).
  const dataSource = createServiceDataSource({ url, schema, applicationName: `bench:${owner}`, preparedStatements: hostSettingsFrom(process.env).preparedStatements });
  await dataSource.initialize();
  const record = async (timer: FiredTimer, tx: EntityManager) => {
    await tx.query(`INSERT INTO "${schema}".effects (timer_id, due_at, claimed_at, fired_at, owner) VALUES ($1, $2, $3, $4, $5)`, [
      timer.id,
      timer.dueAt,
      timer.claimedAt,
      systemClock.now(),
      owner,
    ]);
  };
  // `batch` (default): one multi-row INSERT per claimed batch; `each`: a statement per timer.
  const recordAll = async (timers: readonly FiredTimer[], tx: EntityManager) => {
    await tx.query(
      `INSERT INTO "${schema}".effects (timer_id, due_at, claimed_at, fired_at, owner)
       SELECT id, due_at, claimed_at, $4, $5 FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS t(id, due_at, claimed_at)`,
      [timers.map((t) => t.id), timers.map((t) => t.dueAt), timers.map((t) => t.claimedAt), systemClock.now(), owner],
    );
  };
  const perBatch = (process.env.BENCH_SLA_HANDLER ?? 'batch') === 'batch';
  const worker = new TimerWorker({
    dataSource,
    schema,
    clock: systemClock,
    logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }),
    handlers: perBatch ? {} : { 'sla.breach': record },
    batchHandlers: perBatch ? { 'sla.breach': recordAll } : {},
    ...(process.env.BENCH_SLA_BATCH_SIZE ? { batchSize: Number(process.env.BENCH_SLA_BATCH_SIZE) } : {}),
    owner,
  });
  worker.start();
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void worker
      .stop()
      .then(() => dataSource.destroy())
      .then(() => process.exit(0));
  });
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
