import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SECRET = 'inbound-secret-0123456789';

/** A real SMTP server (smtp-server) that answers each mail's data when `answer` resolves, and keeps the ones it accepted, in the order it answered them. */
const startHoldingSink = async (answer: (mail: ParsedMail) => Promise<void>) => {
  const offered: ParsedMail[] = [];
  const accepted: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks))
          .then(async (mail) => {
            offered.push(mail);
            await answer(mail);
            accepted.push(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, offered, accepted, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

// An outside tester, as a Russian requester, mailed a new request with a refused attachment and got
// «Вложения не приняты» before the acknowledgment with the reference number: the two mails went out
// on concurrent sending slots. A ticket's requester mails now reach the server in the order they
// were queued, the acknowledgment first (docs/adr/0035, addendum of 2026-12-05, seventh session).
describe('P3: the acknowledgment is the first mail a requester gets, even when their new request’s file is refused', () => {
  const clock = new TestClock('2026-12-05T09:00:00.000Z');
  let platform: TestPlatform;
  let sink: Awaited<ReturnType<typeof startHoldingSink>>;
  let blobRoot: string;
  let releaseAck: () => void = () => undefined;
  const ackReleased = new Promise<void>((resolve) => (releaseAck = resolve));
  let ackTaken = false;

  const kindOf = async (messageId: string | undefined): Promise<string | undefined> =>
    (await platform.query<{ kind: string }>('notification', `SELECT kind FROM notification.mail_messages WHERE message_id = $1`, [messageId ?? '']))[0]?.kind;

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-mail-order-'));
    // The acknowledgment's data is answered only when the test says: a slow answer, as from a busy server.
    sink = await startHoldingSink(async (mail) => {
      if ((await kindOf(mail.messageId)) !== 'acknowledgment') return;
      ackTaken = true;
      await ackReleased;
    });
    platform = await startTestPlatform('mail_order', {
      clock,
      env: { MAIL_INBOUND_SECRET: SECRET, ATTACHMENT_DIR: blobRoot, MAIL_SMTP_HOST: '127.0.0.1', MAIL_SMTP_PORT: String(sink.port), MAIL_FROM: 'TSS Support <support@tss.test>' },
    });
    const admin = await platform.adminToken();
    const partner = await platform.client.partner(admin, 'Kunde GmbH');
    await platform.partnerKnownToNotification(partner.partnerId);
    await platform.partnerKnownToIntake(partner.partnerId);
    expect((await platform.client.http().put('/v1/inbound/partner-domains/kunde.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
  });
  afterAll(async () => {
    releaseAck();
    await platform?.stop();
    await sink?.close();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  it('a new request by mail in Russian with a bare BMP: the acknowledgment reaches the server first, then «Вложения не приняты»', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const bmp = Buffer.alloc(66);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(40, 14);
    const raw = Buffer.from(
      [
        'From: Иван <ivan.order@kunde.example>',
        `Subject: =?utf-8?B?${b64('Читалка падает')}?=`,
        'Message-ID: <new.order.ivan@kunde.example>',
        'To: support@tss.test',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        b64('Здравствуйте! Читалка 4.2 падает при открытии книги EPUB. Скриншот во вложении.'),
        '--B',
        'Content-Type: image/bmp',
        'Content-Disposition: attachment; filename="screen.bmp"',
        'Content-Transfer-Encoding: base64',
        '',
        bmp.toString('base64'),
        '--B--',
        '',
      ].join('\r\n'),
    );
    const response = await platform.client.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(raw);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ outcome: 'new_ticket' });
    const ticketId = await waitFor('the ticket filed', async () => {
      const rows = await platform.query<{ ticket_id: string }>('ticket-intake', `SELECT ticket_id FROM ticket_intake.messages WHERE email_message_id = $1`, ['<new.order.ivan@kunde.example>']);
      return rows[0]?.ticket_id;
    });

    const mails = await waitFor('the acknowledgment and the refusal queued', async () => {
      const rows = await platform.query<{ id: string; kind: string; message_id: string }>('notification', `SELECT id, kind, message_id FROM notification.mail_messages WHERE ticket_id = $1`, [ticketId]);
      const ack = rows.find((r) => r.kind === 'acknowledgment');
      const refusal = rows.find((r) => r.kind === 'attachments_refused');
      return ack && refusal ? { ack, refusal } : undefined;
    });
    await waitFor('the acknowledgment’s data at the server, its answer held', () => ackTaken);
    // The moment the refusal would have gone: at the server (the defect), or its first timer put off behind the acknowledgment.
    await waitFor('the refusal at the server or put off', async () => {
      if (sink.offered.some((m) => m.messageId === mails.refusal.message_id)) return true;
      const [timer] = await platform.query<{ due_at: Date }>('notification', `SELECT due_at FROM notification.timers WHERE id = $1`, [`mail:${mails.refusal.id}:1`]);
      return timer !== undefined && timer.due_at.getTime() > clock.now().getTime();
    });
    releaseAck();

    await waitFor('both mails accepted', () => sink.accepted.length === 2);
    expect(sink.accepted.map((m) => m.messageId)).toEqual([mails.ack.message_id, mails.refusal.message_id]);
    expect(sink.accepted[1].subject).toContain('Вложения не приняты');
  });
});
