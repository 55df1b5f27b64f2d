import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { MaskRatingQuotes1765500472000 } from '../src/store/migrations/1765500472000-mask-rating-quotes';

const PASSWORD = 'OldQuote#3318';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0040, addendum of 2026-12-04, third session): escalations quoting a rating's comment kept in clear.
describe('migration 1765500472000 (rating quotes kept in clear)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('mask_rating_quotes');
    dataSource = createServiceDataSource({ url: db.url, schema: 'escalation', entities: [], migrations: [], poolSize: 2 });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('masks the quotes of escalations raised by ratings, and their published escalation.raised events; other quotes stay', async () => {
    const escalation = async (causeType: string, quote: string) => {
      const id = randomUUID();
      await dataSource.query(
        `INSERT INTO escalation.escalations (id, ticket_id, partner_id, kind, level, rule, cause_key, cause_event_id, cause_type, target_role, target_staff_ids, quote, summary, status, raised_at, last_notified_at)
         VALUES ($1::uuid, $2, $3, 'low_rating', 1, 'rule', $1::text, $4, $5, 'team_leader', '{}', $6, 'Rating 2 of 5 with a comment', 'open', now(), now())`,
        [id, randomUUID(), randomUUID(), randomUUID(), causeType, quote],
      );
      return id;
    };
    const raised = async (causeType: string, quote: string) => {
      const id = randomUUID();
      return (
        (await dataSource.query(
          `INSERT INTO escalation.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, 'escalation.raised', 'tss.escalation', $2, $3, now(), now()) RETURNING position::text AS position`,
          [id, randomUUID(), { id, type: 'escalation.raised', data: { causeType, quote } }],
        )) as { position: string }[]
      )[0].position;
    };
    const byRating = await escalation('rating.submitted', `Still broken. password: ${PASSWORD}`);
    const byMessage = await escalation('ticket.team_leader_requested', 'Attention Technical Support Team Leader: the forgot password page fails');
    const event = await raised('rating.submitted', `Still broken. password: ${PASSWORD}`);

    const runner = dataSource.createQueryRunner();
    try {
      await new MaskRatingQuotes1765500472000().up(runner);
    } finally {
      await runner.release();
    }

    const quoteOf = async (id: string) => ((await dataSource.query(`SELECT quote FROM escalation.escalations WHERE id = $1`, [id])) as { quote: string }[])[0].quote;
    expect(await quoteOf(byRating)).toBe(`Still broken. ${REMOVED}`);
    expect(await quoteOf(byMessage)).toBe('Attention Technical Support Team Leader: the forgot password page fails');
    const [{ quote }] = (await dataSource.query(`SELECT event->'data'->>'quote' AS quote FROM escalation.outbox WHERE position = $1`, [event])) as { quote: string }[];
    expect(quote).toBe(`Still broken. ${REMOVED}`);
  });
});
