import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@tss/service-kit';

/** What a running worker reports at scrape time: its schema's claimable timers. */
export interface DueTimersSource {
  /** The service that owns the schema: the `service` label, as on `http_request_duration_seconds` (one registry may hold several services). */
  service: string;
  schema: string;
  due(): Promise<{ count: number; oldestAgeSeconds: number }>;
}

const dueSources = new Set<DueTimersSource>();

const create = () => {
  const registers = [metricsRegistry()];
  const dueNow = async () =>
    (await Promise.allSettled([...dueSources].map(async (s) => ({ service: s.service, schema: s.schema, due: await s.due() })))).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  return {
    fired: new Counter({
      name: 'tss_timers_fired_total',
      help: 'Timers fired, by schema, kind and timeliness (late: more than the worker lateAfterMs after the due time)',
      labelNames: ['service', 'schema', 'kind', 'timeliness'],
      registers,
    }),
    lateness: new Histogram({
      name: 'tss_timer_lateness_seconds',
      help: 'From a timer due time to its claim by the worker that fired it',
      labelNames: ['service', 'schema', 'kind'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
      registers,
    }),
    claimBatch: new Histogram({
      name: 'tss_timer_claim_batch_size',
      help: 'Timers claimed per claim statement that found any',
      labelNames: ['service', 'schema'],
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers,
    }),
    failures: new Counter({
      name: 'tss_timer_handler_failures_total',
      help: 'Timer handler attempts that failed and were released for a retry after a backoff',
      labelNames: ['service', 'schema', 'kind'],
      registers,
    }),
    due: new Gauge({
      name: 'tss_timers_due',
      help: 'Pending timers claimable now (read at scrape, counted up to 10,000); above 0 for long means the workers are behind or down',
      labelNames: ['service', 'schema'],
      registers,
      async collect() {
        // The running workers' figures only: a stopped worker's schema (or service) is no longer shown.
        const figures = await dueNow();
        this.reset();
        for (const { service, schema, due } of figures) this.set({ service, schema }, due.count);
      },
    }),
    oldestDueAge: new Gauge({
      name: 'tss_timers_oldest_due_age_seconds',
      help: 'How long the earliest claimable pending timer has been waiting, 0 when none is',
      labelNames: ['service', 'schema'],
      registers,
      async collect() {
        // The running workers' figures only: a stopped worker's schema (or service) is no longer shown.
        const figures = await dueNow();
        this.reset();
        for (const { service, schema, due } of figures) this.set({ service, schema }, due.oldestAgeSeconds);
      },
    }),
  };
};

let metrics: ReturnType<typeof create> | undefined;

/** The timer metrics, created once in the process registry (`metricsRegistry()`). */
export const timerMetrics = (): ReturnType<typeof create> => (metrics ??= create());

/** Reports a schema's due timers at each scrape until the returned function is called. */
export const reportDueTimers = (source: DueTimersSource): (() => void) => {
  timerMetrics();
  dueSources.add(source);
  return () => void dueSources.delete(source);
};
