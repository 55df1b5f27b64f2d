import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { MaskRatingReopenReasons1765500471000 } from '../../src/store/migrations/1765500471000-mask-rating-reopen-reasons';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { insertTicketRow } from './support/ticket-rows';

const PASSWORD = 'OldReason#7730';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0026, addendum of 2026-12-04, third session): reopen reasons a rating's comment wrote in clear.
describe('migration 1765500471000 (reopen reasons from ratings kept in clear)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('mask_rating_reasons');
    dataSource = createServiceDataSource({ url: db.url, schema: INTAKE_SCHEMA, entities: [], migrations: [], poolSize: 2 });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('masks the history and the published events of reopenings by a rating; other reasons stay as written', async () => {
    const partnerId = randomUUID();
    const ticketId = await insertTicketRow((sql, p) => dataSource.query(sql, p), { partnerId, receivedAt: new Date('2026-11-01T00:00:00.000Z'), status: 'open' });
    const clear = `Rated not solved: Не работает. password: ${PASSWORD}`;
    const history = async (actor: [string, string], action: string, reason: string) =>
      (
        (await dataSource.query(
          `INSERT INTO ${INTAKE_SCHEMA}.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail) VALUES ($1, $2, now(), $3, $4, $5, $6) RETURNING id::text AS id`,
          [ticketId, partnerId, ...actor, action, { reason }],
        )) as { id: string }[]
      )[0].id;
    const event = async (type: string, reason: string) => {
      const id = randomUUID();
      return (
        (await dataSource.query(
          `INSERT INTO ${INTAKE_SCHEMA}.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, $2, 'tss.ticket', $3, $4, now(), now()) RETURNING position::text AS position`,
          [id, type, ticketId, { id, type, subject: ticketId, data: { partnerId, sequence: 3, reason } }],
        )) as { position: string }[]
      )[0].position;
    };
    const reopened = await history(['service', 'rating'], 'reopened', clear);
    const moved = await history(['service', 'rating'], 'status_changed', clear);
    const staffs = await history(['staff', randomUUID()], 'status_changed', 'The forgot password page works again.');
    const reopenedEvent = await event('ticket.reopened', clear);
    const movedEvent = await event('ticket.status_changed', clear);

    const runner = dataSource.createQueryRunner();
    try {
      await new MaskRatingReopenReasons1765500471000().up(runner);
    } finally {
      await runner.release();
    }

    const reasonOf = async (id: string) => ((await dataSource.query(`SELECT detail->>'reason' AS reason FROM ${INTAKE_SCHEMA}.ticket_history WHERE id = $1`, [id])) as { reason: string }[])[0].reason;
    expect(await reasonOf(reopened)).toBe(`Rated not solved: Не работает. ${REMOVED}`);
    expect(await reasonOf(moved)).toBe(`Rated not solved: Не работает. ${REMOVED}`);
    expect(await reasonOf(staffs)).toBe('The forgot password page works again.');
    const eventReason = async (position: string) =>
      ((await dataSource.query(`SELECT event->'data'->>'reason' AS reason FROM ${INTAKE_SCHEMA}.outbox WHERE position = $1`, [position])) as { reason: string }[])[0].reason;
    expect(await eventReason(reopenedEvent)).toBe(`Rated not solved: Не работает. ${REMOVED}`);
    expect(await eventReason(movedEvent)).toBe(`Rated not solved: Не работает. ${REMOVED}`);
  });
});
