import net from 'node:net';
import pino from 'pino';
import type { ServiceModule } from '@tss/runtime';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { metricsRegistry } from '@tss/service-kit';
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
import { scriptedTransport } from './support/scripted-mail-transport';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** notification without its own workers: this suite runs its instances' senders, workers and sweeps itself. */
const withoutWorkers: ServiceModule = { ...notificationService, build: (deps) => ({ ...notificationService.build(deps), background: [] }) };

const TAKE_BACK_AFTER_MS = 30_000;
/** The SMTP timeouts' sum with a real server (smtpAttemptBoundMs): the next attempt is armed no sooner. */
const ATTEMPT_BOUND_MS = 930_000;

/**
 * A mail attempt names the notification instance that made it; a live instance takes back the
 * attempt of one that stopped beating, by the database's clock, and the usual retry path sends it
 * at once instead of after the attempt's bound (docs/adr/0035, addendum of 2026-12-04, seventh
 * session). Instances here are the pieces the service composes (instance, liveness, sender, timer
 * worker), several on one database; time passes by setting a heartbeat back with SQL.
 */
describe('mail of a notification instance that stopped beating is taken back (real PostgreSQL)', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  let sut: ServiceUnderTest;
  let timers: TimerStore;
  const partnerId = '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a31';
  const started: { sender: MailSender; liveness: InstanceLiveness }[] = [];

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorkers, { clock });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
  });
  afterAll(async () => {
    for (const { sender } of started) await sender.stop();
    await sut?.stop();
  });

  /** One notification process: registered and beating once (`liveness.beat()` beats again). */
  const instance = async (name: string, options: { concurrency?: number } = {}) => {
    const self = new NotificationInstance({ host: name });
    const liveness = new InstanceLiveness({ dataSource: sut.host.dataSource, instance: self, timers, clock, logger, heartbeatMs: 5_000, takeBackAfterMs: TAKE_BACK_AFTER_MS });
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
      stopGraceMs: 10,
      ...options,
    });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: { [MAIL_SEND_TIMER]: sender.timerHandler } });
    await liveness.beat();
    started.push({ sender, liveness });
    return { self, liveness, sender, worker, ...scripted };
  };
  /** The instance's last beat `ms` ago, by the database's clock: what a process silent that long leaves. */
  const silentFor = (self: NotificationInstance, ms: number) =>
    sut.query(`UPDATE notification.instances SET heartbeat_at = now() - $2::int * interval '1 millisecond' WHERE id = $1`, [self.id, ms]);
  const queue = (recipient: string) =>
    sut.host.unitOfWork.run((tx) =>
      queueMail(
        tx,
        { timers, messageIdDomain: 'tss.test' },
        { ticketId: null, partnerId, kind: 'acknowledgment', recipient, language: 'en', rendered: { subject: '[TSS-X] Request received', text: 'x\n', html: '<p>x</p>' } },
        clock.now(),
      ),
    );
  const mail = async (id: string) => (await sut.host.unitOfWork.run((tx) => mailStore.lock(tx, id)))!;
  const takenBackCount = async (): Promise<number> =>
    (await metricsRegistry().getSingleMetric('tss_notification_taken_back_total')?.get())?.values.find((v) => v.labels.kind === 'mail')?.value ?? 0;
  /** A send the server never answers (a slow server, or a process about to die mid-DATA). */
  const never = () => new Promise<SendOutcome>(() => undefined);

  it('a mail whose attempt an instance counted and then stopped beating is sent by a live instance after the threshold and one sweep, not before', async () => {
    const dying = await instance('dying');
    const live = await instance('live');
    dying.answer(never);
    const queued = await queue('ack-after-kill@client.example');
    await dying.worker.runDue();
    await waitFor('the attempt handed to the server by the instance about to die', () => dying.handed.length === 1);
    expect(await mail(queued.id)).toMatchObject({ status: 'pending', attempts: 1, attemptInstanceId: dying.self.id });

    // Still within the threshold: its attempt may be a slow server's, and is left alone.
    await silentFor(dying.self, TAKE_BACK_AFTER_MS - 2_000);
    await live.liveness.beat();
    expect(await live.liveness.sweep()).toEqual({ mail: 0, webhook: 0 });
    await live.worker.runDue();
    await live.sender.drain();
    expect(live.handed).toHaveLength(0);

    const before = await takenBackCount();
    await silentFor(dying.self, TAKE_BACK_AFTER_MS + 1_000);
    expect(await live.liveness.sweep()).toEqual({ mail: 1, webhook: 0 });
    // The simulated clock has not moved: the retry armed for the attempt's bound is due now.
    await live.worker.runDue();
    await live.sender.drain();
    expect(live.handed.map((m) => m.messageId)).toEqual([queued.messageId]);
    expect(await mail(queued.id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await takenBackCount()).toBe(before + 1);
  });

  it('a slow server: the attempt of an instance that still beats is never taken back, and the mail goes once', async () => {
    const slow = await instance('slow');
    const other = await instance('other');
    const waiting: ((outcome: SendOutcome) => void)[] = [];
    slow.answer(() => new Promise<SendOutcome>((resolve) => waiting.push(resolve)));
    const queued = await queue('slow-server@client.example');
    await slow.worker.runDue();
    await waitFor('the attempt handed to the slow server', () => slow.handed.length === 1);

    // Minutes pass (simulated), the server still answering; the instance beats, the other sweeps each time.
    for (let minute = 0; minute < 5; minute += 1) {
      clock.advanceMs(mailRetryDelayMs(1));
      await slow.liveness.beat();
      await other.liveness.beat();
      expect(await other.liveness.sweep()).toEqual({ mail: 0, webhook: 0 });
      await other.worker.runDue();
    }
    await other.sender.drain();
    for (const answerNow of waiting) answerNow({ kind: 'sent', response: '250 OK' });
    await slow.sender.drain();
    expect([...slow.handed, ...other.handed]).toHaveLength(1);
    expect(await mail(queued.id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('an instance whose row is gone (it stopped, its sends unrecorded) has its attempt taken back at the next sweep, with no wait', async () => {
    const gone = await instance('gone');
    const live = await instance('live');
    gone.answer(never);
    const queued = await queue('row-gone@client.example');
    await gone.worker.runDue();
    await waitFor('the attempt handed to the server', () => gone.handed.length === 1);
    await sut.query(`DELETE FROM notification.instances WHERE id = $1`, [gone.self.id]);

    expect(await live.liveness.sweep()).toEqual({ mail: 1, webhook: 0 });
    await live.worker.runDue();
    await live.sender.drain();
    expect(live.handed.map((m) => m.messageId)).toEqual([queued.messageId]);
  });

  it('two instances sweeping at once take each dead attempt back once: one timer re-target, one resend', async () => {
    const dying = await instance('dying', { concurrency: 64 });
    const [one, two] = [await instance('sweeper-1'), await instance('sweeper-2')];
    dying.answer(never);
    const queued = await Promise.all(Array.from({ length: 40 }, (_, i) => queue(`many-${i}@client.example`)));
    await dying.worker.runDue();
    await waitFor('every attempt handed to the server', () => dying.handed.length === queued.length);
    await silentFor(dying.self, TAKE_BACK_AFTER_MS + 1_000);
    // One attempt's mail row held by another transaction: both sweeps skip it rather than wait.
    const held = queued[0].id;
    let release: () => void = () => undefined;
    let locked = false;
    const locking = sut.host.dataSource.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM notification.mail_messages WHERE id = $1 FOR UPDATE`, [held]);
      locked = true;
      await new Promise<void>((resolve) => (release = resolve));
    });
    await waitFor('the row locked', () => locked);

    const before = await takenBackCount();
    const [a, b] = await Promise.all([one.liveness.sweep(), two.liveness.sweep()]);
    expect(a.mail + b.mail).toBe(queued.length - 1);
    release();
    await locking;
    const [c, d] = await Promise.all([one.liveness.sweep(), two.liveness.sweep()]);
    expect(c.mail + d.mail).toBe(1);
    expect(await takenBackCount()).toBe(before + queued.length);

    await Promise.all([one.worker.runDue(), two.worker.runDue()]);
    await Promise.all([one.sender.drain(), two.sender.drain()]);
    const resent = [...one.handed, ...two.handed].map((m) => m.messageId).sort();
    expect(resent).toEqual(queued.map((q) => q.messageId).sort());
    const rows = await Promise.all(queued.map((q) => mail(q.id)));
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 2)).toBe(true);
  });

  it('an attempt taken back before its instance began sending it is not sent there: only the live instance sends it', async () => {
    const late = await instance('late', { concurrency: 1 });
    const live = await instance('live');
    let answerBusy: (outcome: SendOutcome) => void = () => undefined;
    late.answer(() => new Promise<SendOutcome>((resolve) => (answerBusy = resolve)));
    const busy = await queue('busy-slot@client.example');
    await late.worker.runDue();
    await waitFor('the one slot taken', () => late.handed.length === 1);
    // Counted by the late instance, waiting in its memory for the slot while the instance is taken for dead.
    const queued = await queue('waiting-in-memory@client.example');
    await late.worker.runDue();
    expect(await mail(queued.id)).toMatchObject({ attempts: 1, attemptInstanceId: late.self.id });
    await silentFor(late.self, TAKE_BACK_AFTER_MS + 1_000);
    expect((await live.liveness.sweep()).mail).toBe(2);

    // The slot frees: the late instance finds the waiting attempt taken back and does not send it.
    late.answer(() => ({ kind: 'sent', response: '250 OK' }));
    answerBusy({ kind: 'sent', response: '250 OK' });
    await late.sender.drain();
    expect(late.handed.map((m) => m.messageId)).toEqual([busy.messageId]);
    await live.worker.runDue();
    await live.sender.drain();
    expect(live.handed.map((m) => m.messageId)).toEqual([queued.messageId]);
    expect(await mail(busy.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await mail(queued.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a transient failure ends the attempt: the mail waits for its usual retry, and a sweep does not hurry it', async () => {
    const failing = await instance('failing');
    const live = await instance('live');
    failing.answer(() => ({ kind: 'transient', reason: '421 busy' }));
    const queued = await queue('busy-server@client.example');
    await failing.worker.runDue();
    await failing.sender.drain();
    expect(await mail(queued.id)).toMatchObject({ status: 'pending', attempts: 1, attemptInstanceId: null });
    await silentFor(failing.self, TAKE_BACK_AFTER_MS + 1_000);
    expect((await live.liveness.sweep()).mail).toBe(0);
    const retry = await sut.query<{ due_at: Date }>(`SELECT due_at FROM notification.timers WHERE id = $1`, [mailAttemptTimerId(queued.id, 2)]);
    expect(retry[0].due_at.getTime()).toBe(clock.now().getTime() + mailRetryDelayMs(1));
  });

  // A kill -9 right after a start (seventh session of 2026-12-05): the beat starts after the mail
  // part, and a mail fired before the instance's first beat was counted under no instance, so a live
  // instance never took it back and it waited for its attempt's bound (15 min).
  it('a mail fired before its instance is registered waits for the registration, and its attempt names the instance', async () => {
    const self = new NotificationInstance({ host: 'just-started' });
    const liveness = new InstanceLiveness({ dataSource: sut.host.dataSource, instance: self, timers, clock, logger, heartbeatMs: 5_000, takeBackAfterMs: TAKE_BACK_AFTER_MS });
    const scripted = scriptedTransport();
    const sender = new MailSender({ dataSource: sut.host.dataSource, timers, outbox: sut.host.outbox, clock, logger, transport: scripted.transport, from: 'TSS <support@tss.test>', instance: self, attemptBoundMs: ATTEMPT_BOUND_MS, stopGraceMs: 10 });
    started.push({ sender, liveness });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: { [MAIL_SEND_TIMER]: sender.timerHandler } });
    scripted.answer(never);
    // Told when the batch asks for the registration: the instance beats only then.
    let asked!: () => void;
    const askedForRegistration = new Promise<void>((resolve) => (asked = resolve));
    const whenRegistered = self.whenRegistered.bind(self);
    jest.spyOn(self, 'whenRegistered').mockImplementation(() => {
      asked();
      return whenRegistered();
    });

    const queued = await queue('ack-right-after-start@client.example');
    const firing = worker.runDue();
    await Promise.race([askedForRegistration, firing]);
    await liveness.beat();
    await firing;
    await waitFor('the attempt handed to the server', () => scripted.handed.length === 1);
    expect(await mail(queued.id)).toMatchObject({ status: 'pending', attempts: 1, attemptInstanceId: self.id });
  });

  it('rows of instances silent for an hour are pruned, live ones kept; a live instance whose row was pruned writes it again at its next beat', async () => {
    const frozen = await instance('frozen');
    const live = await instance('live');
    await silentFor(frozen.self, 60 * 60_000 + 1_000);
    await live.liveness.sweep();
    const ids = async () => (await sut.query<{ id: string }>(`SELECT id FROM notification.instances WHERE id = ANY($1::uuid[])`, [[frozen.self.id, live.self.id]])).map((r) => r.id);
    expect(await ids()).toEqual([live.self.id]);
    // The frozen process wakes: its beat makes its row again (its work was taken back meanwhile).
    await frozen.liveness.beat();
    expect((await ids()).sort()).toEqual([frozen.self.id, live.self.id].sort());
  });

  it('the composed service registers its instance, beats it by the database clock, and removes it on a graceful stop only after its sends are recorded', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => undefined));
    const accepted: net.Socket[] = [];
    silent.on('connection', (socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const service = await startServiceUnderTest(notificationService, {
      clock,
      env: { MAIL_SMTP_HOST: '127.0.0.1', MAIL_SMTP_PORT: String(port), NOTIFICATION_HEARTBEAT_MS: '100', NOTIFICATION_TAKE_BACK_AFTER_MS: '1000' },
    });
    const watcher = new NotificationInstance({ host: 'watcher' });
    const watching = new InstanceLiveness({ dataSource: service.host.dataSource, instance: watcher, timers, clock, logger, heartbeatMs: 60_000, takeBackAfterMs: 1_000 });
    try {
      const registered = await waitFor('the instance registered', async () => (await service.query<{ id: string; heartbeat_at: Date }>(`SELECT id, heartbeat_at FROM notification.instances`))[0]);
      await waitFor('a later beat', async () => {
        const [row] = await service.query<{ heartbeat_at: Date }>(`SELECT heartbeat_at FROM notification.instances WHERE id = $1`, [registered.id]);
        return row.heartbeat_at > registered.heartbeat_at;
      });
      const queued = await service.host.unitOfWork.run((tx) =>
        queueMail(
          tx,
          { timers, messageIdDomain: 'tss.test' },
          { ticketId: null, partnerId, kind: 'acknowledgment', recipient: 'stopping@client.example', language: 'en', rendered: { subject: '[TSS-X] Request received', text: 'x\n', html: '<p>x</p>' } },
          clock.now(),
        ),
      );
      await waitFor('the send waiting for the greeting', () => accepted.length === 1);
      const [row] = await service.query<{ attempt_instance_id: string }>(`SELECT attempt_instance_id FROM notification.mail_messages WHERE id = $1`, [queued.id]);
      expect(row.attempt_instance_id).toBe(registered.id);

      // Another instance sweeps throughout the stop: the row stays until the send is recorded, so there is nothing to take back.
      await watching.beat();
      let stopped = false;
      const taken: number[] = [];
      const stopping = service.host.stop().then(() => (stopped = true));
      while (!stopped) taken.push((await watching.sweep()).mail);
      await stopping;
      expect(taken.filter((n) => n > 0)).toEqual([]);
      expect(await service.query(`SELECT id FROM notification.instances WHERE id = $1`, [registered.id])).toEqual([]);
      const [after] = await service.query<{ attempt_instance_id: string | null; last_error: string }>(`SELECT attempt_instance_id, last_error FROM notification.mail_messages WHERE id = $1`, [queued.id]);
      expect(after).toMatchObject({ attempt_instance_id: null, last_error: expect.stringContaining('interrupted') });
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      await service.stop();
    }
  }, 30_000);
});
