import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { handleInTransaction } from '@tss/messaging/testing';
import { TimerStore, TimerWorker } from '@tss/timers';
import { acknowledgmentStore, NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { mailStore } from '../src/store/mail.store';
import { MAIL_SEND_TIMER, mailAttemptTimerId, queueMail } from '../src/use-cases/mail-queue';
import { MailSender } from '../src/use-cases/mail-sender';
import type { MailTransport, OutgoingMail } from '../src/use-cases/mail-transport';
import type { CloudEvent } from '@tss/contracts';
import { onTicketCreated } from '../src/events/on-ticket-created.handler';
import { countedDataSource, countedStatements } from '@tss/persistence/testing';
import { notificationWithoutWorkers } from './support/webhook-fixtures';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });


// Issue #11: an acknowledgment cost a mail insert, a timer insert, two locking reads of the mail
// (each in a transaction of its own) and a read of the acknowledgment besides the update; now a
// queued mail is one statement, and a sent one a locking read and a transaction of two statements;
// sent mails that finish while one is being recorded share the next transaction.
describe('statements per mail (issue #11), notification alone on real PostgreSQL', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  let sut: ServiceUnderTest;
  let timers: TimerStore;

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const setUp = (onSend: (mail: OutgoingMail) => Promise<void> = async () => undefined, response = '250 OK') => {
    const handed: OutgoingMail[] = [];
    const transport: MailTransport = {
      name: 'smtp',
      send: async (mail) => {
        handed.push(mail);
        await onSend(mail);
        return { kind: 'sent', response };
      },
      close: () => undefined,
    };
    const counted = countedDataSource(sut.host.dataSource);
    const sender = new MailSender({ dataSource: counted.dataSource, timers, outbox: sut.host.outbox, clock, logger, transport, from: 'TSS <support@tss.test>' });
    const worker = new TimerWorker({ dataSource: sut.host.dataSource, schema: NOTIFICATION_SCHEMA, clock, logger, handlers: {}, batchHandlers: { [MAIL_SEND_TIMER]: sender.batchTimerHandler } });
    const fire = async () => {
      await worker.runDue();
      await sender.drain();
    };
    return { handed, counted, fire };
  };

  /** An acknowledgment as on ticket.created: the acknowledgment recorded, its mail queued. */
  const queueAcknowledgment = (reference: string) =>
    sut.host.unitOfWork.run(async (tx) => {
      const ticketId = randomUUID();
      const partnerId = randomUUID();
      await acknowledgmentStore.insert(tx, { ticketId, partnerId, reference, channel: 'api', recipient: 'r@client.example', delivery: 'email', body: 'x', recordedAt: clock.now() });
      const counted = countedStatements(tx);
      const queued = await queueMail(
        counted.tx,
        { timers, messageIdDomain: 'tss.test' },
        // The subject names another reference: the event must carry the recorded acknowledgment's.
        { ticketId, partnerId, kind: 'acknowledgment', recipient: 'r@client.example', language: 'en', rendered: { subject: '[TSS-SUBJECT] Request received', text: 'x\n', html: '<p>x</p>' } },
        clock.now(),
      );
      return { ...queued, ticketId, partnerId, statements: counted.statements };
    });

  const acknowledgmentsSent = (ticketId: string) =>
    sut.query<{ event: { data: { reference: string; channel: string } } }>(`SELECT event FROM notification.outbox WHERE event_type = 'notification.acknowledgment_sent' AND message_key = $1`, [ticketId]);

  it('a mail and its first send timer are written in one statement', async () => {
    const queued = await queueAcknowledgment('TSS-Q1');
    expect(queued.statements).toHaveLength(1);
    expect(await sut.query(`SELECT kind, due_at, payload FROM notification.timers WHERE id = $1 AND status = 'pending'`, [mailAttemptTimerId(queued.id, 1)])).toEqual([
      { kind: MAIL_SEND_TIMER, due_at: clock.now(), payload: { mailId: queued.id } },
    ]);
    expect(await sut.query(`SELECT status, attempts FROM notification.mail_messages WHERE id = $1`, [queued.id])).toEqual([{ status: 'pending', attempts: 0 }]);
    await sut.host.unitOfWork.run((tx) => timers.cancel(tx, mailAttemptTimerId(queued.id, 1))); // not sent by the next tests
  });

  it('ticket.created with a requester e-mail: the acknowledgment, its mail, the send timer and the contact in one statement', async () => {
    const handler = onTicketCreated({ timers, messageIdDomain: 'tss.test', siteLinks: { urlFor: () => 'https://support.tss.test/s/token' } });
    const ticketCreated = (ticketId: string, email?: string): CloudEvent<unknown> => ({
      specversion: '1.0',
      id: randomUUID(),
      source: 'tss/ticket-intake',
      type: 'ticket.created',
      time: clock.now().toISOString(),
      subject: ticketId,
      datacontenttype: 'application/json',
      dataschema: 'urn:tss:event:ticket.created:v1',
      data: {
        partnerId: randomUUID(),
        sequence: 1,
        reference: `TSS-${ticketId.slice(0, 4).toUpperCase()}`,
        channel: 'api',
        product: 'reader',
        productVersion: '4.2',
        level: 'standard',
        subject: 'Reader crashes',
        requester: email ? { email } : {},
        missingDetails: [],
        receivedAt: clock.now().toISOString(),
      },
    });
    const [withMail, withoutMail] = [randomUUID(), randomUUID()];
    const statements = await sut.host.unitOfWork.run(async (tx) => {
      const counted = countedStatements(tx);
      const ctx = { tx: counted.tx, outbox: sut.host.outbox, now: clock.now(), logger };
      await handleInTransaction(ctx, [[handler.handle, ticketCreated(withMail, 'Ivan@client.example')]]);
      const one = counted.statements.length;
      await handleInTransaction(ctx, [[handler.handle, ticketCreated(withoutMail)]]);
      return [one, counted.statements.length - one];
    });
    expect(statements).toEqual([1, 1]);
    const [mail] = await sut.query<{ id: string; message_id: string; kind: string }>(`SELECT id, message_id, kind FROM notification.mail_messages WHERE ticket_id = $1`, [withMail]);
    expect(mail.kind).toBe('acknowledgment');
    expect(await sut.query(`SELECT reference, delivery FROM notification.acknowledgments WHERE ticket_id = $1`, [withMail])).toEqual([{ reference: `TSS-${withMail.slice(0, 4).toUpperCase()}`, delivery: 'api_response' }]);
    expect(await sut.query(`SELECT email, thread_root_id, site_requester FROM notification.mail_contacts WHERE ticket_id = $1`, [withMail])).toEqual([
      { email: 'Ivan@client.example', thread_root_id: mail.message_id, site_requester: 'mail:ivan@client.example' },
    ]);
    expect(await sut.query(`SELECT kind FROM notification.timers WHERE id = $1 AND status = 'pending'`, [mailAttemptTimerId(mail.id, 1)])).toEqual([{ kind: MAIL_SEND_TIMER }]);
    expect(await sut.query(`SELECT count(*)::int AS n FROM notification.acknowledgments WHERE ticket_id = $1`, [withoutMail])).toEqual([{ n: 1 }]);
    expect(await sut.query(`SELECT count(*)::int AS n FROM notification.mail_messages WHERE ticket_id = $1`, [withoutMail])).toEqual([{ n: 0 }]);
    await sut.host.unitOfWork.run((tx) => timers.cancel(tx, mailAttemptTimerId(mail.id, 1))); // not sent by the next tests
  });

  it('a sent acknowledgment: one locking read before SMTP, one transaction of two statements after it', async () => {
    const { handed, counted, fire } = setUp();
    const queued = await queueAcknowledgment('TSS-ACK1');
    await fire();
    expect(handed.map((m) => m.messageId)).toEqual([queued.messageId]);
    expect(counted.outside).toHaveLength(1);
    expect(counted.outside[0]).toContain('FOR UPDATE');
    expect(counted.transactions).toHaveLength(1);
    expect(counted.transactions[0]).toHaveLength(2);
    const sent = await sut.host.unitOfWork.run((tx) => mailStore.lock(tx, queued.id));
    expect(sent).toMatchObject({ status: 'sent', attempts: 1, transport: 'smtp', smtpResponse: '250 OK' });
    expect(await sut.query(`SELECT id FROM notification.timers WHERE id = $1`, [mailAttemptTimerId(queued.id, 2)])).toEqual([]); // the retry, cancelled
    expect((await acknowledgmentsSent(queued.ticketId)).map((r) => r.event.data)).toEqual([expect.objectContaining({ reference: 'TSS-ACK1', channel: 'api' })]);
  });

  it('acknowledgments sent together: read in two statements before SMTP, and the ones accepted while one is being recorded recorded together, one transaction of three statements (docs/adr/0051)', async () => {
    const queued: Awaited<ReturnType<typeof queueAcknowledgment>>[] = [];
    // The SMTP server answers the three at once, once all three are in its hands.
    let release!: () => void;
    const allHanded = new Promise<void>((resolve) => (release = resolve));
    const { handed, counted, fire } = setUp(async () => {
      if (handed.length === 3) release();
      await allHanded;
    });
    for (const reference of ['TSS-G1', 'TSS-G2', 'TSS-G3']) queued.push(await queueAcknowledgment(reference));
    await fire();
    expect(handed).toHaveLength(3);
    // The mails' locking reads before SMTP: the first at once, alone; the two that started
    // meanwhile, together in one statement (issue #15).
    expect(counted.outside).toHaveLength(2);
    expect(counted.outside.every((sql) => sql.includes('FOR UPDATE OF m'))).toBe(true);
    // The first outcome is recorded at once, alone; the two that arrived meanwhile, together.
    expect(counted.transactions.map((t) => t.length)).toEqual([2, 3]);
    expect(counted.transactions[1][0]).toContain('FOR UPDATE');
    expect(await sut.query(`SELECT status, attempts FROM notification.mail_messages WHERE id = ANY($1::uuid[])`, [queued.map((q) => q.id)])).toEqual([
      { status: 'sent', attempts: 1 },
      { status: 'sent', attempts: 1 },
      { status: 'sent', attempts: 1 },
    ]);
    expect(await sut.query(`SELECT id FROM notification.timers WHERE id = ANY($1::text[])`, [queued.map((q) => mailAttemptTimerId(q.id, 2))])).toEqual([]);
    for (const [i, q] of queued.entries()) {
      expect((await acknowledgmentsSent(q.ticketId)).map((r) => r.event.data.reference)).toEqual([`TSS-G${i + 1}`]);
    }
  });

  it('a mail whose record fails does not cost the mails recorded with it theirs: the group falls back to one transaction each', async () => {
    let release!: () => void;
    const allHanded = new Promise<void>((resolve) => (release = resolve));
    const { handed, fire } = setUp(async () => {
      if (handed.length === 3) release();
      await allHanded;
    });
    const queued = [];
    for (const reference of ['TSS-F1', 'TSS-F2', 'TSS-F3']) queued.push(await queueAcknowledgment(reference));
    const refused = queued[2].id;
    // The third mail's row refuses to be marked sent, as a row PostgreSQL could not write would.
    await sut.query(`CREATE FUNCTION notification.refuse_sent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id = '${refused}' AND NEW.status = 'sent' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
    await sut.query(`CREATE TRIGGER refuse_sent BEFORE UPDATE ON notification.mail_messages FOR EACH ROW EXECUTE FUNCTION notification.refuse_sent()`);
    try {
      await fire();
    } finally {
      await sut.query(`DROP TRIGGER refuse_sent ON notification.mail_messages`);
      await sut.query(`DROP FUNCTION notification.refuse_sent()`);
    }
    expect(handed).toHaveLength(3);
    const status = async (id: string) => (await sut.query<{ status: string }>(`SELECT status FROM notification.mail_messages WHERE id = $1`, [id]))[0].status;
    expect([await status(queued[0].id), await status(queued[1].id), await status(refused)]).toEqual(['sent', 'sent', 'pending']);
    // The one not recorded keeps its armed retry; the others' retries are cancelled and their events written.
    expect(await sut.query(`SELECT status FROM notification.timers WHERE id = $1`, [mailAttemptTimerId(refused, 2)])).toEqual([{ status: 'pending' }]);
    expect(await sut.query(`SELECT id FROM notification.timers WHERE id = ANY($1::text[])`, [[mailAttemptTimerId(queued[0].id, 2), mailAttemptTimerId(queued[1].id, 2)]])).toEqual([]);
    expect(await acknowledgmentsSent(queued[1].ticketId)).toHaveLength(1);
    expect(await acknowledgmentsSent(refused)).toHaveLength(0);
    await sut.host.unitOfWork.run((tx) => timers.cancel(tx, mailAttemptTimerId(refused, 2))); // not sent by the next tests
  });

  it('a server answer PostgreSQL cannot store (NUL, a lone surrogate) is kept without them, and the mail is recorded sent', async () => {
    const { fire } = setUp(undefined, '250 2.0.0 Ok\u0000 queued as \uD800ABC');
    const queued = await queueAcknowledgment('TSS-NUL');
    await fire();
    expect(await sut.query(`SELECT status, smtp_response FROM notification.mail_messages WHERE id = $1`, [queued.id])).toEqual([{ status: 'sent', smtp_response: '250 2.0.0 Ok queued as ABC' }]);
    expect(await acknowledgmentsSent(queued.ticketId)).toHaveLength(1);
  });

  it('a mail settled by another attempt while this one talked SMTP is not marked again, and publishes nothing', async () => {
    let queuedId = '';
    const { handed, fire } = setUp(async () => {
      await sut.query(`UPDATE notification.mail_messages SET status = 'sent', smtp_response = 'by the other attempt' WHERE id = $1`, [queuedId]);
    });
    const queued = await queueAcknowledgment('TSS-ACK2');
    queuedId = queued.id;
    await fire();
    expect(handed).toHaveLength(1);
    expect(await sut.query(`SELECT status, smtp_response FROM notification.mail_messages WHERE id = $1`, [queued.id])).toEqual([{ status: 'sent', smtp_response: 'by the other attempt' }]);
    expect(await acknowledgmentsSent(queued.ticketId)).toEqual([]);
    // Its retry timer is left to fire and find the mail settled, as before.
    expect(await sut.query(`SELECT status FROM notification.timers WHERE id = $1`, [mailAttemptTimerId(queued.id, 2)])).toEqual([{ status: 'pending' }]);
  });
});
