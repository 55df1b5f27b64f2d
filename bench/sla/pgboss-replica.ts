// One pg-boss worker of the `sla-service` benchmark's comparison (docs/adr/0041), in a process of
// its own: pg-boss 12 configured for the fastest pickup it supports (a 0.5 s poll, its minimum;
// LISTEN/NOTIFY on; fetching again at once while batches come back full). Each batch of jobs
// writes its effect rows in one statement, as our library baseline's replica does, with the
// job's due time (`startAfter`, carried in its data). Prints `ready` once working.
import { Client } from 'pg';
import { PgBoss } from 'pg-boss';

const url = process.env.DATABASE_URL ?? '';
const PGBOSS_QUEUE = process.env.BENCH_PGBOSS_QUEUE ?? 'sla-breach';

const main = async (): Promise<void> => {
  const db = new Client({ connectionString: url, application_name: 'bench:pgboss-effects' });
  await db.connect();
  const boss = new PgBoss({ connectionString: url, schema: 'pgboss', useListenNotify: true, application_name: 'bench:pgboss' } as ConstructorParameters<typeof PgBoss>[0]);
  boss.on('error', (error: unknown) => process.stderr.write(`pg-boss: ${String(error)}\n`));
  await boss.start();
  await boss.work<{ dueAt: string }>(
    PGBOSS_QUEUE,
    { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, batchSize: Number(process.env.BENCH_PGBOSS_BATCH ?? 100), burstWhenBatchFull: true },
    async (jobs) => {
      await db.query(
        `INSERT INTO bench_pgboss_effects (job_id, due_at, fired_at) SELECT id, due_at, $3 FROM unnest($1::text[], $2::timestamptz[]) AS t(id, due_at)`,
        [jobs.map((j) => j.id), jobs.map((j) => j.data.dueAt), new Date()],
      );
    },
  );
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void (async () => {
      await boss.stop({ graceful: false, timeout: 5_000 } as never).catch(() => undefined);
      await db.end();
      process.exit(0);
    })();
  });
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
