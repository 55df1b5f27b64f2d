import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { MessageAuthorOnBehalf1765600250000 } from '../../src/store/migrations/1765600250000-message-author-on-behalf';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { insertTicketRow } from './support/ticket-rows';

// docs/adr/0037, addendum of 2026-12-04, fifth session (follow-up): words a staff member posted
// through a site link they minted were stored as the requester's; the history named the staff member.
describe('migration 1765600250000 (a message written through a staff member’s link is theirs, on behalf of the requester)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('message_author_on_behalf');
    dataSource = createServiceDataSource({ url: db.url, schema: INTAKE_SCHEMA, entities: [], migrations: [], poolSize: 2 });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const run = async (step: 'up' | 'down') => {
    const runner = dataSource.createQueryRunner();
    try {
      await new MessageAuthorOnBehalf1765600250000()[step](runner);
    } finally {
      await runner.release();
    }
  };

  it('re-attributes from the history the messages a staff member wrote in the requester’s name; the requester’s own words stay theirs; down undoes it', async () => {
    const partnerId = randomUUID();
    const ticketId = await insertTicketRow((sql, p) => dataSource.query(sql, p), { partnerId, receivedAt: new Date('2026-12-01T00:00:00.000Z') });
    await run('down'); // the schema as the last release left it
    const message = async (body: string) => {
      const id = randomUUID();
      await dataSource.query(
        `INSERT INTO ${INTAKE_SCHEMA}.messages (id, ticket_id, partner_id, author_kind, author_id, visibility, channel, body, created_at) VALUES ($1, $2, $3, 'requester', 'cust-ann', 'public', 'site', $4, '2026-12-01T10:00:00Z')`,
        [id, ticketId, partnerId, body],
      );
      return id;
    };
    const history = (messageId: string, actor: { kind: string; id: string }, detail: Record<string, unknown> = {}) =>
      dataSource.query(
        `INSERT INTO ${INTAKE_SCHEMA}.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail) VALUES ($1, $2, '2026-12-01T10:00:00Z', $3, $4, 'message_received', $5)`,
        [ticketId, partnerId, actor.kind, actor.id, JSON.stringify({ messageId, channel: 'site', attachmentIds: [], ...detail })],
      );
    const byStaff = await message('Ann asked me to add this.');
    await history(byStaff, { kind: 'staff', id: 'sc_ari' }, { onBehalfOf: { kind: 'requester', id: 'cust-ann', siteLinkId: 'lnk1' } });
    const byAnn = await message('Ann herself.');
    await history(byAnn, { kind: 'requester', id: 'cust-ann' });

    await run('up');
    const authorOf = async (id: string) =>
      (
        (await dataSource.query(`SELECT author_kind, author_id, on_behalf_of_requester_id FROM ${INTAKE_SCHEMA}.messages WHERE id = $1`, [id])) as {
          author_kind: string;
          author_id: string;
          on_behalf_of_requester_id: string | null;
        }[]
      )[0];
    expect(await authorOf(byStaff)).toEqual({ author_kind: 'staff', author_id: 'sc_ari', on_behalf_of_requester_id: 'cust-ann' });
    expect(await authorOf(byAnn)).toEqual({ author_kind: 'requester', author_id: 'cust-ann', on_behalf_of_requester_id: null });

    await run('down');
    expect(((await dataSource.query(`SELECT author_kind, author_id FROM ${INTAKE_SCHEMA}.messages WHERE id = $1`, [byStaff])) as unknown[])[0]).toEqual({
      author_kind: 'requester',
      author_id: 'cust-ann',
    });
    await run('up');
  });
});
