import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { StaffCreatedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';

const DAY = 86_400_000;

// Issue #11: "An endpoint failing every attempt for 5 days is disabled, with webhook.endpoint_disabled and an e-mail to its owner."
describe('the disabled webhook endpoint’s owner is told by mail (issue #11), notification alone', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sink: SmtpSink;
  let notification: NotificationUnderTest;
  let receiver: Server;
  let receiverUrl: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = createServer((req, res) => {
      req.resume();
      res.writeHead(503).end('down');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    notification = await startNotification(clock, {
      MAIL_SMTP_HOST: '127.0.0.1',
      MAIL_SMTP_PORT: String(sink.port),
      MAIL_FROM: 'TSS Support <support@tss.test>',
      TSS_PUBLIC_URL: 'https://tss.example',
      WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await notification?.sut.stop();
    await sink?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const partnerToken = (partnerId: string) => notification.sut.token({ kind: 'partner', partner_id: partnerId, scope: 'webhooks:manage' });
  const subscribe = async (token: string, body: Record<string, unknown>) => {
    const response = await notification.sut.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: receiverUrl, eventTypes: ['ticket.*'], ...body });
    expect(response.status).toBe(201);
    return response.body as { id: string; contactEmail: string | null };
  };
  /** Failing for 5 days already: the next failed attempt disables it. */
  const failingFiveDays = (endpointId: string) =>
    notification.sut.query(`UPDATE notification.webhook_endpoints SET failing_since = $2 WHERE id = $1`, [endpointId, new Date(clock.now().getTime() - 5 * DAY - 1_000)]);
  const disabled = (endpointId: string) =>
    waitFor('the endpoint disabled', async () => {
      const [row] = await notification.sut.query<{ status: string }>(`SELECT status FROM notification.webhook_endpoints WHERE id = $1`, [endpointId]);
      return row?.status === 'disabled';
    });

  it('the contact address gets which endpoint, why, and how to enable it and replay what it missed', async () => {
    const partnerId = randomUUID();
    const endpoint = await subscribe(partnerToken(partnerId), { contactEmail: 'ops@partner.example', description: 'Ticket mirror' });
    expect(endpoint.contactEmail).toBe('ops@partner.example');
    await failingFiveDays(endpoint.id);
    await notification.ticketCreated({ partnerId });

    const mail = await sink.nthMailTo('ops@partner.example');
    expect(mail.subject).toBe(`TSS webhook endpoint disabled: ${receiverUrl}`);
    expect(mail.html).toContain('<html lang="en">'); // nobody's in the staff directory: English
    const since = new Date(clock.now().getTime() - 5 * DAY - 1_000).toISOString();
    expect(mail.text).toContain('Every delivery to your webhook endpoint failed for 5 days');
    expect(mail.text).toContain(`- Endpoint: ${endpoint.id}\n- URL: ${receiverUrl}\n- Description: Ticket mirror\n- Failing since: ${since}`);
    expect(mail.text).toContain('- Last failure: every attempt failed since');
    expect(mail.text).toContain(`- PATCH https://tss.example/v1/webhooks/endpoints/${endpoint.id} with {"enabled": true}`);
    expect(mail.text).toContain(`/replay with {"since": "${since}"}`);
    expect(mail.html).toContain(`href="https://tss.example/v1/webhooks/endpoints/${endpoint.id}/deliveries"`);
    const [event] = await notification.sut.query(`SELECT 1 FROM notification.outbox WHERE event_type = 'notification.webhook_endpoint_disabled' AND message_key = $1`, [endpoint.id]);
    expect(event).toBeDefined();
  });

  it('an admin’s endpoint without a contact address: the admin’s own address from the staff directory', async () => {
    const staffId = randomUUID();
    await notification.publish(StaffCreatedV1, staffId, { staffId, roles: ['admin'], email: 'admin@support.example', active: true, changedAt: clock.now().toISOString() });
    await waitFor('the admin in the staff directory', async () => (await notification.sut.query(`SELECT 1 FROM notification.staff_directory WHERE staff_id = $1`, [staffId])).length === 1);
    const admin = notification.sut.token({ kind: 'staff', client_id: staffId, roles: ['admin'] });
    const endpoint = await subscribe(admin, {});
    expect(endpoint.contactEmail).toBeNull();
    await failingFiveDays(endpoint.id);
    await notification.ticketCreated({ partnerId: randomUUID() });
    expect((await sink.nthMailTo('admin@support.example')).subject).toBe(`TSS webhook endpoint disabled: ${receiverUrl}`);
  });

  // A staff member's mail is in their language (docs/adr/0042, addendum of 2026-12-05, fourth session).
  it('an admin whose language is ru gets the mail in Russian, recorded as ru; a contact address that is a ru staff member\'s too', async () => {
    const staffId = randomUUID();
    await notification.publish(StaffCreatedV1, staffId, { staffId, roles: ['admin'], email: 'anna.admin@support.example', language: 'ru', active: true, changedAt: clock.now().toISOString() });
    await waitFor('the admin in the staff directory', async () => (await notification.sut.query(`SELECT 1 FROM notification.staff_directory WHERE staff_id = $1`, [staffId])).length === 1);
    const admin = notification.sut.token({ kind: 'staff', client_id: staffId, roles: ['admin'] });
    const own = await subscribe(admin, { description: 'Зеркало обращений' });
    await failingFiveDays(own.id);
    await notification.ticketCreated({ partnerId: randomUUID() });

    const mail = await sink.nthMailTo('anna.admin@support.example');
    expect(mail.subject).toBe(`TSS: приём веб-хуков отключён: ${receiverUrl}`);
    expect(mail.text).toContain('Все доставки на ваш адрес приёма веб-хуков в течение 5 дней заканчивались ошибкой');
    expect(mail.text).toContain(`- Адрес приёма: ${own.id}\n- URL: ${receiverUrl}\n- Описание: Зеркало обращений`);
    expect(mail.text).toContain(`- PATCH https://tss.example/v1/webhooks/endpoints/${own.id} с телом {"enabled": true}`);
    expect(mail.html).toContain('<html lang="ru">');
    expect(mail.text).not.toMatch(/Endpoint|Failing since|To enable it/);
    const [queued] = await notification.sut.query<{ language: string }>(`SELECT language FROM notification.mail_messages WHERE kind = 'webhook_endpoint_disabled' AND recipient = $1`, ['anna.admin@support.example']);
    expect(queued.language).toBe('ru');

    // A partner's endpoint whose contact address is that staff member's (any case): her language too.
    const partnerId = randomUUID();
    const contact = await subscribe(partnerToken(partnerId), { contactEmail: 'Anna.Admin@support.example' });
    await failingFiveDays(contact.id);
    await notification.ticketCreated({ partnerId });
    expect((await sink.nthMailTo('anna.admin@support.example', 2)).subject).toBe(`TSS: приём веб-хуков отключён: ${receiverUrl}`);
  });

  it('PATCH sets and removes the contact address; a partner endpoint without one is disabled with the event only', async () => {
    const partnerId = randomUUID();
    const token = partnerToken(partnerId);
    const endpoint = await subscribe(token, {});
    const patch = (body: Record<string, unknown>) => notification.sut.http().patch(`/v1/webhooks/endpoints/${endpoint.id}`).auth(token, { type: 'bearer' }).send(body);
    expect((await patch({ contactEmail: 'later@partner.example' })).body).toMatchObject({ contactEmail: 'later@partner.example' });
    expect((await patch({ contactEmail: 'not an address' })).status).toBe(400);
    expect((await patch({ contactEmail: null })).body).toMatchObject({ contactEmail: null });

    await failingFiveDays(endpoint.id);
    await notification.ticketCreated({ partnerId });
    await disabled(endpoint.id);
    // The mail would have been queued in the transaction that disabled it.
    const mails = await notification.sut.query(`SELECT recipient FROM notification.mail_messages WHERE kind = 'webhook_endpoint_disabled' AND partner_id = $1`, [partnerId]);
    expect(mails).toEqual([]);
  });
});
