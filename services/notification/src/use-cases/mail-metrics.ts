import { Counter } from 'prom-client';
import { metricsRegistry } from '@tss/service-kit';

/** `service` as on every metric of the service: one registry may hold all of them (single-process mode). */
const service = 'notification';

const create = () => {
  const registers = [metricsRegistry()];
  const sent = new Counter({ name: 'tss_mail_sent_total', help: 'Mails handed to the SMTP server (or the local outbox), by kind', labelNames: ['service', 'kind'], registers });
  const failed = new Counter({
    name: 'tss_mail_failed_total',
    help: 'Mails given up: refused for good (5xx) or attempts spent, by kind and why',
    labelNames: ['service', 'kind', 'reason'],
    registers,
  });
  const stuck = new Counter({
    name: 'tss_mail_sends_stuck_total',
    help: 'Sends the SMTP transport never answered within the longest an attempt may last, given up as transient failures, by kind',
    labelNames: ['service', 'kind'],
    registers,
  });
  return {
    sent: { inc: (labels: { kind: string }) => sent.inc({ service, ...labels }) },
    failed: { inc: (labels: { kind: string; reason: string }) => failed.inc({ service, ...labels }) },
    stuck: { inc: (labels: { kind: string }) => stuck.inc({ service, ...labels }) },
  };
};

let metrics: ReturnType<typeof create> | undefined;

/** Mail metrics in the process registry, created once (docs/operations.md "Monitoring"). */
export const mailMetrics = (): ReturnType<typeof create> => (metrics ??= create());
