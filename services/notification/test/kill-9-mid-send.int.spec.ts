import pino from 'pino';
import type { DataSource } from 'typeorm';
import { InProcessTransport } from '@tss/messaging';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { ServiceProcessEnv, startServiceInstance, type ServiceInstance } from '@tss/runtime';
import { loadConfig, systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { notificationService } from '../src/index';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { queueMail } from '../src/use-cases/mail-queue';
import { startNotificationProcess, type NotificationProcess } from './support/notification-process';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

/** Every instance beats this often and takes back the work of one silent this long (real time: these are real processes). */
const LIVENESS = { NOTIFICATION_HEARTBEAT_MS: '200', NOTIFICATION_TAKE_BACK_AFTER_MS: '2000' };
/** Well under the attempt's bound (15.5 min with these SMTP timeouts) and a delivery's watchdog (1–2 min). */
const TAKEN_BACK_WITHIN_MS = 20_000;

/**
 * `kill -9` of a notification process in the middle of a send, and a second instance that lives
 * on: the second takes the dead one's work back within the take-back threshold and a sweep
 * (docs/adr/0035, addendum of 2026-12-04, seventh session), instead of leaving the mail to the
 * attempt's bound. At-least-once: the dead process's send may have reached the server, so the
 * same Message-ID may arrive twice.
 */
describe('fault: a notification process killed with SIGKILL mid-send, another instance living on', () => {
  let db: TestDatabase;
  let direct: DataSource;
  let timers: TimerStore;
  const sinks: SmtpSink[] = [];
  const processes: NotificationProcess[] = [];
  const instances: ServiceInstance[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('notification-kill-9');
    direct = createServiceDataSource({ url: db.url, schema: NOTIFICATION_SCHEMA, poolSize: 2 });
    await direct.initialize();
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock: systemClock });
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    for (const instance of instances) for (const closer of instance.closers()) await closer.close();
    for (const sink of sinks) await sink.kill();
    await direct?.destroy();
    await db?.drop();
  });

  const sink = async (options: Parameters<typeof startSmtpSink>[0] = {}) => {
    const started = await startSmtpSink(options);
    sinks.push(started);
    return started;
  };
  const smtpEnv = (s: SmtpSink) => ({ MAIL_SMTP_HOST: '127.0.0.1', MAIL_SMTP_PORT: String(s.port), MAIL_FROM: 'TSS Support <support@tss.test>' });
  /** The live instance: notification in this process, on the same database, its own SMTP server. */
  const liveInstance = async (env: Record<string, string>) => {
    const instance = await startServiceInstance(notificationService, {
      config: loadConfig(ServiceProcessEnv, { DATABASE_URL: db.url, KAFKA_BROKERS: 'unused:9092', DB_POOL_SIZE: '3' }),
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      transport: new InProcessTransport(),
      keySource: () => ({ getKey: async () => undefined }),
      env: { ...LIVENESS, ...env },
    });
    instances.push(instance);
    return instance;
  };

  it('an acknowledgment the killed process was sending is sent by the live instance within seconds, not after the attempt bound', async () => {
    const dyingServer = await sink({ neverAnswer: true });
    const dying = startNotificationProcess(db.url, { ...LIVENESS, ...smtpEnv(dyingServer) });
    processes.push(dying);
    await dying.ready;

    const queued = await direct.transaction((tx) =>
      queueMail(
        tx,
        { timers, messageIdDomain: 'tss.test' },
        { ticketId: null, partnerId: null, kind: 'acknowledgment', recipient: 'kill-9@client.example', language: 'en', rendered: { subject: '[TSS-K9] Request received', text: 'x\n', html: '<p>x</p>' } },
        systemClock.now(),
      ),
    );
    // The server has the mail; its answer never comes: the process dies waiting for it.
    await dyingServer.nthMailTo('kill-9@client.example');
    dying.child.kill('SIGKILL');
    await dying.exited;

    const liveServer = await sink();
    await liveInstance(smtpEnv(liveServer));
    const liveSince = performance.now();
    const resent = await waitFor('the acknowledgment sent by the live instance', () => liveServer.mailsTo('kill-9@client.example')[0], { timeoutMs: TAKEN_BACK_WITHIN_MS });
    expect(resent.messageId).toBe(queued.messageId);
    const row = await waitFor('the mail recorded as sent', async () => {
      const [found] = await direct.query<{ status: string; attempts: number }[]>(`SELECT status, attempts FROM notification.mail_messages WHERE id = $1`, [queued.id]);
      return found.status === 'sent' && found;
    });
    expect(row).toEqual({ status: 'sent', attempts: 2 });
    process.stdout.write(`kill -9 mid-send: the acknowledgment went out again ${Math.round(performance.now() - liveSince)} ms after the live instance started\n`);
  }, 60_000);
});
