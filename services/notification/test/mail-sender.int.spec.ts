import net from 'node:net';
import pino from 'pino';
import type { ServiceModule } from '@tss/runtime';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { metricsRegistry } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, TimerWorker } from '@tss/timers';
import { MAIL_MAX_ATTEMPTS, mailRetryDelayMs, type SendOutcome } from '../src/domain/mail-delivery';
import { notificationService } from '../src/index';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { mailStore } from '../src/store/mail.store';
import { MAIL_ATTEMPT_TIMER_ID_PREFIX, MAIL_SEND_TIMER, mailAttemptTimerId, queueMail } from '../src/use-cases/mail-queue';
import { MailSender } from '../src/use-cases/mail-sender';
import { smtpAttemptBoundMs, smtpTransport } from '../src/use-cases/mail-transport';
import { scriptedTransport } from './support/scripted-mail-transport';
import { startSmtpSink } from './support/smtp-sink';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** notification without its own workers: this suite fires the mail timers itself. */
const withoutWorkers: ServiceModule = { ...notificationService, build: (deps) => ({ ...notificationService.build(deps), background: [] }) };

describe('mail sender: at least once, never inside a transaction (issue #11), notification alone on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  let sut: ServiceUnderTest;
  let timers: TimerStore;
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a02';

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorkers, { clock });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const setUp = (options: { attemptBoundMs?: number; stuckAfterMs?: number } = {}) => {
    const scripted = scriptedTransport();
    const sender = new MailSender({ dataSource: sut.host.dataSource, timers, outbox: sut.host.outbox, clock, logger, transport: scripted.transport, from: 'TSS <support@tss.test>', ...options });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: { [MAIL_SEND_TIMER]: sender.timerHandler } });
    const fire = async () => {
      await worker.runDue();
      await sender.drain();
    };
    return { ...scripted, sender, fire };
  };
  const queue = (recipient: string) =>
    sut.host.unitOfWork.run((tx) =>
      queueMail(
        tx,
        { timers, messageIdDomain: 'tss.test' },
        { ticketId: null, partnerId, kind: 'agent_reply', recipient, language: 'en', rendered: { subject: '[TSS-X] New reply: x', text: 'x\n', html: '<p>x</p>' } },
        clock.now(),
      ),
    );
  /** A counter of this process's registry (the mail and ops dashboards' metrics). */
  const metricValue = async (name: string, labels: Record<string, string>): Promise<number> =>
    (await metricsRegistry().getSingleMetric(name)?.get())?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
  const mail = async (id: string) => (await sut.host.unitOfWork.run((tx) => mailStore.lock(tx, id)))!;
  /** A mail left pending is kept out of the later tests, which advance the clock past its retry. */
  const retire = (id: string) => sut.query(`DELETE FROM notification.timers WHERE id LIKE $1`, [`${MAIL_ATTEMPT_TIMER_ID_PREFIX}${id}:%`]);

  it('a firing transaction that rolls back sends nothing; the timer fires again and the mail goes once', async () => {
    const { handed, sender, fire } = setUp();
    const queued = await queue('rollback@client.example');
    const rolledBack = new Error('the firing transaction failed after the handler');
    await expect(
      sut.host.unitOfWork.run(async (tx) => {
        const [timer] = await timers.fireDue(tx, { now: clock.now(), limit: 10 });
        await sender.timerHandler({ ...timer, late: false }, tx);
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    await sender.drain();
    expect(handed).toHaveLength(0);
    expect(await mail(queued.id)).toMatchObject({ status: 'pending', attempts: 0 });

    const sentBefore = await metricValue('tss_mail_sent_total', { kind: 'agent_reply' });
    await fire();
    expect(handed.map((m) => m.messageId)).toEqual([queued.messageId]);
    expect(await mail(queued.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await metricValue('tss_mail_sent_total', { kind: 'agent_reply' })).toBe(sentBefore + 1);
    const armed = await sut.query(`SELECT status FROM notification.timers WHERE id = $1`, [mailAttemptTimerId(queued.id, 2)]);
    expect(armed).toHaveLength(0); // the retry was cancelled with the record
  });

  // RFC 5321 §4.5.3.2: a server may take 10 minutes to answer the end of DATA. An attempt still
  // waiting for it is not sent again beside it (the recipient got such a mail twice).
  it('a slow server: the next attempt is not armed before the attempt may end (attemptBoundMs), so the mail goes once', async () => {
    const BOUND_MS = 15 * 60_000;
    const { handed, answer, sender, fire } = setUp({ attemptBoundMs: BOUND_MS });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: { [MAIL_SEND_TIMER]: sender.timerHandler } });
    const queued = await queue('slow@client.example');
    const waiting: ((outcome: SendOutcome) => void)[] = [];
    answer(() => new Promise<SendOutcome>((resolve) => waiting.push(resolve)));
    await worker.runDue();
    await waitFor('the first attempt handed to the server', () => handed.length === 1);

    clock.advanceMs(mailRetryDelayMs(1) + 1_000); // the usual first retry: the server is still answering
    await worker.runDue();
    const handedBeforeTheAnswer = handed.length;
    for (const answerNow of waiting) answerNow({ kind: 'sent', response: '250 OK' });
    await sender.drain();
    expect(handedBeforeTheAnswer).toBe(1);
    expect(await mail(queued.id)).toMatchObject({ status: 'sent', attempts: 1 });
    clock.advanceMs(BOUND_MS);
    await fire();
    expect(handed).toHaveLength(1);
  });

  it('a transient failure is retried after the usual delay, however long an attempt may last', async () => {
    const { handed, answer, fire } = setUp({ attemptBoundMs: 15 * 60_000 });
    const queued = await queue('busy@client.example');
    answer(() => ({ kind: 'transient', reason: '421 busy' }));
    await fire();
    answer(() => ({ kind: 'sent', response: '250 OK' }));
    clock.advanceMs(mailRetryDelayMs(1));
    await fire();
    expect(handed).toHaveLength(2);
    expect(await mail(queued.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('stopping waits for the mail being sent and records it, instead of abandoning it to a second sending', async () => {
    const { handed, answer, sender, fire } = setUp({ attemptBoundMs: 15 * 60_000 });
    const queued = await queue('stopping@client.example');
    let answerNow: (outcome: SendOutcome) => void = () => undefined;
    answer(() => new Promise<SendOutcome>((resolve) => (answerNow = resolve)));
    const firing = fire();
    await waitFor('the attempt handed to the server', () => handed.length === 1);
    let stopped = false;
    const stopping = sender.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    answerNow({ kind: 'sent', response: '250 OK' });
    await stopping;
    await firing;
    expect(await mail(queued.id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  // "New sends are not started once stopping" (docs/adr/0035, addendum of 2026-12-05): an attempt
  // counted just before the stop waited for its firing transaction's commit, then sent anyway.
  it('once stopping, no send is started: an attempt counted just before the stop is recorded as interrupted and never handed to the server', async () => {
    const { handed, sender } = setUp({ attemptBoundMs: 15 * 60_000 });
    const queued = await queue('counted-before-the-stop@client.example');
    let commit: () => void = () => undefined;
    const committing = new Promise<void>((resolve) => (commit = resolve));
    const firing = sut.host.unitOfWork.run(async (tx) => {
      const fired = await timers.fireDue(tx, { now: clock.now(), limit: 50 });
      await sender.batchTimerHandler(fired.map((timer) => ({ ...timer, late: false })), tx);
      await committing; // the send now waits for this commit (it reads the row the handler locked)
    });
    await waitFor('the send waiting for the firing transaction', async () =>
      (await sut.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE OF m%'`)).length > 0,
    );
    const stopping = sender.stop();
    commit();
    await firing;
    await stopping;
    expect(handed.map((m) => m.messageId)).not.toContain(queued.messageId);
    const row = await mail(queued.id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.lastError).toContain('interrupted: the mail sender stopped (shutdown)');
    // Its retry comes after the usual delay, not after the longest an attempt may last.
    const [retry] = await sut.query<{ due_at: Date }>(`SELECT due_at FROM notification.timers WHERE id = $1`, [mailAttemptTimerId(queued.id, 2)]);
    expect(retry.due_at.getTime()).toBe(clock.now().getTime() + mailRetryDelayMs(1));
    await retire(queued.id);
  });

  it('a send whose outcome was never recorded (a crash after SMTP) is sent again with the same Message-ID', async () => {
    const { handed, answer, fire } = setUp();
    const queued = await queue('crash@client.example');
    answer(() => {
      throw new Error('the process died before recording the answer');
    });
    await fire();
    expect(handed).toHaveLength(1);
    expect(await mail(queued.id)).toMatchObject({ status: 'pending', attempts: 1 });

    answer(() => ({ kind: 'sent', response: '250 OK' }));
    clock.advanceMs(mailRetryDelayMs(1));
    await fire();
    expect(handed.map((m) => m.messageId)).toEqual([queued.messageId, queued.messageId]);
    expect(await mail(queued.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it(`gives up after ${MAIL_MAX_ATTEMPTS} transient failures, recorded and published as notification.delivery_failed`, async () => {
    const { handed, answer, fire } = setUp();
    const queued = await queue('down@client.example');
    answer(() => ({ kind: 'transient', reason: '421 Service not available' }));
    const failedBefore = await metricValue('tss_mail_failed_total', { kind: 'agent_reply', reason: 'attempts_spent' });
    await fire();
    for (let attempt = 1; attempt <= MAIL_MAX_ATTEMPTS; attempt += 1) {
      clock.advanceMs(mailRetryDelayMs(attempt));
      await fire();
    }
    expect(handed).toHaveLength(MAIL_MAX_ATTEMPTS);
    const row = await mail(queued.id);
    expect(row).toMatchObject({ status: 'failed', attempts: MAIL_MAX_ATTEMPTS });
    expect(row.lastError).toContain('421 Service not available');
    expect(await metricValue('tss_mail_failed_total', { kind: 'agent_reply', reason: 'attempts_spent' })).toBe(failedBefore + 1);
    const published = await sut.query<{ event: { data: { attempts: number; kind: string } } }>(
      `SELECT event FROM notification.outbox WHERE event_type = 'notification.delivery_failed' AND message_key = $1`,
      [queued.id],
    );
    expect(published.map((p) => p.event.data)).toEqual([expect.objectContaining({ attempts: MAIL_MAX_ATTEMPTS, kind: 'mail.agent_reply' })]);
  });

  // A game day: the SMTP server killed for ten seconds stopped all mail until notification was
  // restarted, and its shutdown timed out (a refused connect never freed its pooled connection).
  it('the SMTP server down, then back: every attempt ends at once and is retried on the usual delay, mail flows again, and stopping is prompt', async () => {
    let server = await startSmtpSink();
    const port = server.port;
    const transport = smtpTransport({ host: '127.0.0.1', port, secure: false, maxConnections: 2 });
    const sender = new MailSender({ dataSource: sut.host.dataSource, timers, outbox: sut.host.outbox, clock, logger, transport, from: 'TSS <support@tss.test>', concurrency: 2, attemptBoundMs: smtpAttemptBoundMs({}) });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: { [MAIL_SEND_TIMER]: sender.timerHandler } });
    const fire = async () => {
      await worker.runDue();
      await sender.drain();
    };
    try {
      await server.kill();
      const during: { id: string; recipient: string }[] = [];
      for (let i = 0; i < 6; i += 1) during.push({ ...(await queue(`outage${i}@client.example`)), recipient: `outage${i}@client.example` });
      await fire();
      for (const queued of during) {
        const row = await mail(queued.id);
        expect(row).toMatchObject({ status: 'pending', attempts: 1 });
        expect(row.lastError).toContain('ECONNREFUSED');
      }
      // It never reached the server: the next attempt is the usual one, not the longest an attempt may last.
      const retries = await sut.query<{ due_at: Date }>(`SELECT due_at FROM notification.timers WHERE id = ANY($1)`, [during.map((q) => mailAttemptTimerId(q.id, 2))]);
      expect(retries.map((r) => r.due_at.getTime())).toEqual(Array(during.length).fill(clock.now().getTime() + mailRetryDelayMs(1)));

      server = await startSmtpSink({ port });
      const after = await queue('after-outage@client.example');
      await fire();
      expect(await mail(after.id)).toMatchObject({ status: 'sent', attempts: 1 });
      clock.advanceMs(mailRetryDelayMs(1));
      await fire();
      for (const queued of during) expect(await mail(queued.id)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(during.map((q) => server.mailsTo(q.recipient).length)).toEqual(Array(during.length).fill(1));
    } finally {
      await sender.stop();
      await server.kill();
    }
  }, 20_000);

  // The password changed at the server while a pooled connection is still logged in (docs/adr/0035,
  // addendum of 2026-12-05, seventh session): a fresh connection's login is refused, its mail's
  // refusal is our session's, not the message's.
  it('a login refused on a fresh pooled connection while another is still logged in: that mail waits and is retried, not failed, and goes once', async () => {
    const server = await startSmtpSink({ login: (_auth, login) => (login === 1 ? undefined : { code: 535, text: 'bad password' }), replyDelayMs: 300 });
    const transport = smtpTransport({ host: '127.0.0.1', port: server.port, secure: false, user: 'tss-mailer', password: 'rotated-at-the-server', maxConnections: 2 });
    const sender = new MailSender({ dataSource: sut.host.dataSource, timers, outbox: sut.host.outbox, clock, logger, transport, from: 'TSS <support@tss.test>', concurrency: 2, attemptBoundMs: smtpAttemptBoundMs({}) });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: { [MAIL_SEND_TIMER]: sender.timerHandler } });
    const fire = async () => {
      await worker.runDue();
      await sender.drain();
    };
    try {
      const queued = [
        { ...(await queue('pooled-a@client.example')), recipient: 'pooled-a@client.example' },
        { ...(await queue('pooled-b@client.example')), recipient: 'pooled-b@client.example' },
      ];
      await fire();
      const rows = await Promise.all(queued.map((q) => mail(q.id)));
      expect(rows.map((r) => r.status).sort()).toEqual(['pending', 'sent']);
      const refused = rows.find((r) => r.status !== 'sent')!;
      expect(refused).toMatchObject({ attempts: 1, failedAt: null });
      expect(refused.lastError).toMatch(/^535 .*bad password/);

      clock.advanceMs(mailRetryDelayMs(1));
      await fire(); // over the connection still logged in
      for (const q of queued) expect(await mail(q.id)).toMatchObject({ status: 'sent' });
      expect(queued.map((q) => server.mailsTo(q.recipient).length)).toEqual([1, 1]);
    } finally {
      await sender.stop();
      await server.kill();
    }
  }, 20_000);

  it('a send the transport never answers is given up as stuck: counted, recorded as transient, and stopping does not wait for it', async () => {
    const { sender, answer, fire } = setUp({ attemptBoundMs: 15 * 60_000, stuckAfterMs: 50 });
    const queued = await queue('stuck@client.example');
    answer(() => new Promise<SendOutcome>(() => undefined));
    const stuckBefore = await metricValue('tss_mail_sends_stuck_total', { kind: 'agent_reply' });
    await fire();
    const row = await mail(queued.id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.lastError).toContain('did not finish within 50 ms');
    expect(await metricValue('tss_mail_sends_stuck_total', { kind: 'agent_reply' })).toBe(stuckBefore + 1);
    await sender.stop();
  });

  // An outside tester: Ctrl-C while a slow server (4 s to answer the end of DATA) had the mails
  // delivered them twice: stopping cut every send short after 2 s, those whose data the server had
  // included (docs/adr/0035, addendum of 2026-12-05). A send past DATA may now finish within the stop
  // budget; one before it is still cut short after the grace, and can no longer hand its data over.
  it('stopping waits, within its budget, for a send whose data the server is taking; one still waiting for the greeting is cut short and never delivered afterwards', async () => {
    // The first connection is greeted at once and its mail's data answered after 2.5 s; the second is greeted after 1 s.
    const server = await startSmtpSink({ replyDelayMs: 2_500, greetingDelayMs: (connection) => (connection === 1 ? 0 : 1_000) });
    const transport = smtpTransport({ host: '127.0.0.1', port: server.port, secure: false, maxConnections: 2 });
    const sender = new MailSender({
      dataSource: sut.host.dataSource,
      timers,
      outbox: sut.host.outbox,
      clock,
      logger,
      transport,
      from: 'TSS <support@tss.test>',
      concurrency: 2,
      attemptBoundMs: smtpAttemptBoundMs({}),
      stopGraceMs: 200,
      stopBudgetMs: 8_000,
    });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: { [MAIL_SEND_TIMER]: sender.timerHandler } });
    try {
      const queued = [
        { ...(await queue('mid-data-a@client.example')), recipient: 'mid-data-a@client.example' },
        { ...(await queue('mid-data-b@client.example')), recipient: 'mid-data-b@client.example' },
      ];
      await worker.runDue();
      await waitFor('one mail’s data at the server, its answer 2.5 s away', () => server.received.length === 1);
      const taking = queued.find((q) => server.mailsTo(q.recipient).length === 1)!;
      const waiting = queued.find((q) => q !== taking)!;
      await sender.stop();

      expect(await mail(taking.id)).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
      const cut = await mail(waiting.id);
      expect(cut).toMatchObject({ status: 'pending', attempts: 1 });
      expect(cut.lastError).toContain('interrupted: the mail sender stopped (shutdown) before the server took the message');
      // Its greeting came while the stop still waited for the other send: its data was never handed over.
      expect(server.mailsTo(waiting.recipient).map((m) => m.messageId)).toEqual([]);
      expect(server.mailsTo(taking.recipient).map((m) => m.messageId)).toEqual([taking.messageId]);
      await retire(waiting.id);
    } finally {
      await server.kill();
    }
  }, 20_000);

  // An outside test: a server that accepts connections and never greets held shutdown until its
  // 10 s limit (exit 1): stop drained the sends in flight, each waiting up to the greeting timeout (5 min).
  it('stopping is prompt when the SMTP server accepts and never greets: the sends in flight are cut short and retried later', async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      accepted.push(socket);
      socket.on('error', () => undefined); // our side resets it
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const transport = smtpTransport({ host: '127.0.0.1', port, secure: false, maxConnections: 2 });
    const sender = new MailSender({ dataSource: sut.host.dataSource, timers, outbox: sut.host.outbox, clock, logger, transport, from: 'TSS <support@tss.test>', concurrency: 2, attemptBoundMs: smtpAttemptBoundMs({}), stopGraceMs: 100 });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: { [MAIL_SEND_TIMER]: sender.timerHandler } });
    try {
      const queued = [await queue('silent1@client.example'), await queue('silent2@client.example')];
      await worker.runDue();
      await waitFor('both sends waiting for the greeting', () => accepted.length === 2);
      const outcome = await Promise.race([
        sender.stop().then(() => 'stopped'),
        new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3_000).unref()),
      ]);
      expect(outcome).toBe('stopped');
      for (const q of queued) {
        const row = await mail(q.id);
        expect(row).toMatchObject({ status: 'pending', attempts: 1 });
        expect(row.lastError).toContain('interrupted');
      }
      // Their retries stay armed (the next start, or another replica, sends them).
      const retries = await sut.query<{ id: string }>(`SELECT id FROM notification.timers WHERE id = ANY($1)`, [queued.map((q) => mailAttemptTimerId(q.id, 2))]);
      expect(retries).toHaveLength(2);
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 20_000);
});
