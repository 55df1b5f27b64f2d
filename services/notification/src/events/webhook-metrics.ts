import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '@tss/service-kit';
import { ATTEMPT_RESULTS, type AttemptRecorded } from '../use-cases/record-webhook-attempt';

/** `service` as on every metric of the service: one registry may hold all of them (single-process mode). */
const service = 'notification';

const create = () => {
  const registers = [metricsRegistry()];
  const attempts = new Counter({
    name: 'tss_webhook_attempts_total',
    help: 'Webhook delivery attempts, by what came of the delivery (succeeded, retrying, failed: attempts spent, disabled: the endpoint was disabled, claim_lost)',
    labelNames: ['service', 'result'],
    registers,
  });
  // Every result at 0 from the start: `rate()` and `increase()` (TssWebhookFailureRate) miss the first
  // attempt of a series that begins at 1.
  for (const result of ATTEMPT_RESULTS) attempts.inc({ service, result }, 0);
  const latency = new Histogram({
    name: 'tss_webhook_attempt_duration_seconds',
    help: 'One webhook attempt, address check to last response byte, by whether it got a 2xx',
    labelNames: ['service', 'success'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  return {
    attempts: { inc: (labels: { result: AttemptRecorded }) => attempts.inc({ service, ...labels }) },
    latency: { observe: (labels: { success: string }, seconds: number) => latency.observe({ service, ...labels }, seconds) },
  };
};

let metrics: ReturnType<typeof create> | undefined;

/** Webhook metrics in the process registry, created once. */
export const webhookMetrics = (): ReturnType<typeof create> => (metrics ??= create());
