import type { DataSource } from 'typeorm';
import { Outbox, UnitOfWork } from '@tss/messaging';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { ok, type AccessTokenVerifier, type Principal } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { gatewayService } from '../src';
import { markSsoStaff, type SsoStaffDeps } from '../src/use-cases/sso-staff';
import { SSO_STAFF_RECHECK_MS, SsoStaffGate } from '../src/use-cases/sso-staff-gate';

const ISSUER = 'https://sso.example.test';

/** Stands in for the OIDC verifier: the "token" is the principal it proves, as JSON. */
const principals: AccessTokenVerifier = {
  verify: async (token) => ok(JSON.parse(token ?? '{}') as Principal),
};
const sso = (sub: string, roles: string[], singleSignOn: Principal['singleSignOn'] = {}): string =>
  JSON.stringify({ kind: 'staff', subject: `${ISSUER}|${sub}`, tokenId: sub, roles, scopes: [], singleSignOn } satisfies Principal);

// docs/auth.md "Single sign-on": the gateway records staff of the identity provider from their
// verified tokens and announces them (staff.*) once per state, cheaply; one marked inactive is refused.
describe('the gateway records staff signed in through single sign-on (SsoStaffGate)', () => {
  const clock = new TestClock('2026-12-04T09:00:00.000Z');
  let db: TestDatabase;
  let dataSource: DataSource;
  let deps: SsoStaffDeps;
  const newGate = () => {
    const gate = new SsoStaffGate(principals);
    gate.bind(deps);
    return gate;
  };
  const announced = async (sub: string) =>
    (
      (await dataSource.query(`SELECT event FROM gateway.outbox WHERE event->>'subject' = $1 ORDER BY position`, [`${ISSUER}|${sub}`])) as {
        event: { type: string; data: { roles: string[]; displayName?: string; active: boolean } };
      }[]
    ).map(({ event }) => `${event.type} ${event.data.roles.join('+')} ${event.data.displayName ?? '-'} ${event.data.active ? 'active' : 'inactive'}`);

  beforeAll(async () => {
    db = await createTestDatabase('gateway_sso_staff');
    dataSource = createServiceDataSource({ url: db.url, schema: 'gateway', entities: gatewayService.entities, poolSize: 4 });
    await dataSource.initialize();
    deps = { dataSource, unitOfWork: new UnitOfWork(dataSource), outbox: new Outbox({ service: 'gateway', schema: 'gateway', clock }), clock };
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('concurrent first requests, in one process and in two replicas, announce the member once', async () => {
    const [one, two] = [newGate(), newGate()];
    const answers = await Promise.all([...Array.from({ length: 4 }, () => one.verify(sso('ana', ['agent']))), ...Array.from({ length: 4 }, () => two.verify(sso('ana', ['agent'])))]);
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(await announced('ana')).toEqual(['staff.created agent - active']);
  });

  it('a known, unchanged member costs no statement until the re-check; a changed one is announced once', async () => {
    const gate = newGate();
    expect((await gate.verify(sso('bob', ['agent']))).ok).toBe(true);
    // Behind the gate's back (another replica, SQL by hand): within the re-check nothing is read.
    await dataSource.query(`UPDATE gateway.sso_staff SET active = false WHERE staff_id = $1`, [`${ISSUER}|bob`]);
    clock.advanceMs(SSO_STAFF_RECHECK_MS - 1);
    expect((await gate.verify(sso('bob', ['agent']))).ok).toBe(true);
    clock.advanceMs(1);
    expect(await gate.verify(sso('bob', ['agent']))).toEqual({ ok: false, error: { kind: 'revoked' } });
    await dataSource.query(`UPDATE gateway.sso_staff SET active = true WHERE staff_id = $1`, [`${ISSUER}|bob`]);
    clock.advanceMs(SSO_STAFF_RECHECK_MS);

    for (let i = 0; i < 3; i += 1) expect((await gate.verify(sso('bob', ['team_lead', 'agent'], { displayName: 'Bob' }))).ok).toBe(true);
    expect((await newGate().verify(sso('bob', ['agent', 'team_lead'], { displayName: 'Bob' }))).ok).toBe(true);
    expect(await announced('bob')).toEqual(['staff.created agent - active', 'staff.updated agent+team_lead Bob active']);
  });

  it('marked inactive through the gateway, a member is refused at once and nothing they show is recorded; active again, accepted', async () => {
    const gate = newGate();
    expect((await gate.verify(sso('cy', ['agent']))).ok).toBe(true);
    expect((await markSsoStaff(deps, `${ISSUER}|cy`, { active: false }))?.active).toBe(false);
    expect(await gate.verify(sso('cy', ['agent']))).toEqual({ ok: false, error: { kind: 'revoked' } });
    expect(await gate.verify(sso('cy', ['admin']))).toEqual({ ok: false, error: { kind: 'revoked' } });
    expect((await markSsoStaff(deps, `${ISSUER}|cy`, { active: true }))?.active).toBe(true);
    expect((await gate.verify(sso('cy', ['agent']))).ok).toBe(true);
    expect(await markSsoStaff(deps, `${ISSUER}|nobody`, { active: false })).toBeUndefined();
    expect(await announced('cy')).toEqual(['staff.created agent - active', 'staff.updated agent - inactive', 'staff.updated agent - active']);
  });

  it('TSS tokens and failures pass through untouched: nothing is recorded for them', async () => {
    const gate = newGate();
    const client = JSON.stringify({ kind: 'staff', subject: 'sc_agent', tokenId: 't', clientId: 'sc_agent', roles: ['agent'], scopes: [] });
    expect(await gate.verify(client)).toEqual(await principals.verify(client));
    expect(await dataSource.query(`SELECT 1 FROM gateway.sso_staff WHERE staff_id = 'sc_agent'`)).toEqual([]);
  });
});
