import { randomBytes, randomUUID } from 'node:crypto';
import { TicketRespondedV1 } from '@tss/contracts';
import { SiteLinkKeys } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';
import { siteTokenIn, startSmtpSink, type SmtpSink } from './support/smtp-sink';

// P12: "the complete thread may be viewed" on the support site; a requester whose mail is filtered uses it.
describe('support-site links in every mail to a requester (P12, issue #11)', () => {
  const keys = { TSS_SITE_LINK_KEYS: `k1:${randomBytes(32).toString('base64')}` };
  const ttlMs = 3 * 86_400_000;
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const partnerId = randomUUID();
  let sink: SmtpSink;
  let notification: NotificationUnderTest;

  beforeAll(async () => {
    sink = await startSmtpSink();
    notification = await startNotification(clock, {
      MAIL_SMTP_HOST: '127.0.0.1',
      MAIL_SMTP_PORT: String(sink.port),
      MAIL_FROM: 'TSS Support <support@tss.test>',
      TSS_PUBLIC_URL: 'https://help.tss.test',
      TSS_SITE_LINK_TTL_MS: String(ttlMs),
      ...keys,
    });
  });
  afterAll(async () => {
    await notification?.sut.stop();
    await sink?.close();
  });

  const verify = (token: string | undefined) => {
    const verified = SiteLinkKeys.fromSettings(keys).verify(token ?? '', clock.now());
    if (!verified.ok) throw new Error(`the link does not verify: ${verified.error}`);
    return verified.value;
  };

  it('the acknowledgment links to the ticket for its requester id, in text and HTML, for TSS_SITE_LINK_TTL_MS', async () => {
    const ticket = await notification.ticketCreated({ partnerId, email: 'Ann@Client.example', requesterId: 'client-42' });
    const ack = await sink.nthMailTo('ann@client.example');

    expect(ack.text).toContain('The whole thread of this request is on the support site:');
    // P5: the ticket's level reaches the mail (the fixture files at standard).
    expect(ack.text).toContain('Service level: standard. At this level the support rules allow at most 12 hours for our response.');
    expect(ack.text).toContain('https://help.tss.test/support/t/');
    const token = siteTokenIn(ack.text);
    expect(ack.html).toContain(`href="https://help.tss.test/support/t/${token}"`);
    const grant = verify(token);
    expect(grant).toMatchObject({ ticketId: ticket.ticketId, partnerId, requester: 'client-42', language: 'en' });
    expect(grant.expiresAt.getTime()).toBe(clock.now().getTime() + ttlMs);
  });

  it('a requester known only by address gets `mail:<lower-cased address>`, in Russian, and later mail carries a fresh link too', async () => {
    const ticket = await notification.ticketCreated({ partnerId, email: 'Ivan@Client.example', language: 'ru' });
    const ack = await sink.nthMailTo('ivan@client.example');
    expect(ack.text).toContain('Вся переписка по обращению — на сайте поддержки:');
    expect(verify(siteTokenIn(ack.text))).toMatchObject({ ticketId: ticket.ticketId, requester: 'mail:ivan@client.example', language: 'ru' });

    // The sink has the mail before the sender records it sent; an hour on, its armed retry would
    // fire and send the acknowledgment again (at-least-once, docs/adr/0035).
    await waitFor('the acknowledgment recorded sent', async () =>
      (await notification.sut.query(`SELECT 1 FROM notification.mail_messages WHERE ticket_id = $1 AND status = 'sent'`, [ticket.ticketId])).length === 1,
    );
    clock.advanceMs(3_600_000);
    await notification.publish(TicketRespondedV1, ticket.ticketId, {
      partnerId,
      sequence: 2,
      messageId: randomUUID(),
      respondedAt: clock.now().toISOString(),
      authorId: 'agent-1',
      body: 'Обновите до 4.2.2.',
    });
    const reply = await sink.nthMailTo('ivan@client.example', 2);
    const grant = verify(siteTokenIn(reply.text));
    expect(grant).toMatchObject({ ticketId: ticket.ticketId, requester: 'mail:ivan@client.example' });
    expect(grant.expiresAt.getTime()).toBe(clock.now().getTime() + ttlMs); // minted when the reply was queued
    expect(reply.html).toContain(`href="https://help.tss.test/support/t/${siteTokenIn(reply.text)}"`);
  });
});
