import { randomUUID } from 'node:crypto';
import { TicketCreatedV1, TicketLevelChangedV1 } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { DEFAULT_POLICY, type SlaPolicy } from '../../src/domain/sla-policy';
import { slaTimerService } from '../../src/index';
import { gatewayPartners } from './support/gateway-partners';

const HOUR = 3_600_000;
/** An agreement: emergencies in 2 h, standard requests in 3 h, with phone support. */
const AGREEMENT: SlaPolicy = {
  ...DEFAULT_POLICY,
  levels: { ...DEFAULT_POLICY.levels, emergency: { targetMs: 2 * HOUR, phoneSupport: true }, standard: { targetMs: 3 * HOUR, phoneSupport: true } },
};

type Clock = { targetMs: number; dueAt: string; startedAt: string; policy: { scope: string; version: number } };

// Issue #10: a partner's agreement can be dropped (back to the default) with
// `DELETE /v1/partners/{id}/sla-policy`, recorded as a version so the history shows it; running
// clocks keep the version they started under (docs/adr/0031, addendum of 2026-12-04, fourth session).
describe('dropping a partner’s SLA agreement: back to the default, as a new version', () => {
  const clock = new TestClock('2026-12-04T09:00:00.000Z');
  let sut: ServiceUnderTest;
  let gateway: ReturnType<typeof gatewayPartners>;
  let admin: string;

  beforeAll(async () => {
    sut = await startServiceUnderTest(slaTimerService, { clock });
    gateway = gatewayPartners(sut, clock);
  });
  beforeEach(() => {
    admin = sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read' });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const http = () => sut.http();
  const agree = (partnerId: string, policy: SlaPolicy = AGREEMENT) => http().put(`/v1/partners/${partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(policy);
  const drop = (partnerId: string, token = admin) => http().delete(`/v1/partners/${partnerId}/sla-policy`).auth(token, { type: 'bearer' });
  const termsOf = (partnerId: string) => http().get(`/v1/partners/${partnerId}/sla-policy`).auth(admin, { type: 'bearer' });
  const rowsOf = async (partnerId: string) => sut.query<{ version: number }>(`SELECT version FROM sla_timer.sla_policies WHERE scope = $1 ORDER BY version`, [partnerId]);
  const expectProblem = (response: { status: number; headers: Record<string, string> }, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  };
  const file = async (partnerId: string, level: 'emergency' | 'standard') => {
    const ticketId = randomUUID();
    await gateway.publish(TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-K7QM2-ZC4XD',
      channel: 'api',
      product: 'reader',
      productVersion: '4.2',
      level,
      subject: 'Reader crashes on start',
      requester: { id: 'cust-1' },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
    });
    return ticketId;
  };
  const clocksOf = (ticketId: string, count = 1) =>
    waitFor(`${count} clock(s) of ${ticketId}`, async () => {
      const response = await http().get(`/v1/tickets/${ticketId}/sla`).auth(admin, { type: 'bearer' });
      return response.status === 200 && response.body.clocks.length >= count ? (response.body.clocks as Clock[]) : undefined;
    });

  it('DELETE drops the agreement as a new version: the terms are the default again (GET, ETag, preview), the history shows the removal, a later PUT is the next version', async () => {
    const partnerId = await gateway.registered();
    expect((await agree(partnerId)).body).toMatchObject({ scope: partnerId, version: 1 });
    const defaults = await http().get('/v1/sla/policies').auth(admin, { type: 'bearer' });

    const dropped = await drop(partnerId);
    expect(dropped.status).toBe(204);
    expect(dropped.text).toBe('');
    // The terms in force now are the default's, and so is their tag.
    expect(dropped.headers.etag).toBe(defaults.headers.etag);
    const terms = await termsOf(partnerId);
    expect(terms.body).toMatchObject({ scope: 'default', version: defaults.body.version, policy: defaults.body.policy });
    expect(terms.headers.etag).toBe(defaults.headers.etag);
    const previewed = await http().post('/v1/sla/preview').auth(admin, { type: 'bearer' }).send({ level: 'emergency', startedAt: clock.now().toISOString(), partnerId });
    expect(previewed.body).toMatchObject({ basedOn: { scope: 'default', version: defaults.body.version }, targetMs: defaults.body.policy.levels.emergency.targetMs });

    const history = await http().get(`/v1/partners/${partnerId}/sla-policy/versions`).auth(admin, { type: 'bearer' });
    expect(history.body.items).toEqual([
      { scope: partnerId, version: 2, createdAt: clock.now().toISOString(), removed: true },
      { scope: partnerId, version: 1, createdAt: clock.now().toISOString(), removed: false, policy: AGREEMENT },
    ]);
    expect((await http().get(`/v1/partners/${partnerId}/sla-policy/versions/2`).auth(admin, { type: 'bearer' })).body).toEqual({
      scope: partnerId,
      version: 2,
      createdAt: clock.now().toISOString(),
      removed: true,
    });

    // Dropped again: there is no agreement to drop.
    expectProblem(await drop(partnerId), 404);
    expect(await rowsOf(partnerId)).toHaveLength(2);
    const again = await agree(partnerId);
    expect(again.body).toMatchObject({ scope: partnerId, version: 3, policy: AGREEMENT });
    expect((await termsOf(partnerId)).body).toMatchObject({ scope: partnerId, version: 3 });
  });

  it('running clocks keep the agreement version they started under, a re-target too; clocks started after the drop run on the default', async () => {
    const partnerId = await gateway.registered();
    expect((await agree(partnerId)).status).toBe(200);
    const before = await file(partnerId, 'standard');
    const [running] = await clocksOf(before);
    expect(running).toMatchObject({ targetMs: 3 * HOUR, policy: { scope: partnerId, version: 1 } });

    expect((await drop(partnerId)).status).toBe(204);
    const after = await file(partnerId, 'emergency');
    const defaults = (await http().get('/v1/sla/policies').auth(admin, { type: 'bearer' })).body as { version: number; policy: SlaPolicy };
    expect((await clocksOf(after))[0]).toMatchObject({ targetMs: defaults.policy.levels.emergency.targetMs, policy: { scope: 'default', version: defaults.version } });

    // Reclassified after the drop: re-targeted from its start under its own version (the agreement's 2 h emergency).
    await gateway.publish(TicketLevelChangedV1, before, { partnerId, sequence: 2, from: 'standard', to: 'emergency', confirmed: true, changedAt: clock.now().toISOString() });
    const retargeted = await waitFor('the re-target', async () => {
      const [c] = await clocksOf(before);
      return c.targetMs === 2 * HOUR ? c : undefined;
    });
    expect(retargeted).toMatchObject({ policy: { scope: partnerId, version: 1 }, dueAt: new Date(new Date(running.startedAt).getTime() + 2 * HOUR).toISOString() });
  });

  it('If-Match: a stale or weak tag, or the default’s, is a 412 that removes nothing; the agreement’s tag, or *, removes it', async () => {
    const partnerId = await gateway.registered();
    expect((await agree(partnerId)).status).toBe(200);
    const read = await termsOf(partnerId);
    expect(read.headers.etag).toBe(`"${partnerId}.1"`);
    expect((await agree(partnerId)).status).toBe(200); // someone else's change: version 2
    const defaults = await http().get('/v1/sla/policies').auth(admin, { type: 'bearer' });
    for (const stale of [read.headers.etag, `W/"${partnerId}.2"`, defaults.headers.etag, '"nonsense"']) {
      const refused = await drop(partnerId).set('if-match', stale);
      expectProblem(refused, 412);
      expect(refused.body.detail).toContain(`${partnerId} version 2`);
    }
    expect(await rowsOf(partnerId)).toHaveLength(2);
    expect((await drop(partnerId).set('if-match', `"${partnerId}.2"`)).status).toBe(204);

    expect((await agree(partnerId)).body.version).toBe(4);
    expect((await drop(partnerId).set('if-match', '*')).status).toBe(204);
    // After the drop the terms in force are the default's: a PUT naming the dropped agreement's tag is refused.
    expectProblem(await agree(partnerId).set('if-match', `"${partnerId}.4"`), 412);
  });

  it('404 where there is no agreement: a partner that never had one, a partner nobody registered; a non-uuid id is a 400', async () => {
    const partnerId = await gateway.registered();
    expectProblem(await drop(partnerId), 404);
    expectProblem(await drop(randomUUID()), 404);
    expectProblem(await drop('not-a-uuid'), 400);
    expect(await rowsOf(partnerId)).toEqual([]);
  });

  it('only admins drop an agreement: its own partner and an agent get a 403, another partner a 404, a requester a 403; nothing is removed', async () => {
    const partnerId = await gateway.registered();
    expect((await agree(partnerId)).status).toBe(200);
    const own = sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
    const foreign = sut.token({ kind: 'partner', partner_id: randomUUID(), scope: 'tickets:read tickets:write' });
    const agent = sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent', 'team_lead'], scope: 'tickets:read tickets:write' });
    const requester = sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'reader-1', scope: 'tickets:read tickets:write' });
    expectProblem(await drop(partnerId, own), 403);
    expectProblem(await drop(partnerId, agent), 403);
    expectProblem(await drop(partnerId, requester), 403);
    const notFound = await drop(partnerId, foreign);
    expectProblem(notFound, 404);
    expect(notFound.body.detail).toBe('No such partner.');
    // The PUT answers another partner's token the same way.
    expectProblem(await http().put(`/v1/partners/${partnerId}/sla-policy`).auth(foreign, { type: 'bearer' }).send(AGREEMENT), 404);
    expect(await rowsOf(partnerId)).toHaveLength(1);
    expect((await termsOf(partnerId)).body).toMatchObject({ scope: partnerId, version: 1 });
  });

  it('the OpenAPI document lists the DELETE with its statuses', async () => {
    const document = (await http().get('/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
    const operation = document.paths['/v1/partners/{id}/sla-policy'].delete;
    expect(operation.operationId).toBe('deletePartnerSlaPolicy');
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['204', '400', '401', '403', '404', '412']));
  });
});
