import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { mailStore } from '../src/store/mail.store';
import { notificationWithoutWorkers } from './support/webhook-fixtures';

// An outside test (a year of data, 69k mails): `GET /v1/mail/outbox` answered the newest `limit`
// (≤ 200) and no cursor, so older mail could not be reached (`&cursor=x` was a 400 "additional
// properties"). It now pages as the webhook delivery log does (docs/adr/0027, fourth session).
describe('the mail outbox comes in pages (notification alone on real PostgreSQL)', () => {
  const clock = new TestClock('2026-12-05T10:00:00.000Z');
  const partnerId = randomUUID();
  const ticketA = randomUUID();
  const ticketB = randomUUID();
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  /** Mails queued at `at` plus `i` ms (several at one instant when `sameInstant`), alternating between the tickets. */
  const queue = async (count: number, at: Date, sameInstant = false) => {
    const rows = await sut.query<{ id: string; ticket_id: string }>(
      `INSERT INTO notification.mail_messages (id, ticket_id, partner_id, kind, recipient, language, message_id, subject, text_body, html_body, status, created_at)
       SELECT gen_random_uuid(), CASE WHEN n % 2 = 0 THEN $1::uuid ELSE $2::uuid END, $3, 'agent_reply', 'ann@client.example', 'en',
              '<' || gen_random_uuid() || '@tss.test>', 'Re: your ticket', 'text', '<p>html</p>', 'sent',
              $4::timestamptz + CASE WHEN $6::boolean THEN interval '0' ELSE n * interval '1 millisecond' END
         FROM generate_series(1, $5::int) AS n
       RETURNING id, ticket_id`,
      [ticketA, ticketB, partnerId, at, count, sameInstant],
    );
    return rows;
  };
  const staff = (id: string) => sut.token({ kind: 'staff', sub: id, client_id: id, roles: ['agent'], scope: 'tickets:read' });
  const outbox = (query: string, as = staff('agent-1')) => sut.http().get(`/v1/mail/outbox?${query}`).auth(as, { type: 'bearer' });
  const idsOf = (body: { items: { id: string }[] }) => body.items.map((m) => m.id);
  /** Every page from the first, following `nextCursor`; `between` runs after each page. */
  const allPages = async (query: string, between: (page: number) => Promise<void> = async () => undefined) => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const response = await outbox(`${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(response.status).toBe(200);
      seen.push(...idsOf(response.body));
      sizes.push(response.body.items.length);
      cursor = response.body.nextCursor as string | undefined;
      await between(sizes.length);
    } while (cursor);
    return { seen, sizes };
  };

  it('pages give every mail once, newest first, ties at one instant included, and the last page has no cursor', async () => {
    await sut.query(`DELETE FROM notification.mail_messages`);
    const queued = [...(await queue(8, new Date('2026-12-05T09:00:00.000Z'))), ...(await queue(5, new Date('2026-12-05T09:30:00.000Z'), true))];
    const { seen, sizes } = await allPages('limit=4');
    expect(sizes).toEqual([4, 4, 4, 1]);
    expect([...seen].sort()).toEqual(queued.map((m) => m.id).sort());
    const whole = await outbox('limit=200');
    expect(seen).toEqual(idsOf(whole.body));
    expect(whole.body.nextCursor).toBeUndefined();
  });

  it('a ticket’s mail pages the same way and holds only that ticket’s', async () => {
    await sut.query(`DELETE FROM notification.mail_messages`);
    const queued = await queue(11, new Date('2026-12-05T09:00:00.000Z'));
    const { seen, sizes } = await allPages(`limit=2&ticketId=${ticketA}`);
    expect(sizes).toEqual([2, 2, 1]);
    expect([...seen].sort()).toEqual(queued.filter((m) => m.ticket_id === ticketA).map((m) => m.id).sort());
  });

  it('mail queued while a reader pages comes before their first page: later pages neither repeat nor skip any', async () => {
    await sut.query(`DELETE FROM notification.mail_messages`);
    const queued = await queue(10, new Date('2026-12-05T09:00:00.000Z'));
    let later = 0;
    const { seen } = await allPages('limit=3', async (page) => {
      await queue(2, new Date(`2026-12-05T09:1${page}:00.000Z`)); // newer than every page read so far
      later += 2;
    });
    expect(later).toBeGreaterThan(0);
    expect(seen).toHaveLength(new Set(seen).size);
    expect([...seen].sort()).toEqual(queued.map((m) => m.id).sort());
  });

  it('a cursor is refused for another ticket filter, another reader, or altered: a 400 problem naming /cursor', async () => {
    await sut.query(`DELETE FROM notification.mail_messages`);
    await queue(6, new Date('2026-12-05T09:00:00.000Z'));
    const first = await outbox(`limit=1&ticketId=${ticketA}`);
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const refusals = [
      await outbox(`limit=1&ticketId=${ticketB}&cursor=${encodeURIComponent(cursor)}`),
      await outbox(`limit=1&cursor=${encodeURIComponent(cursor)}`),
      await outbox(`limit=1&ticketId=${ticketA}&cursor=${encodeURIComponent(cursor)}`, staff('agent-2')),
      await outbox(`limit=1&ticketId=${ticketA}&cursor=${encodeURIComponent(`${cursor.slice(0, -2)}xx`)}`),
    ];
    for (const response of refusals) {
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body.errors).toEqual([expect.objectContaining({ pointer: '/cursor' })]);
    }
    expect((await outbox(`limit=1&ticketId=${ticketA}&cursor=${encodeURIComponent(cursor)}`)).status).toBe(200);
  });

  it('a page is read in order from an index, whatever the outbox holds: no sequential scan, no sort', async () => {
    await sut.query(`DELETE FROM notification.mail_messages`);
    await queue(20_000, new Date('2026-12-01T00:00:00.000Z'));
    await sut.query(`ANALYZE notification.mail_messages`);
    const position = { createdAt: new Date('2026-12-01T00:00:05.000Z'), id: randomUUID() };
    for (const args of [{}, { ticketId: ticketA }, { before: position }, { ticketId: ticketA, before: position }]) {
      const sent: { sql: string; params: unknown[] }[] = [];
      await sut.host.unitOfWork.run((tx) =>
        mailStore.latest(
          new Proxy(tx, {
            get: (target, key, receiver): unknown =>
              key === 'query' ? (sql: string, params: unknown[] = []) => (sent.push({ sql, params }), target.query(sql, params)) : Reflect.get(target, key, receiver),
          }),
          { limit: 51, ...args },
        ),
      );
      const plans = await Promise.all(sent.map(async ({ sql, params }) => (await sut.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n')));
      expect([Object.keys(args), plans.join('\n')]).toEqual([Object.keys(args), expect.not.stringMatching(/Seq Scan|Sort/)]);
      expect(plans.join('\n')).toMatch(/Index Scan using mail_messages_(ticket_)?created_id/);
    }
  });
});
