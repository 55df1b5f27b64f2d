import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import type { ServiceModule } from '@tss/runtime';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, TimerWorker } from '@tss/timers';
import { mailRetryDelayMs, type SendOutcome } from '../src/domain/mail-delivery';
import { notificationService } from '../src/index';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { mailStore } from '../src/store/mail.store';
import { InstanceLiveness } from '../src/use-cases/instance-liveness';
import { MAIL_SEND_TIMER, mailAttemptTimerId, queueMail } from '../src/use-cases/mail-queue';
import { MailSender } from '../src/use-cases/mail-sender';
import { NotificationInstance } from '../src/use-cases/notification-instance';
import { databaseOutage, type DatabaseOutage } from './support/database-outage';
import { scriptedTransport } from './support/scripted-mail-transport';

/** notification without its own workers: this suite runs its instances' senders, workers and beats itself. */
const withoutWorkers: ServiceModule = { ...notificationService, build: (deps) => ({ ...notificationService.build(deps), background: [] }) };

/** The SMTP timeouts' sum with a real server (smtpAttemptBoundMs): an attempt's next one is armed no sooner. */
const ATTEMPT_BOUND_MS = 930_000;

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/**
 * An outside tester stopped PostgreSQL for 42 s while about 1,400 mails waited on retries: the
 * attempts whose committed row could not be read, or whose outcome could not be recorded, stayed
 * counted and under way by the live instance, so nothing took them back, and their only retry was
 * the timer armed for the attempt's bound, 15 minutes later; 16 mails the server had accepted were
 * sent again then (docs/adr/0035, addendum of 2026-12-05, second session). Here the test's own
 * database is cut off (every connection ended, none let in) while a batch is being sent.
 */
