import { Counter } from 'prom-client';
import { metricsRegistry } from '@tss/service-kit';

/** `service` as on every metric of the service: one registry may hold all of them (single-process mode). */
const service = 'notification';

/** What a live instance takes back from one that stopped beating. */
export const TAKEN_BACK_KINDS = ['mail', 'webhook'] as const;
export type TakenBackKind = (typeof TAKEN_BACK_KINDS)[number];

const create = () => {
  const takenBack = new Counter({
    name: 'tss_notification_taken_back_total',
    help: 'Mail attempts and webhook claims of notification instances that stopped beating (killed, frozen, cut off from the database), taken back to be sent by a live instance, by kind',
    labelNames: ['service', 'kind'],
    registers: [metricsRegistry()],
  });
  // Every kind at 0 from the start: `increase()` misses the first take-back of a series that begins at 1.
  for (const kind of TAKEN_BACK_KINDS) takenBack.inc({ service, kind }, 0);
  return {
    takenBack: { inc: (labels: { kind: TakenBackKind }, count: number) => takenBack.inc({ service, ...labels }, count) },
  };
};

let metrics: ReturnType<typeof create> | undefined;

/** The instances' metrics in the process registry, created once (docs/operations.md "Monitoring"). */
export const instanceMetrics = (): ReturnType<typeof create> => (metrics ??= create());
