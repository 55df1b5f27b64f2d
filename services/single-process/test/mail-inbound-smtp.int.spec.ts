import { readFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { PlatformClient } from '@tss/runtime/testing';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const FIXTURES = path.join(__dirname, '../../notification/test/fixtures/mail');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

type TicketView = { id: string; description: string; channel: string };

// An outside tester mailed requests over SMTP to `npm start` (Python smtplib) and read what was
// filed: the whole path, SMTP listener → notification → intake → the ticket's request.
describe('requests mailed over SMTP are filed as their senders wrote them (P8)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let partner: { token: string; partnerId: string };
  let mta: nodemailer.Transporter;

  beforeAll(async () => {
    const smtpPort = await freePort();
    platform = await startTestPlatform('mail_inbound_smtp', { env: { MAIL_FROM: 'TSS Support <support@tss.test>', INBOUND_SMTP_PORT: String(smtpPort) } });
    client = platform.client;
    const admin = await platform.adminToken();
    partner = await client.partner(admin, 'A-Books');
    await platform.partnerKnownToNotification(partner.partnerId);
    expect((await client.http().put('/v1/inbound/partner-domains/partner-domain.example').auth(admin, { type: 'bearer' }).send({ partnerId: partner.partnerId })).status).toBe(200);
    mta = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
  });
  afterAll(async () => {
    mta?.close();
    await platform?.stop();
  });

  /** Sends `raw` over SMTP as Heidi; resolves with the ticket intake filed from it. */
  const mailedRequest = async (raw: Buffer, messageId: string): Promise<TicketView> => {
    const sent = (await mta.sendMail({ envelope: { from: 'heidi@partner-domain.example', to: ['support@tss.test'] }, raw })) as { response: string };
    expect(sent.response).toContain('Received: new_ticket');
    const ticketId = await waitFor('the ticket filed', async () => {
      const rows = await platform.query<{ ticket_id: string }>('ticket-intake', `SELECT ticket_id FROM ticket_intake.messages WHERE email_message_id = $1`, [messageId]);
      return rows[0]?.ticket_id;
    });
    return (await client.http().get(`/v1/tickets/${ticketId}`).auth(partner.token, { type: 'bearer' })).body as TicketView;
  };

  it('a Gmail forward opens a ticket whose description is the whole mail, the customer’s problem included', async () => {
    const raw = await readFile(path.join(FIXTURES, 'gmail-en-forward.eml'));
    const ticket = await mailedRequest(raw, '<CAKx1=gmail.fwd.1@mail.gmail.com>');
    expect(ticket.channel).toBe('email');
    expect(ticket.description).toContain('Please help this customer, see below.');
    expect(ticket.description).toContain('---------- Forwarded message ---------\nFrom: Carl Customer <carl@customer.example>');
    expect(ticket.description).toContain('Player 3.1 freezes on the second chapter of every EPUB.\nWindows 11, Chrome 131.');
  });

  it('an HTML body inside multipart/mixed beside a screenshot is the description, not "(empty message)"', async () => {
    const messageId = '<html-in-mixed@partner-domain.example>';
    const raw = Buffer.from(
      [
        'From: Heidi <heidi@partner-domain.example>',
        'To: TSS Support <support@tss.test>',
        'Subject: Player 3.1 freezes',
        `Message-ID: ${messageId}`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="mix"',
        '',
        '--mix',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Player 3.1 freezes on the second chapter.</p><p>Windows 11, Chrome 131.</p>',
        '--mix',
        'Content-Type: image/png',
        'Content-Disposition: attachment; filename="freeze.png"',
        'Content-Transfer-Encoding: base64',
        '',
        PNG.toString('base64'),
        '--mix--',
        '',
      ].join('\r\n'),
    );
    const ticket = await mailedRequest(raw, messageId);
    expect(ticket.description).toBe('Player 3.1 freezes on the second chapter.\n\nWindows 11, Chrome 131.');
  });

  it('P8: inline (cid:) images are files like any other: a pasted PNG is kept, a signature’s EMF logo refused with the note and the mail', async () => {
    const messageId = '<inline-images@partner-domain.example>';
    const raw = Buffer.from(
      [
        'From: Heidi <heidi@partner-domain.example>',
        'To: TSS Support <support@tss.test>',
        'Subject: Player 3.1 shows an error',
        `Message-ID: ${messageId}`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/related; boundary="rel"',
        '',
        '--rel',
        'Content-Type: multipart/alternative; boundary="alt"',
        '',
        '--alt',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Here is the error: [image: error.png]',
        '--alt',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Here is the error: <img src="cid:ii_1" alt="error.png"></p><p>Heidi <img src="cid:image001.emf@01DB"></p>',
        '--alt--',
        '--rel',
        'Content-Type: image/png; name="error.png"',
        'Content-Disposition: inline; filename="error.png"',
        'Content-ID: <ii_1>',
        'Content-Transfer-Encoding: base64',
        '',
        PNG.toString('base64'),
        '--rel',
        'Content-Type: image/x-emf; name="image001.emf"',
        'Content-Disposition: inline; filename="image001.emf"',
        'Content-ID: <image001.emf@01DB>',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from([1, 0, 0, 0, 108, 0, 0, 0]).toString('base64'),
        '--rel--',
        '',
      ].join('\r\n'),
    );
    const ticket = await mailedRequest(raw, messageId);
    expect(ticket.description).toBe('Here is the error: [image: error.png]');
    const attachments = (await client.http().get(`/v1/tickets/${ticket.id}/attachments`).auth(partner.token, { type: 'bearer' })).body as { items: { fileName: string }[] };
    expect(attachments.items.map((a) => a.fileName)).toEqual(['error.png']);
    const thread = JSON.stringify((await client.http().get(`/v1/tickets/${ticket.id}/thread`).auth(partner.token, { type: 'bearer' })).body);
    expect(thread).toContain('Attachment \\"image001.emf\\" was not accepted');
    await waitFor('the attachments_refused mail', async () =>
      (await platform.query('notification', `SELECT 1 FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'attachments_refused'`, [ticket.id])).length === 1,
    );
  });
});
