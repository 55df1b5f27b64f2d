import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { insertMessageRow, insertTicketRow } from './support/ticket-rows';

const START = new Date('2026-04-01T10:00:00.000Z');
const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);

/**
 * RFC 9110 §15.3.2 and docs/adr/0065: a 201's Location names what was created, and a caller can
 * GET it. A posted message's Location named the thread with a fragment, whose GET is its first
 * page: on a ticket with more than a page of messages, not the new one.
 */
describe('a posted message’s Location is the message, which its reader can GET (docs/adr/0065)', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock(START.toISOString());
  const partnerId = randomUUID();
  let ticketId: string;
  let otherTicketId: string;
  const partner = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const rival = () => sut.token({ kind: 'partner', partner_id: randomUUID(), scope: 'tickets:read tickets:write' });
  const ann = () => sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'cust-ann', scope: 'tickets:read tickets:write' });
  const bob = () => sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'cust-bob', scope: 'tickets:read tickets:write' });
  const staff = () => sut.token({ kind: 'staff', sub: 'agent-location', roles: ['agent'], scope: 'tickets:read tickets:write' });
  const get = (token: string, path: string) => sut.http().get(path).auth(token, { type: 'bearer' });
  const post = (token: string, body: Record<string, unknown>) => sut.http().post(`/v1/tickets/${ticketId}/messages`).auth(token, { type: 'bearer' }).send(body);

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
    ticketId = await insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: at(0), requesterId: 'cust-ann' });
    otherTicketId = await insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: at(0), requesterId: 'cust-ann' });
    // More than the thread's first page (100) before the new message.
    for (let n = 1; n <= 105; n += 1) await insertMessageRow((sql, p) => sut.query(sql, p), { ticketId, partnerId, body: `Earlier message ${n}.`, visibility: 'public', createdAt: at(n) });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('after 105 messages, the Location of the 106th answers that message, as the thread shows it to its reader', async () => {
    const posted = await post(partner(), { body: 'Still crashing on 4.2.1.' });
    expect(posted.status).toBe(201);
    const messageId = posted.body.message.id as string;
    expect(posted.headers.location).toBe(`/v1/tickets/${ticketId}/messages/${messageId}`);
    const read = await get(partner(), posted.headers.location);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(posted.body.message);
    // The requester it is for reads it too.
    expect((await get(ann(), posted.headers.location)).body).toEqual(posted.body.message);
  });

  it('an internal note is read by staff only; a message is read under its own ticket only, by whoever may read that ticket', async () => {
    const note = await post(staff(), { body: 'Suspect the zebra decoder.', visibility: 'internal' });
    expect(note.status).toBe(201);
    expect((await get(staff(), note.headers.location)).body).toMatchObject({ id: note.body.message.id, visibility: 'internal' });
    for (const token of [partner(), ann()]) expect((await get(token, note.headers.location)).status).toBe(404);

    const message = (await post(ann(), { body: 'Here is more detail.' })).body.message as { id: string };
    for (const token of [rival(), bob()]) expect((await get(token, `/v1/tickets/${ticketId}/messages/${message.id}`)).status).toBe(404);
    expect((await get(partner(), `/v1/tickets/${otherTicketId}/messages/${message.id}`)).status).toBe(404);
    expect((await get(partner(), `/v1/tickets/${ticketId}/messages/${randomUUID()}`)).status).toBe(404);
    const malformed = await get(partner(), `/v1/tickets/${ticketId}/messages/not-a-uuid`);
    expect([malformed.status, malformed.body.errors]).toEqual([400, [expect.objectContaining({ in: 'params', pointer: '/messageId' })]]);
  });
});
