import { metricsRegistry } from '@tss/service-kit';
import { instanceMetrics } from '../src/use-cases/instance-metrics';
import { mailMetrics } from '../src/use-cases/mail-metrics';
import { webhookMetrics } from '../src/events/webhook-metrics';
import { REQUESTER_MAIL_KINDS, STAFF_MAIL_KINDS } from '../src/store/mail.store';

const series = async (name: string) =>
  ((await metricsRegistry().getSingleMetric(name)?.get())?.values ?? []).map((v) => ({ ...v.labels, value: v.value }));

const MAIL_KINDS = [...REQUESTER_MAIL_KINDS, ...STAFF_MAIL_KINDS];

// An operator's audit: a labelled counter had no series until its first increment, so `increase()`
// and `rate()` (alerts, dashboard) missed that first one after every start. Each series of a fixed
// label set exists at 0 from registration.
describe("notification's counters start at 0 for every label value they can take", () => {
  beforeAll(() => {
    instanceMetrics();
    mailMetrics();
    webhookMetrics();
  });

  it('tss_notification_taken_back_total: kind mail and webhook', async () => {
    expect(await series('tss_notification_taken_back_total')).toEqual(
      expect.arrayContaining(['mail', 'webhook'].map((kind) => ({ service: 'notification', kind, value: 0 }))),
    );
  });

  it('tss_webhook_attempts_total: every result', async () => {
    expect(await series('tss_webhook_attempts_total')).toEqual(
      expect.arrayContaining(['succeeded', 'retrying', 'failed', 'disabled', 'claim_lost'].map((result) => ({ service: 'notification', result, value: 0 }))),
    );
  });

  it('tss_mail_sent_total, tss_mail_sends_stuck_total: every kind; tss_mail_failed_total: every kind and reason', async () => {
    for (const name of ['tss_mail_sent_total', 'tss_mail_sends_stuck_total']) {
      expect(await series(name)).toEqual(expect.arrayContaining(MAIL_KINDS.map((kind) => ({ service: 'notification', kind, value: 0 }))));
    }
    const failed = MAIL_KINDS.flatMap((kind) => ['refused', 'attempts_spent'].map((reason) => ({ service: 'notification', kind, reason, value: 0 })));
    expect(await series('tss_mail_failed_total')).toEqual(expect.arrayContaining(failed));
  });

  it('tss_mail_session_refused (a gauge an alert reads): every refusal, 0 until the server refuses our session', async () => {
    expect(await series('tss_mail_session_refused')).toEqual(
      expect.arrayContaining(['login', 'encryption', 'connection', 'sender'].map((refusal) => ({ service: 'notification', refusal, value: 0 }))),
    );
  });
});
