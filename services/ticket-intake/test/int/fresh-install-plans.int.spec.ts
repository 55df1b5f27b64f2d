import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { insertTicketRow } from './support/ticket-rows';

/**
 * A fresh install's tickets table must not be recorded as known to be empty (docs/performance.md,
 * eleventh session). Migration 1765606860000 analysed it right after its index build, on a new
 * database an empty table: PostgreSQL then planned for an empty table until autovacuum analysed
 * it again, and each pooled connection kept the generic plan of its foreign key checks, a
 * sequential scan of every ticket for each history row, message, attachment or credential. At 100
 * tickets/s that grew with the table and put the acknowledgment benchmark seconds behind. That no
 * table of a fresh install is analysed while empty: single-process's fresh-install-statistics test.
 */
describe("a fresh install's foreign key checks on tickets", () => {
  let db: TestDatabase;
  let client: Client;
  const partnerId = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase('fresh_install_plans');
    client = new Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const appendHistory = (ticketId: string) =>
    client.query(
      `INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail, sequence, visibility)
       VALUES ($1, $2, now(), 'partner', $3, 'created', '{}', 1, 'public')`,
      [ticketId, partnerId, partnerId],
    );

  it("a connection's foreign key checks, planned while it was nearly empty, still read a ticket by its key once it holds thousands", async () => {
    // The first checks on this connection: past the plan cache's five custom plans, so the
    // generic plan is made now, while the table holds one ticket.
    const first = await insertTicketRow((sql, params) => client.query(sql, params).then((r) => r.rows), { partnerId, receivedAt: new Date() });
    for (let i = 0; i < 8; i++) await appendHistory(first);
    await client.query(
      `INSERT INTO ticket_intake.tickets (id, partner_id, reference, channel, status, level, request, received_at, updated_at, response_owed, language, sequence)
       SELECT gen_random_uuid(), $1, 'TSS-FRESH-' || g, 'api', 'open', 'standard', '{"product": "reader", "description": "It fails."}', now(), now(), true, 'en', 2
         FROM generate_series(1, 3000) g`,
      [partnerId],
    );
    const { rows: later } = await client.query<{ id: string }>(`SELECT id FROM ticket_intake.tickets WHERE reference LIKE 'TSS-FRESH-%' LIMIT 20`);
    await client.query('BEGIN');
    try {
      for (const { id } of later) await appendHistory(id);
      const { rows } = await client.query<{ seq_scan: string; idx_scan: string }>(
        `SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relid = 'ticket_intake.tickets'::regclass`,
      );
      // Each check by the primary key (the history insert's other statements read by index too).
      expect(Number(rows[0].seq_scan)).toBe(0);
      expect(Number(rows[0].idx_scan)).toBeGreaterThanOrEqual(later.length);
    } finally {
      await client.query('ROLLBACK');
    }
  });
});
