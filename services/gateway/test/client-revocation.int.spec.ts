import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TestClock } from '@tss/service-kit/testing';
import { gatewayService } from '../src';
import { CLIENT_REVOCATION_TTL_MS, clientRevocationCheck } from '../src/store/client-revocation';
import { ApiClientEntity, PartnerEntity } from '../src/store/gateway.entities';

/**
 * Issue #8: the revocation check no longer costs a database round trip per request. What it may
 * cache and for how long is asserted with the test clock: a change from elsewhere is refused
 * within the TTL, a change through the gateway's own data source at once.
 */
describe('client revocation check (cached, docs/adr/0012)', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let db: TestDatabase;
  let dataSource: DataSource;
  let isRevoked: ReturnType<typeof clientRevocationCheck>;
  const claims = (clientId: string, ver = 1) => ({ client_id: clientId, ver }) as unknown as Parameters<typeof isRevoked>[0];

  const addClient = async (clientId: string) =>
    dataSource.getRepository(ApiClientEntity).insert({
      clientId,
      kind: 'staff',
      partnerId: null,
      roles: ['agent'],
      displayName: null,
      email: null,
      createdAt: clock.now(),
      tokenVersion: 1,
      disabledAt: null,
      secretHash: 'not-used-here',
      active: true,
    });

  beforeAll(async () => {
    db = await createTestDatabase('gateway_client_revocation');
    dataSource = createServiceDataSource({ url: db.url, schema: 'gateway', entities: gatewayService.entities, poolSize: 2 });
    await dataSource.initialize();
    isRevoked = clientRevocationCheck(dataSource, clock);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('a client disabled behind the cache is refused once the TTL has passed, not before', async () => {
    await addClient('pc_elsewhere');
    expect(await isRevoked(claims('pc_elsewhere'))).toBe(false);
    // Another replica (or an operator's SQL) disables it: nothing tells this process.
    await dataSource.query('UPDATE gateway.api_clients SET active = false, token_version = token_version + 1 WHERE client_id = $1', ['pc_elsewhere']);
    clock.advanceMs(CLIENT_REVOCATION_TTL_MS - 1);
    expect(await isRevoked(claims('pc_elsewhere'))).toBe(false); // served from the cache: no lookup
    clock.advanceMs(1);
    expect(await isRevoked(claims('pc_elsewhere'))).toBe(true);
    expect(await isRevoked(claims('pc_elsewhere', 2))).toBe(true);
  });

  it('a client disabled or rotated through the gateway is refused at once', async () => {
    await addClient('pc_here');
    expect(await isRevoked(claims('pc_here'))).toBe(false);
    await dataSource.transaction((tx) => tx.getRepository(ApiClientEntity).update({ clientId: 'pc_here' }, { tokenVersion: 2 }));
    expect(await isRevoked(claims('pc_here'))).toBe(true);
    expect(await isRevoked(claims('pc_here', 2))).toBe(false);
    await dataSource.getRepository(ApiClientEntity).update({ clientId: 'pc_here' }, { active: false, disabledAt: clock.now() });
    expect(await isRevoked(claims('pc_here', 2))).toBe(true);
  });

  it('a client of a deactivated partner is refused whatever its version, and again accepted once the partner is active', async () => {
    const partnerId = '6f1c2a9e-8d1b-4c55-9e0a-1f4b2c3d4e5f';
    await dataSource.getRepository(PartnerEntity).insert({ id: partnerId, name: 'Acme', active: true, createdAt: clock.now(), siteEnabled: false, siteTokenVersion: 1 });
    await addClient('pc_of_acme');
    await dataSource.getRepository(ApiClientEntity).update({ clientId: 'pc_of_acme' }, { kind: 'partner', partnerId, roles: [] });
    expect(await isRevoked(claims('pc_of_acme'))).toBe(false);
    // Only the partner's row changes (an operator's SQL; the gateway's PATCH also bumps the versions).
    await dataSource.getRepository(PartnerEntity).update({ id: partnerId }, { active: false });
    expect(await isRevoked(claims('pc_of_acme'))).toBe(true);
    await dataSource.getRepository(PartnerEntity).update({ id: partnerId }, { active: true });
    expect(await isRevoked(claims('pc_of_acme'))).toBe(false);
  });

  it('an unknown client is refused, and staff tokens without a client are not looked up', async () => {
    expect(await isRevoked(claims('pc_nobody'))).toBe(true);
    expect(await isRevoked({} as Parameters<typeof isRevoked>[0])).toBe(false);
  });
});
