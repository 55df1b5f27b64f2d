import type { DataSource } from 'typeorm';
import { Outbox, UnitOfWork } from '@tss/messaging';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { gatewayService } from '../src';
import { createClient, createPartner, disableClient, rotateClientSecret } from '../src/use-cases/manage-clients';
import { ApiClientEntity } from '../src/store/gateway.entities';

/** What a use case made, or the test fails naming why it refused. */
const valueOf = <T>(result: { ok: true; value: T } | { ok: false; error: { detail?: string } }): T => {
  if (!result.ok) throw new Error(`refused: ${result.error.detail}`);
  return result.value;
};

/**
 * An outside test sent ten DELETEs and ten secret rotations of one client at once: several DELETEs
 * answered 204, each announcing `staff.updated`, and two rotations could write the same version,
 * so a token minted with the first new secret outlived the second. Concurrent calls take turns on
 * the client's row: one disable, one event; every rotation bumps the version.
 */
describe('disabling and rotating an API client concurrently', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let db: TestDatabase;
  let dataSource: DataSource;
  let deps: { dataSource: DataSource; unitOfWork: UnitOfWork; outbox: Outbox; clock: TestClock };

  const staffUpdated = async (clientId: string) =>
    ((await dataSource.query(`SELECT count(*)::int AS n FROM gateway.outbox WHERE event_type = 'staff.updated' AND message_key = $1`, [clientId])) as { n: number }[])[0].n;
  const row = async (clientId: string) => dataSource.getRepository(ApiClientEntity).findOneByOrFail({ clientId });

  /**
   * Runs the calls while another transaction holds the client's row lock, and lets it go once every
   * call waits on a lock (to read the row, or to write it): all of them have started before any
   * commits, the overlap the outside test produced by chance.
   */
  const allAtOnce = async <T>(clientId: string, calls: (() => Promise<T>)[]): Promise<T[]> => {
    const holder = dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query('SELECT 1 FROM gateway.api_clients WHERE client_id = $1 FOR UPDATE', [clientId]);
      const running = Promise.all(calls.map((call) => call()));
      await waitFor(`${calls.length} calls waiting on the client's row`, async () => {
        // Another session: one in a transaction keeps reading the activity it saw first.
        const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) as { n: number }[];
        return n === calls.length;
      });
      await holder.commitTransaction();
      return await running;
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('gateway_client_races');
    // A connection per call, one for the lock holder and one to watch them: the calls overlap in PostgreSQL, not in the pool.
    dataSource = createServiceDataSource({ url: db.url, schema: 'gateway', entities: gatewayService.entities, poolSize: 22 });
    await dataSource.initialize();
    deps = { dataSource, unitOfWork: new UnitOfWork(dataSource), outbox: new Outbox({ service: 'gateway', schema: 'gateway', clock }), clock };
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('ten concurrent disables of a staff client: one disables it and announces staff.updated once, the others find none', async () => {
    const { client } = valueOf(await createClient(deps, { kind: 'staff', roles: ['agent'], displayName: 'Race Agent' }));
    const results = await allAtOnce(client.clientId, Array.from({ length: 10 }, () => () => disableClient(deps, { kind: 'staff' }, client.clientId)));
    expect(results.filter((r) => r !== undefined).length).toBe(1);
    expect(await staffUpdated(client.clientId)).toBe(1);
    expect(await row(client.clientId)).toMatchObject({ active: false, tokenVersion: 2 });
  });

  it('concurrent rotations each bump the token version: no token of an earlier new secret survives a later rotation', async () => {
    const partner = valueOf(await createPartner(deps, 'Race Partner'));
    const owner = { kind: 'partner' as const, partnerId: partner.id };
    const { client } = valueOf(await createClient(deps, { kind: 'partner', partnerId: partner.id }));
    const rotations = await allAtOnce(client.clientId, Array.from({ length: 10 }, () => () => rotateClientSecret(deps, owner, client.clientId)));
    expect(rotations.map((r) => r?.client.tokenVersion).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const stored = await row(client.clientId);
    expect(stored.tokenVersion).toBe(11);
    // The secret in force is the last rotation's.
    expect(stored.secretHash).toBe(rotations.find((r) => r?.client.tokenVersion === 11)?.client.secretHash);
  });

  it('rotations and disables at once: one disable, one event; no rotation lands after it', async () => {
    const { client } = valueOf(await createClient(deps, { kind: 'staff', roles: ['agent'], displayName: 'Mixed Race Agent' }));
    const calls = Array.from({ length: 20 }, (_, i): (() => Promise<unknown>) =>
      i % 2 === 0 ? () => rotateClientSecret(deps, { kind: 'staff' }, client.clientId) : () => disableClient(deps, { kind: 'staff' }, client.clientId),
    );
    const results = await allAtOnce(client.clientId, calls);
    const disabled = results.filter((r, i) => i % 2 === 1 && r !== undefined);
    const rotated = results.filter((r, i) => i % 2 === 0 && r !== undefined);
    expect(disabled.length).toBe(1);
    expect(await staffUpdated(client.clientId)).toBe(1);
    // Each rotation before the disable bumped the version once, the disable once more; none came after.
    expect(await row(client.clientId)).toMatchObject({ active: false, tokenVersion: 1 + rotated.length + 1 });
  });
});
