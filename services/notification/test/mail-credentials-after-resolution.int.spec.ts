import { randomUUID } from 'node:crypto';
import { RatingRequestedV1, TicketCredentialsStoredAfterResolutionV1, TicketResolvedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

const DAY_MS = 24 * 3_600_000;

/**
 * P9: the requester is told to change access particulars when the ticket is resolved. An outside
 * test handed particulars over after the resolution: they were due with the resolution's and nobody
 * was told. Intake now publishes `ticket.credentials_stored_after_resolution`; notification tells
 * the requester by mail as it tells of those the resolution knew (docs/adr/0026, addendum of
 * 2026-12-05, second session).
 */
describe('P9: particulars handed over after resolution reach the requester by mail', () => {
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

  const mailsOf = (ticketId: string, kind: string) =>
    notification.sut.query<{ text_body: string; subject: string }>(`SELECT text_body, subject FROM notification.mail_messages WHERE ticket_id = $1 AND kind = $2`, [ticketId, kind]);
  const resolvedTicket = async (email: string, language: 'en' | 'ru') => {
    const { ticketId, reference } = await notification.ticketCreated({ partnerId, email, language });
    const at = clock.now();
    await notification.handled(
      await notification.publish(TicketResolvedV1, ticketId, { partnerId, sequence: 2, resolvedAt: at.toISOString(), reopenWindowEndsAt: new Date(at.getTime() + 14 * DAY_MS).toISOString(), credentialsHeld: false }),
    );
    return { ticketId, reference, destroyAfter: new Date(at.getTime() + 2 * DAY_MS) };
  };
  const ratingRequested = (ticketId: string) =>
    notification.publish(RatingRequestedV1, ticketId, { partnerId, surveyId: randomUUID(), rateUrl: `https://help.example/rate/${'a'.repeat(43)}`, expiresAt: clock.now().toISOString() });
  const storedAfterResolution = (ticketId: string, destroyAfter: Date) =>
    notification.publish(TicketCredentialsStoredAfterResolutionV1, ticketId, { partnerId, sequence: 3, credentialId: randomUUID(), destroyAfter: destroyAfter.toISOString() });

  it('after the resolved mail has gone: a mail of its own names the deadline (rounded up to the minute) and asks to change them, in the ticket’s language', async () => {
    const { ticketId, reference, destroyAfter } = await resolvedTicket('olga@client.example', 'ru');
    await ratingRequested(ticketId);
    await waitFor('the resolved mail', async () => (await mailsOf(ticketId, 'resolved')).length === 1);

    await notification.handled(await storedAfterResolution(ticketId, new Date(destroyAfter.getTime() - 30_000)));
    const [mail] = await mailsOf(ticketId, 'credentials_after_resolution');
    expect(mail.subject).toBe(`[${reference}] Смените данные для доступа: Reader crashes on opening EPUB`);
    expect(mail.text_body).toContain(`Данные для доступа по обращению ${reference} переданы после его решения. Они будут уничтожены не позднее 2026-03-04 09:00 UTC. Пожалуйста, смените эти пароли сейчас.`);
  });

  it('before the resolved mail has gone (it waits for the rating link): the resolved mail tells them, and no second mail goes', async () => {
    const { ticketId, destroyAfter } = await resolvedTicket('paul@client.example', 'en');
    await notification.handled(await storedAfterResolution(ticketId, destroyAfter));
    await ratingRequested(ticketId);
    const [resolved] = await waitFor('the resolved mail', async () => {
      const rows = await mailsOf(ticketId, 'resolved');
      return rows.length === 1 && rows;
    });
    expect(resolved.text_body).toContain('You gave us access particulars for this request: please change that password now.');
    expect(await mailsOf(ticketId, 'credentials_after_resolution')).toEqual([]);
  });
});
