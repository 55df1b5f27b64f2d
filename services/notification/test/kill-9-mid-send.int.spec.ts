import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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
import { createEndpoint } from '../src/use-cases/webhook-endpoints';
import { enqueueDeliveries } from '../src/use-cases/webhook-queue';
import { webhookSecretBox } from '../src/use-cases/webhook-secrets';
import { startNotificationProcess, type NotificationProcess } from './support/notification-process';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

/**
 * Every instance beats this often and takes back the work of one silent this long (real time: these
 * are real processes); each may reach a webhook receiver on this machine.
 */
const INSTANCE_ENV = { NOTIFICATION_HEARTBEAT_MS: '200', NOTIFICATION_TAKE_BACK_AFTER_MS: '2000', WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' };
/** Well under the attempt's bound (15.5 min with these SMTP timeouts) and a delivery's watchdog (1–2 min). */
const TAKEN_BACK_WITHIN_MS = 20_000;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A webhook receiver on 127.0.0.1 recording each request's `webhook-id` in arrival order; `hangFirst`: the first request is never answered. */
const startReceiver = async (options: { hangFirst: boolean }) => {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['webhook-id']));
      if (options.hangFirst && received.length === 1) hanging.push(res);
      else res.writeHead(204).end();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};

/**
 * `kill -9` of a notification process in the middle of a send, and a second instance that lives
 * on, on the same database: the second takes the dead one's work back within the take-back
 * threshold and a sweep (docs/adr/0035 and 0034, addenda of 2026-12-04, seventh session), instead
 * of leaving it to the mail attempt's bound or the delivery's watchdog. At-least-once: the dead
 * process's send may have reached the server, so the same Message-ID or `webhook-id` may arrive twice.
 */
describe('fault: a notification process killed with SIGKILL mid-send, another instance living on', () => {
  const databases: { db: TestDatabase; direct: DataSource }[] = [];
  const closers: (() => Promise<void>)[] = [];
  const processes: NotificationProcess[] = [];
  const instances: ServiceInstance[] = [];
  const timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock: systemClock });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    for (const instance of instances) for (const closer of instance.closers()) await closer.close();
    for (const close of closers) await close();
    for (const { db, direct } of databases) {
      await direct.destroy();
      await db.drop();
    }
  });

  /** A database of the test's own (instances of another test would take its work), and a connection to it. */
  const database = async () => {
    const db = await createTestDatabase('notification-kill-9');
    const direct = createServiceDataSource({ url: db.url, schema: NOTIFICATION_SCHEMA, poolSize: 2 });
    await direct.initialize();
    databases.push({ db, direct });
    return { url: db.url, direct };
  };
  const sink = async (options: Parameters<typeof startSmtpSink>[0] = {}) => {
    const started = await startSmtpSink(options);
    closers.push(() => started.kill());
    return started;
  };
  const smtpEnv = (s: SmtpSink) => ({ MAIL_SMTP_HOST: '127.0.0.1', MAIL_SMTP_PORT: String(s.port), MAIL_FROM: 'TSS Support <support@tss.test>' });
  /**
   * The process that will die: notification alone in a process of its own, its instance's row
   * registered, so each test starts from the take-back it is about. (Once, under a full CI run's
   * load, a mail was counted before the row was, named no instance, and the live instance had nothing
   * to take back within 20 s; a mail fired then now waits for the row: mail-take-back.int.spec.ts.)
   */
  const dyingProcess = async (url: string, direct: DataSource, env: Record<string, string> = {}) => {
    const dying = startNotificationProcess(url, { ...INSTANCE_ENV, ...env });
    processes.push(dying);
    await dying.ready;
    await waitFor('the dying process’s instance registered', async () => (await direct.query(`SELECT 1 FROM notification.instances WHERE pid = $1`, [dying.child.pid])).length === 1);
    return dying;
  };
  const kill = async (dying: NotificationProcess) => {
    dying.child.kill('SIGKILL');
    await dying.exited;
  };
  /** The live instance: notification in this process, on the same database. */
  const liveInstance = async (url: string, env: Record<string, string> = {}) => {
    const instance = await startServiceInstance(notificationService, {
      config: loadConfig(ServiceProcessEnv, { DATABASE_URL: url, KAFKA_BROKERS: 'unused:9092', DB_POOL_SIZE: '3' }),
      logger,
      transport: new InProcessTransport(),
      keySource: () => ({ getKey: async () => undefined }),
      env: { ...INSTANCE_ENV, ...env },
    });
    instances.push(instance);
    return instance;
  };

  it('an acknowledgment the killed process was sending is sent by the live instance within seconds, not after the attempt bound', async () => {
    const { url, direct } = await database();
    const dyingServer = await sink({ neverAnswer: true });
    const dying = await dyingProcess(url, direct, smtpEnv(dyingServer));
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
    await kill(dying);

    const liveServer = await sink();
    await liveInstance(url, smtpEnv(liveServer));
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

  it('a webhook delivery the killed process had in flight is sent by the live instance within seconds, and its ticket’s next delivery after it', async () => {
    const { url, direct } = await database();
    const receiver = await startReceiver({ hangFirst: true });
    closers.push(receiver.close);
    const endpoint = await direct.transaction((tx) =>
      createEndpoint(tx, { kind: 'partner', partnerId: randomUUID() }, { url: receiver.url, eventTypes: ['*'] }, async () => undefined, webhookSecretBox({ dataSource: direct, clock: systemClock, logger, env: {} }), systemClock.now()),
    );
    if (!endpoint.ok) throw new Error(endpoint.error.detail);
    const dying = await dyingProcess(url, direct);
    const ticket = randomUUID();
    await direct.transaction((tx) =>
      enqueueDeliveries(
        tx,
        timers,
        ['k9-1', 'k9-2'].map((messageId) => ({ endpointId: endpoint.value.id, messageId, eventType: 'ticket.status_changed', body: JSON.stringify({ id: messageId }), reason: 'event' as const, subject: ticket })),
        systemClock.now(),
      ),
    );
    // The receiver has the first delivery; its answer never comes: the process dies waiting for it.
    await waitFor('the first delivery at the receiver', () => receiver.received.length === 1);
    await kill(dying);

    await liveInstance(url);
    const liveSince = performance.now();
    await waitFor('both deliveries sent by the live instance', () => receiver.received.length === 3, { timeoutMs: TAKEN_BACK_WITHIN_MS });
    expect(receiver.received).toEqual(['k9-1', 'k9-1', 'k9-2']);
    await waitFor('both recorded as succeeded', async () =>
      (await direct.query<{ status: string }[]>(`SELECT status FROM notification.webhook_deliveries WHERE endpoint_id = $1`, [endpoint.value.id])).every((d) => d.status === 'succeeded'),
    );
    process.stdout.write(`kill -9 mid-send: the webhook delivery went out again ${Math.round(performance.now() - liveSince)} ms after the live instance started\n`);
  }, 60_000);
});
