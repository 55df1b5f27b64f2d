import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { cursorAt, reSignedCursor, TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { insertMessageRow, insertTicketRow } from './support/ticket-rows';

const START = new Date('2026-04-01T10:00:00.000Z');
const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);
/** PostgreSQL's bigint, the type of the thread's `position` and the history's `id`. */
const BIGINT_MAX = '9223372036854775807';

/**
 * docs/adr/0027: a cursor's check value is no secret, so anyone can re-sign an edited one. What
 * it decodes to must still be a value its column holds, or the page is a 400 `bad-request`, never
 * a 500 from PostgreSQL refusing the parameter.
 */
describe('a re-signed cursor whose sort keys no column holds is a 400, not a 500 (docs/adr/0027)', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock(START.toISOString());
  const partnerId = randomUUID();
  let ticketId: string;
  const partner = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const staff = () => sut.token({ kind: 'staff', sub: 'agent-forged', roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
  const get = (token: string, path: string) => sut.http().get(path).auth(token, { type: 'bearer' });
  const expectBadCursor = (response: { status: number; body: { type?: string; errors?: unknown } }) => {
    expect({ status: response.status, type: response.body.type }).toEqual({ status: 400, type: 'https://tss.dev/problems/bad-request' });
    expect(response.body.errors).toEqual([expect.objectContaining({ in: 'querystring', pointer: '/cursor' })]);
  };
  /** The nextCursor of the first page of `path` (one item a page), as `token` reads it. */
  const firstCursor = async (token: string, path: string): Promise<string> => {
    const page = await get(token, `${path}${path.includes('?') ? '&' : '?'}limit=1`);
    expect(page.status).toBe(200);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    return page.body.nextCursor as string;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
    ticketId = await insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: at(0) });
    await insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: at(60_000) });
    for (const body of ['First.', 'Second.']) await insertMessageRow((sql, p) => sut.query(sql, p), { ticketId, partnerId, body, visibility: 'public', createdAt: at(120_000) });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('the thread and the history: a position above bigint’s maximum is a 400; the maximum itself an empty page', async () => {
    const thread = await firstCursor(partner(), `/v1/tickets/${ticketId}/thread`);
    // The history's cursor is the thread's envelope under the other list's name: the same ticket, the same fingerprint.
    const history = reSignedCursor(thread, (envelope) => ({ ...envelope, k: 'history' }));
    for (const [log, cursor] of [['thread', thread], ['history', history]] as const) {
      for (const position of ['9999999999999999999', '9223372036854775808']) {
        expectBadCursor(await get(partner(), `/v1/tickets/${ticketId}/${log}?cursor=${cursorAt(cursor, [position])}`));
      }
      const last = await get(partner(), `/v1/tickets/${ticketId}/${log}?cursor=${cursorAt(cursor, [BIGINT_MAX])}`);
      expect([last.status, last.body.items]).toEqual([200, []]);
    }
  });

  it('the ticket list and the queue: an instant no cursor of ours writes (a day past the month’s end, midnight as 24:00) is a 400', async () => {
    const list = await firstCursor(partner(), '/v1/tickets');
    const queue = await firstCursor(staff(), '/v1/queue');
    const id = randomUUID();
    for (const instant of ['2026-02-30T10:00:00.000Z', '2026-04-01T24:00:00.000Z']) {
      expectBadCursor(await get(partner(), `/v1/tickets?cursor=${cursorAt(list, [instant, id])}`));
      expectBadCursor(await get(staff(), `/v1/queue?cursor=${cursorAt(queue, [1, instant, START.toISOString(), id])}`));
      expectBadCursor(await get(staff(), `/v1/queue?cursor=${cursorAt(queue, [1, START.toISOString(), instant, id])}`));
    }
    // The earliest and latest instants a cursor can name still read as pages.
    for (const instant of ['0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
      expect((await get(partner(), `/v1/tickets?cursor=${cursorAt(list, [instant, id])}`)).status).toBe(200);
      expect((await get(staff(), `/v1/queue?cursor=${cursorAt(queue, [1, instant, instant, id])}`)).status).toBe(200);
    }
  });
});
