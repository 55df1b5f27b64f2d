import { Counter } from 'prom-client';
import { metricsRegistry } from '@tss/service-kit';

const create = () => {
  const registers = [metricsRegistry()];
  return {
    sent: new Counter({ name: 'tss_mail_sent_total', help: 'Mails handed to the SMTP server (or the local outbox), by kind', labelNames: ['kind'], registers }),
    failed: new Counter({
      name: 'tss_mail_failed_total',
      help: 'Mails given up: refused for good (5xx) or attempts spent, by kind and why',
      labelNames: ['kind', 'reason'],
      registers,
    }),
    stuck: new Counter({
      name: 'tss_mail_sends_stuck_total',
      help: 'Sends the SMTP transport never answered within the longest an attempt may last, given up as transient failures, by kind',
      labelNames: ['kind'],
      registers,
    }),
  };
};

let metrics: ReturnType<typeof create> | undefined;

/** Mail metrics in the process registry, created once (docs/operations.md "Monitoring"). */
export const mailMetrics = (): ReturnType<typeof create> => (metrics ??= create());
