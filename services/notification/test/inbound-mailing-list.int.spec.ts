import { randomBytes, randomUUID } from 'node:crypto';
import { generateReference, PartnerCreatedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

const SECRET = 'inbound-secret-0123456789';

/** A person's plain mail, as a list server passes it on (RFC 2919 List-Id, RFC 2369 List-Unsubscribe) or not. */
const mail = (input: { from: string; subject: string; messageId: string; list?: boolean; precedenceList?: boolean }): Buffer =>
  Buffer.from(
    [
      `From: ${input.from}`,
      'To: TSS Support <support@tss.test>',
      `Subject: ${input.subject}`,
      'Date: Sat, 5 Dec 2026 08:00:00 +0000',
      `Message-ID: ${input.messageId}`,
      ...(input.list ? ['List-Id: Reader users <reader-users.lists.partner-domain.example>', 'List-Unsubscribe: <mailto:reader-users-leave@lists.partner-domain.example>'] : []),
      // GNU Mailman's default beside List-Id.
      ...(input.precedenceList ? ['Precedence: list'] : []),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The reader freezes on the second chapter of every EPUB. Windows 11.',
      '',
    ].join('\r\n'),
  );

// Left open since an earlier outside test: a list post from a partner's domain opened a ticket and
// was acknowledged automatically, as if its sender had written to support.
describe('mail a mailing list carried (List-Id) opens no ticket by itself', () => {
  const clock = new TestClock('2026-12-05T08:00:00.000Z');
  const partnerId = randomUUID();
  let notification: NotificationUnderTest;

  beforeAll(async () => {
    notification = await startNotification(clock, { MAIL_FROM: 'TSS Support <support@tss.test>', MAIL_INBOUND_SECRET: SECRET });
    await notification.handled(await notification.publish(PartnerCreatedV1, partnerId, { partnerId, name: 'A-Books', active: true, changedAt: clock.now().toISOString() }));
    await notification.partnerMailDomain(partnerId, 'partner-domain.example');
  });
  afterAll(async () => {
    await notification?.sut.stop();
  });

  const receive = (raw: Buffer) => notification.receiveMail(raw, SECRET);
  const forwardedToIntake = async (messageId: string) =>
    notification.sut.query(`SELECT 1 FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' = $1`, [messageId]);

  it('a new request from a partner’s domain through a list is quarantined, with the list named, for an agent to release', async () => {
    const messageId = `<${randomUUID()}@partner-domain.example>`;
    const receipt = await receive(mail({ from: 'Heidi <heidi@partner-domain.example>', subject: 'Reader freezes', messageId, list: true }));

    expect(receipt.outcome).toBe('quarantined');
    const [row] = await notification.sut.query<{ reason: string; partner_id: string | null }>(`SELECT reason, partner_id FROM notification.inbound_messages WHERE id = $1`, [receipt.inboundId]);
    expect(row.reason).toBe('mailing-list mail (List-Id: Reader users <reader-users.lists.partner-domain.example>): a new ticket from a list waits for an agent to release it');
    expect(await forwardedToIntake(messageId)).toEqual([]);
  });

  it('the same request sent to support directly opens a ticket, as before', async () => {
    const messageId = `<${randomUUID()}@partner-domain.example>`;
    const receipt = await receive(mail({ from: 'Heidi <heidi@partner-domain.example>', subject: 'Reader freezes', messageId }));

    expect(receipt.outcome).toBe('new_ticket');
    expect(await forwardedToIntake(messageId)).toHaveLength(1);
  });

  it('a reply through a list that names a ticket is threaded: it is part of that ticket’s conversation', async () => {
    const ticket = await notification.ticketCreated({ partnerId, email: 'heidi@partner-domain.example', reference: generateReference((n) => randomBytes(n)) });
    await waitFor('notification knows the ticket', async () => (await notification.sut.query(`SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1`, [ticket.ticketId])).length === 1);
    const messageId = `<${randomUUID()}@partner-domain.example>`;
    const receipt = await receive(mail({ from: 'Heidi <heidi@partner-domain.example>', subject: `Re: [${ticket.reference}] Reader freezes`, messageId, list: true }));

    expect([receipt.outcome, receipt.ticketId]).toEqual(['threaded', ticket.ticketId]);
  });

  // A re-test: GNU Mailman adds `Precedence: list` beside List-Id, and such mail was ignored as an
  // auto-reply: a new request reached no agent, and a reply naming a ticket was lost.
  it('with Precedence: list as a list server sets it: the new request quarantined, the reply threaded, neither ignored', async () => {
    const ticket = await notification.ticketCreated({ partnerId, email: 'heidi@partner-domain.example', reference: generateReference((n) => randomBytes(n)) });
    await waitFor('notification knows the ticket', async () => (await notification.sut.query(`SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1`, [ticket.ticketId])).length === 1);

    const request = await receive(mail({ from: 'Heidi <heidi@partner-domain.example>', subject: 'Reader freezes', messageId: `<${randomUUID()}@partner-domain.example>`, list: true, precedenceList: true }));
    const bare = await receive(mail({ from: 'Heidi <heidi@partner-domain.example>', subject: 'Reader freezes too', messageId: `<${randomUUID()}@partner-domain.example>`, precedenceList: true }));
    const reply = await receive(mail({ from: 'Heidi <heidi@partner-domain.example>', subject: `Re: [${ticket.reference}] Reader freezes`, messageId: `<${randomUUID()}@partner-domain.example>`, list: true, precedenceList: true }));

    expect([request.outcome, bare.outcome, [reply.outcome, reply.ticketId]]).toEqual(['quarantined', 'quarantined', ['threaded', ticket.ticketId]]);
    const [bareRow] = await notification.sut.query<{ reason: string }>(`SELECT reason FROM notification.inbound_messages WHERE id = $1`, [bare.inboundId]);
    expect(bareRow.reason).toBe('mailing-list mail (Precedence: list): a new ticket from a list waits for an agent to release it');
  });
});
