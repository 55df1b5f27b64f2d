import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { ClockLifecycle1765200000000 } from '../../src/store/migrations/1765200000000-clock-lifecycle';
import { SLA_SCHEMA } from '../../src/store/response-clock.store';

// A migration is reversible (docs/adr/0005): down, then up again, on a database with a clock in it.
describe('migration 1765200000000 (clock lifecycle)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('sla_clock_lifecycle_migration');
    dataSource = createServiceDataSource({ url: db.url, schema: SLA_SCHEMA, entities: [], migrations: [], poolSize: 2 });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('reverts and re-applies; a clock from before gets its target, overdue time, ticket projection and breach timer', async () => {
    const migration = new ClockLifecycle1765200000000();
    const runner = dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      const clockId = randomUUID();
      const ticketId = randomUUID();
      const partnerId = randomUUID();
      await dataSource.query(
        `INSERT INTO sla_timer.response_clocks (id, ticket_id, partner_id, requester_id, level, status, started_at, due_at, created_at)
         VALUES ($1, $2, $3, 'cust-1', 'standard', 'running', '2026-03-01T00:00:00Z', '2026-03-01T12:00:00Z', '2026-03-01T00:00:01Z')`,
        [clockId, ticketId, partnerId],
      );

      await migration.up(runner);
      const [clock] = await dataSource.query(`SELECT target_ms, overdue_at, policy_scope, policy_version, stopped_at FROM sla_timer.response_clocks WHERE id = $1`, [clockId]);
      expect(clock).toEqual({ target_ms: String(12 * 3_600_000), overdue_at: new Date('2026-03-01T18:00:00.000Z'), policy_scope: 'default', policy_version: 1, stopped_at: null });
      const [ticket] = await dataSource.query(`SELECT partner_id, requester_id, level, last_sequence FROM sla_timer.tickets WHERE ticket_id = $1`, [ticketId]);
      expect(ticket).toEqual({ partner_id: partnerId, requester_id: 'cust-1', level: 'standard', last_sequence: null });
      const timers = await dataSource.query(`SELECT id, kind, due_at, payload, status FROM sla_timer.timers WHERE id LIKE $1`, [`sla:${clockId}:%`]);
      expect(timers).toEqual([{ id: `sla:${clockId}:breach`, kind: 'sla.breach', due_at: new Date('2026-03-01T12:00:00.000Z'), payload: { clockId }, status: 'pending' }]);
    } finally {
      await runner.release();
    }
  });
});
