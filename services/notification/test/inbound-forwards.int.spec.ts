import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateReference, PartnerCreatedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

const SECRET = 'inbound-secret-0123456789';
const FIXTURES = path.join(__dirname, 'fixtures', 'mail');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

type Pointer = { filename: string; contentType: string };
type EmailReceived = { ticketId?: string; text: string; attachmentPointers: Pointer[]; ownText?: boolean };

const CUSTOMERS_WORDS = 'Player 3.1 freezes on the second chapter of every EPUB.\nWindows 11, Chrome 131.';

/** The corpus's forwards, each as its client writes it, whole. */
const GMAIL_FORWARD = [
  'Please help this customer, see below.',
  '',
  '-- ',
  'Heidi Partner',
  'A-Books support desk',
  '',
  '---------- Forwarded message ---------',
  'From: Carl Customer <carl@customer.example>',
  'Date: Thu, Dec 3, 2026 at 9:12\u202fAM',
  'Subject: Player 3.1 freezes',
  'To: <heidi@partner-domain.example>',
  '',
  '',
  CUSTOMERS_WORDS,
].join('\n');
const OUTLOOK_FORWARD = [
  'Forwarding from our customer.',
  '',
  '________________________________',
  'From: Carl Customer <carl@customer.example>',
  'Sent: Thursday, December 3, 2026 9:12 AM',
  'To: Heidi <heidi@partner-domain.example>',
  'Subject: Player 3.1 freezes',
  '',
  CUSTOMERS_WORDS,
].join('\n');
const APPLE_FORWARD = [
  'FYI',
  '',
  'Begin forwarded message:',
  '',
  '> From: Carl Customer <carl@customer.example>',
  '> Subject: Player 3.1 freezes',
  '> Date: 3 December 2026 at 09:12:00 GMT',
  '> To: heidi@partner-domain.example',
  '> ',
  '> Player 3.1 freezes on the second chapter of every EPUB.',
  '> Windows 11, Chrome 131.',
].join('\n');

const fixture = (file: string, messageId: string): Buffer =>
  Buffer.from(readFileSync(path.join(FIXTURES, file), 'latin1').replace(/^Message-ID: .*$/m, `Message-ID: ${messageId}`), 'latin1');

/** A mail of `lines` (headers, a blank line, the body), CRLF-joined. */
const mail = (lines: readonly string[]): Buffer => Buffer.from([...lines, ''].join('\r\n'));

