import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { TicketClosedV1, TicketCreatedV1, TicketRespondedV1 } from '@tss/contracts';
import { freePort, TestClock, waitFor } from '@tss/service-kit/testing';
import { accepting } from './support/accepting';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

const INBOUND_SECRET = 'inbound-secret-0123456789';

// Issue #11 "E-mail in": "an optional SMTP listener (smtp-server) does the same in services mode".
describe('inbound SMTP listener (INBOUND_SMTP_PORT, issue #11), notification alone', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const partnerId = '0b8f8a52-3c1e-4a57-9a1e-7d1d2c1b0a77';
  const MAX_BYTES = 16_384;
  let sink: SmtpSink;
  let notification: NotificationUnderTest;
  let port: number;
  let mta: nodemailer.Transporter;

  beforeAll(async () => {
    sink = await startSmtpSink();
    port = await freePort();
    notification = await startNotification(clock, {
      MAIL_SMTP_HOST: '127.0.0.1',
      MAIL_SMTP_PORT: String(sink.port),
      MAIL_FROM: 'TSS Support <support@tss.test>',
      INBOUND_SMTP_PORT: String(port),
      MAIL_INBOUND_MAX_BYTES: String(MAX_BYTES),
      MAIL_INBOUND_SECRET: INBOUND_SECRET,
    });
    await accepting(port);
    mta = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  });
  afterAll(async () => {
    mta?.close();
    await notification?.sut.stop();
    await sink?.close();
  });

  const emailReceived = (messageId: string) =>
    waitFor(`notification.email_received for ${messageId}`, async () => {
      const [row] = await notification.sut.query<{ event: { data: { ticketId?: string; text: string; from: string } } }>(
        `SELECT event FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' = $1`,
        [messageId],
      );
      return row?.event.data;
    });

  it('a reply sent over SMTP by a real client threads onto its ticket by In-Reply-To, quoted history cut', async () => {
    const ticket = await notification.ticketCreated({ partnerId, email: 'ann@client.example' });
    const ack = await sink.nthMailTo('ann@client.example');

    const sent = (await mta.sendMail({
      from: 'Ann <ann@client.example>',
      to: 'support@tss.test',
      subject: `Re: ${ack.subject}`,
      inReplyTo: ack.messageId,
      references: [ack.messageId!],
      messageId: '<reply-1@client.example>',
      text: `It still crashes on page 3.\n\nOn Mon, 2 Mar 2026 at 09:00, TSS Support <support@tss.test> wrote:\n> ${ack.text?.split('\n')[0]}\n`,
    })) as { response: string };
    expect(sent.response).toMatch(/^250 .*Received: threaded/);

    const received = await emailReceived('<reply-1@client.example>');
    expect(received).toMatchObject({ ticketId: ticket.ticketId, from: 'ann@client.example', text: 'It still crashes on page 3.' });
    const [row] = await notification.sut.query<{ outcome: string; ticket_id: string }>(`SELECT outcome, ticket_id FROM notification.inbound_messages WHERE message_id = $1`, ['<reply-1@client.example>']);
    expect(row).toEqual({ outcome: 'threaded', ticket_id: ticket.ticketId });

    // The sending server retries after a lost answer: the same Message-ID does nothing again.
    const again = (await mta.sendMail({ from: 'ann@client.example', to: 'support@tss.test', subject: 'Re: x', messageId: '<reply-1@client.example>', text: 'again' })) as { response: string };
    expect(again.response).toContain('(duplicate)');
  });

  it('a mail from an unknown sender is quarantined (accepted, never acknowledged); one over MAIL_INBOUND_MAX_BYTES is refused with 552', async () => {
    const quarantined = (await mta.sendMail({ from: 'stranger@nowhere.example', to: 'support@tss.test', subject: 'Hello', messageId: '<q-1@nowhere.example>', text: 'Who are you?' })) as { response: string };
    expect(quarantined.response).toContain('Received: quarantined');

    const tooLarge = mta.sendMail({ from: 'ann@client.example', to: 'support@tss.test', subject: 'Big', messageId: '<big@client.example>', text: 'x'.repeat(MAX_BYTES * 2) });
    await expect(tooLarge).rejects.toMatchObject({ responseCode: 552 });
    const rows = await notification.sut.query(`SELECT 1 FROM notification.inbound_messages WHERE message_id = '<big@client.example>'`);
    expect(rows).toEqual([]);
  });

  // An outside test: the listener took `RCPT TO:<victim@gmail.com>` and filed the mail as a ticket,
  // and 300 recipients in one transaction (docs/adr/0035, addendum of 2026-12-04, second session).
  it('takes only recipients of our own domain (INBOUND_SMTP_DOMAINS, by default MAIL_FROM’s): any other is refused with 550 5.1.1 and nothing is recorded', async () => {
    const relay = mta.sendMail({ from: 'spam@evil.example', to: 'victim@gmail.com', subject: 'relay', messageId: '<relay-1@evil.example>', text: 'relay me' });
    await expect(relay).rejects.toMatchObject({ code: 'EENVELOPE', responseCode: 550, response: expect.stringMatching(/^550 5\.1\.1 /) });
    expect(await notification.sut.query(`SELECT 1 FROM notification.inbound_messages WHERE message_id = '<relay-1@evil.example>'`)).toEqual([]);

    // The outside recipient beside ours is refused, and the mail taken once for ours.
    const mixed = (await mta.sendMail({
      from: 'stranger@nowhere.example',
      to: ['help@tss.test', 'victim@gmail.com'],
      subject: 'Hello',
      messageId: '<mixed-1@nowhere.example>',
      text: 'Who are you?',
    })) as { accepted: string[]; rejected: string[]; rejectedErrors?: { responseCode?: number; response?: string }[] };
    expect(mixed.accepted).toEqual(['help@tss.test']);
    expect(mixed.rejected).toEqual(['victim@gmail.com']);
    expect(mixed.rejectedErrors?.[0]).toMatchObject({ responseCode: 550, response: expect.stringMatching(/^550 5\.1\.1 /) });
    expect(await notification.sut.query(`SELECT outcome FROM notification.inbound_messages WHERE message_id = '<mixed-1@nowhere.example>'`)).toEqual([{ outcome: 'quarantined' }]);
  });

  it('takes at most INBOUND_SMTP_MAX_RECIPIENTS (50) recipients in one transaction: the next are answered 452 4.5.3', async () => {
    const to = Array.from({ length: 60 }, (_, i) => `desk${i}@tss.test`);
    const sent = (await mta.sendMail({ from: 'stranger@nowhere.example', to, subject: 'Many', messageId: '<many-1@nowhere.example>', text: 'To all of you.' })) as {
      accepted: string[];
      rejected: string[];
      rejectedErrors?: { responseCode?: number; response?: string }[];
    };
    expect(sent.accepted).toEqual(to.slice(0, 50));
    expect(sent.rejected).toEqual(to.slice(50));
    expect(sent.rejectedErrors?.every((e) => e.responseCode === 452 && /^452 4\.5\.3 /.test(e.response ?? ''))).toBe(true);
    expect(await notification.sut.query(`SELECT 1 FROM notification.inbound_messages WHERE message_id = '<many-1@nowhere.example>'`)).toHaveLength(1);
  });

  // An outside test: for a ticket filed by mail, later mail carried `References: <ack id>` only and
  // dropped the requester's own first Message-ID (docs/adr/0035, addendum of 2026-12-04, second session).
  it('RFC 5322 §3.6.4: mail about a ticket filed by mail names the requester’s first Message-ID first in References, then the acknowledgment’s', async () => {
    await notification.partnerMailDomain(partnerId, 'ola-books.example');
    const opening = '<opening-1@ola-books.example>';
    const received = (await mta.sendMail({ from: 'ola@ola-books.example', to: 'support@tss.test', subject: 'Reader crashes', messageId: opening, text: 'Reader 4.2 crashes on EPUB.' })) as { response: string };
    expect(received.response).toContain('Received: new_ticket');

    // Intake files it (channel email) and publishes ticket.created, as it does for mail.
    const ticketId = randomUUID();
    await notification.publish(TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-OLA00-ABCDE',
      channel: 'email',
      product: 'reader',
      productVersion: '4.2',
      level: 'standard',
      subject: 'Reader crashes',
      requester: { email: 'ola@ola-books.example', id: 'mail:ola@ola-books.example' },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
    });
    const ack = await sink.nthMailTo('ola@ola-books.example');
    expect(ack.inReplyTo).toBe(opening);
    expect(ack.references).toBe(opening);

    await notification.publish(TicketRespondedV1, ticketId, { partnerId, sequence: 2, messageId: randomUUID(), respondedAt: clock.now().toISOString(), authorId: 'agent-1', body: 'Update to 4.2.2.' });
    const reply = await sink.nthMailTo('ola@ola-books.example', 2);
    expect(reply.inReplyTo).toBe(ack.messageId);
    expect(reply.references).toEqual([opening, ack.messageId]);
  });

  // An outside test: three mails of one sender at the same moment, and the acknowledgment of
  // "Nummer 2" answered <petra-new-3@…>: notification took the sender's newest mail not yet matched,
  // not the one that filed the ticket (docs/adr/0035, addendum of 2026-12-04, sixth session).
  it('P8: each acknowledgment answers the very mail that filed its ticket (openingMessageId), however many the sender sent at once', async () => {
    await notification.partnerMailDomain(partnerId, 'kunde.example');
    const petra = 'petra@kunde.example';
    const opening = (n: number) => `<petra-new-${n}@kunde.example>`;
    const answers = (await Promise.all(
      [1, 2, 3].map((n) => mta.sendMail({ from: petra, to: 'support@tss.test', subject: `Neue Anfrage Nummer ${n}`, messageId: opening(n), text: `Anfrage ${n}: der Reader stürzt ab.` })),
    )) as { response: string }[];
    expect(answers.map((a) => a.response)).toEqual([1, 2, 3].map(() => expect.stringContaining('Received: new_ticket')));
    // Intake files them in whichever order its consumer takes them: here, the mails' ids from the
    // highest, so no tie-break of "the sender's newest mail" can land on the right one by chance.
    const mails = await notification.sut.query<{ id: string; message_id: string }>(`SELECT id::text AS id, message_id FROM notification.inbound_messages WHERE sender = $1 ORDER BY id DESC`, [petra]);
    expect(mails).toHaveLength(3);
    const tickets = new Map<string, { ticketId: string; n: number }>();
    for (const mail of mails) {
      const n = Number(/petra-new-(\d)/.exec(mail.message_id)?.[1]);
      const ticketId = randomUUID();
      tickets.set(mail.message_id, { ticketId, n });
      await notification.handled(
        await notification.publish(TicketCreatedV1, ticketId, {
          partnerId,
          sequence: 1,
          reference: `TSS-PETR${n}-ABCDE`,
          channel: 'email',
          level: 'standard',
          subject: `Neue Anfrage Nummer ${n}`,
          requester: { email: petra, id: `mail:${petra}` },
          missingDetails: [],
          receivedAt: clock.now().toISOString(),
          openingMessageId: mail.message_id,
        }),
      );
    }
    const acks = await Promise.all([1, 2, 3].map((k) => sink.nthMailTo(petra, k)));
    for (const ack of acks) {
      const n = Number(/Nummer (\d)/.exec(ack.subject ?? '')?.[1]);
      expect({ subject: ack.subject, inReplyTo: ack.inReplyTo, references: ack.references }).toEqual({ subject: expect.stringContaining(`Nummer ${n}`), inReplyTo: opening(n), references: opening(n) });
    }
    // A reply to their own mail threads onto the ticket that mail filed.
    const matched = await notification.sut.query<{ message_id: string; ticket_id: string }>(`SELECT message_id, ticket_id::text AS ticket_id FROM notification.inbound_messages WHERE sender = $1`, [petra]);
    expect(Object.fromEntries(matched.map((m) => [m.message_id, m.ticket_id]))).toEqual(Object.fromEntries([...tickets].map(([messageId, t]) => [messageId, t.ticketId])));
    // Later mail names the right requester's Message-ID first in References.
    const second = [...tickets.values()].find((t) => t.n === 2)!;
    const ackOfSecond = acks.find((a) => a.subject?.includes('Nummer 2'))!;
    await notification.publish(TicketRespondedV1, second.ticketId, { partnerId, sequence: 2, messageId: randomUUID(), respondedAt: clock.now().toISOString(), authorId: 'agent-1', body: 'Bitte aktualisieren.' });
    const reply = await sink.nthMailTo(petra, 4);
    expect(reply.references).toEqual([opening(2), ackOfSecond.messageId]);
  });

  // An outside test: a reply to a closed ticket was answered "Received: threaded" though intake
  // files it on a follow-up ticket (docs/adr/0035, addendum of 2026-12-04, sixth session).
  it('P11: a reply to a closed ticket is answered as going to its follow-up, not as threaded onto it', async () => {
    const ticket = await notification.ticketCreated({ partnerId, email: 'nina@client.example' });
    const ack = await sink.nthMailTo('nina@client.example');
    const answer = async (n: number) =>
      ((await mta.sendMail({ from: 'nina@client.example', to: 'support@tss.test', subject: `Re: ${ack.subject}`, messageId: `<nina-${n}@client.example>`, inReplyTo: ack.messageId, text: 'Still broken.' })) as { response: string })
        .response;
    expect(await answer(1)).toContain('Received: threaded');
    await notification.handled(await notification.publish(TicketClosedV1, ticket.ticketId, { partnerId, sequence: 2, closedAt: clock.now().toISOString(), reason: 'malware_removal', thirdParty: 'security_software_vendor' }));
    const closedAnswer = await answer(2);
    expect(closedAnswer).toContain(`Received: follow-up of closed ticket ${ticket.reference}`);
    expect(closedAnswer).not.toContain('threaded');
  });

  // An outside tester: a reply to the resolved mail of a closed ticket was received as
  // {"outcome":"threaded","ticketId":"<the closed ticket>","followUpOf":…} while intake filed a new
  // ticket; OpenAPI says `threaded` is "onto ticketId". Notification cannot know the follow-up's id
  // when it answers (intake chooses the open follow-up or files one): the receipt says `follow_up`.
  it('P11: the HTTP receipt of a reply to a closed ticket says follow_up with followUpOf, and names no ticket it was not threaded onto', async () => {
    const ticket = await notification.ticketCreated({ partnerId, email: 'vera@client.example' });
    const ack = await sink.nthMailTo('vera@client.example');
    const raw = (n: number) =>
      Buffer.from(['From: vera@client.example', 'To: support@tss.test', `Subject: Re: ${ack.subject}`, `Message-ID: <vera-${n}@client.example>`, `In-Reply-To: ${ack.messageId}`, '', 'Still broken.', ''].join('\r\n'));
    const receive = (n: number) => notification.sut.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', INBOUND_SECRET).send(raw(n));
    const open = await receive(1);
    expect(open.body).toMatchObject({ outcome: 'threaded', ticketId: ticket.ticketId });
    expect(open.body.followUpOf).toBeUndefined();
    await notification.handled(await notification.publish(TicketClosedV1, ticket.ticketId, { partnerId, sequence: 2, closedAt: clock.now().toISOString(), reason: 'malware_removal', thirdParty: 'security_software_vendor' }));
    for (const receipt of [await receive(2), await receive(2)]) {
      expect(receipt.status).toBe(202);
      expect({ outcome: receipt.body.outcome, ticketId: receipt.body.ticketId, followUpOf: receipt.body.followUpOf }).toEqual({ outcome: 'follow_up', ticketId: undefined, followUpOf: ticket.reference });
    }
  });

  // An outside test: the same reply sent again was answered "Received: threaded (duplicate)".
  it('P11: a reply to a closed ticket delivered twice is answered the second time as a duplicate of the follow-up, over SMTP and HTTP', async () => {
    const ticket = await notification.ticketCreated({ partnerId, email: 'olga@client.example' });
    const ack = await sink.nthMailTo('olga@client.example');
    await notification.handled(await notification.publish(TicketClosedV1, ticket.ticketId, { partnerId, sequence: 2, closedAt: clock.now().toISOString(), reason: 'malware_removal', thirdParty: 'security_software_vendor' }));
    const reply = { from: 'olga@client.example', to: 'support@tss.test', subject: `Re: ${ack.subject}`, messageId: '<olga-1@client.example>', inReplyTo: ack.messageId, text: 'Still broken.' };
    const first = ((await mta.sendMail(reply)) as { response: string }).response;
    const second = ((await mta.sendMail(reply)) as { response: string }).response;
    expect(first).toContain(`Received: follow-up of closed ticket ${ticket.reference} `);
    expect(second).toContain(`Received: follow-up of closed ticket ${ticket.reference} (duplicate) `);
    const raw = ['From: olga@client.example', 'To: support@tss.test', `Subject: Re: ${ack.subject}`, 'Message-ID: <olga-1@client.example>', `In-Reply-To: ${ack.messageId}`, '', 'Still broken.', ''].join('\r\n');
    const receipt = await notification.sut.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', INBOUND_SECRET).send(Buffer.from(raw));
    expect(receipt.body).toMatchObject({ outcome: 'follow_up', duplicate: true, followUpOf: ticket.reference });
  });

  it('P8: a ticket.created of an older intake (no openingMessageId) still answers the sender’s one mail not yet matched', async () => {
    await notification.partnerMailDomain(partnerId, 'alt-books.example');
    const opening = '<alt-1@alt-books.example>';
    await mta.sendMail({ from: 'alt@alt-books.example', to: 'support@tss.test', subject: 'Reader crashes', messageId: opening, text: 'Reader 4.2 crashes.' });
    await notification.publish(TicketCreatedV1, randomUUID(), {
      partnerId,
      sequence: 1,
      reference: 'TSS-ALT00-ABCDE',
      channel: 'email',
      level: 'standard',
      subject: 'Reader crashes',
      requester: { email: 'alt@alt-books.example', id: 'mail:alt@alt-books.example' },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
    });
    expect((await sink.nthMailTo('alt@alt-books.example')).inReplyTo).toBe(opening);
  });
});
