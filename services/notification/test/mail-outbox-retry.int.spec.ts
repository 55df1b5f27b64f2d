import { randomUUID } from 'node:crypto';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

type MailRow = { id: string; kind: string; status: string; attempts: number };

/**
 * Mail an earlier release failed for a refusal of our login ("535 bad password", docs/adr/0035,
 * addendum of 2026-12-05, seventh session) or any other failed mail: an admin sends it again, as a
 * help desk lets an operator resend failed mail, with a fresh round of attempts.
 */
describe('POST /v1/mail/outbox/{id}/retry: an admin sends a failed mail again', () => {
  const clock = new TestClock('2026-12-05T16:00:00.000Z');
  const partnerId = randomUUID();
  let sink: SmtpSink;
  let notification: NotificationUnderTest;

  beforeAll(async () => {
    sink = await startSmtpSink();
    notification = await startNotification(clock, { MAIL_SMTP_HOST: '127.0.0.1', MAIL_SMTP_PORT: String(sink.port), MAIL_FROM: 'TSS Support <support@tss.test>' });
  });
  afterAll(async () => {
    await notification?.sut.stop();
    await sink?.close();
  });

  const admin = () => notification.sut.token({ kind: 'staff', client_id: 'sc_admin_ada', roles: ['admin'] });
  const retry = (id: string, token = admin()) => notification.sut.http().post(`/v1/mail/outbox/${id}/retry`).auth(token, { type: 'bearer' });
  const mailsOf = (ticketId: string) => notification.sut.query<MailRow>(`SELECT id, kind, status, attempts FROM notification.mail_messages WHERE ticket_id = $1`, [ticketId]);
  const eventsOf = (type: string, ticketId: string) => notification.sut.query(`SELECT 1 FROM notification.outbox WHERE event_type = $1 AND message_key = $2`, [type, ticketId]);

  /** An acknowledgment sent, then put back as an earlier release left it: failed for good, nothing armed to send it. */
  const failedAsBefore = async (email: string, row: { attempts: number; lastError: string }) => {
    const { ticketId } = await notification.ticketCreated({ partnerId, email });
    await sink.nthMailTo(email);
    const [mail] = await waitFor('the acknowledgment recorded', async () => {
      const rows = await mailsOf(ticketId);
      return rows.length === 1 && rows[0].status === 'sent' && rows;
    });
    await notification.sut.query(`UPDATE notification.mail_messages SET status = 'failed', sent_at = NULL, failed_at = $2, attempts = $3, last_error = $4 WHERE id = $1`, [
      mail.id,
      clock.now(),
      row.attempts,
      row.lastError,
    ]);
    await notification.sut.query(`DELETE FROM notification.outbox WHERE event_type = 'notification.acknowledgment_sent' AND message_key = $1`, [ticketId]);
    return { ticketId, mailId: mail.id };
  };

  it('a mail failed for "535 bad password" by an earlier release: 202, pending, and it arrives (again, to this sink) with its acknowledgment_sent', async () => {
    const { ticketId, mailId } = await failedAsBefore('before@client.example', { attempts: 1, lastError: '535 bad password' });
    const response = await retry(mailId);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ id: mailId, status: 'pending', attempts: 1, lastError: '535 bad password', resentBy: 'sc_admin_ada', resentAt: clock.now().toISOString() });
    await sink.nthMailTo('before@client.example', 2);
    await waitFor('the mail recorded sent', async () => (await mailsOf(ticketId))[0].status === 'sent');
    expect(await eventsOf('notification.acknowledgment_sent', ticketId)).toHaveLength(1);
    const listed = await notification.sut.http().get(`/v1/mail/outbox?ticketId=${ticketId}`).auth(admin(), { type: 'bearer' });
    expect(listed.body.items).toEqual([expect.objectContaining({ id: mailId, status: 'sent', attempts: 2, resentBy: 'sc_admin_ada' })]);
  });

  it('a mail whose 8 attempts were spent gets a fresh round: it is sent, not given up again at once', async () => {
    const { ticketId, mailId } = await failedAsBefore('spent@client.example', { attempts: 8, lastError: 'gave up after 8 attempts: 421 busy' });
    expect((await retry(mailId)).status).toBe(202);
    await sink.nthMailTo('spent@client.example', 2);
    await waitFor('the mail recorded sent', async () => (await mailsOf(ticketId))[0].status === 'sent');
    expect((await mailsOf(ticketId))[0]).toMatchObject({ status: 'sent', attempts: 9 });
  });

  it('only a failed mail: a sent or pending one is a 409, an unknown one a 404, and nothing changes', async () => {
    const { ticketId } = await notification.ticketCreated({ partnerId, email: 'sent@client.example' });
    await sink.nthMailTo('sent@client.example');
    const [sent] = await waitFor('the acknowledgment recorded', async () => {
      const rows = await mailsOf(ticketId);
      return rows.length === 1 && rows[0].status === 'sent' && rows;
    });
    const conflict = await retry(sent.id);
    expect([conflict.status, conflict.headers['content-type'], conflict.body.type]).toEqual([409, expect.stringContaining(PROBLEM_CONTENT_TYPE), 'https://tss.dev/problems/conflict']);
    expect(conflict.body.detail).toContain('sent');
    const missing = await retry(randomUUID());
    expect([missing.status, missing.body.type]).toEqual([404, 'https://tss.dev/problems/not-found']);
    expect(sink.mailsTo('sent@client.example')).toHaveLength(1);
    expect((await mailsOf(ticketId))[0]).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('admins only: an agent, a team lead or a partner is a 403 that changes nothing', async () => {
    const { mailId } = await failedAsBefore('forbidden@client.example', { attempts: 1, lastError: '535 bad password' });
    for (const token of [
      notification.sut.token({ kind: 'staff', client_id: 'sc_agent', roles: ['agent'] }),
      notification.sut.token({ kind: 'staff', client_id: 'sc_lead', roles: ['team_lead'] }),
      notification.sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:write' }),
    ]) {
      expect((await retry(mailId, token)).status).toBe(403);
    }
    const [row] = await notification.sut.query<MailRow>(`SELECT status FROM notification.mail_messages WHERE id = $1`, [mailId]);
    expect(row.status).toBe('failed');
  });
});
