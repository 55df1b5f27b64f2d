import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import pino from 'pino';
import { loggerOptions } from '@tss/service-kit';
import { freePort, logCapture, TestClock } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

const SECRET = 'inbound-secret-0123456789';
const PASSWORD = 'LoggedPw#555';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

const replyWithFiles = (messageId: string, inReplyTo: string, subject: string): Buffer =>
  Buffer.from(
    [
      'From: Ann <ann@client.example>',
      'To: support@tss.test',
      `Subject: ${subject}`,
      `Message-ID: ${messageId}`,
      `In-Reply-To: ${inReplyTo}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      `my login: ann password: ${PASSWORD}`,
      ...[1, 2].flatMap((n) => ['--B', 'Content-Type: image/png', `Content-Disposition: attachment; filename="shot-${n}.png"`, 'Content-Transfer-Encoding: base64', '', PNG.toString('base64')]),
      '--B--',
      '',
    ].join('\r\n'),
  );

// ADR 0035, addendum of 2026-12-04 (second session): a mail's files are kept only with its record.
describe('inbound mail that is not recorded keeps no attachment files', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const partnerId = '0b8f8a52-3c1e-4a57-9a1e-7d1d2c1b0a77';
  const { lines, stream } = logCapture();
  let sink: SmtpSink;
  let notification: NotificationUnderTest;
  let mta: nodemailer.Transporter;
  let blobRoot: string;
  let ackMessageId: string;

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-inbound-files-'));
    sink = await startSmtpSink();
    const smtpPort = await freePort();
    notification = await startNotification(
      clock,
      {
        MAIL_SMTP_HOST: '127.0.0.1',
        MAIL_SMTP_PORT: String(sink.port),
        MAIL_FROM: 'TSS Support <support@tss.test>',
        MAIL_INBOUND_SECRET: SECRET,
        INBOUND_SMTP_PORT: String(smtpPort),
        ATTACHMENT_DIR: blobRoot,
      },
      pino(loggerOptions('tss', 'info'), stream),
    );
    mta = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    await notification.ticketCreated({ partnerId, email: 'ann@client.example' });
    ackMessageId = (await sink.nthMailTo('ann@client.example')).messageId!;
    // A record PostgreSQL refuses, as it refused a NUL before: a real failing INSERT, not a mock.
    await notification.sut.query(`ALTER TABLE notification.inbound_messages ADD CONSTRAINT refuse_for_test CHECK (subject <> 'refuse me')`);
  });
  afterAll(async () => {
    mta?.close();
    await notification?.sut.stop();
    await sink?.close();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  const storedFiles = async (): Promise<string[]> => (await readdir(blobRoot, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);

  it('a failed HTTP delivery (500) and a failed SMTP one (451) leave no files, and their logs no mail text', async () => {
    const http = await notification.sut.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(replyWithFiles('<fail-http@client.example>', ackMessageId, 'refuse me'));
    expect(http.status).toBe(500);
    const smtp = mta.sendMail({ envelope: { from: 'ann@client.example', to: ['support@tss.test'] }, raw: replyWithFiles('<fail-smtp@client.example>', ackMessageId, 'refuse me') });
    await expect(smtp).rejects.toMatchObject({ responseCode: 451 });
    expect(await storedFiles()).toEqual([]);

    const failures = lines.filter((l) => l.level >= 40 && l.err);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(failures)).toContain('23514'); // the check violation, named
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
  });

  it('a recorded mail keeps its files', async () => {
    const ok = await notification.sut.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(replyWithFiles('<kept@client.example>', ackMessageId, 'Re: the crash'));
    expect(ok.status).toBe(202);
    expect((await storedFiles()).sort()).toEqual(['1', '1.meta.json', '2', '2.meta.json']);
  });
});
