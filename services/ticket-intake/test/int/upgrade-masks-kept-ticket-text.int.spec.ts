import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { MaskKeptTicketText1765501300000 } from '../../src/store/migrations/1765501300000-mask-kept-ticket-text';
import { insertMessageRow, insertTicketRow } from './support/ticket-rows';

const PASSWORD = 'Hunter2!x';
const REMOVED = '[access particulars removed]';
const VAULTED = '[credentials stored securely: TSS vault #1a2b3c4d]';
/** The tester's subject: "Login fails." is prose, not a login (docs/adr/0026, addendum of 2026-12-05, fourth session); only the password goes. */
const SUBJECT = `Login fails. password: ${PASSWORD} please fix`;
const MASKED_SUBJECT = `Login fails. ${REMOVED} please fix`;

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): an installation upgraded from a
// release that kept a request's text, an agent's answer and their events as written shows no
// password once the upgrade's migrations have run.
describe('upgrade: ticket text kept in clear by older releases (migration 1765501300000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const partnerId = randomUUID();
  const seeded = { leaky: '', ordinary: '', vaulted: '', answer: '', note: '', created: '', responded: '' };
  let sut: ServiceUnderTest;

  const keptEvent = async (query: Query, ticketId: string, type: string, data: Record<string, unknown>) => {
    const id = randomUUID();
    const [{ position }] = (await query(
      `INSERT INTO ticket_intake.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, $2, 'tss.ticket', $3, $4, now(), now()) RETURNING position::text AS position`,
      [id, type, ticketId, { id, type, subject: ticketId, data: { partnerId, sequence: 1, ...data } }],
    )) as { position: string }[];
    return position;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765501300000,
        // As 7ccdf08 (2026-12-01) filed a ticket, and releases before 2026-12-04 kept an agent's words.
        write: async (query) => {
          const receivedAt = new Date('2026-12-01T09:00:00.000Z');
          seeded.leaky = await insertTicketRow(query, {
            partnerId,
            receivedAt,
            subject: SUBJECT,
            description: `The admin panel rejects us.\nlogin: admin password: ${PASSWORD}`,
            stepsToReproduce: `1. open /admin 2. type pwd: ${PASSWORD}`,
            browser: 'Firefox 132',
          });
          seeded.ordinary = await insertTicketRow(query, { partnerId, receivedAt, subject: 'The forgot password page shows error 500', description: 'Since Monday.' });
          seeded.vaulted = await insertTicketRow(query, { partnerId, receivedAt, subject: 'Admin rejects us', description: `Here: ${VAULTED}` });
          seeded.answer = await insertMessageRow(query, { ticketId: seeded.leaky, partnerId, body: `Try login: support password: ${PASSWORD} now`, visibility: 'public', createdAt: receivedAt, authorKind: 'agent' });
          seeded.note = await insertMessageRow(query, { ticketId: seeded.leaky, partnerId, body: `Their pwd: ${PASSWORD}`, visibility: 'internal', createdAt: receivedAt });
          seeded.created = await keptEvent(query, seeded.leaky, 'ticket.created', { reference: 'TSS-OLD', subject: SUBJECT, missingDetails: [] });
          seeded.responded = await keptEvent(query, seeded.leaky, 'ticket.responded', { messageId: seeded.answer, authorId: 'agent-1', body: `Try login: support password: ${PASSWORD} now` });
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const staff = () => sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
  const get = (path: string) => sut.http().get(path).auth(staff(), { type: 'bearer' });

  it('P9: the ticket, its thread and the search show no password; everything else is as filed', async () => {
    const ticket = await get(`/v1/tickets/${seeded.leaky}`);
    expect(ticket.status).toBe(200);
    expect(ticket.body.subject).toBe(MASKED_SUBJECT);
    expect(JSON.stringify(ticket.body)).not.toContain(PASSWORD);
    const thread = await get(`/v1/tickets/${seeded.leaky}/thread`);
    expect(thread.status).toBe(200);
    expect(JSON.stringify(thread.body)).not.toContain(PASSWORD);
    const found = await get(`/v1/tickets?q=${encodeURIComponent(PASSWORD)}`);
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual([]);

    const [{ request }] = await sut.query<{ request: Record<string, unknown> }>(`SELECT request FROM ticket_intake.tickets WHERE id = $1`, [seeded.leaky]);
    expect(request).toEqual({
      product: 'reader',
      productVersion: '4.2.1',
      subject: MASKED_SUBJECT,
      description: `The admin panel rejects us.\n${REMOVED}`,
      stepsToReproduce: `1. open /admin 2. type ${REMOVED}`,
      browser: 'Firefox 132',
    });
    const bodies = await sut.query<{ id: string; body: string }>(`SELECT id::text AS id, body FROM ticket_intake.messages WHERE ticket_id = $1`, [seeded.leaky]);
    expect(Object.fromEntries(bodies.map((m) => [m.id, m.body]))).toEqual({ [seeded.answer]: `Try ${REMOVED} now`, [seeded.note]: `Their ${REMOVED}` });
  });

  it('P9: the events kept in the outbox carry no password', async () => {
    const events = await sut.query<{ position: string; data: Record<string, unknown> }>(`SELECT position::text AS position, event->'data' AS data FROM ticket_intake.outbox WHERE position = ANY($1::bigint[])`, [
      [seeded.created, seeded.responded],
    ]);
    const byPosition = Object.fromEntries(events.map((e) => [e.position, e.data]));
    expect(byPosition[seeded.created]).toEqual({ partnerId, sequence: 1, reference: 'TSS-OLD', subject: MASKED_SUBJECT, missingDetails: [] });
    expect(byPosition[seeded.responded]).toEqual({ partnerId, sequence: 1, messageId: seeded.answer, authorId: 'agent-1', body: `Try ${REMOVED} now` });
  });

  it('ordinary text and text already vaulted stay as written, and running the migration again changes nothing', async () => {
    const snapshot = () => sut.query(`SELECT id, request, search_document::text AS search FROM ticket_intake.tickets ORDER BY id`);
    const before = await snapshot();
    expect(before.find((t) => (t as { id: string }).id === seeded.ordinary)).toMatchObject({ request: { subject: 'The forgot password page shows error 500', description: 'Since Monday.' } });
    expect(before.find((t) => (t as { id: string }).id === seeded.vaulted)).toMatchObject({ request: { description: `Here: ${VAULTED}` } });

    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptTicketText1765501300000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
