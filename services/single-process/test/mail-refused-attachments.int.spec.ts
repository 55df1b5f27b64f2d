import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PlatformClient } from '@tss/runtime/testing';
import { waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const SECRET = 'inbound-secret-0123456789';

type ThreadItem = { body: string; author: { kind: string; id?: string }; emailMessageId?: string };
type MailRow = { language: string; subject: string; text_body: string; in_reply_to: string | null; message_id: string };

// An outside tester, as a Russian requester: refused attachments were put into his own words, in
// English, and nobody told him by mail (docs/adr/0035, addendum of 2026-12-04, sixth session).
describe('refused mail attachments: the requester is told, in their language (P8)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let blobRoot: string;
  let partner: { token: string; partnerId: string };
  let agent: string;

  beforeAll(async () => {
    blobRoot = await mkdtemp(path.join(tmpdir(), 'tss-refused-mail-'));
    platform = await startTestPlatform('mail_refused', { env: { MAIL_INBOUND_SECRET: SECRET, ATTACHMENT_DIR: blobRoot } });
    client = platform.client;
    const admin = await platform.adminToken();
    partner = await client.partner(admin, 'Kunde GmbH');
    await platform.partnerKnownToNotification(partner.partnerId);
    agent = (await client.staff(admin, ['agent'])).token;
    expect((await client.http().put('/v1/inbound/partner-domains/kunde.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
  });

  afterAll(async () => {
    await platform?.stop();
    if (blobRoot) await rm(blobRoot, { recursive: true, force: true });
  });

  const receive = async (raw: Buffer) => {
    const response = await client.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(raw);
    expect(response.status).toBe(202);
    return response.body as { outcome: string; ticketId?: string };
  };
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  /** A mail in UTF-8 with `files` attached (type, name, bytes). */
  const mailWith = (headers: string[], text: string, files: readonly { type: string; name: string; bytes: Buffer }[]) =>
    Buffer.from(
      [
        ...headers,
        'To: support@tss.test',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        b64(text),
        ...files.flatMap((f) => ['--B', `Content-Type: ${f.type}`, `Content-Disposition: attachment; filename="${f.name}"`, 'Content-Transfer-Encoding: base64', '', f.bytes.toString('base64')]),
        '--B--',
        '',
      ].join('\r\n'),
    );
  /** A real BMP head (a 40-byte DIB header), so it is refused as a bare BMP, not as an unknown type. */
  const BMP = Buffer.alloc(66);
  BMP.write('BM', 0, 'latin1');
  BMP.writeUInt32LE(40, 14);
  const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64, 1)]);
  const threadAs = async (token: string, ticketId: string) => (await client.http().get(`/v1/tickets/${ticketId}/thread`).auth(token, { type: 'bearer' })).body.items as ThreadItem[];
  const mailsOf = (ticketId: string, kind: string) =>
    platform.query<MailRow>('notification', `SELECT language, subject, text_body, in_reply_to, message_id FROM notification.mail_messages WHERE ticket_id = $1 AND kind = $2`, [ticketId, kind]);

  it('P8: a Russian reply with a bare BMP and a program keeps his words; a Russian system note and a threaded Russian mail say what was refused and how to send it', async () => {
    const opened = await receive(
      mailWith(
        ['From: Иван <new1.ivan@kunde.example>', `Subject: =?utf-8?B?${b64('Читалка падает')}?=`, 'Message-ID: <new1.ivan@kunde.example>'],
        'Здравствуйте! Читалка 4.2 падает при открытии книги EPUB. Что делать?',
        [],
      ),
    );
    expect(opened.outcome).toBe('new_ticket');
    const ack = await waitFor('the acknowledgment', async () => {
      const rows = await platform.query<{ ticket_id: string; message_id: string }>('notification', `SELECT ticket_id, message_id FROM notification.mail_messages WHERE recipient = $1 AND kind = 'acknowledgment'`, [
        'new1.ivan@kunde.example',
      ]);
      return rows[0];
    });
    const ticketId = ack.ticket_id;

    const reply = await receive(
      mailWith(['From: Иван <new1.ivan@kunde.example>', 'Subject: Re: screenshot', 'Message-ID: <reply1.ivan@kunde.example>', `In-Reply-To: ${ack.message_id}`], 'Скриншот во вложении.', [
        { type: 'image/bmp', name: 'screen.bmp', bytes: BMP },
        { type: 'application/octet-stream', name: 'setup.exe', bytes: EXE },
      ]),
    );
    expect(reply).toMatchObject({ outcome: 'threaded', ticketId });

    const requester = await client.requester(partner.token, 'mail:new1.ivan@kunde.example');
    // The reply and any note about it are written in one transaction.
    const thread = await waitFor('the reply on the thread', async () => {
      const items = await threadAs(requester, ticketId);
      return items.some((m) => m.body.includes('Скриншот во вложении.')) ? items : undefined;
    });
    // His words are his own, nothing added to them.
    const own = thread.find((m) => m.body.includes('Скриншот во вложении.'))!;
    expect(own.author.kind).toBe('requester');
    expect(own.body).toBe('Скриншот во вложении.');
    // The refusal is the system's, in Russian.
    const note = thread.find((m) => m.author.kind === 'system' && m.body.includes('screen.bmp'));
    expect(note).toBeDefined();
    expect(note?.body).toContain('«screen.bmp»');
    expect(note?.body).toContain('«setup.exe»');
    expect(note?.body).toContain('ZIP или RAR');
    expect(note?.body).not.toContain('was not accepted');

    // He is told by mail, in Russian, threaded under the acknowledgment, with how to send the files.
    const [mail] = await waitFor('the refusal mail', async () => {
      const rows = await mailsOf(ticketId, 'attachments_refused');
      return rows.length > 0 ? rows : undefined;
    });
    expect(mail.language).toBe('ru');
    expect(mail.in_reply_to).toBe(ack.message_id);
    expect(mail.subject).toContain('Вложения не приняты');
    expect(mail.text_body).toContain('screen.bmp');
    expect(mail.text_body).toContain('setup.exe');
    expect(mail.text_body).toContain('ZIP или RAR');
    expect(mail.text_body).not.toMatch(/not accepted|only inside/);
  });

  it('P8: a ticket filed by a Russian mail: the filing note is Russian and shows the requester no Message-ID (staff keep it); its refused BMP is told by mail', async () => {
    const opened = await receive(
      mailWith(
        ['From: Пётр <new2.petr@kunde.example>', `Subject: =?utf-8?B?${b64('Ошибка при печати')}?=`, 'Message-ID: <new2.petr@kunde.example>'],
        'Добрый день! Плеер 3.1 закрывается при печати страницы. Скриншот во вложении.',
        [{ type: 'image/bmp', name: 'screen.bmp', bytes: BMP }],
      ),
    );
    expect(opened.outcome).toBe('new_ticket');
    const ticketId = await waitFor('the ticket filed', async () => {
      const rows = await platform.query<{ ticket_id: string }>('ticket-intake', `SELECT ticket_id FROM ticket_intake.messages WHERE email_message_id = $1`, ['<new2.petr@kunde.example>']);
      return rows[0]?.ticket_id;
    });
    const requester = await client.requester(partner.token, 'mail:new2.petr@kunde.example');
    const thread = await threadAs(requester, ticketId);
    expect(JSON.stringify(thread)).not.toContain('new2.petr@kunde.example>');
    expect(JSON.stringify(thread)).not.toContain('Filed from');
    const filed = thread.find((m) => m.author.kind === 'system' && m.body.includes('письм'));
    expect(filed).toBeDefined();
    expect(thread.find((m) => m.author.kind === 'system' && m.body.includes('«screen.bmp»'))).toBeDefined();
    // Staff still see which mail filed it.
    const staffView = await threadAs(agent, ticketId);
    expect(staffView.find((m) => m.body === filed?.body)?.emailMessageId).toBe('<new2.petr@kunde.example>');

    const [mail] = await waitFor('the refusal mail', async () => {
      const rows = await mailsOf(ticketId, 'attachments_refused');
      return rows.length > 0 ? rows : undefined;
    });
    expect(mail.language).toBe('ru');
    expect(mail.text_body).toContain('screen.bmp');
    const [ackMail] = await mailsOf(ticketId, 'acknowledgment');
    expect(mail.in_reply_to).toBe(ackMail.message_id);
  });
});
