import { randomUUID } from 'node:crypto';
import { TicketAgentRepliedV1, TicketRespondedV1 } from '@tss/contracts';
import { TestClock } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

type AgentReplyMail = { id: string; text_body: string; message_id: string };

/**
 * The requester replies by mail, so every public answer must reach them by mail (P8, docs/mail.md).
 * An outside test: only the first answer was mailed; notification mailed on `ticket.responded`,
 * which intake publishes for the reply that gives a response owed (P5) alone. It now mails on
 * `ticket.agent_replied` (every public agent message) and still on `ticket.responded` (an older
 * intake publishes only that), one mail per thread message whichever events name it
 * (docs/adr/0035, addendum of 2026-12-05, first session).
 */
describe('P8: one agent_reply mail per public agent message', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const partnerId = randomUUID();
  let notification: NotificationUnderTest;

  beforeAll(async () => {
    // No SMTP server: the mail stays in the local outbox, as with `npm start`.
    notification = await startNotification(clock, { MAIL_FROM: 'TSS Support <support@tss.test>' });
  });
  afterAll(async () => {
    await notification?.sut.stop();
  });

  let sequence = 1;
  const responded = (ticketId: string, messageId: string, body: string) =>
    notification.publish(TicketRespondedV1, ticketId, { partnerId, sequence: (sequence += 1), messageId, respondedAt: clock.now().toISOString(), authorId: 'agent-1', body });
  const agentReplied = (ticketId: string, messageId: string, body: string) =>
    notification.publish(TicketAgentRepliedV1, ticketId, { partnerId, sequence: (sequence += 1), messageId, repliedAt: clock.now().toISOString(), authorId: 'agent-1', body });
  const agentReplyMails = (ticketId: string) =>
    notification.sut.query<AgentReplyMail>(`SELECT id, text_body, message_id FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'agent_reply' ORDER BY created_at, text_body`, [
      ticketId,
    ]);
  const ticketFor = async (email: string) => {
    sequence = 1;
    return (await notification.ticketCreated({ partnerId, email })).ticketId;
  };

  it('a second public reply (ticket.agent_replied alone, no response owed) is mailed, with its words', async () => {
    const ticketId = await ticketFor('second@client.example');
    await notification.handled(await agentReplied(ticketId, randomUUID(), 'Second answer: clear the cache too.'));
    const mails = await agentReplyMails(ticketId);
    expect(mails).toHaveLength(1);
    expect(mails[0].text_body).toContain('Second answer: clear the cache too.');
  });

  it('the first reply, named by both ticket.agent_replied and ticket.responded, is mailed once, in either order', async () => {
    const ticketId = await ticketFor('first@client.example');
    const first = randomUUID();
    await agentReplied(ticketId, first, 'First answer: update to 4.2.2.');
    await notification.handled(await responded(ticketId, first, 'First answer: update to 4.2.2.'));
    const second = randomUUID();
    await responded(ticketId, second, 'Reopened and answered again.');
    await notification.handled(await agentReplied(ticketId, second, 'Reopened and answered again.'));

    const mails = await agentReplyMails(ticketId);
    expect(mails.map((m) => m.text_body.split('\n')[0])).toEqual(['First answer: update to 4.2.2.', 'Reopened and answered again.']);
  });

  it('an older intake’s lone ticket.responded is mailed once', async () => {
    const ticketId = await ticketFor('older@client.example');
    await notification.handled(await responded(ticketId, randomUUID(), 'Answer from an older release.'));
    expect((await agentReplyMails(ticketId)).map((m) => m.text_body.split('\n')[0])).toEqual(['Answer from an older release.']);
  });

  it('an event naming a message already mailed (published again under another event id) mails nothing more', async () => {
    const ticketId = await ticketFor('again@client.example');
    const messageId = randomUUID();
    await notification.handled(await agentReplied(ticketId, messageId, 'Only once, please.'));
    await notification.handled(await agentReplied(ticketId, messageId, 'Only once, please.'));
    await notification.handled(await responded(ticketId, messageId, 'Only once, please.'));
    expect(await agentReplyMails(ticketId)).toHaveLength(1);
  });

  it('three replies in a row are three mails, each with its own Message-ID', async () => {
    const ticketId = await ticketFor('three@client.example');
    const first = randomUUID();
    await agentReplied(ticketId, first, 'One.');
    await responded(ticketId, first, 'One.');
    await agentReplied(ticketId, randomUUID(), 'Two.');
    await notification.handled(await agentReplied(ticketId, randomUUID(), 'Three.'));
    const mails = await agentReplyMails(ticketId);
    expect(mails.map((m) => m.text_body.split('\n')[0]).sort()).toEqual(['One.', 'Three.', 'Two.']);
    expect(new Set(mails.map((m) => m.message_id)).size).toBe(3);
  });
});