/** A customer's mail as a file of its own: a text and a screenshot, or `inner` (another message) as its file. */
const customersMail = (inner?: Buffer): Buffer => {
  const boundary = `carl-${randomUUID()}`;
  return mail([
    'From: Carl Customer <carl@customer.example>',
    'To: Heidi <heidi@partner-domain.example>',
    'Subject: Player 3.1 freezes',
    'Date: Thu, 3 Dec 2026 09:12:00 +0000',
    `Message-ID: <carl-${randomUUID()}@customer.example>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    CUSTOMERS_WORDS,
    `--${boundary}`,
    ...(inner
      ? ['Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="earlier.eml"', '', inner.toString('utf8')]
      : ['Content-Type: image/png', 'Content-Disposition: attachment; filename="freeze.png"', 'Content-Transfer-Encoding: base64', '', PNG.toString('base64')]),
    `--${boundary}--`,
  ]);
};

/** Heidi's mail carrying `attached` as a message/rfc822 file. */
const forwardAsAttachment = (messageId: string, subject: string, text: string, attached: Buffer, disposition = 'attachment; filename="Player 3.1 freezes.eml"'): Buffer =>
  mail([
    'From: Heidi <heidi@partner-domain.example>',
    'To: TSS Support <support@tss.test>',
    `Subject: ${subject}`,
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="heidi"',
    '',
    '--heidi',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '--heidi',
    'Content-Type: message/rfc822',
    `Content-Disposition: ${disposition}`,
    '',
    attached.toString('utf8'),
    '--heidi--',
  ]);

const FORWARDED_BLOCK = [
  '---------- Forwarded message ----------',
  'From: Carl Customer <carl@customer.example>',
  'Date: Thu, 3 Dec 2026 09:12:00 +0000',
  'Subject: Player 3.1 freezes',
  'To: Heidi <heidi@partner-domain.example>',
  '',
  CUSTOMERS_WORDS,
].join('\n');

// An outside test (SMTP, Python smtplib): forwards were cut as quoted history, a forwarded file refused.
// A mail that opens a ticket is filed whole; on a reply threaded onto one only the quoted history of
// our own mail is cut, never a forward (docs/adr/0035, addendum of 2026-12-05, first session).
describe('forwarded mail is content: filed whole, on new tickets and on replies (P8)', () => {
  const clock = new TestClock('2026-12-03T09:30:00.000Z');
  const partnerId = randomUUID();
  let notification: NotificationUnderTest;

  beforeAll(async () => {
    // Heidi files more tickets here than the per-sender hourly limit lets an auto-responder file.
    notification = await startNotification(clock, { MAIL_FROM: 'TSS Support <support@tss.test>', MAIL_INBOUND_SECRET: SECRET, MAIL_INBOUND_NEW_TICKETS_PER_SENDER_PER_HOUR: '100' });
    await notification.handled(await notification.publish(PartnerCreatedV1, partnerId, { partnerId, name: 'A-Books', active: true, changedAt: clock.now().toISOString() }));
    await notification.partnerMailDomain(partnerId, 'partner-domain.example');
  });
  afterAll(async () => {
    await notification?.sut.stop();
  });

  const receive = (raw: Buffer) => notification.receiveMail(raw, SECRET);
  const forwardedToIntake = async (inboundId: string): Promise<EmailReceived> => {
    const [row] = await notification.sut.query<{ event: { data: EmailReceived } }>(
      `SELECT event FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' = (SELECT message_id FROM notification.inbound_messages WHERE id = $1)`,
      [inboundId],
    );
    return row.event.data;
  };
  const keptText = async (inboundId: string) => (await notification.sut.query<{ text_body: string }>(`SELECT text_body FROM notification.inbound_messages WHERE id = $1`, [inboundId]))[0].text_body;
  /** A ticket of Heidi's that notification knows, to reply to by its reference. */
  const heidisTicket = async () => {
    const ticket = await notification.ticketCreated({ partnerId, email: 'heidi@partner-domain.example', reference: generateReference((n) => randomBytes(n)) });
    await waitFor('notification knows the ticket', async () => (await notification.sut.query(`SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1`, [ticket.ticketId])).length === 1);
    return ticket;
  };

  describe('a mail that opens a ticket is filed whole', () => {
    it.each([
      ['a Gmail forward ("---------- Forwarded message ---------", its signature above it)', 'gmail-en-forward.eml', GMAIL_FORWARD],
      ['an Outlook forward (a rule, then From/Sent/To/Subject)', 'outlook-en-forward.eml', OUTLOOK_FORWARD],
      ['an Apple Mail forward ("Begin forwarded message:", then quoted lines)', 'apple-mail-en-forward.eml', APPLE_FORWARD],
    ])('%s', async (_client, file, whole) => {
      const receipt = await receive(fixture(file, `<${randomUUID()}@partner-domain.example>`));
      expect(receipt.outcome).toBe('new_ticket');
      expect((await forwardedToIntake(receipt.inboundId)).text).toBe(whole);
      expect(await keptText(receipt.inboundId)).toBe(whole);
    });

    it('a new request is not cut at a line that looks like a quote header or a signature', async () => {
      const text = 'Steps:\n1. Open the player.\n2. See the error below.\n\nOn Monday, 1 Dec 2026, Bob wrote:\n> it worked last week\n\nBest regards\nHeidi';
      const receipt = await receive(mail(['From: Heidi <heidi@partner-domain.example>', 'To: support@tss.test', 'Subject: Player error', `Message-ID: <${randomUUID()}@partner-domain.example>`, '', text]));
      expect(receipt.outcome).toBe('new_ticket');
      expect((await forwardedToIntake(receipt.inboundId)).text).toBe(text);
    });

    it('a forward attached as message/rfc822 is unfolded: its From, Date, Subject, To and text follow the mail’s own, and its screenshot is one of the mail’s files', async () => {
      const receipt = await receive(forwardAsAttachment(`<${randomUUID()}@partner-domain.example>`, 'Fwd: Player 3.1 freezes', 'The customer’s mail is attached.', customersMail()));
      expect(receipt.outcome).toBe('new_ticket');
      const event = await forwardedToIntake(receipt.inboundId);
      expect(event.text).toBe(`The customer’s mail is attached.\n\n${FORWARDED_BLOCK}`);
      expect(event.attachmentPointers.map((p) => [p.filename, p.contentType])).toEqual([['freeze.png', 'image/png']]);
    });

    it('a forward attached inline (Content-Disposition: inline) is unfolded the same way', async () => {
      const receipt = await receive(forwardAsAttachment(`<${randomUUID()}@partner-domain.example>`, 'Fwd: Player 3.1 freezes', 'See below.', customersMail(), 'inline'));
      const event = await forwardedToIntake(receipt.inboundId);
      expect(event.text).toBe(`See below.\n\n${FORWARDED_BLOCK}`);
      expect(event.attachmentPointers.map((p) => p.filename)).toEqual(['freeze.png']);
    });

    it('forwards within forwards are unfolded three deep; a fourth is left a message/rfc822 file, which intake refuses with the usual note', async () => {
      const fourDeep = customersMail(customersMail(customersMail(customersMail())));
      const receipt = await receive(forwardAsAttachment(`<${randomUUID()}@partner-domain.example>`, 'Fwd: Fwd: Fwd: Fwd: x', 'A long chain.', fourDeep));
      const event = await forwardedToIntake(receipt.inboundId);
      expect(event.text.split('---------- Forwarded message ----------')).toHaveLength(4);
      expect(event.attachmentPointers.map((p) => [p.filename, p.contentType])).toEqual([['earlier.eml', 'message/rfc822']]);
    });
  });

  // An outside tester: a new mail of only a signature, or a quote header and quoted lines, became the
  // ticket's description as it came (docs/adr/0035, addendum of 2026-12-05, sixth session). Filed
  // whole as before; the event says it has no words of its own, so intake files no description.
  describe('a mail that opens a ticket says whether it has words of its own, and is filed whole all the same', () => {
    const newMail = (subject: string, text: string) =>
      mail(['From: Olga <olga@partner-domain.example>', 'To: support@tss.test', `Subject: ${subject}`, `Message-ID: <${randomUUID()}@partner-domain.example>`, 'Content-Type: text/plain; charset=utf-8', '', text]);

    it.each([
      ['a phone signature', 'Sent from my iPhone'],
      ['a signature block', '-- \nOlga'],
      ['a Russian phone signature', 'Отправлено с iPhone'],
      ['a quote header and quoted lines', 'On Fri, 4 Dec 2026 Bob <bob@customer.example> wrote:\n> Can you ask support about the reader?'],
      ['white space', ' \n\t'],
    ])('%s: none', async (_case, text) => {
      const receipt = await receive(newMail('Reader', text));
      expect(receipt.outcome).toBe('new_ticket');
      const event = await forwardedToIntake(receipt.inboundId);
      expect(event.ownText).toBe(false);
      // Filed whole: the thread keeps what came (white space aside, which mail parsing may trim).
      if (text.trim() !== '') expect(event.text).toBe(text);
      expect(await keptText(receipt.inboundId)).toBe(event.text);
    });

    it.each([
      ['words above a signature', 'Reader 4.2 crashes on an EPUB.\n\nSent from my iPhone'],
      ['an Apple Mail forward of quoted lines', APPLE_FORWARD],
    ])('%s: some', async (_case, text) => {
      const receipt = await receive(newMail('Fwd: Reader', text));
      const event = await forwardedToIntake(receipt.inboundId);
      expect(event).toMatchObject({ text, ownText: true });
    });

    it('a signature and a forward attached as message/rfc822: the forward is content', async () => {
      const receipt = await receive(forwardAsAttachment(`<${randomUUID()}@partner-domain.example>`, 'Fwd: Player 3.1 freezes', 'Sent from my iPhone', customersMail()));
      expect(receipt.outcome).toBe('new_ticket');
      expect(await forwardedToIntake(receipt.inboundId)).toMatchObject({ text: `Sent from my iPhone\n\n${FORWARDED_BLOCK}`, ownText: true });
    });
  });

  describe('a reply threaded onto a ticket', () => {
    it('still loses the quoted history of our own mail', async () => {
      const ticket = await heidisTicket();
      const receipt = await receive(
        mail([
          'From: Heidi <heidi@partner-domain.example>',
          'To: support@tss.test',
          `Subject: Re: [${ticket.reference}] Request received`,
          `Message-ID: <${randomUUID()}@partner-domain.example>`,
          '',
          'It still freezes.',
          '',
          'On Thu, 3 Dec 2026 at 09:00, TSS Support <support@tss.test> wrote:',
          '> Your request was registered.',
        ]),
      );
      expect(receipt).toMatchObject({ outcome: 'threaded', ticketId: ticket.ticketId });
      expect((await forwardedToIntake(receipt.inboundId)).text).toBe('It still freezes.');
    });

    it('keeps a forward written into the text: Gmail’s marker, and Outlook’s rule and header block under an "FW:" subject', async () => {
      const ticket = await heidisTicket();
      const gmail = fixture('gmail-en-forward.eml', `<${randomUUID()}@partner-domain.example>`);
      const threadedGmail = await receive(Buffer.from(gmail.toString('latin1').replace('Subject: Fwd: Player 3.1 freezes', `Subject: Fwd: [${ticket.reference}] Player 3.1 freezes`), 'latin1'));
      expect(threadedGmail).toMatchObject({ outcome: 'threaded', ticketId: ticket.ticketId });
      // The signature above the forward is Heidi's own part: cut there as in any reply.
      expect((await forwardedToIntake(threadedGmail.inboundId)).text).toBe(GMAIL_FORWARD.replace('\n\n-- \nHeidi Partner\nA-Books support desk', ''));

      const outlook = fixture('outlook-en-forward.eml', `<${randomUUID()}@partner-domain.example>`);
      const threadedOutlook = await receive(Buffer.from(outlook.toString('latin1').replace('Subject: FW: Player 3.1 freezes', `Subject: FW: [${ticket.reference}] Player 3.1 freezes`), 'latin1'));
      expect(threadedOutlook).toMatchObject({ outcome: 'threaded', ticketId: ticket.ticketId });
      expect((await forwardedToIntake(threadedOutlook.inboundId)).text).toBe(OUTLOOK_FORWARD);
    });

    it('adds a forward attached as message/rfc822 to the message', async () => {
      const ticket = await heidisTicket();
      const receipt = await receive(forwardAsAttachment(`<${randomUUID()}@partner-domain.example>`, `Re: [${ticket.reference}] Request received`, 'Another customer has it too.', customersMail()));
      expect(receipt).toMatchObject({ outcome: 'threaded', ticketId: ticket.ticketId });
      const event = await forwardedToIntake(receipt.inboundId);
      expect(event.text).toBe(`Another customer has it too.\n\n${FORWARDED_BLOCK}`);
      expect(event.attachmentPointers.map((p) => p.filename)).toEqual(['freeze.png']);
    });
  });

  it('a quarantined mail is kept whole, so an agent who releases it files it whole', async () => {
    const raw = fixture('apple-mail-en-forward.eml', `<${randomUUID()}@nowhere.example>`);
    const receipt = await receive(Buffer.from(raw.toString('latin1').replace('heidi@partner-domain.example>', 'heidi@nowhere.example>'), 'latin1'));
    expect(receipt.outcome).toBe('quarantined');
    expect(await keptText(receipt.inboundId)).toBe(APPLE_FORWARD);
  });
});
