import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { freePort, TestClock, waitFor } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

const SECRET = 'inbound-secret-0123456789';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

interface MailParts {
  messageId: string;
  inReplyTo?: string;
  references?: string;
  /** The Content-Disposition line of a PNG attachment, if any. */
  disposition?: string;
}

/** A raw reply, as a mail client or an attacker writes it: header values byte for byte. */
const rawMail = (parts: MailParts): Buffer =>
  Buffer.from(
    [
      'From: Ann <ann@client.example>',
      'To: support@tss.test',
      'Subject: Re: the crash',
      `Message-ID: ${parts.messageId}`,
      ...(parts.inReplyTo ? [`In-Reply-To: ${parts.inReplyTo}`] : []),
      ...(parts.references ? [`References: ${parts.references}`] : []),
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'It still crashes.',
      ...(parts.disposition ? ['--B', 'Content-Type: image/png', parts.disposition, 'Content-Transfer-Encoding: base64', '', PNG.toString('base64')] : []),
      '--B--',
      '',
    ].join('\r\n'),
    'latin1',
  );

type StoredInbound = { message_id: string; outcome: string; ticket_id: string | null; attachments: { filename: string }[] };

// DESIGN "Edge input": text PostgreSQL cannot store (NUL, lone surrogates) is never a 500. A mail's
// header values and attachment names are made storable (docs/adr/0035-mail.md, addendum of 2026-12-04).
describe('inbound mail with NUL bytes in its headers or attachment names (HTTP and SMTP)', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const partnerId = '0b8f8a52-3c1e-4a57-9a1e-7d1d2c1b0a77';
  let sink: SmtpSink;
  let notification: NotificationUnderTest;
  let smtpPort: number;
  let mta: nodemailer.Transporter;
  let blobRoot: string;
  let ticket: { ticketId: string };
  let ackMessageId: string;

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-inbound-nul-'));
    sink = await startSmtpSink();
    smtpPort = await freePort();
    notification = await startNotification(clock, {
      MAIL_SMTP_HOST: '127.0.0.1',
      MAIL_SMTP_PORT: String(sink.port),
      MAIL_FROM: 'TSS Support <support@tss.test>',
      MAIL_INBOUND_SECRET: SECRET,
      INBOUND_SMTP_PORT: String(smtpPort),
      ATTACHMENT_DIR: blobRoot,
    });
    mta = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    ticket = await notification.ticketCreated({ partnerId, email: 'ann@client.example' });
    ackMessageId = (await sink.nthMailTo('ann@client.example')).messageId!;
  });
  afterAll(async () => {
    mta?.close();
    await notification?.sut.stop();
    await sink?.close();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  const stored = async (messageId: string): Promise<StoredInbound | undefined> =>
    (await notification.sut.query<StoredInbound>(`SELECT message_id, outcome, ticket_id, attachments FROM notification.inbound_messages WHERE message_id = $1`, [messageId]))[0];

  /** Sends the mail over HTTP (`via` http) or to the SMTP listener; answers the status the sender sees. */
  const deliver = async (via: 'http' | 'smtp', raw: Buffer): Promise<number> => {
    if (via === 'http') {
      const response = await notification.sut.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(raw);
      return response.status;
    }
    const sent = await (mta.sendMail({ envelope: { from: 'ann@client.example', to: ['support@tss.test'] }, raw }) as Promise<{ response: string }>).then(
      (info) => Number(info.response.slice(0, 3)),
      (error: { responseCode?: number }) => error.responseCode ?? 0,
    );
    return sent;
  };
  const accepted = { http: 202, smtp: 250 } as const;

  describe.each(['http', 'smtp'] as const)('through %s', (via) => {
    it.each([
      ['an RFC 2231 %00 in the filename', (id: string) => `Content-Disposition: attachment; filename*=UTF-8''a%00b-${id}.png`],
      ['a raw NUL in the filename', (id: string) => `Content-Disposition: attachment; filename="a\u0000b-${id}.png"`],
    ])('%s: the mail threads, its attachment named without the NUL', async (_case, disposition) => {
      const id = `name-${via}-${disposition('x').includes('%00') ? 'encoded' : 'raw'}`;
      const messageId = `<${id}@client.example>`;
      const status = await deliver(via, rawMail({ messageId, inReplyTo: ackMessageId, disposition: disposition(id) }));
      expect(status).toBe(accepted[via]);
      const row = await stored(messageId);
      expect(row).toMatchObject({ outcome: 'threaded', ticket_id: ticket.ticketId });
      expect(row!.attachments.map((a) => a.filename)).toEqual([`ab-${id}.png`]);
    });

    it('a NUL in the Message-ID: the mail is kept under its Message-ID without the NUL, and a second delivery is its duplicate', async () => {
      const raw = rawMail({ messageId: `<mid-\u0000${via}@client.example>`, inReplyTo: ackMessageId });
      expect(await deliver(via, raw)).toBe(accepted[via]);
      expect(await stored(`<mid-${via}@client.example>`)).toMatchObject({ outcome: 'threaded', ticket_id: ticket.ticketId });
      expect(await deliver(via, raw)).toBe(accepted[via]);
      expect(await notification.sut.query(`SELECT 1 FROM notification.inbound_messages WHERE message_id = $1`, [`<mid-${via}@client.example>`])).toHaveLength(1);
    });

    it('a NUL in In-Reply-To: the reply still threads by it', async () => {
      const messageId = `<irt-${via}@client.example>`;
      const withNul = ackMessageId.replace('@', '\u0000@');
      expect(await deliver(via, rawMail({ messageId, inReplyTo: withNul }))).toBe(accepted[via]);
      expect(await stored(messageId)).toMatchObject({ outcome: 'threaded', ticket_id: ticket.ticketId });
    });

    it('a NUL in References: the reply still threads by them', async () => {
      const messageId = `<refs-${via}@client.example>`;
      const withNul = ackMessageId.replace('@', '\u0000@');
      expect(await deliver(via, rawMail({ messageId, references: `<other@client.example> ${withNul}` }))).toBe(accepted[via]);
      expect(await stored(messageId)).toMatchObject({ outcome: 'threaded', ticket_id: ticket.ticketId });
      const published = await waitFor('the event of the reply', async () => {
        const [row] = await notification.sut.query<{ event: { data: { ticketId?: string } } }>(
          `SELECT event FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' = $1`,
          [messageId],
        );
        return row?.event.data;
      });
      expect(published.ticketId).toBe(ticket.ticketId);
    });
  });
});
