import { Counter } from 'prom-client';
import { SlaBreachedV1, type ServiceLevel } from '@tss/contracts';
import { metricsRegistry } from '@tss/service-kit';

const create = () => ({
  breaches: new Counter({
    name: 'tss_sla_breaches_total',
    help: 'Response clocks that passed their maximum response time unanswered (sla.breached written), by service level',
    // `service` as on every metric of the service: one registry may hold all of them (single-process mode).
    labelNames: ['service', 'level'],
    registers: [metricsRegistry()],
  }),
});

let metrics: ReturnType<typeof create> | undefined;

/** sla-timer's metrics in the process registry, created once (docs/operations.md "Monitoring"). */
export const slaMetrics = (): ReturnType<typeof create> => (metrics ??= create());

/** Counts the breaches among events written (a transaction run again after a deadlock may count one twice). */
export const countBreaches = (written: readonly { contract: { type: string }; data: unknown }[]): void => {
  for (const event of written) {
    if (event.contract.type === SlaBreachedV1.type) slaMetrics().breaches.inc({ service: 'sla-timer', level: (event.data as { level: ServiceLevel }).level });
  }
};
