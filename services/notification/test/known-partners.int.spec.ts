import { randomUUID } from 'node:crypto';
import { PartnerCreatedV1, PartnerUpdatedV1 } from '@tss/contracts';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { KnownPartners1765500340000 } from '../src/store/migrations/1765500340000-known-partners';
import { startNotification, type NotificationUnderTest } from './support/notification-under-test';

type Answer = { status: number; headers: Record<string, string>; body: { detail?: string; errors?: { pointer: string; message: string }[] } };

// docs/adr/0034 and 0035, addenda of 2026-12-04 (third session): the partner an admin names on
// `POST /v1/webhooks/endpoints` and `PUT /v1/inbound/partner-domains/{domain}` is one the gateway
// registered (its `partner.*` events), or the call is a 422 that changes nothing.
describe('notification knows the partners the gateway registered: admins name only those', () => {
  const clock = new TestClock('2026-12-04T09:00:00.000Z');
  let notification: NotificationUnderTest;

  beforeAll(async () => {
    notification = await startNotification(clock, { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
  });
  afterAll(async () => {
    await notification?.sut.stop();
  });

  const admin = () => notification.sut.token({ kind: 'staff', client_id: 'sc_admin', roles: ['admin'] });
  const subscribe = (partnerId: string) =>
    notification.sut.http().post('/v1/webhooks/endpoints').auth(admin(), { type: 'bearer' }).send({ url: 'http://127.0.0.1:9/hook', eventTypes: ['ticket.*'], partnerId });
  const mapDomain = (domain: string, partnerId: string) => notification.sut.http().put(`/v1/inbound/partner-domains/${domain}`).auth(admin(), { type: 'bearer' }).send({ partnerId });
  const partnerOfDomain = async (domain: string) =>
    (await notification.sut.query<{ partner_id: string }>(`SELECT partner_id FROM notification.partner_mail_domains WHERE domain = $1`, [domain]))[0]?.partner_id;
  const endpointsOf = async (partnerId: string) => (await notification.sut.query(`SELECT 1 FROM notification.webhook_endpoints WHERE partner_id = $1`, [partnerId])).length;
  const minutesFromNow = (minutes: number) => new Date(clock.now().getTime() + minutes * 60_000).toISOString();
  /** The gateway's event, handled by notification before this resolves. */
  const gateway = async (contract: typeof PartnerCreatedV1 | typeof PartnerUpdatedV1, partnerId: string, active: boolean, changedAt: string) =>
    notification.handled(await notification.publish(contract, partnerId, { partnerId, name: 'Acme', active, changedAt }));
  const expectUnknownPartner = (response: Answer, partnerId: string) => {
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.detail).toBe(`No active partner ${partnerId} is known. Name a registered partner. One registered a moment ago is known within seconds; a registered partner that stays unknown (its announcement was missed, as by an older release after a rollback) is announced again by an admin's PATCH /v1/partners/${partnerId} with its current name, then retry.`);
    expect(response.body.errors).toEqual([expect.objectContaining({ pointer: '/partnerId' })]);
  };

  const expectInactivePartner = (response: Answer, partnerId: string) => {
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.detail).toBe(`Partner ${partnerId} is deactivated; an admin can reactivate it with PATCH /v1/partners/${partnerId} {"active":true}.`);
    expect(response.body.errors).toEqual([expect.objectContaining({ pointer: '/partnerId', message: response.body.detail })]);
  };

  it('a partner no gateway event named: an admin endpoint for it and a mail domain given to it are 422 problems naming /partnerId, and nothing is stored', async () => {
    const ghost = randomUUID();
    expectUnknownPartner(await subscribe(ghost), ghost);
    expect(await endpointsOf(ghost)).toBe(0);
    expectUnknownPartner(await mapDomain('ghost.example', ghost), ghost);
    expect(await partnerOfDomain('ghost.example')).toBeUndefined();
    // A partner's own endpoint needs no event: its token is the gateway's word.
    const own = await notification.sut.http().post('/v1/webhooks/endpoints').auth(notification.sut.token({ kind: 'partner', partner_id: ghost, scope: 'webhooks:manage' }), { type: 'bearer' }).send({ url: 'http://127.0.0.1:9/own', eventTypes: ['ticket.*'] });
    expect(own.status).toBe(201);
  });

  it('a registered partner is named; once deactivated it is refused as deactivated, not unknown (its endpoints and domains stay); reactivated, named again', async () => {
    const partnerId = randomUUID();
    await gateway(PartnerCreatedV1, partnerId, true, minutesFromNow(0));
    expect((await subscribe(partnerId)).status).toBe(201);
    const mapped = await mapDomain('Acme-Books.example', partnerId);
    expect(mapped.status).toBe(200);
    expect(mapped.body).toEqual({ domain: 'acme-books.example', partnerId, addedAt: clock.now().toISOString() });

    await gateway(PartnerUpdatedV1, partnerId, false, minutesFromNow(1));
    expectInactivePartner(await subscribe(partnerId), partnerId);
    expect(await endpointsOf(partnerId)).toBe(1);
    expectInactivePartner(await mapDomain('acme-books-2.example', partnerId), partnerId);
    expect(await partnerOfDomain('acme-books-2.example')).toBeUndefined();
    // Moving a domain to a partner not known leaves it with the one it had.
    const ghost = randomUUID();
    expectUnknownPartner(await mapDomain('acme-books.example', ghost), ghost);
    expect(await partnerOfDomain('acme-books.example')).toBe(partnerId);

    await gateway(PartnerUpdatedV1, partnerId, true, minutesFromNow(2));
    expect((await subscribe(partnerId)).status).toBe(201);
  });

  it('events out of order: a deactivation handled before the older partner.created leaves the partner inactive; a redelivery changes nothing', async () => {
    const partnerId = randomUUID();
    await gateway(PartnerUpdatedV1, partnerId, false, minutesFromNow(5));
    await gateway(PartnerCreatedV1, partnerId, true, minutesFromNow(4));
    expectInactivePartner(await subscribe(partnerId), partnerId);
    expectInactivePartner(await mapDomain('late.example', partnerId), partnerId);
    await gateway(PartnerUpdatedV1, partnerId, false, minutesFromNow(5));
    expect(await notification.sut.query(`SELECT active FROM notification.partners WHERE id = $1`, [partnerId])).toEqual([{ active: false }]);
  });

  it('the OpenAPI document lists the 422 (DESIGN "Edge input")', async () => {
    const document = (await notification.sut.http().get('/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(document.paths['/v1/webhooks/endpoints'].post.responses)).toContain('422');
    expect(Object.keys(document.paths['/v1/inbound/partner-domains/{domain}'].put.responses)).toContain('422');
  });

  it('migration 1765500340000: partners notification held data for before it are known; any event of the gateway about them wins', async () => {
    const [acknowledged, domainOwner, endpointOwner, deactivated] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const at = clock.now();
    const acknowledgment = (partnerId: string) =>
      notification.sut.query(
        `INSERT INTO notification.acknowledgments (ticket_id, partner_id, reference, channel, delivery, body, recorded_at) VALUES ($1, $2, $3, 'api', 'none', '', $4)`,
        [randomUUID(), partnerId, `TSS-M${partnerId.slice(0, 4)}-ABCDE`, at],
      );
    await acknowledgment(acknowledged);
    await acknowledgment(deactivated);
    await notification.sut.query(`INSERT INTO notification.partner_mail_domains (domain, partner_id, added_by, added_at) VALUES ('seeded.example', $1, 'test', $2)`, [domainOwner, at]);
    await notification.sut.query(
      `INSERT INTO notification.webhook_endpoints (id, owner_kind, partner_id, created_by, url, event_types, secret, created_at, updated_at) VALUES ($1, 'partner', $2, $3, 'http://127.0.0.1:9/x', '{ticket.*}', 'sealed', $4, $4)`,
      [randomUUID(), endpointOwner, `partner:${endpointOwner}`, at],
    );
    const runner = notification.sut.host.dataSource.createQueryRunner();
    try {
      await new KnownPartners1765500340000().down(runner);
      await new KnownPartners1765500340000().up(runner);
    } finally {
      await runner.release();
    }

    for (const partnerId of [acknowledged, domainOwner, endpointOwner]) expect({ partnerId, status: (await subscribe(partnerId)).status }).toEqual({ partnerId, status: 201 });
    expect((await mapDomain('seeded-2.example', domainOwner)).status).toBe(200);
    // A deactivation older than everything notification holds of the partner still wins over the inference.
    await gateway(PartnerUpdatedV1, deactivated, false, new Date(at.getTime() - 86_400_000).toISOString());
    expectInactivePartner(await subscribe(deactivated), deactivated);
  });
});
