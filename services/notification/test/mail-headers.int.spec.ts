import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { TicketCreatedV1, TicketRespondedV1 } from '@tss/contracts';
import { freePort, TestClock, waitFor } from '@tss/service-kit/testing';
import { accepting } from './support/accepting';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

// An outside tester acting as a requester (docs/adr/0035, addendum of 2026-12-04, sixth session).
describe('the headers of mail to a requester, through a real SMTP server', () => {
  const clock = new TestClock('2026-12-04T20:48:00.000Z');
  const partnerId = randomUUID();
  let sink: SmtpSink;
  let notification: NotificationUnderTest;
  let mta: nodemailer.Transporter;

  beforeAll(async () => {
    // Like the outside tester's aiosmtpd: a line over RFC 5322's 998 octets is refused for good.
    sink = await startSmtpSink({ maxLineOctets: 998 });
    const port = await freePort();
    notification = await startNotification(clock, {
      MAIL_SMTP_HOST: '127.0.0.1',
      MAIL_SMTP_PORT: String(sink.port),
      MAIL_FROM: 'TSS Support <support@tss.test>',
      INBOUND_SMTP_PORT: String(port),
    });
    await accepting(port);
    mta = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  });
  afterAll(async () => {
    mta?.close();
    await notification?.sut.stop();
    await sink?.close();
  });

  const agentReplies = (ticketId: string, body: string) =>
    notification.publish(TicketRespondedV1, ticketId, { partnerId, sequence: 2, messageId: randomUUID(), respondedAt: clock.now().toISOString(), authorId: 'agent-1', body });

  const inboundOutcome = (messageId: string) =>
    waitFor(`inbound ${messageId} recorded`, async () => {
      const [row] = await notification.sut.query<{ outcome: string; reason: string | null }>(`SELECT outcome, reason FROM notification.inbound_messages WHERE message_id = $1`, [messageId]);
      return row;
    });

  it('RFC 3834: automatic mail says Auto-Submitted: auto-generated; an agent’s reply, written by a person, does not; the requester’s auto-reply to it is still ignored', async () => {
    const ticket = await notification.ticketCreated({ partnerId, email: 'dana@client.example' });
    const ack = await sink.nthMailTo('dana@client.example');
    expect(ack.headers.get('auto-submitted')).toBe('auto-generated');

    await agentReplies(ticket.ticketId, 'The fix is in Reader 4.2.2.');
    const reply = await sink.nthMailTo('dana@client.example', 2);
    expect(reply.text).toContain('The fix is in Reader 4.2.2.');
    expect(reply.headers.has('auto-submitted')).toBe(false);

    // Her out-of-office answers the agent's reply (it may now: RFC 3834 §2); ours recognises it by
    // its own headers, never by ours, and files nothing.
    for (const [messageId, headers] of [
      ['<ooo-1@client.example>', { 'Auto-Submitted': 'auto-replied' }],
      ['<ooo-2@client.example>', { 'X-Autoreply': 'yes' }],
    ] as const) {
      const sent = (await mta.sendMail({
        from: 'Dana <dana@client.example>',
        to: 'support@tss.test',
        subject: `Automatic reply: ${reply.subject}`,
        inReplyTo: reply.messageId,
        references: [reply.messageId!],
        messageId,
        headers,
        text: 'I am out of the office until Monday.',
      })) as { response: string };
      expect(sent.response).toContain('Received: ignored');
      expect(await inboundOutcome(messageId)).toMatchObject({ outcome: 'ignored' });
    }
    const filed = await notification.sut.query(`SELECT 1 FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' LIKE '<ooo-%'`);
    expect(filed).toEqual([]);
  });

  it('RFC 5322: To names the requester when the ticket knows their name, RFC 2047-encoded, in every mail of the ticket', async () => {
    const name = 'Jürgen Größe-Ünal 王';
    const ticket = await notification.ticketCreated({ partnerId, email: 'juergen@client.example', name });
    const ack = await sink.nthMailTo('juergen@client.example');
    expect(ack.to).toMatchObject({ value: [{ name, address: 'juergen@client.example' }] });
    const rawTo = ack.headerLines.find((h) => h.key === 'to')?.line ?? '';
    expect(rawTo).toMatch(/^To: =\?UTF-8\?/); // encoded words, never raw 8-bit in a header
    expect(rawTo).toContain('<juergen@client.example>');

    await agentReplies(ticket.ticketId, 'Fixed.');
    const reply = await sink.nthMailTo('juergen@client.example', 2);
    expect(reply.to).toMatchObject({ value: [{ name, address: 'juergen@client.example' }] });
  });

  // An outside test: a mail without a Message-ID was acknowledged "In-Reply-To: <sha256.…@inbound.tss>", our own dedup id.
  it('RFC 5322 §3.6.4: a request mailed without a Message-ID is acknowledged without In-Reply-To or References, and later mails name only ours', async () => {
    const ticketId = randomUUID();
    const standIn = `<sha256.${'ab12'.repeat(16)}@inbound.tss>`;
    await notification.publish(TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-NOMID-ABCDE',
      channel: 'email',
      product: 'reader',
      productVersion: '4.2',
      level: 'standard',
      subject: 'Reader crashes on opening EPUB',
      requester: { email: 'nomid@client.example' },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
      openingMessageId: standIn,
    });
    const ack = await sink.nthMailTo('nomid@client.example');
    expect({ inReplyTo: ack.headers.get('in-reply-to'), references: ack.headers.get('references') }).toEqual({ inReplyTo: undefined, references: undefined });

    await agentReplies(ticketId, 'Which version do you run?');
    const reply = await sink.nthMailTo('nomid@client.example', 2);
    expect(reply.inReplyTo).toBe(ack.messageId);
    expect(reply.references).toBe(ack.messageId);
    expect(JSON.stringify(reply.headerLines)).not.toContain('inbound.tss');
  });

  // An outside tester: a requester's mail with a Message-ID of over 998 characters filed a ticket, and
  // its acknowledgment, answering that id, was refused for good ("500 Line too long (see RFC5321
  // 4.5.3.1.6)"): the requester was never acknowledged (docs/adr/0035, addendum of 2026-12-05).
  it('RFC 5322 §2.1.1: a requester Message-ID too long for a header line is not answered, so the acknowledgment goes out, and later mails name only ours', async () => {
    const ticketId = randomUUID();
    const tooLong = `<${'x'.repeat(1_000)}@client.example>`;
    await notification.publish(TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-LONGID-ABCDE',
      channel: 'email',
      product: 'reader',
      productVersion: '4.2',
      level: 'standard',
      subject: 'Reader crashes on opening EPUB',
      requester: { email: 'longid@client.example' },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
      openingMessageId: tooLong,
    });
    const settled = await waitFor('the acknowledgment settled', async () => {
      const [row] = await notification.sut.query<{ status: string; last_error: string | null }>(
        `SELECT status, last_error FROM notification.mail_messages WHERE recipient = 'longid@client.example' AND kind = 'acknowledgment'`,
      );
      return row && row.status !== 'pending' && row;
    });
    expect(settled).toEqual({ status: 'sent', last_error: null });
    const ack = await sink.nthMailTo('longid@client.example');
    expect({ inReplyTo: ack.headers.get('in-reply-to'), references: ack.headers.get('references') }).toEqual({ inReplyTo: undefined, references: undefined });

    await agentReplies(ticketId, 'Which version do you run?');
    const reply = await sink.nthMailTo('longid@client.example', 2);
    expect(reply.inReplyTo).toBe(ack.messageId);
    expect(reply.references).toBe(ack.messageId);
  });

  it.each([
    ['quotes, a comma and an "@"', 'Ann "Annie" O\'Neil, Jr. <boss@evil.example>', 'Ann "Annie" O\'Neil, Jr. <boss@evil.example>'],
    ['a line break and a header after it', 'Mallory\r\nBcc: victim@evil.example', 'Mallory Bcc: victim@evil.example'],
    ['nothing but blanks', ' \t ', undefined],
  ])('a name with %s stays one display name: it adds no recipient and no header', async (_case, name, shown) => {
    const address = `r-${randomUUID().slice(0, 8)}@client.example`;
    await notification.ticketCreated({ partnerId, email: address, name });
    const ack = await sink.nthMailTo(address);
    expect(ack.to).toMatchObject({ value: [{ address, name: shown ?? '' }] });
    expect((ack.to as { value: unknown[] }).value).toHaveLength(1);
    expect(ack.cc).toBeUndefined();
    expect(ack.bcc).toBeUndefined();
    expect(ack.headers.has('bcc')).toBe(false);
  });
});
