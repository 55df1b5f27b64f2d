import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '@tss/service-kit';
import { SESSION_REFUSALS, type SessionRefusal } from '../domain/smtp-refusal';
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
  // docs/adr/0035, addendum of 2026-12-05, seventh session: what an alert reads (TssMailSessionRefused).
  const sessionRefused = new Gauge({
    name: 'tss_mail_session_refused',
    help: 'Whether the SMTP server refuses our session (1) or not (0), as this process last heard it, by what it refuses: login (MAIL_SMTP_USER/PASSWORD), encryption (TLS required), connection, sender (MAIL_FROM). Its mail waits, never failed of it',
    labelNames: ['service', 'refusal'],
    registers,
  });
  // Every kind (and reason) at 0 from the start: `increase()` and `rate()` miss the first mail of a
  // series that begins at 1 (docs/operations.md "Monitoring").
  for (const kind of MAIL_KINDS) {
    sent.inc({ service, kind }, 0);
    stuck.inc({ service, kind }, 0);
    for (const reason of MAIL_FAILURE_REASONS) failed.inc({ service, kind, reason }, 0);
  }
  for (const refusal of SESSION_REFUSALS) sessionRefused.set({ service, refusal }, 0);
  return {
    sent: { inc: (labels: { kind: MailKind }) => sent.inc({ service, ...labels }) },
    failed: { inc: (labels: { kind: MailKind; reason: MailFailureReason }) => failed.inc({ service, ...labels }) },
    stuck: { inc: (labels: { kind: string }) => stuck.inc({ service, ...labels }) },
    /** The server refuses our session this way (1, the other ways 0), or takes it (undefined: all 0). */
    sessionRefused: { set: (now: SessionRefusal | undefined) => SESSION_REFUSALS.forEach((refusal) => sessionRefused.set({ service, refusal }, refusal === now ? 1 : 0)) },
  };
};

let metrics: ReturnType<typeof create> | undefined;

/** Mail metrics in the process registry, created once (docs/operations.md "Monitoring"). */
export const mailMetrics = (): ReturnType<typeof create> => (metrics ??= create());
