import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { randomUUID } from 'node:crypto';
import type { ServiceModule } from '@tss/runtime';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { createLogger, inSpan, SpanKind, startTracing, type Tracing } from '@tss/service-kit';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { TimerStore, TimerWorker } from '@tss/timers';
import type { SendOutcome } from '../src/domain/mail-delivery';
import { notificationService } from '../src/index';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { MAIL_SEND_TIMER, queueMail } from '../src/use-cases/mail-queue';
import { MailSender } from '../src/use-cases/mail-sender';
import { scriptedTransport } from './support/scripted-mail-transport';

/** notification without its own workers: this suite fires the mail timers itself. */
const withoutWorkers: ServiceModule = { ...notificationService, build: (deps) => ({ ...notificationService.build(deps), background: [] }) };

/**
 * An operator's audit (sixth session of 2026-12-05): a ticket filed with a traceparent had
 * gateway → intake → sla-timer, notification and webhook attempts in one trace, but the
 * acknowledgment's send and its `notification.acknowledgment_sent` formed a trace of their own, and
 * `mail sent` / `mail refused for good` carried no trace_id. The queued mail keeps the trace it was
 * queued in, as a webhook delivery does.
 */
describe('a queued mail is sent in the trace of the event that queued it (real PostgreSQL)', () => {
  const clock = new TestClock('2026-12-05T10:00:00.000Z');
  const spans = new InMemorySpanExporter();
  const { lines, stream } = logCapture();
  let tracing: Tracing;
  let sut: ServiceUnderTest;
  let timers: TimerStore;

  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'mail-trace-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    sut = await startServiceUnderTest(withoutWorkers, { clock });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
  });
  afterAll(async () => {
    await sut?.stop();
    await tracing?.shutdown();
  });

  const setUp = () => {
    const scripted = scriptedTransport();
    const logger = createLogger('notification', 'info', stream);
    const sender = new MailSender({ dataSource: sut.host.dataSource, timers, outbox: sut.host.outbox, clock, logger, transport: scripted.transport, from: 'TSS <support@tss.test>' });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: { [MAIL_SEND_TIMER]: sender.timerHandler } });
    // Outside any span: as the timer worker fires it, long after the event's consumer returned.
    const fire = async () => {
      await worker.runDue();
      await sender.drain();
    };
    return { ...scripted, fire };
  };

  /** An acknowledgment queued while its ticket.created is consumed: returns the trace it was queued in. */
  const queueInTrace = (recipient: string) =>
    inSpan('consume ticket.created', { kind: SpanKind.CONSUMER }, async (span) => {
      const ticketId = randomUUID();
      await sut.host.unitOfWork.run((tx) =>
        queueMail(
          tx,
          { timers, messageIdDomain: 'tss.test' },
          { ticketId, partnerId: randomUUID(), kind: 'acknowledgment', recipient, language: 'en', rendered: { subject: '[TSS-TRACE] Request received', text: 'x\n', html: '<p>x</p>' } },
          clock.now(),
        ),
      );
      return { ticketId, traceId: span.spanContext().traceId };
    });

  it('the send span, notification.acknowledgment_sent and the `mail sent` line are in the ticket’s trace', async () => {
    const { fire } = setUp();
    const { ticketId, traceId } = await queueInTrace('traced@client.example');
    await fire();

    const [published] = await sut.query<{ event: { traceparent?: string } }>(
      `SELECT event FROM notification.outbox WHERE event_type = 'notification.acknowledgment_sent' AND message_key = $1`,
      [ticketId],
    );
    expect(published.event.traceparent?.split('-')[1]).toBe(traceId);
    const sent = lines.find((l) => l.msg === 'mail sent' && l.ticketId === ticketId);
    expect(sent?.trace_id).toBe(traceId);
    const send = spans.getFinishedSpans().find((s) => s.name === 'send mail acknowledgment' && s.spanContext().traceId === traceId);
    expect(send?.kind).toBe(SpanKind.CLIENT);
  });

  it('a mail refused for good says so with the ticket’s trace_id', async () => {
    const { fire, answer } = setUp();
    answer((): SendOutcome => ({ kind: 'permanent', reason: '550 mailbox unavailable' }));
    const { ticketId, traceId } = await queueInTrace('refused@client.example');
    await fire();
    const refused = lines.find((l) => l.msg === 'mail refused for good' && l.ticketId === ticketId);
    expect(refused?.trace_id).toBe(traceId);
  });
});
