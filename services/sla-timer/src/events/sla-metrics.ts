import { Counter } from 'prom-client';
import { SlaBreachedV1, ServiceLevels, type ServiceLevel } from '@tss/contracts';
import { metricsRegistry } from '@tss/service-kit';

const create = () => {
  const breaches = new Counter({
    name: 'tss_sla_breaches_total',
    help: 'Response clocks that passed their maximum response time unanswered (sla.breached written), by service level',
    // `service` as on every metric of the service: one registry may hold all of them (single-process mode).
    labelNames: ['service', 'level'],
    registers: [metricsRegistry()],
  });
  // Every level at 0 from the start: `increase()` over a series that begins at 1 misses that first
  // breach (TssSlaBreachStorm, the dashboard; docs/operations.md "Monitoring").
  for (const level of ServiceLevels) breaches.inc({ service: 'sla-timer', level }, 0);
  return { breaches };
};

let metrics: ReturnType<typeof create> | undefined;

/** sla-timer's metrics in the process registry, created once, at the service's build (docs/operations.md "Monitoring"). */
export const slaMetrics = (): ReturnType<typeof create> => (metrics ??= create());

/** Counts the breaches among events written (a transaction run again after a deadlock may count one twice). */
export const countBreaches = (written: readonly { contract: { type: string }; data: unknown }[]): void => {
  for (const event of written) {
    if (event.contract.type === SlaBreachedV1.type) slaMetrics().breaches.inc({ service: 'sla-timer', level: (event.data as { level: ServiceLevel }).level });
  }
};
