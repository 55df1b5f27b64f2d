import { randomUUID } from 'node:crypto';
import { PartnerCreatedV1, PartnerUpdatedV1 } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { DEFAULT_POLICY } from '../../src/domain/sla-policy';
import { slaTimerService } from '../../src/index';
import { KnownPartners1765501100000 } from '../../src/store/migrations/1765501100000-known-partners';
import { gatewayPartners } from './support/gateway-partners';

type Answer = { status: number; headers: Record<string, string>; body: { detail?: string; errors?: { in: string; pointer: string; message: string }[] } };

const MINUTE = 60_000;

// docs/adr/0031, addendum of 2026-12-04 (fourth session): an agreement names a partner the gateway
// registered (its `partner.*` events, projected into sla_timer.partners), or the call is a 422
// that stores nothing; staff reading the terms of a partner nobody registered get a 404.
describe('sla-timer knows the partners the gateway registered: agreements name only those', () => {
  const clock = new TestClock('2026-12-04T09:00:00.000Z');
  let sut: ServiceUnderTest;
  let gateway: ReturnType<typeof gatewayPartners>;
  let admin: string;
  let agent: string;

  beforeAll(async () => {
    sut = await startServiceUnderTest(slaTimerService, { clock });
    gateway = gatewayPartners(sut, clock);
  });
  beforeEach(() => {
    admin = sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read' });
    agent = sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read' });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const agree = (partnerId: string) => sut.http().put(`/v1/partners/${partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(DEFAULT_POLICY);
  const termsOf = (partnerId: string, token: string) => sut.http().get(`/v1/partners/${partnerId}/sla-policy`).auth(token, { type: 'bearer' });
  const preview = (partnerId: string) =>
    sut.http().post('/v1/sla/preview').auth(admin, { type: 'bearer' }).send({ level: 'standard', startedAt: '2026-12-04T09:00:00.000Z', partnerId });
  const versionsOf = async (partnerId: string) => (await sut.query<{ version: number }>(`SELECT version FROM sla_timer.sla_policies WHERE scope = $1 ORDER BY version`, [partnerId])).map((r) => r.version);
  const minutesFromNow = (minutes: number) => new Date(clock.now().getTime() + minutes * MINUTE);
  const expectUnknownPartner = (response: Answer, partnerId: string, where: { in: string; pointer: string }) => {
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.detail).toBe(`No active partner ${partnerId} is known. Name a registered partner. One registered a moment ago is known within seconds; a registered partner that stays unknown (its announcement was missed, as by an older release after a rollback) is announced again by an admin's PATCH /v1/partners/${partnerId} with its current name, then retry.`);
    expect(response.body.errors).toEqual([{ ...where, message: response.body.detail }]);
  };
  const expectInactivePartner = (response: Answer, partnerId: string, where: { in: string; pointer: string }) => {
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.detail).toBe(`Partner ${partnerId} is deactivated; an admin can reactivate it with PATCH /v1/partners/${partnerId} {"active":true}.`);
    expect(response.body.errors).toEqual([{ ...where, message: response.body.detail }]);
  };
  const expectNoSuchPartner = (response: Answer) => {
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.detail).toBe('No such partner.');
  };

  it('a partner no gateway event named: its agreement is a 422 naming /id that stores nothing, its preview a 422 naming /partnerId, staff reading its terms a 404', async () => {
    const ghost = randomUUID();
    expectUnknownPartner(await agree(ghost), ghost, { in: 'params', pointer: '/id' });
    expect(await versionsOf(ghost)).toEqual([]);
    expectUnknownPartner(await preview(ghost), ghost, { in: 'body', pointer: '/partnerId' });
    expectNoSuchPartner(await termsOf(ghost, admin));
    expectNoSuchPartner(await termsOf(ghost, agent));
  });

  it('a partner reads its own terms whether or not its partner.created arrived (its token is the gateway’s word); another partner’s id stays a 404', async () => {
    const fresh = randomUUID();
    const own = await termsOf(fresh, sut.token({ kind: 'partner', partner_id: fresh, scope: 'tickets:read' }));
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ scope: 'default' });
    const registered = await gateway.registered();
    expectNoSuchPartner(await termsOf(registered, sut.token({ kind: 'partner', partner_id: fresh, scope: 'tickets:read' })));
  });

  it('a registered partner gets an agreement; once deactivated a new version is refused as deactivated, not unknown (the agreement stays, readable); reactivated, accepted again', async () => {
    const partnerId = randomUUID();
    await gateway.announce(PartnerCreatedV1, partnerId, true, minutesFromNow(0));
    expect((await agree(partnerId)).status).toBe(200);
    expect((await preview(partnerId)).body).toMatchObject({ basedOn: { scope: partnerId, version: 1 } });

    await gateway.announce(PartnerUpdatedV1, partnerId, false, minutesFromNow(1));
    expectInactivePartner(await agree(partnerId), partnerId, { in: 'params', pointer: '/id' });
    expect(await versionsOf(partnerId)).toEqual([1]);
    expect((await termsOf(partnerId, agent)).body).toMatchObject({ scope: partnerId, version: 1 });
    expect((await preview(partnerId)).status).toBe(200);

    await gateway.announce(PartnerUpdatedV1, partnerId, true, minutesFromNow(2));
    expect((await agree(partnerId)).body).toMatchObject({ scope: partnerId, version: 2 });
  });

  it('events out of order: a deactivation handled before the older partner.created leaves the partner inactive; the deactivation again changes nothing', async () => {
    const partnerId = randomUUID();
    await gateway.announce(PartnerUpdatedV1, partnerId, false, minutesFromNow(5));
    await gateway.announce(PartnerCreatedV1, partnerId, true, minutesFromNow(4));
    expectInactivePartner(await agree(partnerId), partnerId, { in: 'params', pointer: '/id' });
    await gateway.announce(PartnerUpdatedV1, partnerId, false, minutesFromNow(5));
    expect(await sut.query(`SELECT active FROM sla_timer.partners WHERE id = $1`, [partnerId])).toEqual([{ active: false }]);
  });

  it('the consumer subscribes to the gateway’s partner topic (services mode and single-process mode host the same consumer)', () => {
    expect(sut.host.consumer.topics).toEqual(expect.arrayContaining(['tss.partner', 'tss.ticket']));
  });

  it('the OpenAPI document lists the 422 of the PUT and the preview', async () => {
    const document = (await sut.http().get('/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(document.paths['/v1/partners/{id}/sla-policy'].put.responses)).toContain('422');
    expect(Object.keys(document.paths['/v1/sla/preview'].post.responses)).toContain('422');
  });

  it('migration 1765501100000: partners sla-timer held tickets, clocks or agreements of before it are known; any event of the gateway about them wins', async () => {
    const [withTicket, withAgreement, deactivated] = [randomUUID(), randomUUID(), randomUUID()];
    const at = clock.now();
    const ticket = (partnerId: string) =>
      sut.query(`INSERT INTO sla_timer.tickets (ticket_id, partner_id, level, status, received_at) VALUES ($1, $2, 'standard', 'new', $3)`, [randomUUID(), partnerId, at]);
    await ticket(withTicket);
    await ticket(deactivated);
    await sut.query(`INSERT INTO sla_timer.sla_policies (scope, version, policy, created_at, created_by) VALUES ($1, 1, $2, $3, 'admin-1')`, [withAgreement, JSON.stringify(DEFAULT_POLICY), at]);
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new KnownPartners1765501100000().down(runner);
      await new KnownPartners1765501100000().up(runner);
    } finally {
      await runner.release();
    }

    for (const partnerId of [withTicket, withAgreement]) expect({ partnerId, status: (await agree(partnerId)).status }).toEqual({ partnerId, status: 200 });
    // A deactivation older than everything sla-timer holds of the partner still wins over the inference.
    await gateway.announce(PartnerUpdatedV1, deactivated, false, new Date(at.getTime() - 86_400_000));
    expectInactivePartner(await agree(deactivated), deactivated, { in: 'params', pointer: '/id' });
  });
});
