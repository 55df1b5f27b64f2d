import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

type Item = { id: string };

// Issue #9 "List and search", through the gateway: filters, full text over the thread, keyset
// pages, and tenancy whatever the filter.
describe('ticket list and search through the gateway (issue #9)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let admin: string;
  let acme: { partnerId: string; token: string };
  let rival: { partnerId: string; token: string };
  let staff: string;
  const acmeIds: string[] = [];
  const rivalIds: string[] = [];
  const clock = new TestClock('2026-05-05T08:00:00.000Z');

  const file = async (partner: { token: string }, overrides: Record<string, unknown>) => {
    clock.advanceMs(60_000);
    const response = await client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket(overrides));
    expect(response.status).toBe(201);
    (partner === acme ? acmeIds : rivalIds).push(response.body.id);
    return response.body.id as string;
  };
  const ids = async (token: string, query = '') => {
    const response = await client.http().get(`/v1/tickets${query}`).auth(token, { type: 'bearer' });
    expect(response.status).toBe(200);
    return (response.body.items as Item[]).map((i) => i.id);
  };

  beforeAll(async () => {
    platform = await startTestPlatform('ticket_search', { clock });
    client = platform.client;
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Search');
    rival = await client.partner(admin, 'Rival Search');
    staff = (await client.staff(admin, ['agent'])).token;
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('finds a ticket by a word of its subject, and by a word of a message posted to its thread', async () => {
    const epub = await file(acme, { subject: 'Reader crashes on opening EPUB' });
    const player = await file(acme, { product: 'player', subject: 'Video stutters in fullscreen', level: 'emergency' });
    await file(rival, { subject: 'Reader crashes on opening EPUB' });

    expect(await ids(acme.token, '?q=crashing')).toEqual([epub]);
    const posted = await client.http().post(`/v1/tickets/${player}/messages`).auth(acme.token, { type: 'bearer' }).send({ body: 'Only with the hardware decoder enabled.' });
    expect(posted.status).toBe(201);
    expect(await ids(acme.token, '?q=decoder')).toEqual([player]);
    expect(await ids(acme.token, '?product=player&level=emergency')).toEqual([player]);
  });

  it('staff list every partner’s tickets, or one partner’s; a partner never another’s, whatever the filter', async () => {
    expect(new Set(await ids(staff))).toEqual(new Set([...acmeIds, ...rivalIds]));
    expect(await ids(staff, `?partnerId=${rival.partnerId}`)).toEqual([...rivalIds].reverse());
    for (const query of ['', '?q=crashes', '?product=reader', `?partnerId=${acme.partnerId}`, '?status=open,new']) {
      for (const id of await ids(rival.token, query)) expect(rivalIds).toContain(id);
    }
    expect(await ids(rival.token, `?partnerId=${acme.partnerId}`)).toEqual([]);
  });

  it('pages newest first through nextCursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await client.http().get(`/v1/tickets?limit=1${cursor ? `&cursor=${cursor}` : ''}`).auth(acme.token, { type: 'bearer' });
      expect(response.status).toBe(200);
      seen.push(...(response.body.items as Item[]).map((i) => i.id));
      cursor = response.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...acmeIds].reverse());
  });

  it('P11: lists the follow-ups of a ticket (linkedTicketId), within the caller’s tenancy', async () => {
    const first = await file(acme, { subject: 'Not solved in the end' });
    for (const status of ['resolved', 'closed']) {
      const read = await client.http().get(`/v1/tickets/${first}`).auth(staff, { type: 'bearer' });
      await client.http().patch(`/v1/tickets/${first}`).auth(staff, { type: 'bearer' }).set('if-match', read.headers.etag as string).send({ status }).expect(200);
    }
    const reopened = await client.http().post(`/v1/tickets/${first}/reopen`).auth(acme.token, { type: 'bearer' }).send({});
    expect(reopened.status).toBe(201);
    const followUp = reopened.body.ticket.id as string;
    expect(await ids(acme.token, `?linkedTicketId=${first}`)).toEqual([followUp]);
    expect(await ids(staff, `?linkedTicketId=${first}`)).toEqual([followUp]);
    expect(await ids(rival.token, `?linkedTicketId=${first}`)).toEqual([]);
    expect((await client.http().get('/v1/tickets?linkedTicketId=not-a-uuid').auth(acme.token, { type: 'bearer' })).status).toBe(400);
  });
});
