import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { EscalationAcknowledgedV1, EscalationRaisedV1, EscalationReferralRequestedV1, PartnerCreatedV1, TicketReferralAppliedV1, TicketReferralRejectedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

// docs/escalation.md: escalations are staff-only; a partner token gets 403 on /v1/escalations*.
// Its webhooks must not carry them either: targetStaffIds, rule, quote, an agent's reason.
describe('escalation events are staff-only: no partner endpoint subscribes to or receives them, notification alone', () => {
  const clock = new TestClock('2026-12-04T09:00:00.000Z');
  let notification: NotificationUnderTest;
  let receiver: Server;
  let receiverUrl: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    notification = await startNotification(clock, { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
  });
  afterAll(async () => {
    await notification?.sut.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const partnerToken = (partnerId: string) => notification.sut.token({ kind: 'partner', partner_id: partnerId, scope: 'webhooks:manage' });
  const adminToken = () => notification.sut.token({ kind: 'staff', client_id: randomUUID(), roles: ['admin'] });
  const subscribe = (token: string, body: Record<string, unknown>) =>
    notification.sut.http().post('/v1/webhooks/endpoints').auth(token, { type: 'bearer' }).send({ url: receiverUrl, ...body });
  const subscribed = async (token: string, body: Record<string, unknown>) => {
    const response = await subscribe(token, body);
    expect(response.status).toBe(201);
    return response.body as { id: string };
  };
  /** A partner the gateway registered: an admin names only those (docs/adr/0034, addendum of 2026-12-04, third session). */
  const registeredPartner = async () => {
    const partnerId = randomUUID();
    await notification.handled(await notification.publish(PartnerCreatedV1, partnerId, { partnerId, name: 'Acme', active: true, changedAt: clock.now().toISOString() }));
    return partnerId;
  };
  const deliveredTypes = async (endpointId: string) =>
    (
      await notification.sut.query<{ event_type: string }>(`SELECT event_type FROM notification.webhook_deliveries WHERE endpoint_id = $1 ORDER BY event_type`, [endpointId])
    ).map((r) => r.event_type);

  it('a partner naming escalation.* or an escalation event type gets a 400 problem saying they are staff-only; on PATCH too; an admin endpoint for one partner likewise', async () => {
    const partnerId = await registeredPartner();
    const token = partnerToken(partnerId);

    const wildcard = await subscribe(token, { eventTypes: ['ticket.*', 'escalation.*'] });
    expect(wildcard.status).toBe(400);
    expect(wildcard.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(wildcard.body.detail).toMatch(/escalation events are staff-only/);
    expect(wildcard.body.errors).toEqual([expect.objectContaining({ pointer: '/eventTypes/1', message: expect.stringMatching(/staff-only/) })]);
    expect(wildcard.body.type).toBe('https://tss.dev/problems/validation');

    const oneType = await subscribe(token, { eventTypes: ['escalation.raised'] });
    expect(oneType.status).toBe(400);
    expect(oneType.body.errors).toEqual([expect.objectContaining({ pointer: '/eventTypes/0', message: expect.stringMatching(/staff-only/) })]);

    const endpoint = await subscribed(token, { eventTypes: ['*'] });
    const patched = await notification.sut.http().patch(`/v1/webhooks/endpoints/${endpoint.id}`).auth(token, { type: 'bearer' }).send({ eventTypes: ['escalation.referral_requested'] });
    expect(patched.status).toBe(400);
    expect(patched.body.detail).toMatch(/staff-only/);
    const [row] = await notification.sut.query<{ event_types: string[] }>(`SELECT event_types FROM notification.webhook_endpoints WHERE id = $1`, [endpoint.id]);
    expect(row.event_types).toEqual(['*']);

    // An admin's endpoint limited to one partner is that partner's feed: the same rule.
    const forPartner = await subscribe(adminToken(), { eventTypes: ['escalation.*'], partnerId });
    expect(forPartner.status).toBe(400);
    expect(forPartner.body.detail).toMatch(/staff-only/);
    // An internal system on every partner's events: unchanged.
    await subscribed(adminToken(), { eventTypes: ['escalation.*'] });
  });

  it('no escalation delivery is queued for a partner endpoint subscribed to *, one created earlier with escalation filters, or an admin endpoint for that partner; the staff endpoint gets them', async () => {
    const partnerId = await registeredPartner();
    const everything = await subscribed(partnerToken(partnerId), { eventTypes: ['*'] });
    const older = await subscribed(partnerToken(partnerId), { eventTypes: ['ticket.*'] });
    // As stored before the rule: a partner endpoint whose filters name escalations.
    await notification.sut.query(`UPDATE notification.webhook_endpoints SET event_types = $2 WHERE id = $1`, [older.id, ['ticket.*', 'escalation.*', 'escalation.raised']]);
    const adminForPartner = await subscribed(adminToken(), { eventTypes: ['*'], partnerId });
    const staff = await subscribed(adminToken(), { eventTypes: ['*'] });

    const { ticketId } = await notification.ticketCreated({ partnerId });
    const escalationId = randomUUID();
    const now = clock.now().toISOString();
    const escalations = [
      await notification.publish(EscalationRaisedV1, ticketId, {
        partnerId,
        escalationId,
        kind: 'team_leader',
        targetRole: 'team_lead',
        targetStaffIds: ['sc_internal'],
        raisedAt: now,
        rule: 'team-leader-request',
        quote: 'Let me talk to your boss',
      }),
      await notification.publish(EscalationAcknowledgedV1, ticketId, { partnerId, escalationId, acknowledgedBy: 'sc_internal', acknowledgedAt: now }),
      await notification.publish(EscalationReferralRequestedV1, ticketId, { partnerId, referralId: randomUUID(), requestedBy: 'sc_internal', reason: 'Needs a code fix', requestedAt: now }),
    ];
    for (const id of escalations) await notification.handled(id);
    await waitFor('the staff endpoint’s four deliveries', async () => (await deliveredTypes(staff.id)).length === 4);

    expect(await deliveredTypes(everything.id)).toEqual(['ticket.created']);
    expect(await deliveredTypes(older.id)).toEqual(['ticket.created']);
    expect(await deliveredTypes(adminForPartner.id)).toEqual(['ticket.created']);
    expect(await deliveredTypes(staff.id)).toEqual(['escalation.acknowledged', 'escalation.raised', 'escalation.referral_requested', 'ticket.created']);

    // A replay re-matches the recorded events: still none for the partner's endpoint.
    const replayed = await notification.sut
      .http()
      .post(`/v1/webhooks/endpoints/${everything.id}/replay`)
      .auth(partnerToken(partnerId), { type: 'bearer' })
      .send({ since: new Date(clock.now().getTime() - 60_000).toISOString() });
    expect(replayed.status).toBe(202);
    expect(replayed.body).toEqual({ queued: 1 });
    expect(await deliveredTypes(everything.id)).toEqual(['ticket.created', 'ticket.created']);
  });

  // docs/adr/0039, addendum of 2026-12-05: a referral's application or refusal is internal on the
  // ticket's history, so not on a partner's webhooks either.
  it('ticket.referral_applied and ticket.referral_rejected: a partner cannot name them (400) and its ticket.* and * do not get them; the staff endpoint does', async () => {
    const partnerId = await registeredPartner();
    const token = partnerToken(partnerId);
    const named = await subscribe(token, { eventTypes: ['ticket.created', 'ticket.referral_applied'] });
    expect(named.status).toBe(400);
    expect(named.body.errors).toEqual([expect.objectContaining({ pointer: '/eventTypes/1', message: expect.stringMatching(/staff-only/) })]);
    const forPartner = await subscribe(adminToken(), { eventTypes: ['ticket.referral_rejected'], partnerId });
    expect(forPartner.status).toBe(400);

    const wildcard = await subscribed(token, { eventTypes: ['ticket.*'] });
    const everything = await subscribed(token, { eventTypes: ['*'] });
    const staff = await subscribed(adminToken(), { eventTypes: ['ticket.*'] });
    const { ticketId } = await notification.ticketCreated({ partnerId });
    const now = clock.now().toISOString();
    await notification.handled(await notification.publish(TicketReferralAppliedV1, ticketId, { partnerId, sequence: 2, referralId: randomUUID(), target: 'quality', appliedAt: now }));
    await notification.handled(await notification.publish(TicketReferralRejectedV1, ticketId, { partnerId, sequence: 3, referralId: randomUUID(), reason: 'The ticket is closed.' }));
    await waitFor('the staff endpoint’s three deliveries', async () => (await deliveredTypes(staff.id)).length === 3);

    expect(await deliveredTypes(staff.id)).toEqual(['ticket.created', 'ticket.referral_applied', 'ticket.referral_rejected']);
    expect(await deliveredTypes(wildcard.id)).toEqual(['ticket.created']);
    expect(await deliveredTypes(everything.id)).toEqual(['ticket.created']);
  });
});
