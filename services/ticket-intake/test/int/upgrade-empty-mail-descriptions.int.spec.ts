import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { EmptyMailDescriptions1765606200000 } from '../../src/store/migrations/1765606200000-empty-mail-descriptions';
import { insertMessageRow, insertTicketRow } from './support/ticket-rows';

const PLACEHOLDER = '(empty message)';
const MAIL_MISSING = ['product', 'productVersion', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion'];

// P2 (docs/adr/0035, addendum of 2026-12-05, fifth session): releases before it filed a mail with no
// text as described "(empty message)", and never listed the description as missing.
describe('upgrade: mail tickets described "(empty message)" by older releases (migration 1765606200000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { undescribed: '', answered: '', described: '', byApi: '' };
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765606200000,
        write: async (query) => {
          const receivedAt = new Date('2026-12-04T09:00:00.000Z');
          const mailed = (description: string, subject?: string) =>
            insertTicketRow(query, { partnerId, receivedAt, channel: 'email', product: null, productVersion: null, description, subject, missingDetails: MAIL_MISSING });
          ids.undescribed = await mailed(PLACEHOLDER, 'Only a subject');
          ids.answered = await mailed(PLACEHOLDER);
          const at = (minutes: number) => new Date(receivedAt.getTime() + minutes * 60_000);
          // The agent asked, an internal note and a blank line came, then the requester's answer and a second message.
          await insertMessageRow(query, { ticketId: ids.answered, partnerId, body: 'What happens?', visibility: 'public', createdAt: at(1), authorKind: 'agent' });
          await insertMessageRow(query, { ticketId: ids.answered, partnerId, body: 'Probably the Reader.', visibility: 'internal', createdAt: at(2) });
          await insertMessageRow(query, { ticketId: ids.answered, partnerId, body: '  ', visibility: 'public', createdAt: at(3) });
          await insertMessageRow(query, { ticketId: ids.answered, partnerId, body: 'Reader 4.2 crashes on an EPUB.', visibility: 'public', createdAt: at(4) });
          await insertMessageRow(query, { ticketId: ids.answered, partnerId, body: 'Also on Windows 11.', visibility: 'public', createdAt: at(5) });
          ids.described = await mailed('The Player stops after a minute.', 'Player stops');
          // The API never took a request without one: a partner who wrote these words keeps them.
          ids.byApi = await insertTicketRow(query, { partnerId, receivedAt, channel: 'api', description: PLACEHOLDER });
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const rows = async () =>
    Object.fromEntries(
      (await sut.query<{ id: string; description: string; missing: string[] }>(`SELECT id::text AS id, request ->> 'description' AS description, missing_details AS missing FROM ticket_intake.tickets WHERE partner_id = $1`, [partnerId])).map(
        (t) => [t.id, { description: t.description, missing: t.missing }],
      ),
    );

  it('P2: an agent reads no made-up description: empty and listed missing, in the rules\' order', async () => {
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' });
    const read = await sut.http().get(`/v1/tickets/${ids.undescribed}`).auth(staff, { type: 'bearer' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ subject: 'Only a subject', description: '' });
    expect(read.body.missingDetails).toEqual(['product', 'productVersion', 'description', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion']);
    const thread = await sut.http().get(`/v1/tickets/${ids.undescribed}/thread`).auth(staff, { type: 'bearer' });
    expect(JSON.stringify(thread.body)).not.toContain(PLACEHOLDER);
  });

  it("P2: a ticket whose requester has answered since is described by their first words; other tickets stay as they were, and running it again changes nothing", async () => {
    const before = await rows();
    expect(before[ids.answered]).toEqual({ description: 'Reader 4.2 crashes on an EPUB.', missing: MAIL_MISSING });
    expect(before[ids.described]).toEqual({ description: 'The Player stops after a minute.', missing: MAIL_MISSING });
    expect(before[ids.byApi].description).toBe(PLACEHOLDER);
    const found = await sut.query<{ id: string }>(`SELECT id::text AS id FROM ticket_intake.tickets WHERE search_document @@ plainto_tsquery('simple', 'EPUB') AND partner_id = $1`, [partnerId]);
    expect(found.map((r) => r.id)).toEqual([ids.answered]);
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new EmptyMailDescriptions1765606200000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await rows()).toEqual(before);
  });
});
