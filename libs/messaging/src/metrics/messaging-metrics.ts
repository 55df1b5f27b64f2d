import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '@tss/service-kit';

export interface OutboxBacklog {
  events: number;
  oldestAgeSeconds: number;
}

/** What a running relay reports at scrape time; the process registry is shared by every service. */
export interface BacklogSource {
  service: string;
  backlog(): Promise<OutboxBacklog>;
}

/** What a running consumer reports at scrape time. */
export interface DeadLetterSource {
  service: string;
  deadLetters(): Promise<{ status: string; count: number }[]>;
}

const backlogSources = new Set<BacklogSource>();
const deadLetterSources = new Set<DeadLetterSource>();

/**
 * Reads every source once per scrape. A source whose database is away keeps its last value: the
 * readiness checks and the relay's own logs report the outage; the scrape should not fail with it.
 */
const settledValues = async <S, T>(sources: Iterable<S>, read: (source: S) => Promise<T>): Promise<T[]> =>
  (await Promise.allSettled([...sources].map(read))).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));

const create = () => {
  const registers = [metricsRegistry()];
  return {
    published: new Counter({ name: 'tss_outbox_published_events_total', help: 'Events the outbox relay handed to the transport', labelNames: ['service'], registers }),
    consumed: new Counter({
      name: 'tss_consumer_events_total',
      help: 'Events a consumer dealt with, by outcome (handled, duplicate, skipped, dead-lettered, parked)',
      labelNames: ['service', 'outcome'],
      registers,
    }),
    backlog: new Gauge({
      name: 'tss_outbox_backlog_events',
      help: 'Outbox rows not yet published',
      labelNames: ['service'],
      registers,
      async collect() {
        for (const { service, backlog } of await settledValues(backlogSources, async (s) => ({ service: s.service, backlog: await s.backlog() }))) {
          this.set({ service }, backlog.events);
        }
      },
    }),
    oldestAge: new Gauge({
      name: 'tss_outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest unpublished outbox row, 0 when there is none',
      labelNames: ['service'],
      registers,
      async collect() {
        for (const { service, backlog } of await settledValues(backlogSources, async (s) => ({ service: s.service, backlog: await s.backlog() }))) {
          this.set({ service }, backlog.oldestAgeSeconds);
        }
      },
    }),
    deadLetters: new Gauge({
      name: 'tss_dead_letters',
      help: 'Dead letters in the service schema by status; parked ones wait for an operator (dead-letters replay|skip)',
      labelNames: ['service', 'status'],
      registers,
      async collect() {
        const read = async (s: DeadLetterSource) => ({ service: s.service, counts: await s.deadLetters() });
        for (const { service, counts } of await settledValues(deadLetterSources, read)) {
          const byStatus = new Map([['parked', 0], ['replayed', 0], ['skipped', 0]]);
          for (const c of counts) byStatus.set(c.status, c.count);
          for (const [status, count] of byStatus) this.set({ service, status }, count);
        }
      },
    }),
  };
};

let metrics: ReturnType<typeof create> | undefined;

/** The messaging metrics, created once in the process registry (`metricsRegistry()`). */
export const messagingMetrics = (): ReturnType<typeof create> => (metrics ??= create());

/** Reports a relay's backlog at each scrape until the returned function is called. */
export const reportBacklog = (source: BacklogSource): (() => void) => {
  messagingMetrics();
  backlogSources.add(source);
  return () => void backlogSources.delete(source);
};

/** Reports a consumer's dead letters at each scrape until the returned function is called. */
export const reportDeadLetters = (source: DeadLetterSource): (() => void) => {
  messagingMetrics();
  deadLetterSources.add(source);
  return () => void deadLetterSources.delete(source);
};
