import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { TicketAgentRepliedV1, TicketCreatedV1, type EventContract, type EventData } from '@tss/contracts';
import { InProcessTransport, Outbox } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { Platform } from '@tss/runtime';
import { metricsRegistry, TokenVerifier } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { notificationService } from '../src/index';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';
import { startSmtpSink, type SmtpRefusal, type SmtpSink } from './support/smtp-sink';

/** What Postfix and most providers answer a password they do not take (RFC 4954 §6; smtp-server adds 5.7.8). */
const BAD_PASSWORD: SmtpRefusal = { code: 535, text: 'bad password' };

type MailRow = { id: string; kind: string; status: string; attempts: number; last_error: string | null; message_id: string };
/** Sent or failed, or tried and answered: what the first attempt leaves. */
const settledOrRefused = (m: MailRow): boolean => m.status !== 'pending' || m.last_error !== null;

/**
 * An outside tester rotated MAIL_SMTP_PASSWORD: the provider's password changed first, an agent
 * replied, and the mail was `failed` for good on its first "535 bad password"; after a restart with
 * the new password it never went. A refusal of our login is ours to fix, not the message's: the
 * mail waits and goes once the login is taken (docs/adr/0035, addendum of 2026-12-05, seventh session).
 */
describe('a refusal of our SMTP login keeps the mail, through a real SMTP server', () => {
  const clock = new TestClock('2026-12-05T14:00:00.000Z');
  const partnerId = randomUUID();
  let loginTaken = false;
  /** What the sink answers a login it refuses. */
  let refusal = BAD_PASSWORD;
  let sink: SmtpSink;
  let notification: NotificationUnderTest;
  /** notification's log, line by line. */
  const logged: { level: number; msg: string; [field: string]: unknown }[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink({
      login: (auth) => (loginTaken && auth.username === 'tss-mailer' && auth.password === 'new-password' ? undefined : refusal),
      refuseRecipient: (address) => (address === 'nobody@client.example' ? { code: 550, text: 'mailbox unavailable' } : undefined),
    });
    notification = await startNotification(clock, {
      MAIL_SMTP_HOST: '127.0.0.1',
      MAIL_SMTP_PORT: String(sink.port),
      MAIL_SMTP_USER: 'tss-mailer',
      MAIL_SMTP_PASSWORD: 'new-password',
      MAIL_FROM: 'TSS Support <support@tss.test>',
    }, pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) }));
  });
  afterAll(async () => {
    await notification?.sut.stop();
    await sink?.close();
  });

  const mailsOf = (ticketId: string) =>
    notification.sut.query<MailRow>(`SELECT id, kind, status, attempts, last_error, message_id FROM notification.mail_messages WHERE ticket_id = $1 ORDER BY kind`, [ticketId]);
  const eventsOf = (type: string, ticketId: string) => notification.sut.query(`SELECT 1 FROM notification.outbox WHERE event_type = $1 AND message_key = $2`, [type, ticketId]);
  /** Timers that could still send the mail: none once it is settled. */
  const armedTimersOf = (mailIds: string[]) => notification.sut.query(`SELECT id FROM notification.timers WHERE id LIKE ANY($1)`, [mailIds.map((id) => `mail:${id}:%`)]);

  it('an acknowledgment and an agent’s reply mailed while the server refuses our login stay pending, and arrive once after it takes the login', async () => {
    const { ticketId } = await notification.ticketCreated({ partnerId, email: 'anna@client.example' });
    await notification.handled(
      await notification.publish(TicketAgentRepliedV1, ticketId, { partnerId, sequence: 2, messageId: randomUUID(), repliedAt: clock.now().toISOString(), authorId: 'agent-1', body: 'Update to 4.2.2, please.' }),
    );
    // The reply waits behind the acknowledgment in the ticket's line (docs/adr/0035, addendum of
    // 2026-12-05, seventh session: a ticket's requester mails go out in the order queued), so only
    // the acknowledgment meets the refusal; both stay pending.
    const refused = await waitFor('the acknowledgment refused once', async () => {
      const rows = await mailsOf(ticketId);
      return rows.length === 2 && rows.some((m) => m.kind === 'acknowledgment' && settledOrRefused(m)) && rows;
    });
    expect(refused.map((m) => ({ kind: m.kind, status: m.status }))).toEqual([
      { kind: 'acknowledgment', status: 'pending' },
      { kind: 'agent_reply', status: 'pending' },
    ]);
    expect(refused.map((m) => m.last_error)).toEqual([expect.stringMatching(/^535 .*bad password/), null]);
    expect(await eventsOf('notification.delivery_failed', ticketId)).toEqual([]);
    expect(await eventsOf('notification.acknowledgment_sent', ticketId)).toEqual([]);
    expect(sink.mailsTo('anna@client.example')).toEqual([]);

    loginTaken = true;
    clock.advanceMs(60_000); // the first retry's delay
    await sink.nthMailTo('anna@client.example', 2);
    const sent = await waitFor('both mails recorded sent', async () => {
      const rows = await mailsOf(ticketId);
      return rows.every((m) => m.status === 'sent') && rows;
    });
    expect(await armedTimersOf(sent.map((m) => m.id))).toEqual([]); // nothing left to send them again
    // Once each, the acknowledgment first.
    const byKind = new Map(sent.map((m) => [m.kind, m.message_id]));
    expect(sink.mailsTo('anna@client.example').map((m) => m.messageId)).toEqual([byKind.get('acknowledgment'), byKind.get('agent_reply')]);
    expect(await eventsOf('notification.acknowledgment_sent', ticketId)).toHaveLength(1);
    expect(await eventsOf('notification.delivery_failed', ticketId)).toEqual([]);
  });

  /** The gauge an alert reads (docs/operations.md, TssMailSessionRefused), this process's series. */
  const refusedGauge = async (kind: string): Promise<number | undefined> =>
    (await metricsRegistry().getSingleMetric('tss_mail_session_refused')?.get())?.values.find((v) => v.labels.refusal === kind && v.labels.service === 'notification')?.value;

  it('the operator sees it: one error line per kind of refusal, naming the server’s answer but never our user or password; the gauge is 1 while refused, 0 once taken', async () => {
    loginTaken = false;
    refusal = { code: 535, text: 'Authentication failed for tss-mailer (password new-password)' };
    sink.dropConnections(); // the connections still logged in from before are gone: each new one logs in
    const since = logged.length;
    const refusedMail = async (email: string, n: number) => {
      const { ticketId } = await notification.ticketCreated({ partnerId, email });
      await waitFor(`the mail to ${email} refused`, async () => (await mailsOf(ticketId)).every((m) => m.last_error !== null) && logged.slice(since).filter((l) => /refused our session/.test(l.msg)).length >= n);
      return ticketId;
    };
    await refusedMail('one@client.example', 1);
    await refusedMail('two@client.example', 2); // the same refusal again: no second error line
    expect(await refusedGauge('login')).toBe(1);
    // TLS now wanted (RFC 4954 §6, 538): another kind, its own error line.
    refusal = { code: 538, text: 'Encryption required for requested authentication mechanism' };
    await refusedMail('three@client.example', 3);
    expect([await refusedGauge('login'), await refusedGauge('encryption')]).toEqual([0, 1]);

    const errors = logged.slice(since).filter((l) => l.level >= 50);
    expect(errors.map((l) => ({ refusal: l.refusal, answer: l.answer }))).toEqual([
      { refusal: 'login', answer: expect.stringMatching(/^535 .*Authentication failed for \[MAIL_SMTP_USER\] \(password \[MAIL_SMTP_PASSWORD\]\)/) },
      { refusal: 'encryption', answer: expect.stringMatching(/^538 .*Encryption required/) },
    ]);
    expect(errors[0].msg).toContain('MAIL_SMTP_PASSWORD');
    expect(JSON.stringify(logged.slice(since))).not.toMatch(/new-password|tss-mailer/);

    loginTaken = true;
    clock.advanceMs(60_000);
    await sink.nthMailTo('three@client.example');
    await waitFor('the session taken again', () => logged.slice(since).some((l) => /takes our session again/.test(l.msg)));
    expect([await refusedGauge('login'), await refusedGauge('encryption'), await refusedGauge('connection'), await refusedGauge('sender')]).toEqual([0, 0, 0, 0]);
  });

  it('a 550 for the recipient (the message’s own refusal) still fails at once', async () => {
    loginTaken = true;
    const { ticketId } = await notification.ticketCreated({ partnerId, email: 'nobody@client.example' });
    const [mail] = await waitFor('the acknowledgment refused for good', async () => {
      const rows = await mailsOf(ticketId);
      return rows.length === 1 && rows[0].status === 'failed' && rows;
    });
    expect(mail).toMatchObject({ kind: 'acknowledgment', attempts: 1 });
    expect(mail.last_error).toMatch(/^550 .*mailbox unavailable/);
    expect(await eventsOf('notification.delivery_failed', ticketId)).toHaveLength(1);
  });
});

