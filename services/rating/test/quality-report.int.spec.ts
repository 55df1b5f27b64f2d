import { randomUUID } from 'node:crypto';
import { SlaBreachedV1, SlaMetV1, TicketAssignedV1, TicketReopenedV1, TicketRespondedV1 } from '@tss/contracts';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { rateByToken } from '../src/use-cases/rate-by-token';
import { startRating, type RatingUnderTest } from './support/rating-under-test';

type Level = 'standard' | 'emergency' | 'consulting';
type Product = 'reader' | 'player' | 'platform';

// Issue #13: GET /v1/reports/quality, figures checked against the ratings, responses and clocks made.
describe('quality report (issue #13)', () => {
  const clock = new TestClock('2026-05-04T10:00:00.000Z');
  const acme = randomUUID();
  const rival = randomUUID();
  let rating: RatingUnderTest;
  let reports: string;
  const start = clock.now().toISOString();

  /** A ticket's life as its events tell it: assigned, answered, its clock met or breached, resolved, rated, maybe reopened. */
  const ticketLife = async (input: {
    partnerId: string;
    level: Level;
    product: Product;
    agent?: string;
    responses?: number;
    sla?: 'met' | 'breached';
    score?: number;
    solved?: boolean;
    reopened?: boolean;
  }) => {
    const ticket = await rating.ticketCreated({ partnerId: input.partnerId, level: input.level, product: input.product });
    let sequence = 1;
    const now = () => clock.now().toISOString();
    if (input.agent) await rating.publish(TicketAssignedV1, ticket.ticketId, { partnerId: input.partnerId, sequence: ++sequence, assigneeId: input.agent, assignedAt: now() });
    for (let i = 0; i < (input.responses ?? 0); i += 1) {
      await rating.publish(TicketRespondedV1, ticket.ticketId, { partnerId: input.partnerId, sequence: ++sequence, messageId: randomUUID(), respondedAt: now(), authorId: input.agent ?? 'someone' });
    }
    const clockBase = { partnerId: input.partnerId, clockId: randomUUID(), level: input.level, dueAt: now() };
    if (input.sla === 'met') await rating.publish(SlaMetV1, ticket.ticketId, { ...clockBase, respondedAt: now() });
    if (input.sla === 'breached') await rating.publish(SlaBreachedV1, ticket.ticketId, { ...clockBase, breachedAt: now() });
    const link = await rating.resolve({ ticketId: ticket.ticketId, partnerId: input.partnerId }, ++sequence);
    if (input.score !== undefined) expect(await rateByToken(rating.deps, link.token, { score: input.score, solved: input.solved ?? true })).toMatchObject({ ok: true });
    if (input.reopened) await rating.publish(TicketReopenedV1, ticket.ticketId, { partnerId: input.partnerId, sequence: ++sequence, reopenedAt: now() });
    const expectedFacts = 1 + (input.score !== undefined ? 1 : 0) + (input.responses ?? 0) + (input.sla ? 1 : 0);
    await waitFor(`the facts of ${ticket.reference}`, async () => {
      const facts = await rating.sut.query<{ n: string; reopened: string }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE reopened) AS reopened FROM rating.quality_facts WHERE ticket_id = $1`,
        [ticket.ticketId],
      );
      return Number(facts[0].n) === expectedFacts && Number(facts[0].reopened) === (input.reopened ? 1 : 0);
    });
    return ticket;
  };

  const report = (query: string, token = reports, accept = 'application/json') => rating.sut.http().get(`/v1/reports/quality?${query}`).auth(token, { type: 'bearer' }).set('accept', accept);

  beforeAll(async () => {
    rating = await startRating(clock);
    reports = rating.sut.token({ kind: 'staff', sub: 'quality-1', roles: ['quality'], scope: 'tickets:read reports:read' });
    await ticketLife({ partnerId: acme, level: 'standard', product: 'reader', agent: 'agent-a', responses: 1, sla: 'met', score: 5, solved: true });
    clock.advanceMs(60_000);
    await ticketLife({ partnerId: acme, level: 'emergency', product: 'player', agent: 'agent-b', responses: 1, sla: 'breached', score: 2, solved: false, reopened: true });
    clock.advanceMs(60_000);
    await ticketLife({ partnerId: rival, level: 'standard', product: 'reader', agent: 'agent-a', responses: 2, sla: 'met', score: 4, solved: true });
    clock.advanceMs(60_000);
    await ticketLife({ partnerId: acme, level: 'consulting', product: 'platform' });
    clock.advanceMs(60_000);
  });
  afterAll(async () => {
    await rating?.sut.stop();
  });

  const EMPTY_FIGURES = { ratings: 0, csatPercent: null, averageScore: null, notSolved: 0, responses: 0, reopened: 0, slaMet: 0, slaBreached: 0, slaCompliancePercent: null };

  it('groupBy=agent: CSAT, average, ratings, responses, reopen rate and SLA compliance per agent, and in total', async () => {
    const response = await report(`from=${start}&to=${clock.now().toISOString()}&groupBy=agent`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      from: start,
      to: clock.now().toISOString(),
      groupBy: 'agent',
      groups: [
        { key: 'agent-a', ratings: 2, csatPercent: 100, averageScore: 4.5, notSolved: 0, responses: 3, surveys: 2, reopened: 0, reopenRatePercent: 0, slaMet: 2, slaBreached: 0, slaCompliancePercent: 100 },
        { key: 'agent-b', ratings: 1, csatPercent: 0, averageScore: 2, notSolved: 1, responses: 1, surveys: 1, reopened: 1, reopenRatePercent: 100, slaMet: 0, slaBreached: 1, slaCompliancePercent: 0 },
        { key: null, ...EMPTY_FIGURES, surveys: 1, reopenRatePercent: 0 },
      ],
      total: { key: null, ratings: 3, csatPercent: 66.7, averageScore: 3.67, notSolved: 1, responses: 4, surveys: 4, reopened: 1, reopenRatePercent: 25, slaMet: 2, slaBreached: 1, slaCompliancePercent: 66.7 },
    });
  });

  it('groupBy=level, product and partner; a partner filter; a period before the facts is empty', async () => {
    const range = `from=${start}&to=${clock.now().toISOString()}`;
    const byLevel = (await report(`${range}&groupBy=level`)).body as { groups: { key: string; ratings: number; averageScore: number | null; surveys: number }[] };
    expect(byLevel.groups.map((g) => [g.key, g.ratings, g.averageScore, g.surveys])).toEqual([
      ['consulting', 0, null, 1],
      ['emergency', 1, 2, 1],
      ['standard', 2, 4.5, 2],
    ]);
    const byProduct = (await report(`${range}&groupBy=product`)).body as { groups: { key: string; ratings: number; responses: number }[] };
    expect(byProduct.groups.map((g) => [g.key, g.ratings, g.responses])).toEqual([
      ['platform', 0, 0],
      ['player', 1, 1],
      ['reader', 2, 3],
    ]);
    const byPartner = (await report(`${range}&groupBy=partner`)).body as { groups: { key: string; ratings: number; csatPercent: number }[] };
    expect(byPartner.groups).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: acme, ratings: 2, csatPercent: 50 }), expect.objectContaining({ key: rival, ratings: 1, csatPercent: 100 })]),
    );
    const onlyRival = (await report(`${range}&groupBy=partner&partner=${rival}`)).body as { groups: { key: string }[]; total: { ratings: number } };
    expect(onlyRival.groups.map((g) => g.key)).toEqual([rival]);
    expect(onlyRival.total.ratings).toBe(1);
    const before = (await report(`from=2026-01-01T00:00:00.000Z&to=${start}&groupBy=agent`)).body as { groups: unknown[]; total: { ratings: number; surveys: number } };
    expect(before.groups).toEqual([]);
    expect(before.total).toMatchObject({ ratings: 0, surveys: 0 });
    // The default period is the 30 days before now.
    expect((await report('groupBy=agent')).body.total).toMatchObject({ ratings: 3 });
    clock.advanceMs(31 * 86_400_000);
    expect((await report('groupBy=agent', rating.sut.token({ kind: 'staff', sub: 'quality-1', roles: ['quality'], scope: 'reports:read' }))).body.total).toMatchObject({ ratings: 0 });
  });

  it('CSV with Accept: text/csv: a header named after the grouping, one line per group and a last line `(total)` (RFC 4180)', async () => {
    const response = await report(`from=${start}&to=2026-05-05T00:00:00.000Z&groupBy=agent`, rating.sut.token({ kind: 'staff', sub: 'q', roles: ['quality'], scope: 'reports:read' }), 'text/csv');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="quality-report-agent.csv"');
    expect(response.text).toBe(
      [
        'agent,ratings,csatPercent,averageScore,notSolved,responses,surveys,reopened,reopenRatePercent,slaMet,slaBreached,slaCompliancePercent',
        'agent-a,2,100,4.5,0,3,2,0,0,2,0,100',
        'agent-b,1,0,2,1,1,1,1,100,0,1,0',
        ',0,,,0,0,1,0,0,0,0,',
        '(total),3,66.7,3.67,1,4,4,1,25,2,1,66.7',
        '',
      ].join('\r\n'),
    );
    // docs/rating.md: one row per group "and a total", in CSV as in JSON's `total`.
    const byLevel = await report(`from=${start}&to=2026-05-05T00:00:00.000Z&groupBy=level`, rating.sut.token({ kind: 'staff', sub: 'q', roles: ['quality'], scope: 'reports:read' }), 'text/csv');
    expect(byLevel.text.split('\r\n')).toEqual([
      'level,ratings,csatPercent,averageScore,notSolved,responses,surveys,reopened,reopenRatePercent,slaMet,slaBreached,slaCompliancePercent',
      'consulting,0,,,0,0,1,0,0,0,0,',
      'emergency,1,0,2,1,1,1,1,100,0,1,0',
      'standard,2,100,4.5,0,3,2,0,0,2,0,100',
      '(total),3,66.7,3.67,1,4,4,1,25,2,1,66.7',
      '',
    ]);
    const json = await report(`groupBy=agent`, rating.sut.token({ kind: 'staff', sub: 'q', roles: ['quality'], scope: 'reports:read' }), 'text/csv;q=0.5, application/json');
    expect(json.headers['content-type']).toContain('application/json');
  });

  it('RFC 9110: q=0 makes CSV not acceptable, so the report is JSON; both forms say Vary: Accept', async () => {
    const staff = rating.sut.token({ kind: 'staff', sub: 'q', roles: ['quality'], scope: 'reports:read' });
    const refused = await report('groupBy=agent', staff, 'text/csv;q=0');
    expect(refused.status).toBe(200);
    expect(refused.headers['content-type']).toContain('application/json');
    expect((await report('groupBy=agent', staff, '*/*, text/csv;q=0')).headers['content-type']).toContain('application/json');
    expect(refused.headers.vary).toMatch(/\bAccept\b/);
    expect((await report('groupBy=agent', staff, 'text/csv')).headers.vary).toMatch(/\bAccept\b/);
  });

  it('a product filter: only that product\'s facts, in the groups and the total', async () => {
    const range = `from=${start}&to=2026-05-05T00:00:00.000Z`;
    // A fresh token: an earlier test moved the clock past the first one's expiry.
    const staff = rating.sut.token({ kind: 'staff', sub: 'q', roles: ['quality'], scope: 'reports:read' });
    const reader = await report(`${range}&groupBy=partner&product=reader`, staff);
    expect(reader.status).toBe(200);
    expect(reader.body.groups).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: acme, ratings: 1, responses: 1, surveys: 1 }), expect.objectContaining({ key: rival, ratings: 1, responses: 2, surveys: 1 })]),
    );
    expect(reader.body.groups).toHaveLength(2);
    expect(reader.body.total).toMatchObject({ ratings: 2, averageScore: 4.5, responses: 3, surveys: 2, slaMet: 2, slaBreached: 0 });
    const player = await report(`${range}&groupBy=level&product=player`, staff);
    expect(player.body.groups.map((g: { key: string }) => g.key)).toEqual(['emergency']);
    expect(player.body.total).toMatchObject({ ratings: 1, slaBreached: 1 });
  });

  it('a parameter the report does not know (or a product that is none) is a 400 naming it, never the unfiltered report', async () => {
    const staff = rating.sut.token({ kind: 'staff', sub: 'q', roles: ['quality'], scope: 'reports:read' });
    for (const [query, pointer] of [
      ['groupBy=agent&foo=bar', '/'],
      ['groupBy=agent&level=standard', '/'],
      ['groupBy=agent&product=kindle', '/product'],
    ]) {
      const response = await report(query, staff);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body.errors[0]).toMatchObject({ in: 'querystring', pointer });
      if (pointer === '/') expect(response.body.errors[0].additionalProperty).toBe(query.split('&')[1].split('=')[0]);
      const csv = await report(query, staff, 'text/csv');
      expect(csv.status).toBe(400);
    }
  });

  it('only staff with reports:read or admin; bad periods and groupings are 400', async () => {
    const partner = rating.sut.token({ kind: 'partner', partner_id: acme, scope: 'tickets:read reports:read' });
    const agent = rating.sut.token({ kind: 'staff', sub: 'agent-a', roles: ['agent'], scope: 'tickets:read tickets:write' });
    const admin = rating.sut.token({ kind: 'staff', sub: 'admin-1', roles: ['admin'], scope: 'admin tickets:read' });
    const staff = rating.sut.token({ kind: 'staff', sub: 'q', roles: ['quality'], scope: 'reports:read' });
    expect((await report('groupBy=agent', partner)).status).toBe(403);
    expect((await report('groupBy=agent', agent)).status).toBe(403);
    expect((await report('groupBy=agent', admin)).status).toBe(200);
    const backwards = await report(`from=${clock.now().toISOString()}&to=${start}&groupBy=agent`, staff);
    expect(backwards.status).toBe(400);
    expect(backwards.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(backwards.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errors: [{ in: 'querystring', pointer: '/from' }] });
    expect((await report('groupBy=customer', staff)).status).toBe(400);
    expect((await report('groupBy=agent&from=yesterday', staff)).status).toBe(400);
  });

  it('a leap second (RFC 3339, but no instant a Date holds) is a 400 validation problem naming the parameter', async () => {
    const staff = rating.sut.token({ kind: 'staff', sub: 'q', roles: ['quality'], scope: 'reports:read' });
    const leap = await report(`from=${encodeURIComponent('2026-06-30T23:59:60Z')}`, staff);
    expect(leap.status).toBe(400);
    expect(leap.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errors: [{ in: 'querystring', pointer: '/from' }] });
  });
});
