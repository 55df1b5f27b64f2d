import { serviceForPath } from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import type { Response, Test } from 'supertest';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

interface Fixture {
  ticketId: string;
  reference: string;
  escalationId: string;
  referralId: string;
  staffId: string;
}

/** One well-formed request per escalation operation, aimed at the fixture: let through, each would read or change it. */
type Call = (http: PlatformClient['http'], token: string, f: Fixture) => Test;

const CALLS: Record<string, Call> = {
  getEscalationRules: (http, t) => http().get('/v1/escalation/rules').auth(t, { type: 'bearer' }),
  putEscalationRules: (http, t) =>
    http().put('/v1/escalation/rules').auth(t, { type: 'bearer' }).send({ rules: [{ id: 'sla-breach', on: 'sla.breached', kind: 'sla_breach', target: 'team_leader', level: 1 }] }),
  getEscalationRoster: (http, t) => http().get('/v1/escalation/roster').auth(t, { type: 'bearer' }),
  putEscalationRoster: (http, t, f) =>
    http()
      .put('/v1/escalation/roster')
      .auth(t, { type: 'bearer' })
      .send({ shifts: [{ staffId: f.staffId, role: 'team_leader', timeZone: 'Europe/Moscow', weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }], overrides: [] }),
  getOnDuty: (http, t) => http().get('/v1/escalation/roster/on-duty').auth(t, { type: 'bearer' }),
  listEscalations: (http, t, f) => http().get(`/v1/escalations?ticketId=${f.ticketId}`).auth(t, { type: 'bearer' }),
  getEscalation: (http, t, f) => http().get(`/v1/escalations/${f.escalationId}`).auth(t, { type: 'bearer' }),
  acknowledgeEscalation: (http, t, f) => http().post(`/v1/escalations/${f.escalationId}/acknowledge`).auth(t, { type: 'bearer' }),
  resolveEscalation: (http, t, f) => http().post(`/v1/escalations/${f.escalationId}/resolve`).auth(t, { type: 'bearer' }).send({ outcome: 'not yours' }),
  createReferral: (http, t, f) => http().post(`/v1/tickets/${f.ticketId}/referrals`).auth(t, { type: 'bearer' }).send({ target: 'development', reason: 'not yours' }),
  listReferrals: (http, t, f) => http().get(`/v1/tickets/${f.reference}/referrals`).auth(t, { type: 'bearer' }),
  getReferral: (http, t, f) => http().get(`/v1/tickets/${f.ticketId}/referrals/${f.referralId}`).auth(t, { type: 'bearer' }),
  recordReferralOutcome: (http, t, f) => http().post(`/v1/tickets/${f.ticketId}/referrals/${f.referralId}/outcome`).auth(t, { type: 'bearer' }).send({ outcome: 'not yours' }),
};

/**
 * Staff roles each operation refuses (access-policy.ts): the settings need `escalations:manage`,
 * referring needs `tickets:write` (not quality's), an outcome the quality role or
 * `escalations:manage`; acknowledging and resolving, someone it was sent to or a manager (nobody
 * is on duty in this fixture, so only the team lead may).
 */
const REFUSED_ROLES: Record<string, readonly string[]> = {
  putEscalationRules: ['agent', 'developer', 'quality'],
  putEscalationRoster: ['agent', 'developer', 'quality'],
  acknowledgeEscalation: ['agent', 'developer', 'quality'],
  resolveEscalation: ['agent', 'developer', 'quality'],
  createReferral: ['quality'],
  recordReferralOutcome: ['agent', 'developer'],
};
const ROLES = ['agent', 'developer', 'quality', 'team_lead'] as const;

type Documented = Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;