/**
 * The tester's restart: the old password in the environment while the server already wants the new
 * one; the mail refused meanwhile goes once notification starts with the new one, without waiting
 * for its next retry, and in the order it was queued.
 */
describe('a restart with the right password sends the mail the old one left waiting, oldest first', () => {
  const clock = new TestClock('2026-12-05T15:00:00.000Z');
  const partnerId = randomUUID();
  let db: TestDatabase;
  let sink: SmtpSink;
  let running: Platform | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('notification-session-refused-restart');
    sink = await startSmtpSink({ login: (auth) => (auth.password === 'new-password' ? undefined : BAD_PASSWORD) });
  });
  afterAll(async () => {
    await running?.stop();
    await sink?.close();
    await db?.drop();
  });

  const start = (password: string) =>
    Platform.start({
      modules: [notificationService],
      name: 'notification',
      databaseUrl: db.url,
      transport: new InProcessTransport(),
      clock,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      tokens: new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: { getKey: async () => undefined }, nowSeconds: () => Math.floor(clock.now().getTime() / 1_000) }),
      // One send at a time: the order they are handed to the server is the order they arrive in.
      env: { MAIL_SMTP_HOST: '127.0.0.1', MAIL_SMTP_PORT: String(sink.port), MAIL_SMTP_USER: 'tss-mailer', MAIL_SMTP_PASSWORD: password, MAIL_FROM: 'TSS Support <support@tss.test>', MAIL_SEND_CONCURRENCY: '1' },
      migrate: false,
      poolSize: 2,
      relayPollIntervalMs: 50,
    });
  const publishHandled = async <E extends EventContract>(platform: Platform, contract: E, subject: string, data: EventData<E>) => {
    const host = platform.host('notification');
    const producer = new Outbox({ service: contract.owner, schema: 'notification', clock });
    const { id } = await host.unitOfWork.run((tx) => producer.add(tx, contract, subject, data));
    await waitFor(`event ${id} handled`, async () => (await host.dataSource.query(`SELECT 1 FROM notification.inbox WHERE event_id = $1`, [id])).length > 0);
  };
  const ticketCreated = (platform: Platform, email: string, reference: string) => {
    const ticketId = randomUUID();
    return publishHandled(platform, TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference,
      channel: 'api',
      product: 'reader',
      productVersion: '4.2',
      level: 'standard',
      subject: 'Reader crashes on opening EPUB',
      requester: { email },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
    }).then(() => ticketId);
  };

  it('refused with the old password: pending; started with the new one: both sent at once, the older first', async () => {
    const before = await start('old-password');
    running = before;
    const query = (sql: string, params: unknown[] = []) => before.host('notification').dataSource.query(sql, params) as Promise<MailRow[]>;
    const first = await ticketCreated(before, 'first@client.example', 'TSS-S0001-ABCDE');
    clock.advanceMs(1_000);
    const second = await ticketCreated(before, 'second@client.example', 'TSS-S0002-ABCDE');
    const refused = await waitFor('both acknowledgments refused', async () => {
      const rows = await query(`SELECT id, kind, status, attempts, last_error, message_id FROM notification.mail_messages WHERE ticket_id = ANY($1) ORDER BY created_at`, [[first, second]]);
      return rows.length === 2 && rows.every(settledOrRefused) && rows;
    });
    expect(refused.map((m) => m.status)).toEqual(['pending', 'pending']);
    await before.stop();
    running = undefined;

    const after = await start('new-password');
    running = after;
    await sink.nthMailTo('second@client.example'); // the clock has not moved: no retry was due
    expect(sink.received.map((m) => JSON.stringify(m.to))).toEqual([expect.stringContaining('first@client.example'), expect.stringContaining('second@client.example')]);
    await waitFor('both recorded sent', async () => {
      const rows = (await after.host('notification').dataSource.query(`SELECT status FROM notification.mail_messages WHERE ticket_id = ANY($1)`, [[first, second]])) as MailRow[];
      return rows.every((m) => m.status === 'sent');
    });
  });
});
