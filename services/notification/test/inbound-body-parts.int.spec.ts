import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PartnerCreatedV1 } from '@tss/contracts';
import { TestClock } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

const SECRET = 'inbound-secret-0123456789';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

type Pointer = { filename: string; contentType: string };
type EmailReceived = { text: string; attachmentPointers: Pointer[] };

/** A new request from Heidi (a partner's domain) whose body is `body`: MIME lines after the headers. */
const request = (messageId: string, body: readonly string[]): Buffer =>
  Buffer.from(['From: Heidi <heidi@partner-domain.example>', 'To: TSS Support <support@tss.test>', 'Subject: Player 3.1 freezes', `Message-ID: ${messageId}`, 'MIME-Version: 1.0', ...body, ''].join('\r\n'));

const png = (headers: readonly string[]) => ['Content-Type: image/png; name="error.png"', ...headers, 'Content-Transfer-Encoding: base64', '', PNG.toString('base64')];

// An outside test (SMTP, Python smtplib): the body of mail as clients build it reaches the ticket,
// whatever the MIME shape around it (docs/adr/0035, addendum of 2026-12-05, first session).
describe('the body of a mail, whatever its MIME shape, is the request (P8)', () => {
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

  /** Posts the mail; resolves with what notification asked intake to file. */
  const filed = async (raw: Buffer, messageId: string): Promise<EmailReceived> => {
    const response = await notification.sut.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', SECRET).send(raw);
    expect(response.body).toMatchObject({ outcome: 'new_ticket' });
    const [row] = await notification.sut.query<{ event: { data: EmailReceived } }>(
      `SELECT event FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' = $1`,
      [messageId],
    );
    return row.event.data;
  };

  describe('an HTML body inside multipart/mixed or multipart/related is read as text, as a top-level one is', () => {
    it('multipart/mixed { text/html, image/png }', async () => {
      const messageId = `<${randomUUID()}@partner-domain.example>`;
      const event = await filed(
        request(messageId, [
          'Content-Type: multipart/mixed; boundary="mix"',
          '',
          '--mix',
          'Content-Type: text/html; charset=utf-8',
          '',
          '<html><body><p>Player 3.1 freezes on the second chapter.</p><p>Windows 11, <b>Chrome 131</b>.</p></body></html>',
          '--mix',
          ...png(['Content-Disposition: attachment; filename="error.png"']),
          '--mix--',
        ]),
        messageId,
      );
      expect(event.text).toBe('Player 3.1 freezes on the second chapter.\n\nWindows 11, Chrome 131.');
      expect(event.attachmentPointers.map((p) => p.filename)).toEqual(['error.png']);
    });

    it('multipart/related { text/html with a cid: image, the image inline }', async () => {
      const messageId = `<${randomUUID()}@partner-domain.example>`;
      const event = await filed(
        request(messageId, [
          'Content-Type: multipart/related; boundary="rel"',
          '',
          '--rel',
          'Content-Type: text/html; charset=utf-8',
          '',
          '<p>Player 3.1 freezes here:</p><p><img src="cid:error-1@partner-domain.example"></p>',
          '--rel',
          ...png(['Content-Disposition: inline; filename="error.png"', 'Content-ID: <error-1@partner-domain.example>']),
          '--rel--',
        ]),
        messageId,
      );
      // As a top-level HTML body reads: mailparser's conversion (html-to-text) names the image by its link.
      expect(event.text).toBe('Player 3.1 freezes here:\n\n[cid:error-1@partner-domain.example]');
      expect(event.attachmentPointers.map((p) => [p.filename, p.contentType])).toEqual([['error.png', 'image/png']]);
    });

    it('a top-level text/html body reads as it did', async () => {
      const messageId = `<${randomUUID()}@partner-domain.example>`;
      const event = await filed(request(messageId, ['Content-Type: text/html; charset=utf-8', '', '<p>Player 3.1 freezes on the second chapter.</p><p>Windows 11, <b>Chrome 131</b>.</p>']), messageId);
      expect(event.text).toBe('Player 3.1 freezes on the second chapter.\n\nWindows 11, Chrome 131.');
    });
  });
  // P8: an inline image is an attachment like any other; intake judges it by its content, keeps
  // JPG, GIF and PNG, and refuses the rest with the usual note and mail.
  describe('an inline (cid:) image is one of the mail’s files', () => {
    it('Gmail’s pasted screenshot: multipart/related { multipart/alternative { plain, html }, image/png inline }', async () => {
      const messageId = `<${randomUUID()}@mail.gmail.com>`;
      const raw = readFileSync(path.join(__dirname, 'fixtures', 'mail', 'gmail-en-inline-image.eml'), 'latin1').replace('<CAKx1=gmail.inline.1@mail.gmail.com>', messageId);
      const event = await filed(Buffer.from(raw, 'latin1'), messageId);
      expect(event.text).toBe('Here is the error: [image: error.png]');
      expect(event.attachmentPointers.map((p) => [p.filename, p.contentType])).toEqual([['error.png', 'image/png']]);
    });

    it('an inline image of a type intake refuses (a signature’s EMF logo) is passed on too, for intake to refuse with its note', async () => {
      const messageId = `<${randomUUID()}@partner-domain.example>`;
      const event = await filed(
        request(messageId, [
          'Content-Type: multipart/related; boundary="rel"',
          '',
          '--rel',
          'Content-Type: text/html; charset=utf-8',
          '',
          '<p>It freezes.</p><p>Heidi <img src="cid:image001.emf@01DB"></p>',
          '--rel',
          'Content-Type: image/x-emf; name="image001.emf"',
          'Content-Disposition: inline; filename="image001.emf"',
          'Content-ID: <image001.emf@01DB>',
          'Content-Transfer-Encoding: base64',
          '',
          Buffer.from([1, 0, 0, 0, 108, 0, 0, 0]).toString('base64'),
          '--rel--',
        ]),
        messageId,
      );
      expect(event.attachmentPointers.map((p) => [p.filename, p.contentType])).toEqual([['image001.emf', 'image/x-emf']]);
    });
  });
  // RFC 2152: "+BB8EQAQ4BDIENQRC-" is "Привет" in UTF-7. mailparser refuses the charset (it can carry
  // markup past filters that look for "<" in the bytes) and passes its bytes on as they are.
  describe('a text part in UTF-7 is decoded', () => {
    it.each([
      ['text/plain', 'text/plain; charset=utf-7', 'Hi +BB8EQAQ4BDIENQRC- world', 'Hi Привет world'],
      ['text/plain, an alias in quotes', 'text/plain; charset="UNICODE-1-1-UTF-7"', 'Hi +BB8EQAQ4BDIENQRC- world', 'Hi Привет world'],
      ['text/html', 'text/html; charset=utf-7', '+ADw-p+AD4-Hi +BB8EQAQ4BDIENQRC- world+ADw-/p+AD4-', 'Hi Привет world'],
    ])('%s', async (_shape, contentType, body, text) => {
      const messageId = `<${randomUUID()}@partner-domain.example>`;
      expect((await filed(request(messageId, [`Content-Type: ${contentType}`, '', body]), messageId)).text).toBe(text);
    });

    it('only the parts that say UTF-7: a UTF-8 part beside one keeps its "+" as written', async () => {
      const messageId = `<${randomUUID()}@partner-domain.example>`;
      const event = await filed(
        request(messageId, [
          'Content-Type: multipart/mixed; boundary="mix"',
          '',
          '--mix',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'Player 3.1+ on C++ builds:',
          '--mix',
          'Content-Type: text/plain; charset=utf-7',
          'Content-Transfer-Encoding: quoted-printable',
          '',
          'Hi +BB8EQAQ4BDIENQRC- world',
          '--mix--',
        ]),
        messageId,
      );
      expect(event.text).toBe('Player 3.1+ on C++ builds:\nHi Привет world');
    });

    it('a forwarded mail in UTF-7 is decoded too', async () => {
      const messageId = `<${randomUUID()}@partner-domain.example>`;
      const forwarded = ['From: carl@customer.example', 'Subject: x', 'Content-Type: text/plain; charset=utf-7', '', 'Hi +BB8EQAQ4BDIENQRC- world'].join('\r\n');
      const event = await filed(
        request(messageId, [
          'Content-Type: multipart/mixed; boundary="mix"',
          '',
          '--mix',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'See below.',
          '--mix',
          'Content-Type: message/rfc822',
          '',
          forwarded,
          '--mix--',
        ]),
        messageId,
      );
      expect(event.text).toBe('See below.\n\n---------- Forwarded message ----------\nFrom: carl@customer.example\nSubject: x\n\nHi Привет world');
    });
  });
});
