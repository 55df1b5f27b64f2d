import pino from 'pino';
import type { DataSource } from 'typeorm';
import { Outbox, UnitOfWork } from '@tss/messaging';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { bootstrapAdmin, gatewayService } from '../src';

/**
 * The first admin client comes from the environment (TSS_BOOTSTRAP_CLIENT_ID/SECRET). The chart
 * runs two gateway replicas, so on a fresh install they start together: both must come up, with
 * one admin client and one `staff.created` between them.
 */
describe('bootstrap admin, replicas starting together', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let db: TestDatabase;
  const replicas: DataSource[] = [];

  const log = logCapture();
  const replica = async () => {
    const dataSource = createServiceDataSource({ url: db.url, schema: 'gateway', entities: gatewayService.entities, poolSize: 2 });
    await dataSource.initialize();
    replicas.push(dataSource);
    return { dataSource, unitOfWork: new UnitOfWork(dataSource), outbox: new Outbox({ service: 'gateway', schema: 'gateway', clock }), clock, logger: pino({ level: 'info' }, log.stream) };
  };

  const count = async (sql: string, params: unknown[]) => ((await replicas[0].query(sql, params)) as { n: number }[])[0].n;

  beforeAll(async () => {
    db = await createTestDatabase('gateway_bootstrap_admin');
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.destroy()));
    await db?.drop();
  });

  it('four replicas with the same TSS_BOOTSTRAP_CLIENT_ID all start; the client is created once', async () => {
    const deps = await Promise.all(Array.from({ length: 4 }, () => replica()));
    const given = { clientId: 'sc_ops_admin', clientSecret: 'bootstrap-secret-0123456789' };
    const results = await Promise.all(deps.map((d) => bootstrapAdmin(d, given)));
    expect(results.filter((r) => r !== undefined).map((r) => r?.client.clientId)).toEqual(['sc_ops_admin']);
    expect(await count('SELECT count(*)::int AS n FROM gateway.api_clients WHERE client_id = $1', [given.clientId])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM gateway.outbox WHERE event_type = 'staff.created' AND message_key = $1`, [given.clientId])).toBe(1);
    // A later start finds it and changes nothing.
    expect(await bootstrapAdmin(deps[0], given)).toBeUndefined();
  });

  // docs/operations.md ("Check the install") sends operators to the gateway's log for it; nothing was there.
  it('the replica that creates it logs its client id, never its secret; a later start says it exists', async () => {
    await replicas[0].query('DELETE FROM gateway.api_clients');
    log.lines.length = 0;
    const given = { clientId: 'sc_logged_admin', clientSecret: 'bootstrap-secret-never-logged-42' };
    const deps = await Promise.all(Array.from({ length: 2 }, () => replica()));
    await Promise.all(deps.map((d) => bootstrapAdmin(d, given)));
    await bootstrapAdmin(deps[0], given);

    expect(log.lines.filter((l) => l.msg === 'bootstrap admin client created')).toEqual([expect.objectContaining({ level: 30, clientId: 'sc_logged_admin' })]);
    expect(log.lines.filter((l) => l.msg === 'bootstrap admin client exists; nothing created')).toEqual([
      expect.objectContaining({ level: 30, clientId: 'sc_logged_admin' }),
      expect.objectContaining({ level: 30, clientId: 'sc_logged_admin' }),
    ]);
    expect(JSON.stringify(log.lines)).not.toContain(given.clientSecret);
  });

  it('a generated admin (single process) is logged by its id; its secret is only returned, to be shown once', async () => {
    await replicas[0].query('DELETE FROM gateway.api_clients');
    log.lines.length = 0;
    const created = await bootstrapAdmin(await replica(), {});
    expect(created).toBeDefined();
    expect(log.lines).toEqual([expect.objectContaining({ level: 30, msg: 'bootstrap admin client created', clientId: created?.client.clientId })]);
    expect(JSON.stringify(log.lines)).not.toContain(created?.clientSecret);
  });

  it('replicas generating an admin (none given) create one between them', async () => {
    await replicas[0].query('DELETE FROM gateway.api_clients');
    const deps = await Promise.all(Array.from({ length: 3 }, () => replica()));
    const results = await Promise.all(deps.map((d) => bootstrapAdmin(d, {})));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await count(`SELECT count(*)::int AS n FROM gateway.api_clients WHERE 'admin' = ANY(roles)`, [])).toBe(1);
  });
});
