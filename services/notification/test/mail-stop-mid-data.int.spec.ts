import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { systemClock } from '@tss/service-kit';
import { TimerStore } from '@tss/timers';
import { mailRetryDelayMs } from '../src/domain/mail-delivery';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { mailAttemptTimerId, queueMail } from '../src/use-cases/mail-queue';
import { startNotificationProcess, type NotificationProcess } from './support/notification-process';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

/**
 * An outside tester: an SMTP server that answers the end of DATA after 4 s, 20 new mails, Ctrl-C 2 s
 * later; after the restart 24 acknowledgments for 20 tickets, 4 of them twice under one Message-ID.
 * Stopping cut every send short after its 2 s grace, those whose data the server already had
 * included. Now a send whose message the server is taking (past DATA) may finish within the
 * process's stop budget (SHUTDOWN_TIMEOUT_MS, less what the rest of the stop needs), and only a
 * send still waiting when that is spent is abandoned (docs/adr/0035, addendum of 2026-12-05).
 * Real processes, a real SMTP server (smtp-server), real signals.
 */
describe('fault: a notification process stopped (SIGINT, SIGTERM) while a slow SMTP server has the mail', () => {
  const databases: { db: TestDatabase; direct: DataSource }[] = [];
  const sinks: SmtpSink[] = [];
  const processes: NotificationProcess[] = [];
  const timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock: systemClock });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    for (const sink of sinks) await sink.kill();
    for (const { db, direct } of databases) {
      await direct.destroy();
      await db.drop();
    }
  });

  const database = async () => {
    const db = await createTestDatabase('notification-stop-mid-data');
    const direct = createServiceDataSource({ url: db.url, schema: NOTIFICATION_SCHEMA, poolSize: 2 });
    await direct.initialize();
    databases.push({ db, direct });
    return { url: db.url, direct };
  };
  const sink = async (options: Parameters<typeof startSmtpSink>[0]) => {
    const started = await startSmtpSink(options);
    sinks.push(started);
    return started;
  };
  const notificationProcess = async (url: string, s: SmtpSink, env: Record<string, string>) => {
    const started = startNotificationProcess(url, { MAIL_SMTP_HOST: '127.0.0.1', MAIL_SMTP_PORT: String(s.port), MAIL_FROM: 'TSS Support <support@tss.test>', ...env });
    processes.push(started);
    await started.ready;
    return started;
  };
  const queueAcks = (direct: DataSource, recipients: readonly string[]) =>
    direct.transaction(async (tx) => {
      const queued: { id: string; messageId: string; recipient: string }[] = [];
      for (const recipient of recipients) {
        const mail = await queueMail(
          tx,
          { timers, messageIdDomain: 'tss.test' },
          { ticketId: null, partnerId: null, kind: 'acknowledgment', recipient, language: 'en', rendered: { subject: '[TSS-STOP] Request received', text: 'x\n', html: '<p>x</p>' } },
          systemClock.now(),
        );
        queued.push({ ...mail, recipient });
      }
      return queued;
    });
  const rowsOf = (direct: DataSource, ids: readonly string[]) =>
    direct.query<{ id: string; status: string; attempts: number; last_error: string | null }[]>(
      `SELECT id, status, attempts, last_error FROM notification.mail_messages WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );

  it('Ctrl-C while the server holds each mail’s data for 4 s: every mail is delivered once and recorded sent, and the process exits 0', async () => {
    const { url, direct } = await database();
    const slow = await sink({ replyDelayMs: 4_000 });
    const stopping = await notificationProcess(url, slow, { SHUTDOWN_TIMEOUT_MS: '10000' });
    const recipients = ['stop-1@client.example', 'stop-2@client.example', 'stop-3@client.example'];
    const queued = await queueAcks(direct, recipients);
    // The server has every mail's data; its answers are seconds away.
    for (const recipient of recipients) await slow.nthMailTo(recipient);
    const signalledAt = performance.now();
    stopping.child.kill('SIGINT');
    expect(await stopping.exited).toBe(0);
    const stoppedInMs = performance.now() - signalledAt;

    const rows = await rowsOf(direct, queued.map((q) => q.id));
    expect(rows.map(({ status, attempts, last_error }) => ({ status, attempts, last_error }))).toEqual(Array(3).fill({ status: 'sent', attempts: 1, last_error: null }));
    expect(recipients.map((r) => slow.mailsTo(r).map((m) => m.messageId))).toEqual(queued.map((q) => [q.messageId]));
    // Nothing is left to send it again after a restart: each mail's next attempt was cancelled with its record.
    const armed = await direct.query(`SELECT id FROM notification.timers WHERE id = ANY($1)`, [queued.map((q) => mailAttemptTimerId(q.id, 2))]);
    expect(armed).toEqual([]);
    expect(stoppedInMs).toBeLessThan(10_000);
  }, 60_000);

  it('a server that never answers the end of DATA: the stop budget is spent, the send abandoned as interrupted (it may arrive twice), and the process still exits 0 in time', async () => {
    const { url, direct } = await database();
    const silent = await sink({ neverAnswer: true });
    const SHUTDOWN_TIMEOUT_MS = 5_000;
    const stopping = await notificationProcess(url, silent, { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
    const [queued] = await queueAcks(direct, ['never-answered@client.example']);
    await silent.nthMailTo('never-answered@client.example');
    const signalledAt = performance.now();
    stopping.child.kill('SIGTERM');
    expect(await stopping.exited).toBe(0);
    expect(performance.now() - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);

    const [row] = await rowsOf(direct, [queued.id]);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.last_error).toContain('interrupted: the mail sender stopped (shutdown)');
    expect(row.last_error).toContain('may arrive twice');
    // Its retry follows the usual delay (the same Message-ID: at-least-once, docs/adr/0035).
    const [retry] = await direct.query<{ due_at: Date }[]>(`SELECT due_at FROM notification.timers WHERE id = $1`, [mailAttemptTimerId(queued.id, 2)]);
    expect(retry.due_at.getTime()).toBeLessThanOrEqual(systemClock.now().getTime() + mailRetryDelayMs(1));
  }, 60_000);
});