// Issue #12 with issue #9 "Tenancy and roles": every escalation and referral route is staff-only.
// Partner and requester tokens, the ticket's own or foreign, are refused (403) before anything is
// read, exactly as intake refuses them on its staff-only routes; staff roles without the scope are
// refused; nothing changes.
describe('tenancy and roles on every escalation route', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let fixture: Fixture;
  let rivalTicket: { id: string; reference: string };
  const tokens = {} as Record<'acme' | 'rival' | 'ann' | 'bob', string>;
  const staff = {} as Record<(typeof ROLES)[number], string>;
  let operations: { operationId: string; method: string; path: string; documented: string[] }[];

  beforeAll(async () => {
    platform = await startTestPlatform('tenancy_escalation');
    client = platform.client;
    const admin = await platform.adminToken();
    const acme = await client.partner(admin, 'Acme Escalation Tenancy');
    tokens.acme = acme.token;
    tokens.rival = (await client.partner(admin, 'Rival Escalation Tenancy')).token;
    tokens.ann = await client.requester(acme.token, 'cust-ann');
    tokens.bob = await client.requester(acme.token, 'cust-bob');
    const members = await Promise.all(ROLES.map(async (role) => [role, await client.staff(admin, [role])] as const));
    for (const [role, member] of members) staff[role] = member.token;
    const lead = members.find(([role]) => role === 'team_lead')![1];

    const filed = await client.http().post('/v1/tickets').auth(tokens.ann, { type: 'bearer' }).send(sampleTicket({ description: 'Attention Technical Support Team Leader: the reader still crashes.' }));
    const rival = await client.http().post('/v1/tickets').auth(tokens.rival, { type: 'bearer' }).send(sampleTicket());
    expect([filed.status, rival.status]).toEqual([201, 201]);
    rivalTicket = { id: rival.body.id, reference: rival.body.reference };
    const [escalation] = await waitFor('the team leader escalation', async () => {
      const rows = await platform.query<{ id: string }>('escalation', "SELECT id FROM escalation.escalations WHERE ticket_id = $1 AND kind = 'team_leader'", [filed.body.id]);
      return rows.length > 0 ? rows : undefined;
    });
    await waitFor('escalation knows both tickets and the staff', async () => {
      const [row] = await platform.query<{ tickets: number; staff: number }>(
        'escalation',
        'SELECT (SELECT count(*)::int FROM escalation.referral_tickets WHERE ticket_id = ANY($1::uuid[])) AS tickets, (SELECT count(*)::int FROM escalation.staff WHERE staff_id = ANY($2::text[])) AS staff',
        [[filed.body.id, rival.body.id], members.map(([, m]) => m.staffId)],
      );
      return row.tickets === 2 && row.staff === members.length;
    });
    const referral = await client.http().post(`/v1/tickets/${filed.body.id}/referrals`).auth(lead.token, { type: 'bearer' }).send({ target: 'quality', reason: 'Tenancy fixture.' });
    expect(referral.status).toBe(202);
    fixture = { ticketId: filed.body.id, reference: filed.body.reference, escalationId: escalation.id, referralId: referral.body.id, staffId: lead.staffId };
    await waitFor('intake applies the quality referral', async () => {
      const read = await client.http().get(`/v1/tickets/${fixture.ticketId}/referrals/${fixture.referralId}`).auth(lead.token, { type: 'bearer' });
      return read.body.status === 'applied';
    });
    // The fixture's events (ticket.*, sla.*, the referral's answer) still reaching escalation would read as changes below.
    let previous = '';
    await waitFor(
      'the platform to be quiet',
      async () => {
        const now = JSON.stringify(
          await platform.query(
            'escalation',
            `SELECT (SELECT count(*) FROM escalation.outbox WHERE published_at IS NULL) AS unpublished,
                    (SELECT count(*) FROM escalation.inbox) AS handled,
                    (SELECT max(log_offset) FROM tss_event_log.messages) AS last,
                    (SELECT string_agg(consumer_group || ':' || log_offset, ',' ORDER BY consumer_group) FROM tss_event_log.group_offsets) AS offsets`,
          ),
        );
        const settled = now === previous && now.includes('"unpublished":"0"');
        previous = now;
        return settled;
      },
      { timeoutMs: 20_000, intervalMs: 150 },
    );
    const document = (await client.http().get('/openapi.json')).body as { paths: Documented };
    operations = Object.entries(document.paths)
      .filter(([path]) => serviceForPath(path.replace(/\{[^}]+\}/g, 'x')) === 'escalation')
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ operationId: op.operationId, method, path, documented: Object.keys(op.responses) })));
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  /** Rows and a digest of every escalation table but the inbox (other services' events): an update shows as well as an insert. */
  const stored = async (): Promise<Record<string, string>> => {
    const tables = await platform.query<{ table_name: string }>(
      'escalation',
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'escalation' AND table_type = 'BASE TABLE' AND table_name <> 'inbox' ORDER BY table_name",
    );
    const state: Record<string, string> = {};
    for (const { table_name: table } of tables) {
      const [row] = await platform.query<{ digest: string }>('escalation', `SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM escalation."${table}" t`);
      state[table] = row.digest;
    }
    return state;
  };

  /** A path template of the document with the fixture's ids in it. */
  const filled = (template: string) =>
    template
      .replace('/v1/escalations/{id}', `/v1/escalations/${fixture.escalationId}`)
      .replace('{id}', fixture.ticketId)
      .replace('{rid}', fixture.referralId);
  const call = (operationId: string, token: string, f: Fixture = fixture) => CALLS[operationId](() => client.http(), token, f);
  /** The problem without `instance` (it echoes the caller's own request path). */
  const problemOf = (response: Response) => {
    const { instance: _instance, ...rest } = (response.body ?? {}) as Record<string, unknown>;
    return rest;
  };

  it('knows a request for every operation of the service, so a new route cannot skip this test', () => {
    expect(operations.length).toBeGreaterThanOrEqual(13);
    expect(operations.filter((op) => !(op.operationId in CALLS)).map((op) => op.operationId)).toEqual([]);
  });

  it.each([
    ['the ticket’s partner', 'acme'],
    ['another partner', 'rival'],
    ['the requester who filed the ticket', 'ann'],
    ['another requester of the same partner', 'bob'],
  ] as const)('%s: 403 problem (documented) on every route, nothing about the ticket in it, and nothing changes', async (_who, whose) => {
    const before = await stored();
    const answers: { operationId: string; status: number; documented: boolean; problem: boolean; leaks: boolean }[] = [];
    for (const { operationId, documented } of operations) {
      const response = await call(operationId, tokens[whose]);
      const text = JSON.stringify(problemOf(response));
      answers.push({
        operationId,
        status: response.status,
        documented: documented.includes(String(response.status)),
        problem: String(response.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE),
        leaks: [fixture.ticketId, fixture.reference, fixture.escalationId, fixture.referralId].some((id) => text.includes(id)),
      });
    }
    expect(answers).toEqual(operations.map(({ operationId }) => ({ operationId, status: 403, documented: true, problem: true, leaks: false })));
    expect(await stored()).toEqual(before);
  });

  it('another partner’s token on the referral routes: the same answer for the ticket of another partner, its own and one nobody has, as intake’s staff-only routes give it', async () => {
    const missing = { ...fixture, ticketId: '00000000-0000-4000-8000-000000000000', reference: 'TSS-00000-00000' };
    const own = { ...fixture, ticketId: rivalTicket.id, reference: rivalTicket.reference };
    const intake = problemOf(await client.http().patch(`/v1/tickets/${fixture.ticketId}`).auth(tokens.rival, { type: 'bearer' }).set('if-match', '*').send({ category: 'theory' }));
    expect(intake).toMatchObject({ status: 403 });
    for (const operationId of ['createReferral', 'listReferrals', 'getReferral', 'recordReferralOutcome']) {
      const answers = [fixture, own, missing].map(async (f) => problemOf(await call(operationId, tokens.rival, f)));
      expect({ operationId, answers: await Promise.all(answers) }).toEqual({ operationId, answers: [intake, intake, intake] });
    }
  });

  it('staff see every partner’s tickets on the referral routes as on intake’s; a ticket nobody has, a mistyped reference, another ticket’s referral: as intake answers', async () => {
    const agent = staff.agent;
    const get = (path: string) => client.http().get(path).auth(agent, { type: 'bearer' });
    // Another partner's ticket: intake shows it to staff, and so does escalation.
    expect((await get(`/v1/tickets/${rivalTicket.id}`)).status).toBe(200);
    expect((await get(`/v1/tickets/${rivalTicket.reference}/referrals`)).body).toEqual({ ticketId: rivalTicket.id, items: [] });
    // A ticket nobody has, and a reference whose check character is wrong: the same status and problem type as intake's.
    const lastSymbol = fixture.reference.at(-1)!;
    const mistyped = `${fixture.reference.slice(0, -1)}${lastSymbol === '0' ? '1' : '0'}`;
    for (const id of ['00000000-0000-4000-8000-000000000000', mistyped, 'not-a-ticket']) {
      const fromIntake = await get(`/v1/tickets/${encodeURIComponent(id)}`);
      const fromEscalation = await get(`/v1/tickets/${encodeURIComponent(id)}/referrals`);
      expect({ id, status: fromEscalation.status, type: fromEscalation.body.type }).toEqual({ id, status: fromIntake.status, type: fromIntake.body.type });
      expect(fromEscalation.status).toBeGreaterThanOrEqual(400);
      expect(fromEscalation.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    }
    // The fixture's referral named under another partner's ticket is not found, exactly like a referral nobody has.
    const elsewhere = await get(`/v1/tickets/${rivalTicket.id}/referrals/${fixture.referralId}`);
    const nobody = await get(`/v1/tickets/${rivalTicket.id}/referrals/00000000-0000-4000-8000-000000000000`);
    expect([elsewhere.status, problemOf(elsewhere)]).toEqual([404, problemOf(nobody)]);
  });

  it('a staff role without the scope is refused (403) on every route that needs it, and nothing changes; a role with it gets past the access rule', async () => {
    const before = await stored();
    const answers: string[] = [];
    const expected: string[] = [];
    for (const { operationId, documented, method, path } of operations) {
      for (const role of ROLES) {
        const refused = REFUSED_ROLES[operationId]?.includes(role) ?? false;
        expected.push(`${operationId} as ${role}: ${refused ? '403 documented' : 'admitted'}`);
        if (refused) {
          const response = await call(operationId, staff[role]);
          const problem = String(response.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE);
          answers.push(`${operationId} as ${role}: ${response.status}${documented.includes(String(response.status)) ? ' documented' : ' undocumented'}${problem ? '' : ' (not a problem)'}`);
        } else {
          // Past the access rule without changing anything: reads answer 200; writes get a body that is
          // not JSON, a 400 once past the rule (checked first, on the request line and token).
          const isRead = method === 'get';
          const response = isRead
            ? await call(operationId, staff[role])
            : await client.http()[method as 'post' | 'put'](filled(path)).auth(staff[role], { type: 'bearer' }).set('content-type', 'application/json').send('{');
          answers.push(`${operationId} as ${role}: ${response.status === (isRead ? 200 : 400) ? 'admitted' : `answered ${response.status}`}`);
        }
      }
    }
    expect(answers).toEqual(expected);
    expect(await stored()).toEqual(before);
  });
});
