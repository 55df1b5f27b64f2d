import { randomBytes, randomUUID } from 'node:crypto';
import { generateReference, PartnerCreatedV1, PartnerUpdatedV1 } from '@tss/contracts';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

const SECRET = 'inbound-secret-0123456789';

const rawMail = (from: string, messageId: string, subject: string, text: string): Buffer =>
  Buffer.from([`From: ${from}`, 'To: support@tss.test', `Subject: ${subject}`, `Message-ID: ${messageId}`, 'Content-Type: text/plain; charset=utf-8', '', text, ''].join('\r\n'));

type EmailReceived = { partnerId: string; ticketId?: string; messageId: string; from: string; fromName?: string; text: string; receivedAt: string; attachmentPointers: unknown[]; ownText?: boolean };

// docs/adr/0067: agents release quarantined mail, which then goes the way an accepted mail goes.
describe('releasing quarantined mail (POST /v1/inbound/quarantine/{id}/release)', () => {
  const clock = new TestClock('2026-12-04T09:00:00.000Z');
  const partnerId = randomUUID();
  let notification: NotificationUnderTest;

  beforeAll(async () => {
    notification = await startNotification(clock, { MAIL_FROM: 'TSS Support <support@tss.test>', MAIL_INBOUND_SECRET: SECRET });
    await notification.handled(await notification.publish(PartnerCreatedV1, partnerId, { partnerId, name: 'Acme', active: true, changedAt: clock.now().toISOString() }));
  });
  afterAll(async () => {
    await notification?.sut.stop();
  });

  const agent = () => notification.sut.token({ kind: 'staff', client_id: 'sc_agent_mia', roles: ['agent'] });
  const release = (inboundId: string, body: Record<string, unknown>, token = agent()) =>
    notification.sut.http().post(`/v1/inbound/quarantine/${inboundId}/release`).auth(token, { type: 'bearer' }).send(body);
  /** A mail from a gmail.com client: no partner's domain, so quarantined. */
  const quarantine = async (text = 'Our reader shows a blank page since this morning.') => {
    const messageId = `<q-${randomUUID()}@gmail.com>`;
    const response = await notification.sut
      .http()
      .post('/v1/inbound/email')
      .set('content-type', 'message/rfc822')
      .set('x-tss-inbound-secret', SECRET)
      .send(rawMail('Client <client.of.acme@gmail.com>', messageId, 'Blank page', text));
    expect(response.body).toMatchObject({ outcome: 'quarantined', reason: 'unknown sender domain gmail.com' });
    return { inboundId: (response.body as { inboundId: string }).inboundId, messageId };
  };
  const forwarded = async (messageId: string) =>
    (
      await notification.sut.query<{ message_key: string; event: { data: EmailReceived } }>(
        `SELECT message_key, event FROM notification.outbox WHERE event_type = 'notification.email_received' AND event->'data'->>'messageId' = $1`,
        [messageId],
      )
    ).map((r) => ({ key: r.message_key, data: r.event.data }));
  const row = async (inboundId: string) =>
    (
      await notification.sut.query<{ outcome: string; ticket_id: string | null; partner_id: string | null; released_by: string | null; released_at: Date | null }>(
        `SELECT outcome, ticket_id, partner_id, released_by, released_at FROM notification.inbound_messages WHERE id = $1`,
        [inboundId],
      )
    )[0];
  /** ticket.created is handled asynchronously: the release needs notification to know the ticket. */
  const knownTicket = async (input: Parameters<NotificationUnderTest['ticketCreated']>[0]) => {
    const ticket = await notification.ticketCreated(input);
    await waitFor('notification knows the ticket', async () => (await notification.sut.query(`SELECT 1 FROM notification.acknowledgments WHERE ticket_id = $1`, [ticket.ticketId])).length === 1);
    return ticket;
  };
  const listed = async () =>
    ((await notification.sut.http().get('/v1/inbound/quarantine').auth(agent(), { type: 'bearer' })).body as { items: { inboundId: string }[] }).items.map((m) => m.inboundId);

  it('an agent files a quarantined mail for a partner: notification.email_received goes to intake, the release is recorded, the mail leaves the quarantine', async () => {
    const mail = await quarantine();
    expect(await listed()).toContain(mail.inboundId);
    const view = (await notification.sut.http().get('/v1/inbound/quarantine').auth(agent(), { type: 'bearer' })).body as { items: { inboundId: string; fromName?: string }[] };
    expect(view.items.find((m) => m.inboundId === mail.inboundId)).toMatchObject({ from: 'client.of.acme@gmail.com', fromName: 'Client' });
    const response = await release(mail.inboundId, { partnerId });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ inboundId: mail.inboundId, outcome: 'new_ticket', partnerId, releasedBy: 'sc_agent_mia', releasedAt: clock.now().toISOString() });

    const [event] = await forwarded(mail.messageId);
    expect(event.key).toBe(mail.inboundId);
    // The From name is kept with the quarantined copy, so the ticket filed on release knows whom it is for.
    expect(event.data).toMatchObject({ partnerId, messageId: mail.messageId, from: 'client.of.acme@gmail.com', fromName: 'Client', text: 'Our reader shows a blank page since this morning.', attachmentPointers: [] });
    expect(event.data.ticketId).toBeUndefined();
    expect(await row(mail.inboundId)).toMatchObject({ outcome: 'new_ticket', partner_id: partnerId, ticket_id: null, released_by: 'sc_agent_mia', released_at: clock.now() });
    expect(await listed()).not.toContain(mail.inboundId);
  });

  // docs/adr/0035, addendum of 2026-12-05, sixth session: a mail that files a ticket says whether it has words of its own.
  it('P2: a released mail that files a ticket says whether it has words of its own: a signature alone has none', async () => {
    const signature = await quarantine('Sent from my iPhone');
    expect((await release(signature.inboundId, { partnerId })).status).toBe(202);
    expect((await forwarded(signature.messageId))[0].data).toMatchObject({ text: 'Sent from my iPhone', ownText: false });
    const words = await quarantine();
    expect((await release(words.inboundId, { partnerId })).status).toBe(202);
    expect((await forwarded(words.messageId))[0].data).toMatchObject({ ownText: true });
  });

  it('P9: a From name that reads as access particulars is neither kept nor passed on when the mail is released', async () => {
    const messageId = `<q-${randomUUID()}@gmail.com>`;
    const received = await notification.sut
      .http()
      .post('/v1/inbound/email')
      .set('content-type', 'message/rfc822')
      .set('x-tss-inbound-secret', SECRET)
      .send(rawMail('"password: hunter2" <client.of.acme@gmail.com>', messageId, 'Blank page', 'Our reader shows a blank page.'));
    const inboundId = (received.body as { inboundId: string }).inboundId;
    expect(received.body).toMatchObject({ outcome: 'quarantined' });
    const [kept] = await notification.sut.query<{ sender_name: string | null }>(`SELECT sender_name FROM notification.inbound_messages WHERE id = $1`, [inboundId]);
    expect(kept.sender_name).toBeNull();
    expect((await release(inboundId, { partnerId })).status).toBe(202);
    const [event] = await forwarded(messageId);
    expect(event.data.fromName).toBeUndefined();
    expect(JSON.stringify(event.data)).not.toContain('hunter2');
  });

  it('a second release (a retry, another agent) is a 409 problem naming the first, and forwards nothing again', async () => {
    const mail = await quarantine();
    expect((await release(mail.inboundId, { partnerId })).status).toBe(202);
    const ticketId = randomUUID();
    for (const body of [{ partnerId }, { ticketId }]) {
      const again = await release(mail.inboundId, body, notification.sut.token({ kind: 'staff', client_id: 'sc_lead', roles: ['team_lead'] }));
      expect(again.status).toBe(409);
      expect(again.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect((again.body as { detail: string }).detail).toContain(`released already, by sc_agent_mia`);
    }
    expect(await forwarded(mail.messageId)).toHaveLength(1);
  });

  it('two agents releasing the same mail at the same moment: one 202, one 409, one mail forwarded', async () => {
    const mail = await quarantine();
    const lead = notification.sut.token({ kind: 'staff', client_id: 'sc_lead', roles: ['team_lead'] });
    const answers = await Promise.all([release(mail.inboundId, { partnerId }), release(mail.inboundId, { partnerId }, lead)]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    expect(await forwarded(mail.messageId)).toHaveLength(1);
  });

  it('an agent threads a quarantined mail onto a ticket: the event names the ticket and is keyed by it', async () => {
    const ticket = await knownTicket({ partnerId, email: 'ann@acme.example' });
    const mail = await quarantine('More details: it happens on every EPUB.');
    const response = await release(mail.inboundId, { ticketId: ticket.ticketId });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ outcome: 'threaded', partnerId, ticketId: ticket.ticketId });
    const [event] = await forwarded(mail.messageId);
    expect(event).toMatchObject({ key: ticket.ticketId, data: { partnerId, ticketId: ticket.ticketId } });
    expect(await row(mail.inboundId)).toMatchObject({ outcome: 'threaded', ticket_id: ticket.ticketId, partner_id: partnerId });
  });

  // Every other ticket route takes the reference number agents see (P3) as well as the id.
  it('an agent threads a quarantined mail onto a ticket named by its reference number, as typed (any case, dashes optional)', async () => {
    const reference = generateReference((n) => randomBytes(n));
    const ticket = await knownTicket({ partnerId, email: 'ann@acme.example', reference });
    const mail = await quarantine('Same problem on the second reader.');
    const response = await release(mail.inboundId, { ticketId: reference.toLowerCase().replace(/-/g, '') });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ outcome: 'threaded', partnerId, ticketId: ticket.ticketId });
    expect(await forwarded(mail.messageId)).toEqual([expect.objectContaining({ key: ticket.ticketId })]);
  });

  it('a 400 for naming neither or both targets, or a ticket that is neither an id nor a reference, lists its errors and errorCount like every validation problem', async () => {
    const mail = await quarantine();
    for (const [body, pointer] of [
      [{}, '/'],
      [{ partnerId, ticketId: randomUUID() }, '/'],
      [{ ticketId: 'TSS-NOT-A-REF' }, '/ticketId'],
    ] as const) {
      const response = await release(mail.inboundId, body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.body).toMatchObject({ errorCount: 1, errors: [expect.objectContaining({ in: 'body', pointer })] });
    }
    expect(await row(mail.inboundId)).toMatchObject({ outcome: 'quarantined', released_by: null });
  });

  it('bad input is a problem that changes nothing: neither or both targets 400, an unknown partner or ticket 422, an unknown mail 404, a partner token 403', async () => {
    const mail = await quarantine();
    const cases: [Record<string, unknown>, number, string?][] = [
      [{}, 400],
      [{ partnerId, ticketId: randomUUID() }, 400],
      [{ partnerId: 'not-a-uuid' }, 400],
      [{ partnerId, note: 'x' }, 400],
      [{ partnerId: randomUUID() }, 422, '/partnerId'],
      [{ ticketId: randomUUID() }, 422, '/ticketId'],
    ];
    for (const [body, status, pointer] of cases) {
      const response = await release(mail.inboundId, body);
      expect({ body, status: response.status }).toEqual({ body, status });
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      if (pointer) expect((response.body as { errors: { pointer: string }[] }).errors).toEqual([expect.objectContaining({ pointer })]);
    }
    expect((await release(randomUUID(), { partnerId })).status).toBe(404);
    expect((await release(mail.inboundId, { partnerId }, notification.sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:write' }))).status).toBe(403);
    expect(await row(mail.inboundId)).toMatchObject({ outcome: 'quarantined', released_by: null });
    expect(await forwarded(mail.messageId)).toHaveLength(0);
  });

  it('a deactivated partner takes no released mail, whether named or the partner of the ticket named (422)', async () => {
    const gone = randomUUID();
    await notification.handled(await notification.publish(PartnerCreatedV1, gone, { partnerId: gone, name: 'Gone', active: true, changedAt: clock.now().toISOString() }));
    const ticket = await notification.ticketCreated({ partnerId: gone, email: 'bob@gone.example' });
    await notification.handled(await notification.publish(PartnerUpdatedV1, gone, { partnerId: gone, name: 'Gone', active: false, changedAt: new Date(clock.now().getTime() + 1_000).toISOString() }));
    const mail = await quarantine();
    expect((await release(mail.inboundId, { partnerId: gone })).status).toBe(422);
    expect((await release(mail.inboundId, { ticketId: ticket.ticketId })).status).toBe(422);
    expect(await forwarded(mail.messageId)).toHaveLength(0);
  });

  // An outside test: a quarantined mail holding a rating link and a support-site link showed both in
  // full to staff (docs/adr/0040: those links are the requester's credentials).
  it('the quarantine view withholds rating and support-site link credentials, as the outbox does', async () => {
    const rate = 'http://localhost:3000/rate/rt_Secret-Token_0123456789abcdef';
    const site = 'http://localhost:3000/support/t/v1.eyJzdWIiOiJ0In0.c2lnbmF0dXJl';
    const mail = await quarantine(`Here is the link I got: ${rate} and ${site}\nThanks`);
    const response = await notification.sut.http().get('/v1/inbound/quarantine').auth(agent(), { type: 'bearer' });
    const item = (response.body as { items: { inboundId: string; text: string; subject: string }[] }).items.find((m) => m.inboundId === mail.inboundId)!;
    expect(item.text).toBe('Here is the link I got: http://localhost:3000/rate/[withheld] and http://localhost:3000/support/t/[withheld]\nThanks');
    expect(JSON.stringify(response.body)).not.toContain('rt_Secret-Token');
  });

  it('the OpenAPI document lists the route and every status it answers', async () => {
    const document = (await notification.sut.http().get('/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(document.paths['/v1/inbound/quarantine/{inboundId}/release'].post.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '403', '404', '409', '422']));
  });
});