describe('mail sends across a PostgreSQL outage (real PostgreSQL, cut off and back)', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  let sut: ServiceUnderTest;
  let timers: TimerStore;
  let outage: DatabaseOutage;
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a51';
  const stopped: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorkers, { clock });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    outage = databaseOutage(sut.databaseUrl);
  });
  afterAll(async () => {
    await outage?.end();
    for (const stop of stopped) await stop();
    await sut?.stop();
  });

  /** One notification process: registered (one beat), its sender logging into `lines`. */
  const instance = async (name: string, options: { concurrency: number }) => {
    const lines: LogLine[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
    const self = new NotificationInstance({ host: name });
    const liveness = new InstanceLiveness({ dataSource: sut.host.dataSource, instance: self, timers, clock, logger, heartbeatMs: 5_000, takeBackAfterMs: 30_000 });
    const scripted = scriptedTransport();
    const sender = new MailSender({
      dataSource: sut.host.dataSource,
      timers,
      outbox: sut.host.outbox,
      clock,
      logger,
      transport: scripted.transport,
      from: 'TSS <support@tss.test>',
      instance: self,
      attemptBoundMs: ATTEMPT_BOUND_MS,
      stopGraceMs: 200,
      recordRetryMs: 50,
      ...options,
    });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: {}, batchHandlers: { [MAIL_SEND_TIMER]: sender.batchTimerHandler } });
    await liveness.beat();
    stopped.push(() => sender.stop());
    const fire = async () => {
      await worker.runDue();
      await sender.drain();
    };
    return { self, liveness, sender, worker, fire, lines, ...scripted };
  };
  const queue = async (count: number, label: string) => {
    const queued: { id: string; messageId: string }[] = [];
    for (let i = 0; i < count; i += 1) {
      queued.push(
        await sut.host.unitOfWork.run((tx) =>
          queueMail(
            tx,
            { timers, messageIdDomain: 'tss.test' },
            { ticketId: null, partnerId, kind: 'agent_reply', recipient: `${label}${i}@client.example`, language: 'en', rendered: { subject: '[TSS-X] New reply: x', text: 'x\n', html: '<p>x</p>' } },
            clock.now(),
          ),
        ),
      );
    }
    return queued;
  };
  const mail = async (id: string) => (await sut.host.unitOfWork.run((tx) => mailStore.lock(tx, id)))!;
  /**
   * `probe`'s answer once `done` holds, or its last one after `timeoutMs`: `waitFor` for an effect of
   * background work, whose failure then shows where things stood rather than a time-out alone.
   */
  const settledWithin = async <T>(timeoutMs: number, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (done(value) || performance.now() > deadline) return value;
      await delay(25);
    }
  };
  const statusCounts = async (ids: readonly string[]): Promise<Record<string, number>> => {
    const rows = await sut.query<{ status: string; mails: number }>(`SELECT status, count(*)::int AS mails FROM notification.mail_messages WHERE id = ANY($1::uuid[]) GROUP BY status`, [ids]);
    return Object.fromEntries(rows.map((r) => [r.status, r.mails]));
  };
  const timesHanded = (handed: readonly { messageId: string }[], messageId: string) => handed.filter((m) => m.messageId === messageId).length;

  it('the database down mid-batch, then back: mail never handed to SMTP goes at the next backoff step, mail the server accepted is recorded sent, none is sent twice', async () => {
    const live = await instance('live', { concurrency: 4 });
    const queued = await queue(24, 'outage');
    const firedAt = clock.now();
    const answers: ((outcome: SendOutcome) => void)[] = [];
    live.answer(() => new Promise<SendOutcome>((resolve) => answers.push(resolve)));
    await live.worker.runDue();
    await waitFor('a batch being sent: four mails at the server, twenty waiting their turn', () => answers.length === 4);

    await outage.start();
    // The server answers while the database is down: two mails accepted, two deferred (451).
    live.answer(() => ({ kind: 'sent', response: '250 2.0.0 OK' }));
    const [accepted, deferred] = [live.handed.slice(0, 2), live.handed.slice(2, 4)];
    answers.slice(0, 2).forEach((answer) => answer({ kind: 'sent', response: '250 2.0.0 OK' }));
    answers.slice(2, 4).forEach((answer) => answer({ kind: 'transient', reason: '451 4.3.0 try again later' }));
    await live.sender.drain();
    // The twenty others could not read their committed row: none reached the server.
    expect(live.handed).toHaveLength(4);
    await outage.end();

    // The next backoff step of a first attempt (1 minute), far sooner than the attempt's bound (15.5 minutes).
    clock.advanceMs(mailRetryDelayMs(1));
    const statuses = await settledWithin(
      10_000,
      async () => {
        await live.fire();
        return statusCounts(queued.map((q) => q.id));
      },
      (counts) => counts.sent === queued.length,
    );
    expect(statuses).toEqual({ sent: 24 });

    const neverHanded = queued.filter((q) => ![...accepted, ...deferred].some((m) => m.messageId === q.messageId));
    expect(neverHanded).toHaveLength(20);
    expect(neverHanded.map((q) => timesHanded(live.handed, q.messageId))).toEqual(Array(20).fill(1));
    expect(accepted.map((m) => timesHanded(live.handed, m.messageId))).toEqual([1, 1]);
    expect(deferred.map((m) => timesHanded(live.handed, m.messageId))).toEqual([2, 2]);
    for (const m of accepted) {
      const row = await mail(queued.find((q) => q.messageId === m.messageId)!.id);
      // Recorded from memory once the database answered, at the time the server accepted it.
      expect(row).toMatchObject({ status: 'sent', attempts: 1, smtpResponse: '250 2.0.0 OK', sentAt: firedAt });
    }
    // Their first attempt recorded as not sent, the second sent.
    for (const q of neverHanded) expect(await mail(q.id)).toMatchObject({ status: 'sent', attempts: 2 });

    // Past the attempt's bound: nothing is sent again.
    clock.advanceMs(ATTEMPT_BOUND_MS);
    await live.fire();
    expect(live.handed).toHaveLength(24 + 2);
    expect(live.lines.filter((line) => line.msg.startsWith('mail attempt not recorded; its retry timer will send it'))).toEqual([]);
  }, 30_000);

  it('an attempt that never reached SMTP is released at the usual delay once the database answers: no longer under way, its retry re-armed from its bound', async () => {
    const live = await instance('released', { concurrency: 1 });
    const both = await queue(2, 'released');
    const failedAt = clock.now();
    let answerFirst: (outcome: SendOutcome) => void = () => undefined;
    live.answer(() => new Promise<SendOutcome>((resolve) => (answerFirst = resolve)));
    await live.worker.runDue();
    await waitFor('the first mail at the server, the second waiting its turn', () => live.handed.length === 1);
    await outage.start();
    answerFirst({ kind: 'transient', reason: '451 4.3.0 try again later' });
    await live.sender.drain();
    await outage.end();
    // The timer batch takes mails in id order: the first handed over is either.
    const first = both.find((q) => q.messageId === live.handed[0].messageId)!;
    const second = both.find((q) => q !== first)!;

    const released = await settledWithin(
      10_000,
      () => Promise.all([mail(first.id), mail(second.id)]),
      (rows) => rows.every((row) => row.attemptInstanceId === null),
    );
    expect(released.map((row) => ({ status: row.status, attempts: row.attempts, underWay: row.attemptInstanceId !== null }))).toEqual([
      { status: 'pending', attempts: 1, underWay: false },
      { status: 'pending', attempts: 1, underWay: false },
    ]);
    expect(released[0].lastError).toBe('451 4.3.0 try again later');
    expect(released[1].lastError).toContain('not sent: the database did not answer before the send');
    const retries = await sut.query<{ id: string; due_at: Date }>(`SELECT id, due_at FROM notification.timers WHERE id = ANY($1) ORDER BY id`, [
      [first, second].map((q) => mailAttemptTimerId(q.id, 2)),
    ]);
    expect(retries.map((r) => r.due_at.getTime())).toEqual([failedAt.getTime() + mailRetryDelayMs(1), failedAt.getTime() + mailRetryDelayMs(1)]);
    // Recorded in one try, or (a busy machine) over two: two attempts in all.
    const recordedLater = () =>
      live.lines.filter((line) => line.msg.startsWith('mail attempts recorded once the database answered again')).reduce((n, line) => n + Number(line.attempts), 0);
    expect(await settledWithin(5_000, async () => recordedLater(), (n) => n >= 2)).toBe(2);
    await sut.query(`DELETE FROM notification.timers WHERE id = ANY($1)`, [retries.map((r) => r.id)]);
  }, 30_000);

  it('stopping while the database is still down: every attempt left unrecorded is logged, its mail left to the take-back, which sends it once more', async () => {
    const stopping = await instance('stopping', { concurrency: 1 });
    const queued = await queue(3, 'stopping');
    let answerFirst: (outcome: SendOutcome) => void = () => undefined;
    stopping.answer(() => new Promise<SendOutcome>((resolve) => (answerFirst = resolve)));
    await stopping.worker.runDue();
    await waitFor('the first mail at the server', () => stopping.handed.length === 1);
    await outage.start();
    answerFirst({ kind: 'sent', response: '250 2.0.0 OK' });
    await stopping.sender.drain();
    await stopping.sender.stop();
    await outage.end();

    const unrecorded = stopping.lines.find((line) => line.msg.startsWith('mail attempts not recorded when the mail sender stopped'));
    expect(unrecorded).toMatchObject({ level: 50, count: 3, mayArriveTwice: 1 });
    const accepted = queued.find((q) => q.messageId === stopping.handed[0].messageId)!;
    expect(unrecorded?.attempts).toEqual(
      expect.arrayContaining(queued.map((q) => ({ mailId: q.id, attempt: 1, outcome: q === accepted ? 'sent' : 'not_started' }))),
    );
    for (const q of queued) expect(await mail(q.id)).toMatchObject({ status: 'pending', attempts: 1, attemptInstanceId: stopping.self.id });

    // Its row removed (a graceful stop), a live instance takes them back at once.
    await stopping.liveness.stop();
    const other = await instance('other', { concurrency: 4 });
    expect(await other.liveness.sweep()).toEqual({ mail: 3, webhook: 0 });
    await other.fire();
    expect(queued.map((q) => timesHanded(other.handed, q.messageId))).toEqual([1, 1, 1]);
    for (const q of queued) expect(await mail(q.id)).toMatchObject({ status: 'sent', attempts: 2 });
  }, 30_000);
});
