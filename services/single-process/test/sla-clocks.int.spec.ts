import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { metricsRegistry, PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const HOUR = 3_600_000;

/** `tss_sla_breaches_total{level}` of this process's registry (the platform runs in it). */
const breachCount = async (level: string): Promise<number> =>
  (await metricsRegistry().getSingleMetric('tss_sla_breaches_total')?.get())?.values.find((v) => v.labels.level === level)?.value ?? 0;

// Issue #10 "Clocks" and "Reports": response clocks over the real ticket lifecycle, through the gateway.
describe('SLA clocks over the ticket lifecycle (issue #10)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  type Client = { clientId: string; clientSecret: string; token: string };
  let acme: Client & { partnerId: string };
  let rival: Client & { partnerId: string };
  let agent: Client & { staffId: string };
  let quality: Client & { staffId: string };
  let ann: string;
  const clock = new TestClock('2026-04-06T08:00:00.000Z');

  beforeAll(async () => {
    platform = await startTestPlatform('sla_clocks', { clock });
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Clocks');
    rival = await client.partner(admin, 'Rival Clocks');
    agent = await client.staff(admin, ['agent'], 'Dana Agent');
    quality = await client.staff(admin, ['quality'], 'Quinn Quality');
    ann = await client.requester(acme.token, 'cust-ann');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  /** Moves simulated time; tokens minted before would have expired, so every caller gets a fresh one. */
  const advance = async (ms: number) => {
    clock.advanceMs(ms);
    for (const c of [acme, rival, agent, quality]) c.token = await client.token(c.clientId, c.clientSecret);
    ann = await client.requester(acme.token, 'cust-ann');
  };
  const http = () => client.http();
  const get = (path: string, token: string) => http().get(path).auth(token, { type: 'bearer' });
  const file = async (token: string, body: Record<string, unknown> = sampleTicket()) => {
    const response = await http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(body);
    expect(response.status).toBe(201);
    return response.body as { id: string; reference: string };
  };
  const etagOf = async (id: string) => (await get(`/v1/tickets/${id}`, agent.token)).headers.etag as string;
  const patch = async (id: string, body: Record<string, unknown>) => {
    const response = await http().patch(`/v1/tickets/${id}`).auth(agent.token, { type: 'bearer' }).set('if-match', await etagOf(id)).send(body);
    expect(response.status).toBe(200);
  };
  /** P5: refers the ticket to development by the referral route (a PATCH does not refer, docs/adr/0039) once intake has applied it. */
  const referToDevelopment = async (id: string) => {
    await waitFor('escalation knows the ticket', async () => (await platform.query('escalation', 'SELECT 1 FROM escalation.referral_tickets WHERE ticket_id = $1', [id])).length === 1);
    const created = await http().post(`/v1/tickets/${id}/referrals`).auth(agent.token, { type: 'bearer' }).send({ target: 'development', reason: 'Needs a code fix.' });
    expect(created.status).toBe(202);
    await waitFor('the referral applied', async () => (await get(`/v1/tickets/${id}`, agent.token)).body.status === 'referred');
  };
  const reply = async (id: string) =>
    expect((await http().post(`/v1/tickets/${id}/messages`).auth(agent.token, { type: 'bearer' }).send({ body: 'Try the 2.4 build.', visibility: 'public' })).status).toBe(201);
  /** sla-timer has applied every event intake published for the ticket. */
  const settled = async (id: string) => {
    const [{ sequence }] = await platform.query<{ sequence: number }>('ticket-intake', 'SELECT sequence FROM ticket_intake.tickets WHERE id = $1', [id]);
    await waitFor(`sla-timer at event ${sequence} of ${id}`, async () => {
      const rows = await platform.query<{ last_sequence: number }>('sla-timer', 'SELECT last_sequence FROM sla_timer.tickets WHERE ticket_id = $1', [id]);
      return rows[0]?.last_sequence === sequence;
    });
  };
  type ClockView = { id: string; level: string; status: string; open: boolean; owedBy: string; startedBy: string; startedAt: string; dueAt: string; elapsedMs: number; remainingMs?: number } & Record<string, unknown>;
  const sla = async (id: string, token = acme.token) => {
    await settled(id);
    const response = await get(`/v1/tickets/${id}/sla`, token);
    expect(response.status).toBe(200);
    return response.body as { clocks: ClockView[]; resolution?: { resolvedAt: string; resolutionMs: number } };
  };
  const slaTypes = async (id: string) =>
    (await platform.query<{ type: string }>('sla-timer', `SELECT event_type AS type FROM sla_timer.outbox WHERE event->>'subject' = $1 ORDER BY position`, [id])).map((r) => r.type);

  it('P5: a new ticket owes a response within its level; a public reply in time meets it (elapsed, target, policy version, warnings)', async () => {
    const ticket = await file(ann);
    const started = await sla(ticket.id);
    expect(started.clocks).toEqual([
      expect.objectContaining({ level: 'standard', status: 'running', open: true, startedBy: 'created', owedBy: 'support', targetMs: 12 * HOUR, elapsedMs: 0, remainingMs: 12 * HOUR }),
    ]);
    expect(started.clocks[0].policy).toEqual({ scope: 'default', version: 1 });
    await advance(7 * HOUR);
    await waitFor('the 50 % warning', async () => (await slaTypes(ticket.id)).includes('sla.warning'));
    await reply(ticket.id);
    const met = await sla(ticket.id, ann);
    expect(met.clocks).toEqual([expect.objectContaining({ status: 'met', open: false, elapsedMs: 7 * HOUR, warningsPublished: [0.5], stopReason: 'responded' })]);
    await advance(24 * HOUR);
    expect(await slaTypes(ticket.id)).toEqual(['sla.clock_started', 'sla.warning', 'sla.met']);
  });

  it('P10: waiting on the requester cancels the clock; their answer owes a new response, which breaches unanswered', async () => {
    const ticket = await file(ann);
    await patch(ticket.id, { status: 'awaiting_customer', waitReason: 'insufficient_information' });
    expect((await sla(ticket.id)).clocks.map((c) => [c.status, c.open])).toEqual([['cancelled', false]]);
    await advance(3 * 24 * HOUR); // no clock runs while nothing is owed
    expect(await http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' }).send({ body: 'Windows 11, Chrome 131.' })).toHaveProperty('status', 201);
    const owed = await sla(ticket.id);
    expect(owed.clocks.map((c) => [c.status, c.startedBy])).toEqual([
      ['cancelled', 'created'],
      ['running', 'requester_message'],
    ]);
    const breachesBefore = await breachCount('standard');
    await advance(13 * HOUR);
    await waitFor('the breach', async () => (await slaTypes(ticket.id)).includes('sla.breached'));
    const breached = (await sla(ticket.id)).clocks[1];
    expect(breached).toMatchObject({ status: 'breached', open: true, remainingMs: -HOUR, breachedAt: breached.dueAt });
    // The breach-rate alert's metric (docs/operations.md "Monitoring").
    expect(await breachCount('standard')).toBe(breachesBefore + 1);
  });

  it('P5: reclassification re-targets from the original start; referral re-targets to 7 days owed by development', async () => {
    const ticket = await file(acme.token, sampleTicket({ level: 'consulting' }));
    const [first] = (await sla(ticket.id)).clocks;
    await advance(2 * HOUR);
    await patch(ticket.id, { level: 'standard' });
    const standard = (await sla(ticket.id)).clocks;
    expect(standard).toEqual([expect.objectContaining({ id: first.id, level: 'standard', startedAt: first.startedAt, dueAt: new Date(Date.parse(first.startedAt) + 12 * HOUR).toISOString() })]);
    await referToDevelopment(ticket.id);
    const referred = (await sla(ticket.id)).clocks;
    expect(referred).toEqual([
      expect.objectContaining({ id: first.id, level: 'development', owedBy: 'development', dueAt: new Date(Date.parse(first.startedAt) + 7 * 24 * HOUR).toISOString() }),
    ]);
    expect(await slaTypes(ticket.id)).toEqual(['sla.clock_started', 'sla.retargeted', 'sla.retargeted']);
  });

  it('P5: a referral when no response is owed starts a 7-day clock owed by development', async () => {
    const ticket = await file(acme.token);
    await reply(ticket.id);
    await advance(HOUR);
    await referToDevelopment(ticket.id);
    const clocks = (await sla(ticket.id)).clocks;
    expect(clocks.map((c) => [c.status, c.level, c.owedBy, c.startedBy])).toEqual([
      ['met', 'standard', 'support', 'created'],
      ['running', 'development', 'development', 'referral'],
    ]);
    expect(clocks[1].remainingMs).toBe(7 * 24 * HOUR);
  });

  it('P5: a referred ticket goes back to support only naming its level; development’s clock from the referral ends there and support owes a response from the hand-back (docs/adr/0029, addendum of 2026-12-05)', async () => {
    const ticket = await file(acme.token);
    await reply(ticket.id);
    await advance(HOUR);
    await referToDevelopment(ticket.id);
    const referredAt = clock.now().toISOString();
    await advance(2 * HOUR);
    const refuse = async (body: Record<string, unknown>) => {
      const refused = await http().patch(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' }).set('if-match', await etagOf(ticket.id)).send(body);
      expect({ status: refused.status, pointer: refused.body.errors?.[0]?.pointer }).toEqual({ status: 422, pointer: '/level' });
    };
    await refuse({ status: 'open' });
    await refuse({ level: 'standard' });
    expect((await get(`/v1/tickets/${ticket.id}`, acme.token)).body).toMatchObject({ status: 'referred', level: 'development' });
    const handedBackAt = clock.now().toISOString();
    await patch(ticket.id, { status: 'open', level: 'standard', note: 'Development found a configuration fix; support answers.' });
    expect((await get(`/v1/tickets/${ticket.id}`, acme.token)).body).toMatchObject({ status: 'open', level: 'standard', responseOwed: true });
    const clocks = (await sla(ticket.id)).clocks;
    expect(clocks.map((c) => [c.status, c.level, c.owedBy, c.startedBy])).toEqual([
      ['met', 'standard', 'support', 'created'],
      ['cancelled', 'development', 'development', 'referral'],
      ['running', 'standard', 'support', 'returned_to_support'],
    ]);
    expect(clocks[1]).toMatchObject({ startedAt: referredAt, stoppedAt: handedBackAt, stopReason: 'returned_to_support' });
    expect(clocks[2]).toMatchObject({ startedAt: handedBackAt, dueAt: new Date(Date.parse(handedBackAt) + 12 * HOUR).toISOString() });
    expect((await slaTypes(ticket.id)).slice(-3)).toEqual(['sla.clock_started', 'sla.clock_cancelled', 'sla.clock_started']);
  });

  it('P5: the development department waiting on the requester: their answer goes back to it and owes a response within 7 days', async () => {
    const ticket = await file(ann);
    await referToDevelopment(ticket.id);
    await patch(ticket.id, { status: 'awaiting_customer', waitReason: 'cannot_reproduce' });
    // Before the clock jumps past the standard target: a referral sla-timer had not applied yet
    // would find support's breach timer fired first (the referral's time is what counts, but a
    // published breach stays published).
    await settled(ticket.id);
    await advance(24 * HOUR);
    const answered = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' }).send({ body: 'A video of the crash is attached.' });
    expect(answered.body.ticket).toMatchObject({ status: 'referred', level: 'development', responseOwed: true });
    const clocks = (await sla(ticket.id)).clocks;
    expect(clocks.map((c) => [c.status, c.level, c.owedBy])).toEqual([
      ['cancelled', 'development', 'development'],
      ['running', 'development', 'development'],
    ]);
    expect(clocks[1]).toMatchObject({ startedAt: clock.now().toISOString(), remainingMs: 7 * 24 * HOUR });
  });

  it('P6: a feature request handed back to support owes the requester an answer: a new clock, and the queue shows it', async () => {
    const ticket = await file(ann);
    await patch(ticket.id, { status: 'feature_request' });
    expect((await http().post(`/v1/tickets/${ticket.id}/messages`).auth(ann, { type: 'bearer' }).send({ body: 'Any news?' })).status).toBe(201);
    await advance(3 * 24 * HOUR);
    await patch(ticket.id, { status: 'open', assigneeId: agent.staffId, note: 'Not a feature: a defect.' });
    expect((await get(`/v1/tickets/${ticket.id}`, acme.token)).body).toMatchObject({ status: 'open', responseOwed: true });
    const clocks = (await sla(ticket.id)).clocks;
    expect(clocks.map((c) => [c.status, c.startedBy])).toEqual([
      ['cancelled', 'created'],
      ['running', 'returned_to_support'],
    ]);
    expect(clocks[1]).toMatchObject({ startedAt: clock.now().toISOString(), remainingMs: 12 * HOUR });
    const entry = await waitFor('the queue showing the clock’s due time', async () => {
      const mine = (await get('/v1/queue?assignee=me', agent.token)).body.items as { ticket: { id: string }; dueAt: string; dueAtSource: string }[];
      const found = mine.find((e) => e.ticket.id === ticket.id);
      return found?.dueAtSource === 'sla_clock' && found;
    });
    expect(entry.dueAt).toBe(clocks[1].dueAt);
  });

  it('P5/P11: resolution cancels the clock and its time is reported, never breached; reopening owes a response again', async () => {
    const ticket = await file(ann);
    await advance(5 * HOUR);
    await patch(ticket.id, { status: 'resolved' });
    const resolved = await sla(ticket.id);
    expect(resolved.clocks.map((c) => c.status)).toEqual(['cancelled']);
    expect(resolved.resolution).toEqual({ resolvedAt: clock.now().toISOString(), resolutionMs: 5 * HOUR });
    await advance(HOUR);
    expect((await http().post(`/v1/tickets/${ticket.id}/reopen`).auth(ann, { type: 'bearer' }).send({ reason: 'Still broken' })).status).toBe(200);
    const reopened = await sla(ticket.id);
    expect(reopened.clocks.map((c) => [c.status, c.startedBy])).toEqual([
      ['cancelled', 'created'],
      ['running', 'reopened'],
    ]);
    expect(reopened.resolution).toBeUndefined();
  });

  it('staff read any ticket’s clocks; another partner gets a 404', async () => {
    const ticket = await file(acme.token);
    await settled(ticket.id);
    expect((await get(`/v1/tickets/${ticket.id}/sla`, agent.token)).status).toBe(200);
    const foreign = await get(`/v1/tickets/${ticket.id}/sla`, rival.token);
    expect(foreign.status).toBe(404);
    expect(foreign.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });

  it('P3: the clocks are read by reference as by id, in any case, with or without dashes; another partner’s reference is a 404', async () => {
    const ticket = await file(ann);
    const byId = await sla(ticket.id);
    const forms = [ticket.reference, ticket.reference.toLowerCase(), ticket.reference.replace(/-/g, ''), ticket.reference.slice(4).toLowerCase()];
    for (const [form, token] of forms.flatMap((f) => [acme.token, ann, agent.token].map((t) => [f, t] as const))) {
      const response = await get(`/v1/tickets/${form}/sla`, token);
      expect([form, response.status]).toEqual([form, 200]);
      expect(response.body).toEqual({ ...byId, ticketId: ticket.id });
    }
    for (const token of [rival.token, await client.requester(acme.token, 'cust-bob')]) {
      const foreign = await get(`/v1/tickets/${ticket.reference}/sla`, token);
      expect(foreign.status).toBe(404);
      expect(foreign.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    }
    // A wrong check character is a 400 "invalid reference", as on intake's routes.
    const last = ticket.reference.slice(-1);
    const typo = `${ticket.reference.slice(0, -1)}${last === '0' ? '1' : '0'}`;
    const invalid = await get(`/v1/tickets/${typo}/sla`, acme.token);
    expect([invalid.status, invalid.body.type]).toEqual([400, 'https://tss.dev/problems/invalid-reference']);
  });

  describe('GET /v1/reports/sla', () => {
    it('per level: owed, met, breached, compliance, median and p90 response times; filtered by partner, level and product; CSV on request', async () => {
      const from = clock.now().toISOString();
      // rival: three standard tickets answered after 1 h, 2 h and 3 h; one emergency breached (answered after 7 h).
      const answered = [await file(rival.token), await file(rival.token), await file(rival.token)];
      for (const t of answered) {
        await advance(HOUR);
        await reply(t.id);
      }
      const emergency = await file(rival.token, sampleTicket({ level: 'emergency', product: 'player' }));
      await advance(7 * HOUR);
      await reply(emergency.id);
      for (const t of [...answered, emergency]) await settled(t.id);
      const to = clock.now().toISOString();
      const report = await get(`/v1/reports/sla?from=${from}&to=${to}&partner=${rival.partnerId}`, quality.token);
      expect(report.status).toBe(200);
      expect(report.body.levels).toEqual([
        expect.objectContaining({ level: 'emergency', owed: 1, met: 0, breached: 1, compliancePercent: 0, medianResponseMs: 7 * HOUR }),
        expect.objectContaining({ level: 'standard', owed: 3, met: 3, breached: 0, compliancePercent: 100, medianResponseMs: 2 * HOUR, p90ResponseMs: Math.round(2.8 * HOUR) }),
      ]);
      const player = await get(`/v1/reports/sla?from=${from}&to=${to}&partner=${rival.partnerId}&product=player`, quality.token);
      expect(player.body.levels.map((l: { level: string }) => l.level)).toEqual(['emergency']);
      const standardOnly = await get(`/v1/reports/sla?from=${from}&to=${to}&partner=${rival.partnerId}&level=standard`, quality.token);
      expect(standardOnly.body.levels.map((l: { level: string }) => l.level)).toEqual(['standard']);
      const csv = await get(`/v1/reports/sla?from=${from}&to=${to}&partner=${rival.partnerId}`, quality.token).set('accept', 'text/csv');
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.text.split('\r\n')).toEqual([
        'level,owed,met,breached,cancelled,open,compliancePercent,medianResponseMs,p90ResponseMs,resolved,medianResolutionMs,p90ResolutionMs',
        `emergency,1,0,1,0,0,0,${7 * HOUR},${7 * HOUR},0,,`,
        `standard,3,3,0,0,0,100,${2 * HOUR},${Math.round(2.8 * HOUR)},0,,`,
        '',
      ]);
   
      // A leap second is RFC 3339 but no JavaScript instant: a 400 naming the parameter, never a 500.
      for (const query of ['from=2026-06-30T23:59:60Z', `from=${from}&to=2026-12-31T23:59:60Z`]) {
        const leap = await get(`/v1/reports/sla?${query}`, quality.token);
        expect(leap.status).toBe(400);
        expect(leap.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
        expect(leap.body.type).toBe('https://tss.dev/problems/validation');
        expect(leap.body.errors[0].pointer).toBe(query.includes('to=') ? '/to' : '/from');
      }
    });

    it('RFC 9110: CSV only when acceptable (text/csv;q=0 refuses it) and weighed above JSON; both forms say Vary: Accept', async () => {
      const as = async (accept: string) => {
        const response = await get('/v1/reports/sla', quality.token).set('accept', accept);
        expect(response.status).toBe(200);
        expect(response.headers.vary).toMatch(/\bAccept\b/);
        return response.headers['content-type'] as string;
      };
      expect(await as('text/csv')).toContain('text/csv');
      expect(await as('text/csv;q=0')).toContain('application/json');
      expect(await as('*/*, text/csv;q=0')).toContain('application/json');
      expect(await as('text/csv;q=0.5, application/json')).toContain('application/json');
    });

    it('is for staff with reports:read or admin: an agent or a partner gets a 403; from after to is a 400', async () => {
      expect((await get('/v1/reports/sla', agent.token)).status).toBe(403);
      expect((await get('/v1/reports/sla', acme.token)).status).toBe(403);
      const admin = await platform.adminToken();
      expect((await get('/v1/reports/sla', admin)).status).toBe(200);
      const bad = await get('/v1/reports/sla?from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z', quality.token);
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    });
  });
});
