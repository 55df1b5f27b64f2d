import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { RatingSubmittedV1, SlaClockStartedV1, type EventContract } from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { logCapture, TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface EscalationBody {
  id: string;
  ticketId: string;
  kind: string;
  level: number | null;
  rule: string;
  targetRole: string;
  targetStaffIds: string[];
  status: string;
  quote: string | null;
  surveyId: string | null;
  renotices: number;
  causeType: string;
  resolvedBy: string | null;
  outcome: string | null;
}

// Issue #12 (P4, P7): escalation rules, the on-duty roster and escalation records, on the whole platform.
describe('escalation (issue #12)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  const logs = logCapture();
  // Monday 2 March 2026, 09:00 UTC (12:00 in Moscow, 04:00 in New York, 10:00 in Berlin).
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  type Staff = { staffId: string; token: string; clientId: string; clientSecret: string };
  let admin: string;
  let acme: { partnerId: string; token: string; clientId: string; clientSecret: string };
  let ann: string;
  let leadMoscow: Staff;
  let leadNewYork: Staff;
  let head: Staff;
  let agentDay: Staff;
  let agentNight: Staff;
  let outsider: Staff;

  beforeAll(async () => {
    platform = await startTestPlatform('escalation', { clock, logger: pino({ level: 'info' }, logs.stream) });
    client = platform.client;
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Escalation');
    ann = await client.requester(acme.token, 'cust-ann');
    leadMoscow = await client.staff(admin, ['team_lead'], 'Lena Moscow');
    leadNewYork = await client.staff(admin, ['team_lead'], 'Nick New York');
    head = await client.staff(admin, ['team_lead'], 'Hanna Head');
    agentDay = await client.staff(admin, ['agent'], 'Dan Day');
    agentNight = await client.staff(admin, ['agent'], 'Nina Night');
    outsider = await client.staff(admin, ['agent'], 'Otto Outsider');
    const everyone = [leadMoscow, leadNewYork, head, agentDay, agentNight, outsider].map((s) => s.staffId);
    await waitFor('the staff projected into escalation', async () => {
      const rows = await platform.query<{ n: number }>('escalation', `SELECT count(*)::int AS n FROM escalation.staff WHERE staff_id = ANY($1::text[])`, [everyone]);
      return rows[0].n === everyone.length;
    });
    const roster = await put('/v1/escalation/roster', admin, ROSTER());
    expect(roster.status).toBe(200);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  // Two zones for the team leaders (Moscow 09–18 = 06–15 UTC, New York 10–19 = 15–24 UTC in winter,
  // nobody 00–06 UTC), a day agent in UTC and an overnight agent in Berlin (19–07 = 18–06 UTC).
  const ROSTER = () => ({
    shifts: [
      { staffId: leadMoscow.staffId, role: 'team_leader', timeZone: 'Europe/Moscow', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '18:00' },
      { staffId: leadNewYork.staffId, role: 'team_leader', timeZone: 'America/New_York', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '10:00', end: '19:00' },
      { staffId: head.staffId, role: 'head_of_support', timeZone: 'UTC', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' },
      { staffId: agentDay.staffId, role: 'agent', timeZone: 'UTC', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '06:00', end: '18:00' },
      { staffId: agentNight.staffId, role: 'agent', timeZone: 'Europe/Berlin', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '19:00', end: '07:00' },
    ],
    overrides: [],
  });

  const http = () => client.http();
  const get = (path: string, token: string) => http().get(path).auth(token, { type: 'bearer' });
  const put = (path: string, token: string, body: unknown, ifMatch?: string) => {
    const request = http().put(path).auth(token, { type: 'bearer' });
    return (ifMatch ? request.set('if-match', ifMatch) : request).send(body as object);
  };
  const post = (path: string, token: string, body: unknown = {}) => http().post(path).auth(token, { type: 'bearer' }).send(body as object);
  const expectProblem = (response: { status: number; headers: Record<string, string>; body: { type?: string } }, status: number, slug: string) => {
    expect({ status: response.status, type: response.body.type }).toEqual({ status, type: `https://tss.dev/problems/${slug}` });
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  };
  /** Tokens live 15 minutes of the test clock: every caller gets a fresh one after it moves. */
  const advance = async (ms: number) => {
    clock.advanceMs(ms);
    admin = await platform.adminToken();
    for (const s of [leadMoscow, leadNewYork, head, agentDay, agentNight, outsider]) s.token = await client.token(s.clientId, s.clientSecret);
    acme.token = await client.token(acme.clientId, acme.clientSecret);
    ann = await client.requester(acme.token, 'cust-ann');
  };
  const publishAs = async <C extends EventContract>(service: string, contract: C, subject: string, data: unknown, id?: string) => {
    const host = platform.running.platform.host(service);
    return host.unitOfWork.run((tx) => host.outbox.add(tx, contract, subject, data as never, id ? { id } : {}));
  };
  const handledByEscalation = (eventId: string) =>
    waitFor(`escalation handled ${eventId}`, async () => (await platform.query('escalation', `SELECT 1 FROM escalation.inbox WHERE event_id = $1`, [eventId])).length === 1);
  const file = async (body: Record<string, unknown>) => {
    const response = await post('/v1/tickets', acme.token, sampleTicket(body));
    expect(response.status).toBe(201);
    return response.body as { id: string; reference: string };
  };
  const escalationsOf = async (ticketId: string): Promise<EscalationBody[]> => {
    const response = await get(`/v1/escalations?ticketId=${ticketId}&limit=200`, admin);
    expect(response.status).toBe(200);
    return response.body.items as EscalationBody[];
  };
  const waitForEscalation = (ticketId: string, kind: string) =>
    waitFor(`a ${kind} escalation of ${ticketId}`, async () => (await escalationsOf(ticketId)).find((e) => e.kind === kind), { timeoutMs: 20_000 });
  const escalationEvents = (type: string, escalationId: string) =>
    platform.query<{ data: Record<string, unknown> }>('escalation', `SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = $1 AND event->'data'->>'escalationId' = $2 ORDER BY position`, [
      type,
      escalationId,
    ]);
  const pendingRenotice = async (escalationId: string) =>
    (await platform.query<{ n: number }>('escalation', `SELECT count(*)::int AS n FROM escalation.timers WHERE id = $1 AND status = 'pending'`, [`escalation:${escalationId}:renotify`]))[0].n;

  describe('access', () => {
    it('partner and requester tokens get 403 on every escalation route', async () => {
      const id = randomUUID();
      for (const token of [acme.token, ann]) {
        expectProblem(await get('/v1/escalation/rules', token), 403, 'forbidden');
        expectProblem(await put('/v1/escalation/rules', token, { rules: [] }), 403, 'forbidden');
        expectProblem(await get('/v1/escalation/roster', token), 403, 'forbidden');
        expectProblem(await put('/v1/escalation/roster', token, { shifts: [], overrides: [] }), 403, 'forbidden');
        expectProblem(await get('/v1/escalation/roster/on-duty', token), 403, 'forbidden');
        expectProblem(await get('/v1/escalations', token), 403, 'forbidden');
        expectProblem(await get(`/v1/escalations/${id}`, token), 403, 'forbidden');
        expectProblem(await post(`/v1/escalations/${id}/acknowledge`, token), 403, 'forbidden');
        expectProblem(await post(`/v1/escalations/${id}/resolve`, token), 403, 'forbidden');
      }
    });

    it('agents read rules and roster but may not change them (escalations:manage)', async () => {
      expect((await get('/v1/escalation/rules', agentDay.token)).status).toBe(200);
      expect((await get('/v1/escalation/roster', agentDay.token)).status).toBe(200);
      expectProblem(await put('/v1/escalation/rules', agentDay.token, { rules: [] }), 403, 'forbidden');
      expectProblem(await put('/v1/escalation/roster', agentDay.token, ROSTER()), 403, 'forbidden');
    });

    it('P7: the team leader, who takes up breaches and low ratings, reads the SLA and quality reports (reports:read); an agent does not', async () => {
      for (const report of ['/v1/reports/sla', '/v1/reports/quality']) {
        expect({ report, status: (await get(report, leadMoscow.token)).status }).toEqual({ report, status: 200 });
        expectProblem(await get(report, agentDay.token), 403, 'forbidden');
      }
    });
  });

  describe('rules', () => {
    it('the defaults are in force until a PUT', async () => {
      const response = await get('/v1/escalation/rules', agentDay.token);
      expect(response.body.version).toBe(1);
      expect(response.body.rules.map((r: { id: string; on: string; kind: string; target: string }) => `${r.on} ${r.kind} ${r.target}`)).toEqual([
        'sla.warning sla_warning team_leader',
        'sla.warning sla_warning team_leader',
        'sla.breached sla_breach team_leader',
        'sla.overdue sla_overdue head_of_support',
        'ticket.team_leader_requested team_leader team_leader',
        'ticket.created emergency agent',
        'sla.clock_started phone_callback agent',
        'rating.submitted low_rating team_leader',
        'rating.submitted team_leader team_leader',
      ]);
      expect(response.body.rules[0].when).toEqual({ minThreshold: 0.75, levels: ['emergency'] });
    });

    it.each([
      ['an unknown event type', { on: 'sla.exploded' }, 'unknown event type'],
      ['a threshold out of [0, 1]', { on: 'sla.warning', kind: 'sla_warning', when: { minThreshold: 1.2 } }, 'out of [0, 1]'],
      ['an unknown target role', { target: 'ceo' }, 'unknown target role'],
      ['an unknown kind', { kind: 'panic' }, 'unknown escalation kind'],
    ])('a PUT with %s is a 400 validation problem naming the rule, and the rules in force stay', async (_case, change, message) => {
      const before = (await get('/v1/escalation/rules', admin)).body;
      const bad = { id: 'my-bad-rule', on: 'sla.breached', kind: 'sla_breach', target: 'team_leader', ...change };
      const response = await put('/v1/escalation/rules', admin, { rules: [{ id: 'fine', on: 'sla.breached', kind: 'sla_breach', target: 'team_leader' }, bad] });
      // A readable body the rules refuse is a validation problem, as one the schema refuses (docs/api.md).
      expectProblem(response, 400, 'validation');
      expect(response.body.detail).toContain('my-bad-rule');
      expect(response.body.rules).toEqual(['my-bad-rule']);
      expect(response.body.errors).toEqual([{ in: 'body', pointer: expect.stringMatching(/^\/rules\/1\//), message: expect.stringContaining(message) }]);
      expect(response.body.errors[0].message).toContain('rule "my-bad-rule"');
      expect((await get('/v1/escalation/rules', admin)).body).toEqual(before);
    });

    it('a valid PUT is a new version in force; putting the defaults back is another', async () => {
      const defaults = (await get('/v1/escalation/rules', admin)).body.rules;
      const changed = await put('/v1/escalation/rules', leadMoscow.token, { rules: defaults.filter((r: { id: string }) => r.id !== 'low-rating') });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ version: 2, changedBy: leadMoscow.staffId });
      expect((await get('/v1/escalation/rules', agentDay.token)).body.rules.map((r: { id: string }) => r.id)).not.toContain('low-rating');
      const restored = await put('/v1/escalation/rules', admin, { rules: defaults });
      expect(restored.body).toMatchObject({ version: 3, rules: defaults });
    });

    it('If-Match with the ETag as read refuses (412) a PUT over a change made since', async () => {
      const read = await get('/v1/escalation/rules', admin);
      expect(read.headers.etag).toBe(`"${read.body.version}"`);
      expectProblem(await put('/v1/escalation/rules', admin, { rules: [] }, `"${read.body.version - 1}"`), 412, 'precondition-failed');
      expect((await get('/v1/escalation/rules', admin)).body).toEqual(read.body);
      const fresh = await put('/v1/escalation/rules', admin, { rules: read.body.rules }, read.headers.etag as string);
      expect(fresh.status).toBe(200);
      expect(fresh.headers.etag).toBe(`"${read.body.version + 1}"`);
    });
  });

  describe('roster', () => {
    const onDuty = async (at: string, role?: string) => {
      const response = await get(`/v1/escalation/roster/on-duty?at=${encodeURIComponent(at)}${role ? `&role=${role}` : ''}`, agentDay.token);
      expect(response.status).toBe(200);
      return (response.body.onDuty as { staffId: string; role: string }[]).map((d) => `${d.role}:${d.staffId}`);
    };

    it('answers who is on duty across zones, shift changes and an overnight shift', async () => {
      expect(await onDuty('2026-03-02T14:59:00Z', 'team_leader')).toEqual([`team_leader:${leadMoscow.staffId}`]);
      expect(await onDuty('2026-03-02T15:00:00Z', 'team_leader')).toEqual([`team_leader:${leadNewYork.staffId}`]);
      expect(await onDuty('2026-03-03T02:00:00Z', 'team_leader')).toEqual([]);
      expect(await onDuty('2026-03-02T17:59:00Z', 'agent')).toEqual([`agent:${agentDay.staffId}`]);
      expect(await onDuty('2026-03-02T18:00:00Z', 'agent')).toEqual([`agent:${agentNight.staffId}`]);
      expect(await onDuty('2026-03-03T05:59:00Z', 'agent')).toEqual([`agent:${agentNight.staffId}`]);
      expect(await onDuty('2026-03-03T02:00:00Z')).toEqual([`agent:${agentNight.staffId}`, `head_of_support:${head.staffId}`]);
      const read = await get('/v1/escalation/roster', agentDay.token);
      expect(read.body).toMatchObject({ version: 1, shifts: ROSTER().shifts, overrides: [] });
    });

    it('refuses an unknown time zone or staff member with a 400 validation problem, and keeps the roster in force', async () => {
      const bad = ROSTER();
      bad.shifts[0] = { ...bad.shifts[0], timeZone: 'Mars/Olympus' };
      bad.shifts[1] = { ...bad.shifts[1], staffId: 'nobody-at-all' };
      const response = await put('/v1/escalation/roster', admin, bad);
      expectProblem(response, 400, 'validation');
      expect(response.body.errors.map((e: { in: string; pointer: string }) => `${e.in} ${e.pointer}`)).toEqual(['body /shifts/0/timeZone', 'body /shifts/1/staffId']);
      const leap = await get(`/v1/escalation/roster/on-duty?at=${encodeURIComponent('2026-06-30T23:59:60Z')}`, agentDay.token);
      expectProblem(leap, 400, 'validation');
      expect(leap.body.errors).toEqual([expect.objectContaining({ in: 'querystring', pointer: '/at' })]);
      expect((await get('/v1/escalation/roster', admin)).body.version).toBe(1);
      // A stale ETag: refused whole, even for a valid roster.
      expectProblem(await put('/v1/escalation/roster', admin, ROSTER(), '"0"'), 412, 'precondition-failed');
      expect((await get('/v1/escalation/roster', admin)).headers.etag).toBe('"1"');
    });

    it('RFC 9110 §13.1: a weak If-Match is a 412 (strong comparison); If-None-Match with the current ETag reads a 304', async () => {
      expectProblem(await put('/v1/escalation/roster', admin, ROSTER(), 'W/"1"'), 412, 'precondition-failed');
      expect((await get('/v1/escalation/roster', admin)).headers.etag).toBe('"1"');
      const rules = await get('/v1/escalation/rules', admin);
      expectProblem(await put('/v1/escalation/rules', admin, { rules: rules.body.rules }, `W/${rules.headers.etag}`), 412, 'precondition-failed');
      for (const [path, etag] of [['/v1/escalation/roster', '"1"'], ['/v1/escalation/rules', rules.headers.etag as string]]) {
        const cached = await get(path, admin).set('if-none-match', etag);
        expect([cached.status, cached.headers.etag, cached.text ?? '']).toEqual([304, etag, '']);
        expect((await get(path, admin).set('if-none-match', '"0"')).status).toBe(200);
      }
    });
  });

  describe('the default rules end to end', () => {
    let emergency: { id: string; reference: string };
    let page: EscalationBody;

    it('P4: a new emergency ticket pages the agents on duty', async () => {
      emergency = await file({ level: 'emergency', subject: 'Admin UI down for everyone' });
      page = await waitForEscalation(emergency.id, 'emergency');
      expect(page).toMatchObject({ targetRole: 'agent', targetStaffIds: [agentDay.staffId], status: 'open', level: null, rule: 'emergency-page', causeType: 'ticket.created' });
      const [raised] = await escalationEvents('escalation.raised', page.id);
      expect(raised.data).toMatchObject({ kind: 'emergency', targetRole: 'agent', targetStaffIds: [agentDay.staffId], partnerId: acme.partnerId, summary: `${emergency.reference}: New emergency ticket` });
      expect(await escalationsOf((await file({ level: 'standard' })).id)).toEqual([]);
    });

    it('re-notifies an unacknowledged escalation after the interval, to whoever is on duty then; acknowledging stops it', async () => {
      expect(await pendingRenotice(page.id)).toBe(1);
      await advance(15 * MINUTE);
      await waitFor('the first re-notice', async () => (await escalationEvents('escalation.renotified', page.id)).length === 1);
      const [renotice] = await escalationEvents('escalation.renotified', page.id);
      expect(renotice.data).toMatchObject({ attempt: 1, kind: 'emergency', targetStaffIds: [agentDay.staffId] });
      // Someone it was not sent to may not take it up; the one on duty may, once.
      expectProblem(await post(`/v1/escalations/${page.id}/acknowledge`, outsider.token), 403, 'forbidden');
      const acknowledged = await post(`/v1/escalations/${page.id}/acknowledge`, agentDay.token);
      expect(acknowledged.status).toBe(200);
      expect(acknowledged.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: agentDay.staffId, renotices: 1 });
      expectProblem(await post(`/v1/escalations/${page.id}/acknowledge`, agentDay.token), 409, 'conflict');
      expect(await escalationEvents('escalation.acknowledged', page.id)).toEqual([{ data: expect.objectContaining({ acknowledgedBy: agentDay.staffId }) }]);
      expect(await pendingRenotice(page.id)).toBe(0);
    });

    it('P7: past 75 % of the 6 h target the team leader on duty is warned (Moscow, 13:30 UTC)', async () => {
      await advance(4 * HOUR + 15 * MINUTE); // 13:30 UTC: 4.5 h after filing
      const warning = await waitForEscalation(emergency.id, 'sla_warning');
      expect(warning).toMatchObject({ targetRole: 'team_leader', targetStaffIds: [leadMoscow.staffId], level: 1, causeType: 'sla.warning' });
    });

    it('P7: at 100 % the breach is level 1 to the team leader now on duty (New York, after the shift change)', async () => {
      await advance(90 * MINUTE); // 15:00 UTC
      const breach = await waitForEscalation(emergency.id, 'sla_breach');
      expect(breach).toMatchObject({ targetRole: 'team_leader', targetStaffIds: [leadNewYork.staffId], level: 1 });
      // The 0.9 warning was passed over (its instant and the breach past together): still one warning escalation for the clock, and the breach superseded it.
      const warnings = (await escalationsOf(emergency.id)).filter((e) => e.kind === 'sla_warning');
      expect(warnings).toEqual([expect.objectContaining({ status: 'resolved', resolvedBy: null, outcome: expect.stringMatching(/^Superseded/) })]);
      expect(await pendingRenotice(warnings[0].id)).toBe(0);
    });

    it('P7: at 150 % it is level 2 to the head of support', async () => {
      await advance(3 * HOUR); // 18:00 UTC: 9 h after filing
      const overdue = await waitForEscalation(emergency.id, 'sla_overdue');
      expect(overdue).toMatchObject({ targetRole: 'head_of_support', targetStaffIds: [head.staffId], level: 2 });
      const level2 = await get(`/v1/escalations?ticketId=${emergency.id}&level=2`, agentDay.token);
      expect(level2.body.items.map((e: EscalationBody) => e.kind)).toEqual(['sla_overdue']);
      // docs/api.md §3: the ticket by its reference too, as staff say it aloud.
      expect((await get(`/v1/escalations?ticketId=${emergency.reference.toLowerCase()}&level=2`, agentDay.token)).body).toEqual(level2.body);
    });

    it('a resolved ticket keeps its open sla escalations as records, but their re-notices stop', async () => {
      const open = (await escalationsOf(emergency.id)).filter((e) => e.status === 'open' && e.kind.startsWith('sla_'));
      expect(open.map((e) => e.kind).sort()).toEqual(['sla_breach', 'sla_overdue']);
      for (const e of open) expect(await pendingRenotice(e.id)).toBe(1);
      const etag = (await get(`/v1/tickets/${emergency.id}`, agentDay.token)).headers.etag as string;
      const resolved = await http().patch(`/v1/tickets/${emergency.id}`).auth(agentDay.token, { type: 'bearer' }).set('if-match', etag).send({ status: 'resolved' });
      expect(resolved.status).toBe(200);
      await waitFor('re-notices of the resolved ticket cancelled', async () => {
        for (const e of open) if ((await pendingRenotice(e.id)) !== 0) return false;
        return true;
      });
      expect((await escalationsOf(emergency.id)).filter((e) => e.kind.startsWith('sla_')).map((e) => [e.kind, e.status])).toEqual([
        ['sla_overdue', 'open'],
        ['sla_breach', 'open'],
        ['sla_warning', 'resolved'],
      ]);
    });

    it('P7: the team-leader phrase in a message calls the team leader in, with the quote', async () => {
      const ticket = await file({ level: 'standard' });
      const message = await post(`/v1/tickets/${ticket.id}/messages`, acme.token, { body: 'Attention Technical Support Team Leader: three days and no answer.' });
      expect(message.status).toBe(201);
      const escalation = await waitForEscalation(ticket.id, 'team_leader');
      // 18:00 UTC: New York's team leader is on duty.
      expect(escalation).toMatchObject({ targetRole: 'team_leader', targetStaffIds: [leadNewYork.staffId], level: 1, causeType: 'ticket.team_leader_requested' });
      const [asked] = await platform.query<{ data: { quote?: string } }>(
        'ticket-intake',
        `SELECT event->'data' AS data FROM ticket_intake.outbox WHERE event_type = 'ticket.team_leader_requested' AND event->>'subject' = $1`,
        [ticket.id],
      );
      // The quote is intake's (it fills it in a parallel change): the escalation carries whatever intake sent.
      expect(escalation.quote).toBe(asked.data.quote ?? null);
      if (asked.data.quote) expect(escalation.quote).toContain('Attention Technical Support Team Leader');
    });

    it('P4: an emergency clock with phone support sets a call-back task for the agents on duty', async () => {
      const ticket = await file({ level: 'emergency' });
      await waitForEscalation(ticket.id, 'emergency');
      const now = clock.now();
      const data = {
        partnerId: acme.partnerId,
        clockId: randomUUID(),
        level: 'emergency',
        startedAt: now.toISOString(),
        dueAt: new Date(now.getTime() + 6 * HOUR).toISOString(),
        phoneSupport: true,
      };
      await publishAs('sla-timer', SlaClockStartedV1, ticket.id, data);
      const callback = await waitForEscalation(ticket.id, 'phone_callback');
      // 18:00 UTC: the overnight agent in Berlin is on duty.
      expect(callback).toMatchObject({ targetRole: 'agent', targetStaffIds: [agentNight.staffId], rule: 'emergency-phone-callback' });
      // Another clock of the same ticket (after a wait on the requester) sets no second task.
      await handledByEscalation((await publishAs('sla-timer', SlaClockStartedV1, ticket.id, { ...data, clockId: randomUUID() })).id);
      expect((await escalationsOf(ticket.id)).filter((e) => e.kind === 'phone_callback')).toHaveLength(1);
    });

    it('a low rating, or a comment asking for the team leader, calls the team leader in; the same survey twice raises one', async () => {
      const ticket = await file({ level: 'consulting' });
      const surveyId = randomUUID();
      const rating = { partnerId: acme.partnerId, surveyId, score: 2, solved: true, comment: 'Slow and unhelpful.', submittedAt: clock.now().toISOString() };
      await publishAs('rating', RatingSubmittedV1, ticket.id, rating);
      const low = await waitForEscalation(ticket.id, 'low_rating');
      expect(low).toMatchObject({ targetRole: 'team_leader', surveyId, quote: 'Slow and unhelpful.', level: 1 });
      // The same survey again under another event id (a duplicate, not a redelivery): no second escalation.
      await handledByEscalation((await publishAs('rating', RatingSubmittedV1, ticket.id, rating, randomUUID())).id);
      expect((await escalationsOf(ticket.id)).map((e) => e.kind)).toEqual(['low_rating']);

      const other = await file({ level: 'consulting' });
      const otherSurvey = randomUUID();
      await publishAs('rating', RatingSubmittedV1, other.id, { ...rating, surveyId: otherSurvey, score: 5, comment: 'Спасибо, но прошу связать меня с руководителем отдела.' });
      expect(await waitForEscalation(other.id, 'team_leader')).toMatchObject({ surveyId: otherSurvey, rule: 'rating-asks-team-leader' });
    });

    it('with no one on duty in its role it is still raised, with no targets and a warning; its re-notice finds whoever came on shift', async () => {
      await advance(8 * HOUR); // 02:00 UTC Tuesday: no team leader on the roster
      const ticket = await file({ level: 'standard' });
      await publishAs('rating', RatingSubmittedV1, ticket.id, { partnerId: acme.partnerId, surveyId: randomUUID(), score: 1, solved: true, submittedAt: clock.now().toISOString() });
      const escalation = await waitForEscalation(ticket.id, 'low_rating');
      expect(escalation.targetStaffIds).toEqual([]);
      expect(logs.lines.some((l) => l.msg === 'escalation raised with no one on duty in its role; re-notices will look again' && l.escalationId === escalation.id)).toBe(true);

      await advance(4 * HOUR + 15 * MINUTE); // 06:15 UTC: Moscow's team leader is on shift
      await waitFor('a re-notice of the untargeted escalation', async () => (await escalationEvents('escalation.renotified', escalation.id)).length === 1);
      expect((await escalationEvents('escalation.renotified', escalation.id))[0].data).toMatchObject({ attempt: 1, targetStaffIds: [leadMoscow.staffId] });
      expect((await get(`/v1/escalations/${escalation.id}`, agentDay.token)).body).toMatchObject({ targetStaffIds: [leadMoscow.staffId], renotices: 1 });
      expect((await post(`/v1/escalations/${escalation.id}/acknowledge`, leadMoscow.token)).status).toBe(200);

      const resolved = await post(`/v1/escalations/${escalation.id}/resolve`, admin, { outcome: 'Called the requester back.' });
      expect(resolved.status).toBe(200);
      expect(resolved.body).toMatchObject({ status: 'resolved', acknowledgedBy: leadMoscow.staffId, outcome: 'Called the requester back.' });
      expect(await escalationEvents('escalation.resolved', escalation.id)).toEqual([{ data: expect.objectContaining({ outcome: 'Called the requester back.' }) }]);
      expect(await pendingRenotice(escalation.id)).toBe(0);
      expectProblem(await post(`/v1/escalations/${escalation.id}/resolve`, admin), 409, 'conflict');
    });
  });

  describe('records', () => {
    it('lists with filters and pages; one escalation by id; unknown ids are 404', async () => {
      const open = await get('/v1/escalations?open=true&targetRole=team_leader&limit=2', agentDay.token);
      expect(open.status).toBe(200);
      expect(open.body.items).toHaveLength(2);
      expect(open.body.items.every((e: EscalationBody) => e.status !== 'resolved' && e.targetRole === 'team_leader')).toBe(true);
      const next = await get(`/v1/escalations?open=true&targetRole=team_leader&limit=2&cursor=${open.body.nextCursor}`, agentDay.token);
      expect(next.status).toBe(200);
      const ids = [...open.body.items, ...next.body.items].map((e: EscalationBody) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      const mine = await get('/v1/escalations?target=me', head.token);
      // The head of support is only on the roster for level 2: every overdue clock so far, nothing else.
      expect(mine.body.items.length).toBeGreaterThan(0);
      expect(mine.body.items.every((e: EscalationBody) => e.kind === 'sla_overdue' && e.level === 2 && e.targetStaffIds.includes(head.staffId))).toBe(true);
      const byKind = await get('/v1/escalations?kind=phone_callback', agentDay.token);
      expect(byKind.body.items).toHaveLength(1);
      expect((await get(`/v1/escalations/${byKind.body.items[0].id}`, agentDay.token)).body).toEqual(byKind.body.items[0]);
      expectProblem(await get(`/v1/escalations/${randomUUID()}`, agentDay.token), 404, 'not-found');
      expectProblem(await post(`/v1/escalations/${randomUUID()}/acknowledge`, admin), 404, 'not-found');
      expectProblem(await get('/v1/escalations?cursor=bm9wZQ', agentDay.token), 400, 'bad-request');
    });
  });
  describe('partner agreements (P7)', () => {
    it('an agreement warning at 50 and 80 %: its last warning is the about-to-breach escalation, before the breach', async () => {
      const partner = await client.partner(admin, 'Acme Early Warnings');
      const level = (targetMs: number) => ({ targetMs, phoneSupport: false });
      const agreement = { levels: { emergency: level(6 * HOUR), standard: level(12 * HOUR), consulting: level(24 * HOUR), development: level(7 * 24 * HOUR) }, warningAt: [0.5, 0.8], overdueAt: 1.5 };
      expect((await put(`/v1/partners/${partner.partnerId}/sla-policy`, admin, agreement)).status).toBe(200);
      const filed = await post('/v1/tickets', partner.token, sampleTicket({ level: 'standard' }));
      expect(filed.status).toBe(201);
      const ticket = filed.body as { id: string };
      const warned = async (threshold: number) =>
        waitFor(`sla-timer warned at ${threshold}`, async () => {
          const rows = await platform.query('sla-timer', `SELECT event->'data' AS data FROM sla_timer.outbox WHERE event_type = 'sla.warning' AND message_key = $1 AND (event->'data'->>'threshold')::numeric = $2`, [ticket.id, threshold]);
          return rows[0] as { data: Record<string, unknown> } | undefined;
        });
      await advance(6 * HOUR);
      expect((await warned(0.5)).data).not.toHaveProperty('last');
      await advance(3 * HOUR + 36 * MINUTE); // 80 % of 12 h: 2 h 24 min before the breach
      expect((await warned(0.8)).data).toMatchObject({ threshold: 0.8, last: true });
      const warning = await waitForEscalation(ticket.id, 'sla_warning');
      expect(warning).toMatchObject({ rule: 'sla-about-to-breach', targetRole: 'team_leader', level: 1, causeType: 'sla.warning', status: 'open' });
      expect((await escalationsOf(ticket.id)).map((e) => e.kind)).toEqual(['sla_warning']);
    });
  });
});
