import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { insertTicketRow } from './support/ticket-rows';

const START = new Date('2026-03-02T08:00:00.000Z');
const RATE_TOKEN = 'XRK99y-6eNcInEqHbwD4ikoSjnBCmEAAjbxJeh9wxaQ';
const SITE_TOKEN = 'v1.eph-k1.eyJsIjoiNmVmYyIsInIiOiJjbGllbnQtMSJ9.tGGp_xzYCs_BG5rLaQ5KVUUTCFzK4kZWESpvLbi5VWw';
const RATE_LINK = `http://127.0.0.1:8080/rate/${RATE_TOKEN}`;
const SITE_LINK = `http://127.0.0.1:8080/support/t/${SITE_TOKEN}`;
const PASTED = `The link ${RATE_LINK} fails, and this one ${SITE_LINK}`;

/**
 * The rating link's token and the support-site link's token are the requester's bearer credentials
 * (docs/adr/0037, docs/adr/0040 addendum of 2026-12-04, fifth session): staff must not rate their
 * own work, so whatever text of a ticket staff read has them withheld; the partner and the
 * requester, who own the links, read the text as written.
 */
describe('link credentials the requester pasted are withheld from staff (docs/adr/0040)', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock(START.toISOString());
  const partnerId = randomUUID();
  const staffToken = () => sut.token({ kind: 'staff', sub: 'agent-links', client_id: 'agent-links', roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
  const partnerToken = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const requesterToken = () => sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'client-1', scope: 'tickets:read tickets:write' });
  const get = (token: string, path: string) => sut.http().get(path).auth(token, { type: 'bearer' });
  let ticketId: string;

  const expectWithheld = (body: unknown) => {
    const text = JSON.stringify(body);
    expect(text).not.toContain(RATE_TOKEN);
    expect(text).not.toContain(SITE_TOKEN);
    expect(text).toContain('http://127.0.0.1:8080/rate/[withheld]');
    expect(text).toContain('http://127.0.0.1:8080/support/t/[withheld]');
  };
  const expectAsWritten = (body: unknown) => {
    const text = JSON.stringify(body);
    expect(text).toContain(RATE_LINK);
    expect(text).toContain(SITE_LINK);
    expect(text).not.toContain('[withheld]');
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
    ticketId = await insertTicketRow((sql, p) => sut.query(sql, p), {
      partnerId,
      receivedAt: START,
      requesterId: 'client-1',
      subject: `Broken ${RATE_LINK} and ${SITE_LINK}`,
      description: PASTED,
      stepsToReproduce: `Open ${RATE_LINK} then ${SITE_LINK}`,
    });
    const posted = await sut.http().post(`/v1/tickets/${ticketId}/messages`).auth(requesterToken(), { type: 'bearer' }).send({ body: PASTED });
    expect(posted.status).toBe(201);
    // Staff rewrite the steps: the history keeps the requester's words it replaced.
    const read = await get(staffToken(), `/v1/tickets/${ticketId}`);
    const patched = await sut
      .http()
      .patch(`/v1/tickets/${ticketId}`)
      .auth(staffToken(), { type: 'bearer' })
      .set('if-match', read.headers.etag)
      .send({ stepsToReproduce: 'Open the rating link from the resolved mail.' });
    expect(patched.status).toBe(200);
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('the thread: staff read the request and the messages with the tokens withheld; the requester and the partner as written', async () => {
    const staff = await get(staffToken(), `/v1/tickets/${ticketId}/thread`);
    expect(staff.status).toBe(200);
    expect(staff.body.items).toHaveLength(1);
    expect(staff.body.items[0].body).toBe('The link http://127.0.0.1:8080/rate/[withheld] fails, and this one http://127.0.0.1:8080/support/t/[withheld]');
    expect(staff.body.request.description).toBe(staff.body.items[0].body);
    expectWithheld(staff.body);
    for (const token of [requesterToken(), partnerToken()]) {
      const owner = await get(token, `/v1/tickets/${ticketId}/thread`);
      expect(owner.status).toBe(200);
      expect(owner.body.items[0].body).toBe(PASTED);
      expectAsWritten(owner.body);
    }
  });

  it('the history: staff read the replaced details with the tokens withheld; the partner as written', async () => {
    const staff = await get(staffToken(), `/v1/tickets/${ticketId}/history`);
    expect(staff.status).toBe(200);
    expect(JSON.stringify(staff.body)).toContain('Open http://127.0.0.1:8080/rate/[withheld] then http://127.0.0.1:8080/support/t/[withheld]');
    expectWithheld(staff.body);
    expectAsWritten((await get(partnerToken(), `/v1/tickets/${ticketId}/history`)).body);
  });

  it('the ticket, the ticket list and the queue: staff read the subject and description with the tokens withheld', async () => {
    const staff = await get(staffToken(), `/v1/tickets/${ticketId}`);
    expect(staff.status).toBe(200);
    expect(staff.body.description).toBe('The link http://127.0.0.1:8080/rate/[withheld] fails, and this one http://127.0.0.1:8080/support/t/[withheld]');
    expectWithheld(staff.body);
    expectAsWritten((await get(requesterToken(), `/v1/tickets/${ticketId}`)).body);

    const list = await get(staffToken(), `/v1/tickets?partnerId=${partnerId}`);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expectWithheld(list.body);
    expectAsWritten((await get(partnerToken(), '/v1/tickets')).body);

    const queue = await get(staffToken(), '/v1/queue?view=open');
    expect(queue.status).toBe(200);
    const entry = queue.body.items.find((e: { ticket: { id: string } }) => e.ticket.id === ticketId);
    expect(entry).toBeDefined();
    expectWithheld(entry);
  });

  // RFC 9110 §8.8.3: a strong ETag names one representation, and the partner's (as written) and the
  // agent's (tokens withheld) differ (docs/adr/0069, addendum of 2026-12-05, fourth session).
  it('the partner’s and the agent’s representations carry different ETags, each compared with its reader’s; an agent PATCHes with the tag it read', async () => {
    const path = `/v1/tickets/${ticketId}`;
    const conditional = (token: string, etag: string) => sut.http().get(path).auth(token, { type: 'bearer' }).set('if-none-match', etag);
    const asWritten = (await get(partnerToken(), path)).headers.etag as string;
    const withheld = (await get(staffToken(), path)).headers.etag as string;
    expect(withheld).not.toBe(asWritten);
    expect((await get(requesterToken(), path)).headers.etag).toBe(asWritten);
    expect([(await conditional(partnerToken(), asWritten)).status, (await conditional(partnerToken(), withheld)).status]).toEqual([304, 200]);
    expect([(await conditional(staffToken(), withheld)).status, (await conditional(staffToken(), asWritten)).status]).toEqual([304, 200]);

    const patch = (etag: string, body: object) => sut.http().patch(path).auth(staffToken(), { type: 'bearer' }).set('if-match', etag).send(body);
    const changed = await patch(withheld, { category: 'theory' });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe((await get(staffToken(), path)).headers.etag);
    expect(changed.headers.etag).not.toBe((await get(partnerToken(), path)).headers.etag);
    // The tag it read is stale now: the 412 names the agent's tag of the version in force.
    const stale = await patch(withheld, { category: 'installation_setup' });
    expect([stale.status, stale.body.etag]).toEqual([412, changed.headers.etag]);
    // Both tags name the same version: the one a partner's copy holds admits the agent's change too.
    const partnersTag = (await get(partnerToken(), path)).headers.etag as string;
    expect((await patch(partnersTag, { category: 'installation_setup' })).status).toBe(200);
  });
});
