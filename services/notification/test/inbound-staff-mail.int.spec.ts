import { randomBytes, randomUUID } from 'node:crypto';
import { EscalationRaisedV1, generateReference, StaffCreatedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

const SECRET = 'inbound-secret-0123456789';
const FALLBACK = 'support-leads@support.example';

interface ReplyParts {
  from: string;
  messageId: string;
  subject: string;
  inReplyTo?: string;
  references?: string;
  text: string;
}

const rawMail = (p: ReplyParts): Buffer =>
  Buffer.from(
    [
      `From: ${p.from}`,
      'To: support@tss.test',
      `Subject: ${p.subject}`,
      `Message-ID: ${p.messageId}`,
      ...(p.inReplyTo ? [`In-Reply-To: ${p.inReplyTo}`] : []),
      ...(p.references ? [`References: ${p.references}`] : []),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      p.text,
      '',
    ].join('\r\n'),
  );

// docs/mail.md: "Replies to staff mail (escalation notices) never thread onto a ticket", and staff
// words never reach a ticket's public thread by mail (docs/adr/0035, addendum of 2026-12-04, fifth session).
describe('staff mail is never threaded onto a ticket (P7, P8)', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const partnerId = randomUUID();
  const lead = { staffId: randomUUID(), email: 'Lead1@Support.example' };
  let sink: SmtpSink;
  let notification: NotificationUnderTest;
  let ticket: { ticketId: string; reference: string };
  let notice: { messageId: string; subject: string };

  beforeAll(async () => {
    sink = await startSmtpSink();
    notification = await startNotification(clock, {
      MAIL_SMTP_HOST: '127.0.0.1',
      MAIL_SMTP_PORT: String(sink.port),
      MAIL_FROM: 'TSS Support <support@tss.test>',
      MAIL_INBOUND_SECRET: SECRET,
      TSS_PUBLIC_URL: 'https://tss.example',
      ESCALATION_NOTICE_FALLBACK_EMAIL: FALLBACK,
    });
    await notification.publish(StaffCreatedV1, lead.staffId, { staffId: lead.staffId, roles: ['team_lead'], email: lead.email, active: true, changedAt: clock.now().toISOString() });
    await waitFor('the team leader in the directory', async () => (await notification.sut.query(`SELECT 1 FROM notification.staff_directory WHERE staff_id = $1`, [lead.staffId])).length > 0);
    ticket = await notification.ticketCreated({ partnerId, email: 'ann@client.example', reference: generateReference(randomBytes) });
    await sink.nthMailTo('ann@client.example');
    await notification.publish(EscalationRaisedV1, ticket.ticketId, {
      partnerId,
      escalationId: randomUUID(),
      kind: 'team_leader',
      targetRole: 'team_lead',
      targetStaffIds: [lead.staffId],
      level: 1,
      raisedAt: clock.now().toISOString(),
    });
    const mailed = await sink.nthMailTo('lead1@support.example');
    notice = { messageId: mailed.messageId!, subject: mailed.subject! };
  });
  afterAll(async () => {
    await notification?.sut.stop();
    await sink?.close();
  });

  const receive = (parts: ReplyParts) => notification.receiveMail(rawMail(parts), SECRET);
  const published = async (messageId: string) =>
    notification.sut.query(`SELECT 1 FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' = $1`, [messageId]);

  it('the notice names the ticket reference in its subject (the way the reply found the ticket)', () => {
    expect(notice.subject).toBe(`[${ticket.reference}] Escalation: The requester asked for the team leader`);
  });

  it("a team leader's reply to an escalation notice (its headers and the reference in its subject) is quarantined, never threaded", async () => {
    const messageId = `<reply-${randomUUID()}@support.example>`;
    const receipt = await receive({
      from: 'Lead One <lead1@support.example>',
      messageId,
      subject: `Re: ${notice.subject}`,
      inReplyTo: notice.messageId,
      references: notice.messageId,
      text: 'Internal: I will call them. Do not tell the customer.',
    });
    expect(receipt).toMatchObject({ outcome: 'quarantined' });
    expect(receipt.ticketId).toBeUndefined();
    expect(receipt.reason).toContain('escalation_notice');
    expect(await published(messageId)).toHaveLength(0);
  });

  it.each([
    ['a comment after the id (RFC 5322 allows it; older clients write one)', (id: string) => `${id} (sent from a phone)`],
    ['the domain in capitals (a domain is case-insensitive)', (id: string) => id.replace(/@([^>]+)>$/, (_m, domain: string) => `@${domain.toUpperCase()}>`)],
    ['two ids in In-Reply-To', (id: string) => `<other-${randomUUID()}@client.example> ${id}`],
  ])('a reply to the notice whose In-Reply-To has %s is recognised and quarantined, not threaded by its subject', async (_how, written) => {
    const messageId = `<reply3-${randomUUID()}@support.example>`;
    const receipt = await receive({
      from: 'Lead Two <lead2@elsewhere.example>',
      messageId,
      subject: `Re: ${notice.subject}`,
      inReplyTo: written(notice.messageId),
      text: 'Internal: escalate. Do not tell the customer.',
    });
    expect(receipt).toMatchObject({ outcome: 'quarantined' });
    expect(receipt.reason).toContain('escalation_notice');
    expect(await published(messageId)).toHaveLength(0);
  });

  it('a reply naming the notice deeper in References only (a colleague answering the reply) is quarantined too', async () => {
    const messageId = `<reply2-${randomUUID()}@client.example>`;
    const receipt = await receive({
      from: 'someone@client.example',
      messageId,
      subject: `Re: Re: ${notice.subject}`,
      inReplyTo: `<reply-of-lead@support.example>`,
      references: `${notice.messageId} <reply-of-lead@support.example>`,
      text: 'Forwarded note.',
    });
    expect(receipt).toMatchObject({ outcome: 'quarantined' });
    expect(await published(messageId)).toHaveLength(0);
  });

  it.each([
    ['a staff member of the directory (any case)', 'LEAD1@support.example'],
    ['the escalation fallback address', FALLBACK],
  ])('%s writing the reference in a subject without headers is quarantined, never posted on the public thread', async (_who, from) => {
    const messageId = `<fresh-${randomUUID()}@support.example>`;
    const receipt = await receive({ from, messageId, subject: `About ${ticket.reference}`, text: 'Internal: the customer is difficult.' });
    expect(receipt).toMatchObject({ outcome: 'quarantined' });
    expect(receipt.reason).toContain('staff');
    expect(await published(messageId)).toHaveLength(0);
  });

  it('a requester (or anyone else) writing the reference in the subject still threads, as before', async () => {
    const messageId = `<ann-${randomUUID()}@client.example>`;
    const receipt = await receive({ from: 'ann@client.example', messageId, subject: `Re: ${ticket.reference}`, text: 'Still broken.' });
    expect(receipt).toMatchObject({ outcome: 'threaded', ticketId: ticket.ticketId });
  });
});
