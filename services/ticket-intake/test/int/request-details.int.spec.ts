import { randomBytes, randomUUID } from 'node:crypto';
import { validateEvent } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { insertTicketRow } from './support/ticket-rows';

const START = new Date('2026-03-02T08:00:00.000Z');
const SECRET = 'Details-Secret-7wQ2!z';
const MAIL_MISSING = ['product', 'productVersion', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion'];

/** P2: the details a request lacked are recorded after filing (docs/adr/0069, addendum of 2026-12-04, fifth session). */
describe('request details recorded after filing (P2)', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock(START.toISOString());
  const partnerId = randomUUID();
  const staffToken = (staffId = 'agent-details') => sut.token({ kind: 'staff', sub: staffId, client_id: staffId, roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
  const partnerToken = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const requesterToken = () => sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'client-1', scope: 'tickets:read tickets:write' });
  /** A ticket filed by mail: no product, no version, none of the details (as inbound mail files it). */
  const mailTicket = () =>
    insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: START, status: 'new', channel: 'email', product: null, productVersion: null, requesterId: 'client-1', missingDetails: MAIL_MISSING });
  const read = (token: string, ticketId: string) => sut.http().get(`/v1/tickets/${ticketId}`).auth(token, { type: 'bearer' });
  const patch = async (token: string, ticketId: string, body: Record<string, unknown>, etag?: string) =>
    sut
      .http()
      .patch(`/v1/tickets/${ticketId}`)
      .auth(token, { type: 'bearer' })
      .set('if-match', etag ?? (await read(staffToken(), ticketId)).headers.etag)
      .send(body);
  const eventsOf = (ticketId: string, type: string) =>
    sut.query<{ event: unknown }>(`SELECT event FROM ${INTAKE_SCHEMA}.outbox WHERE message_key = $1 AND event_type = $2 ORDER BY position`, [ticketId, type]);

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock, env: { TSS_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}` } });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('P2: completing details on a closed ticket is a plain 409 conflict (not invalid-transition) that changes nothing; a status change on it stays invalid-transition', async () => {
    const ticketId = await insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: START, status: 'closed', channel: 'email', product: null, productVersion: null, requesterId: 'client-1', missingDetails: MAIL_MISSING });
    const before = await read(staffToken(), ticketId);
    const refused = await patch(staffToken(), ticketId, { browser: 'Edge' }, before.headers.etag);
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.type).toBe('https://tss.dev/problems/conflict');
    expect(refused.body.detail).toMatch(/closed.*request stays as it was/);
    expect(refused.body.detail).not.toContain('Allowed');
    expect(refused.body.allowed).toBeUndefined();
    const after = await read(staffToken(), ticketId);
    expect(after.headers.etag).toBe(before.headers.etag);
    expect(after.body.browser).toBeUndefined();
    expect(await eventsOf(ticketId, 'ticket.details_changed')).toEqual([]);

    const reopen = await patch(staffToken(), ticketId, { status: 'open' }, before.headers.etag);
    expect(reopen.status).toBe(409);
    expect(reopen.body.type).toBe('https://tss.dev/problems/invalid-transition');
  });

  it('P2: staff complete a mail ticket’s details; missingDetails is recomputed, the change is in the history and in ticket.details_changed', async () => {
    const ticketId = await mailTicket();
    const before = await read(staffToken(), ticketId);
    expect(before.body).toMatchObject({ channel: 'email', missingDetails: MAIL_MISSING });
    expect(before.body.product).toBeUndefined();

    const changed = await patch(
      staffToken(),
      ticketId,
      { product: 'reader', productVersion: '4.2.1', browser: 'Firefox 120', operatingSystem: 'Windows', operatingSystemVersion: '11', note: "From the requester's reply" },
      before.headers.etag,
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      product: 'reader',
      productVersion: '4.2.1',
      browser: 'Firefox 120',
      operatingSystem: 'Windows',
      operatingSystemVersion: '11',
      missingDetails: ['stepsToReproduce'],
      status: 'new',
      responseOwed: true,
      version: 3,
    });
    expect(changed.headers.etag).toBe('"3"');
    // Read back as stored, and found by the product filter that left every mail ticket out.
    expect((await read(partnerToken(), ticketId)).body).toMatchObject({ product: 'reader', missingDetails: ['stepsToReproduce'] });
    const listed = await sut.http().get('/v1/tickets?product=reader').auth(partnerToken(), { type: 'bearer' });
    expect(listed.body.items.map((t: { id: string }) => t.id)).toContain(ticketId);

    const [event] = await eventsOf(ticketId, 'ticket.details_changed');
    expect(validateEvent(event.event)).toMatchObject({ ok: true });
    expect((event.event as { data: unknown }).data).toEqual({
      partnerId,
      sequence: 3,
      changed: ['product', 'productVersion', 'browser', 'operatingSystem', 'operatingSystemVersion'],
      product: 'reader',
      productVersion: '4.2.1',
      missingDetails: ['stepsToReproduce'],
      changedAt: START.toISOString(),
    });
    const history = await sut.http().get(`/v1/tickets/${ticketId}/history`).auth(staffToken(), { type: 'bearer' });
    expect(history.body.items).toEqual([
      {
        at: START.toISOString(),
        actor: { kind: 'staff', id: 'agent-details' },
        action: 'details_changed',
        detail: {
          fields: ['product', 'productVersion', 'browser', 'operatingSystem', 'operatingSystemVersion'],
          from: {},
          to: { product: 'reader', productVersion: '4.2.1', browser: 'Firefox 120', operatingSystem: 'Windows', operatingSystemVersion: '11' },
          missingDetails: ['stepsToReproduce'],
          note: "From the requester's reply",
        },
        sequence: 3,
        visibility: 'public',
      },
    ]);

    // A correction: the ETag read before it is stale afterwards (412), as for every PATCH.
    const corrected = await patch(staffToken(), ticketId, { productVersion: '4.2.2' }, '"3"');
    expect(corrected.status).toBe(200);
    expect((await patch(staffToken(), ticketId, { productVersion: '4.2.3' }, '"3"')).status).toBe(412);
    expect((await eventsOf(ticketId, 'ticket.details_changed')).map((e) => (e.event as { data: { changed: string[]; productVersion: string } }).data)).toEqual([
      expect.objectContaining({ changed: expect.any(Array), productVersion: '4.2.1' }),
      expect.objectContaining({ changed: ['productVersion'], productVersion: '4.2.2', sequence: 4 }),
    ]);
  });

  it('details are checked as at filing: a bad product, a blank or an over-long detail is a 400 that changes nothing; without If-Match a 428', async () => {
    const ticketId = await mailTicket();
    for (const body of [{ product: 'writer' }, { browser: '   ' }, { productVersion: 'x'.repeat(65) }, { operatingSystem: 'Linux', description: 'rewritten' }]) {
      const refused = await patch(staffToken(), ticketId, body);
      expect(refused.status).toBe(400);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const bare = await sut.http().patch(`/v1/tickets/${ticketId}`).auth(staffToken(), { type: 'bearer' }).send({ browser: 'Chrome' });
    expect(bare.status).toBe(428);
    expect((await read(staffToken(), ticketId)).body).toMatchObject({ version: 2, missingDetails: MAIL_MISSING });
    expect(await eventsOf(ticketId, 'ticket.details_changed')).toEqual([]);
  });

  it('P9: access particulars in a detail are vaulted and masked in the ticket, its history and everything stored', async () => {
    const ticketId = await mailTicket();
    const changed = await patch(staffToken(), ticketId, { antivirus: `Kaspersky, admin password: ${SECRET}` });
    expect(changed.status).toBe(200);
    expect(changed.body.antivirus).toMatch(/^Kaspersky, admin \[credentials stored securely: TSS vault #[0-9a-f]{8}\]$/);
    const stored = await sut.query<{ text: string }>(
      `SELECT concat_ws(' ', (SELECT request::text FROM ${INTAKE_SCHEMA}.tickets WHERE id = $1), (SELECT string_agg(detail::text, ' ') FROM ${INTAKE_SCHEMA}.ticket_history WHERE ticket_id = $1),
         (SELECT string_agg(event::text, ' ') FROM ${INTAKE_SCHEMA}.outbox WHERE message_key = $1::text)) AS text`,
      [ticketId],
    );
    expect(stored[0].text).toContain('TSS vault #');
    expect(stored[0].text).not.toContain(SECRET);
    const vaulted = await sut.http().get(`/v1/tickets/${ticketId}/credentials`).auth(staffToken(), { type: 'bearer' });
    expect(vaulted.body.items).toHaveLength(1);
  });

  it('the partner and the requester add missing information by message, not by PATCH (403)', async () => {
    const ticketId = await mailTicket();
    for (const token of [partnerToken(), requesterToken()]) {
      const refused = await patch(token, ticketId, { browser: 'Firefox 120' });
      expect(refused.status).toBe(403);
    }
    expect((await read(staffToken(), ticketId)).body.browser).toBeUndefined();
  });
});
