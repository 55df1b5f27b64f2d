import { Counter } from 'prom-client';
import { metricsRegistry } from '@tss/service-kit';
import { MAIL_KINDS, type MailKind } from '../store/mail.store';

/** Why a mail was given up: refused for good (5xx), or its attempts spent. */
export const MAIL_FAILURE_REASONS = ['refused', 'attempts_spent'] as const;
export type MailFailureReason = (typeof MAIL_FAILURE_REASONS)[number];

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
  // Every kind (and reason) at 0 from the start: `increase()` and `rate()` miss the first mail of a
  // series that begins at 1 (docs/operations.md "Monitoring").
  for (const kind of MAIL_KINDS) {
    sent.inc({ service, kind }, 0);
    stuck.inc({ service, kind }, 0);
    for (const reason of MAIL_FAILURE_REASONS) failed.inc({ service, kind, reason }, 0);
  }
  return {
    sent: { inc: (labels: { kind: MailKind }) => sent.inc({ service, ...labels }) },
    failed: { inc: (labels: { kind: MailKind; reason: MailFailureReason }) => failed.inc({ service, ...labels }) },
    stuck: { inc: (labels: { kind: string }) => stuck.inc({ service, ...labels }) },
  };
};

let metrics: ReturnType<typeof create> | undefined;

/** Mail metrics in the process registry, created once (docs/operations.md "Monitoring"). */
export const mailMetrics = (): ReturnType<typeof create> => (metrics ??= create());
