import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { insertMessageRow, insertTicketRow, type TicketRowSeed } from './support/ticket-rows';

const START = new Date('2026-04-01T10:00:00.000Z');
const HOUR = 3_600_000;
const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);

type Item = { id: string };

describe('ticket list and search (issue #9)', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock(START.toISOString());
  const acme = randomUUID();
  const rival = randomUUID();
  const tickets: Record<string, string> = {};
  const acmeIds: string[] = [];
  const rivalIds: string[] = [];

  const token = {
    acme: () => sut.token({ kind: 'partner', partner_id: acme, scope: 'tickets:read tickets:write' }),
    rival: () => sut.token({ kind: 'partner', partner_id: rival, scope: 'tickets:read tickets:write' }),
    ann: () => sut.token({ kind: 'requester', partner_id: acme, requester_id: 'cust-ann', scope: 'tickets:read tickets:write' }),
    staff: () => sut.token({ kind: 'staff', sub: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write queue:read' }),
  };
  const list = (bearer: string, query = '') => sut.http().get(`/v1/tickets${query}`).auth(bearer, { type: 'bearer' });
  const ids = async (bearer: string, query = '') => {
    const response = await list(bearer, query);
    expect(response.status).toBe(200);
    return (response.body.items as Item[]).map((i) => i.id);
  };
  const seed = async (name: string, s: TicketRowSeed) => {
    tickets[name] = await insertTicketRow((sql, p) => sut.query(sql, p), s);
    (s.partnerId === acme ? acmeIds : rivalIds).push(tickets[name]);
    return tickets[name];
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
    // Received an hour apart, so newest first is the reverse of this order.
    await seed('epubCrash', { partnerId: acme, receivedAt: at(0), subject: 'Reader crashes on opening EPUB', requesterId: 'cust-ann', product: 'reader' });
    await seed('playerBlank', { partnerId: acme, receivedAt: at(1 * HOUR), subject: 'Blank page in the player', level: 'emergency', product: 'player', requesterId: 'cust-bob' });
    await seed('russian', {
      partnerId: acme,
      receivedAt: at(2 * HOUR),
      subject: 'Ошибки при установке',
      description: 'Платформа не устанавливается на сервер',
      product: 'platform',
      status: 'awaiting_customer',
      category: 'installation_setup',
      language: 'ru',
      requesterId: 'cust-ann',
    });
    await seed('assigned', { partnerId: acme, receivedAt: at(3 * HOUR), subject: 'Slow catalogue', status: 'new', assigneeId: 'agent-7', level: 'consulting' });
    await seed('resolved', { partnerId: acme, receivedAt: at(4 * HOUR), subject: 'Licence question', status: 'resolved', category: 'theory_of_system' });
    // The rival's tickets share every word and value with acme's.
    await seed('rivalEpub', { partnerId: rival, receivedAt: at(0.5 * HOUR), subject: 'Reader crashes on opening EPUB', requesterId: 'cust-ann', product: 'reader' });
    await seed('rivalRussian', { partnerId: rival, receivedAt: at(2.5 * HOUR), subject: 'Ошибки при установке', category: 'installation_setup', status: 'awaiting_customer', assigneeId: 'agent-7' });
    await insertMessageRow((sql, p) => sut.query(sql, p), { ticketId: tickets.playerBlank, partnerId: acme, body: 'It happens with the watermark plugin enabled.', visibility: 'public', createdAt: at(5 * HOUR) });
    await insertMessageRow((sql, p) => sut.query(sql, p), { ticketId: tickets.epubCrash, partnerId: acme, body: 'Internal: suspect the zebra decoder.', visibility: 'internal', createdAt: at(5 * HOUR) });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('a partner lists its tickets newest first; a requester only its own; staff every partner’s, or one', async () => {
    expect(await ids(token.acme())).toEqual([...acmeIds].reverse());
    expect(await ids(token.ann())).toEqual([tickets.russian, tickets.epubCrash]);
    expect(await ids(token.staff())).toEqual(
      [tickets.resolved, tickets.assigned, tickets.rivalRussian, tickets.russian, tickets.playerBlank, tickets.rivalEpub, tickets.epubCrash],
    );
    expect(await ids(token.staff(), `?partnerId=${rival}`)).toEqual([tickets.rivalRussian, tickets.rivalEpub]);
  });

  it('filters: status and level (repeated or comma-separated), product, category, requester, assignee, received range', async () => {
    expect(await ids(token.acme(), '?status=new,awaiting_customer')).toEqual([tickets.assigned, tickets.russian]);
    expect(await ids(token.acme(), '?status=new&status=awaiting_customer')).toEqual([tickets.assigned, tickets.russian]);
    expect(await ids(token.acme(), '?level=emergency')).toEqual([tickets.playerBlank]);
    expect(await ids(token.acme(), '?product=platform,player')).toEqual([tickets.russian, tickets.playerBlank]);
    expect(await ids(token.acme(), '?category=installation_setup')).toEqual([tickets.russian]);
    expect(await ids(token.acme(), '?requesterId=cust-bob')).toEqual([tickets.playerBlank]);
    expect(await ids(token.acme(), '?assigneeId=agent-7')).toEqual([tickets.assigned]);
    const from = encodeURIComponent(at(1 * HOUR).toISOString());
    const to = encodeURIComponent(at(3 * HOUR).toISOString());
    expect(await ids(token.acme(), `?createdFrom=${from}&createdTo=${to}`)).toEqual([tickets.russian, tickets.playerBlank]);
    expect(await ids(token.acme(), `?createdFrom=${from}&createdTo=${to}&status=open`)).toEqual([tickets.playerBlank]);
  });

  it('full text over subject, description and public messages, stemmed in English and Russian; internal notes are not searched', async () => {
    expect(await ids(token.acme(), '?q=crash')).toEqual([tickets.epubCrash]); // "crashes" stems to "crash"
    expect(await ids(token.acme(), `?q=${encodeURIComponent('ошибка')}`)).toEqual([tickets.russian]); // "Ошибки"
    expect(await ids(token.acme(), `?q=${encodeURIComponent('сервере')}`)).toEqual([tickets.russian]); // description
    expect(await ids(token.acme(), '?q=watermark')).toEqual([tickets.playerBlank]); // a public message
    expect(await ids(token.acme(), '?q=zebra')).toEqual([]); // an internal note
    expect(await ids(token.acme(), `?q=${encodeURIComponent('"blank page" -reader')}`)).toEqual([tickets.playerBlank]);
    expect(await ids(token.acme(), '?q=the')).toEqual([]); // only a stop word: nothing, not everything
    // A message added later is found at once (the trigger refreshes the document).
    await insertMessageRow((sql, p) => sut.query(sql, p), { ticketId: tickets.resolved, partnerId: acme, body: 'Renewal of the licence', visibility: 'public', createdAt: at(6 * HOUR) });
    expect(await ids(token.acme(), '?q=renewal')).toEqual([tickets.resolved]);
    // Masking a message (P9) takes its words out of the index as well.
    await sut.query(`UPDATE ticket_intake.messages SET body = 'password: ******' WHERE ticket_id = $1`, [tickets.resolved]);
    expect(await ids(token.acme(), '?q=renewal')).toEqual([]);
  });

  it('cursor pages never repeat or skip a ticket, even when tickets arrive between pages', async () => {
    const first = await list(token.acme(), '?limit=2');
    expect(first.body.items.map((i: Item) => i.id)).toEqual([tickets.resolved, tickets.assigned]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    // A newer ticket and one with the very same receipt time as the last item shown.
    const newer = await insertTicketRow((sql, p) => sut.query(sql, p), { partnerId: acme, receivedAt: at(10 * HOUR) });
    const twin = await insertTicketRow((sql, p) => sut.query(sql, p), { partnerId: acme, receivedAt: at(3 * HOUR) });
    const seen = [...first.body.items.map((i: Item) => i.id)];
    let cursor: string | undefined = first.body.nextCursor;
    while (cursor) {
      const page = await list(token.acme(), `?limit=2&cursor=${cursor}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i: Item) => i.id));
      cursor = page.body.nextCursor;
    }
    // Keyset order (received_at DESC, id DESC): the twin shows up only if it sorts after the last item shown.
    const expected = [tickets.resolved, tickets.assigned, ...(twin < tickets.assigned ? [twin] : []), tickets.russian, tickets.playerBlank, tickets.epubCrash];
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(newer);
    await sut.query(`DELETE FROM ticket_intake.tickets WHERE id = ANY($1::uuid[])`, [[newer, twin]]);
  });

  it.each([
    ['status', '?status=open,bogus', /bogus/],
    ['level', '?level=urgent', /urgent/],
    ['product', '?product=kindle', /kindle/],
    ['category', '?category=gardening', /gardening/],
    ['createdFrom', '?createdFrom=yesterday', /date-time/],
    ['createdTo', `?createdTo=${encodeURIComponent('2026-12-31T23:59:60Z')}`, /createdTo/],
    ['createdTo', `?createdFrom=${encodeURIComponent(START.toISOString())}&createdTo=${encodeURIComponent(at(-HOUR).toISOString())}`, /before createdFrom/],
    ['limit', '?limit=0', />= 1/],
    ['limit', '?limit=201', /<= 200/],
    ['partnerId', '?partnerId=not-a-uuid', /uuid/],
    ['cursor', '?cursor=eyJ2IjoxfQ.AAAAAAAAAAAAAAAA', /cursor/],
  ])('a bad %s is a 400 naming the field', async (field, query, message) => {
    const response = await list(token.acme(), query);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    // A value the schema or the filter refuses is a validation problem; a cursor this API cannot read is a bad request.
    expect(response.body.type).toBe(`https://tss.dev/problems/${field === 'cursor' ? 'bad-request' : 'validation'}`);
    expect(JSON.stringify(response.body)).toMatch(message);
    expect(JSON.stringify(response.body.errors ?? response.body.detail)).toContain(field);
    // One refused value, whether the schema or the filter found it: listed and counted alike (docs/adr/0036).
    expect(response.body).toMatchObject({ errorCount: 1, errors: [expect.objectContaining({ in: 'querystring' })] });
  });

  it('an unknown parameter (a misspelt filter) is a 400, not a silently unfiltered list', async () => {
    const response = await list(token.acme(), '?stauts=open');
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.errors)).toContain('must NOT have additional properties');
  });

  it('a cursor is bound to the filters it was issued for', async () => {
    const first = await list(token.acme(), '?limit=1&status=open');
    const reused = await list(token.acme(), `?limit=1&status=new&cursor=${first.body.nextCursor}`);
    expect(reused.status).toBe(400);
    expect(reused.body.detail).toMatch(/^cursor: issued for other filters/);
  });

  it('a cursor is bound to its caller: another partner’s, its partner’s given to a requester, another staff member’s are 400s (docs/adr/0027)', async () => {
    const otherAgent = () => sut.token({ kind: 'staff', sub: 'agent-2', roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
    const cursorOf = async (bearer: string) => {
      const page = await list(bearer, '?limit=1');
      expect(page.body.nextCursor).toEqual(expect.any(String));
      return page.body.nextCursor as string;
    };
    const [rivals, acmes, staffs] = [await cursorOf(token.rival()), await cursorOf(token.acme()), await cursorOf(token.staff())];
    for (const [bearer, cursor] of [
      [token.acme(), rivals],
      [token.ann(), acmes],
      [token.acme(), staffs],
      [otherAgent(), staffs],
      [token.staff(), acmes],
    ] as const) {
      const refused = await list(bearer, `?limit=1&cursor=${cursor}`);
      expect({ status: refused.status, detail: refused.body.detail }).toEqual({ status: 400, detail: 'cursor: issued to another caller; start again without it' });
    }
    // Each caller's own cursor goes on as before.
    for (const [bearer, cursor] of [[token.rival(), rivals], [token.acme(), acmes], [token.staff(), staffs]] as const) expect((await list(bearer, `?limit=1&cursor=${cursor}`)).status).toBe(200);
  });

  it('tenancy: no filter, search or cursor ever shows a partner another partner’s ticket', async () => {
    const queries = [
      '',
      '?q=crash',
      `?q=${encodeURIComponent('ошибка')}`,
      '?category=installation_setup',
      '?assigneeId=agent-7',
      '?requesterId=cust-ann',
      `?partnerId=${rival}`,
      `?partnerId=${acme}`,
      '?status=awaiting_customer',
      '?limit=1',
    ];
    for (const query of queries) {
      for (const [bearer, own, foreign] of [
        [token.acme(), acmeIds, rivalIds],
        [token.rival(), rivalIds, acmeIds],
        [token.ann(), [tickets.epubCrash, tickets.russian], [...rivalIds, tickets.playerBlank, tickets.assigned, tickets.resolved]],
      ] as const) {
        const seen = await ids(bearer, query);
        for (const id of seen) {
          expect(own).toContain(id);
          expect(foreign).not.toContain(id);
        }
      }
    }
    // A rival's own filter on acme's partner id finds nothing rather than acme's tickets.
    expect(await ids(token.rival(), `?partnerId=${acme}`)).toEqual([]);
    expect(await ids(token.ann(), '?requesterId=cust-bob')).toEqual([]);
  });
});
