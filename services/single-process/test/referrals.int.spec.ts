import { randomUUID } from 'node:crypto';
import { EscalationReferralRequestedV1, NotificationEmailReceivedV1, type EventContract } from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type ReferralView = {
  id: string;
  ticketId: string;
  target: string;
  reason: string;
  status: 'requested' | 'applied' | 'rejected';
  requestedBy: string;
  requestedAt: string;
  answeredAt?: string;
  rejectionReason?: string;
  outcome?: { text: string; recordedBy: string; recordedAt: string };
};
type ClockView = { id: string; level: string; status: string; open: boolean; owedBy: string; startedBy: string; startedAt: string; dueAt: string; remainingMs?: number };

// Issue #12 "Referrals" (P5, P6, P7): escalation's route, intake's answer, the ticket and its SLA clock, through the gateway on real PostgreSQL.
describe('referrals to development, quality and design (issue #12)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  type Client = { clientId: string; clientSecret: string; token: string };
  let acme: Client & { partnerId: string };
  let rival: Client & { partnerId: string };
  let agent: Client & { staffId: string };
  let quality: Client & { staffId: string };
  let ann: string;
  const clock = new TestClock('2026-05-04T08:00:00.000Z');

  beforeAll(async () => {
    platform = await startTestPlatform('referrals', { clock });
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Referrals');
    rival = await client.partner(admin, 'Rival Referrals');
    agent = await client.staff(admin, ['agent'], 'Rhea Agent');
    quality = await client.staff(admin, ['quality'], 'Quentin Quality');
    ann = await client.requester(acme.token, 'cust-ann');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const http = () => client.http();
  const get = (path: string, token: string) => http().get(path).auth(token, { type: 'bearer' });
  const advance = async (ms: number) => {
    clock.advanceMs(ms);
    for (const c of [acme, rival, agent, quality]) c.token = await client.token(c.clientId, c.clientSecret);
    ann = await client.requester(acme.token, 'cust-ann');
  };
  /** A ticket filed by acme, once escalation knows it (from `ticket.created`). */
  const file = async (body: Record<string, unknown> = sampleTicket()) => {
    const response = await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(body);
    expect(response.status).toBe(201);
    const ticket = response.body as { id: string; reference: string };
    await waitFor('escalation knows the ticket', async () => (await platform.query('escalation', 'SELECT 1 FROM escalation.referral_tickets WHERE ticket_id = $1', [ticket.id])).length === 1);
    return ticket;
  };
  const refer = (ticket: string, body: Record<string, unknown>, token = agent.token) => http().post(`/v1/tickets/${ticket}/referrals`).auth(token, { type: 'bearer' }).send(body);
  /** Refers and waits for intake's answer. */
  const referAndAnswer = async (ticket: string, target: string, reason = `Referred to ${target} by the test.`) => {
    const created = await refer(ticket, { target, reason });
    expect(created.status).toBe(202);
    const referral = created.body as ReferralView;
    return answered(referral);
  };
  const answered = async (referral: { id: string; ticketId: string }) =>
    waitFor(`referral ${referral.id} answered`, async () => {
      const read = await get(`/v1/tickets/${referral.ticketId}/referrals/${referral.id}`, agent.token);
      expect(read.status).toBe(200);
      const view = read.body as ReferralView;
      return view.status === 'requested' ? undefined : view;
    });
  const ticketOf = async (id: string) => (await get(`/v1/tickets/${id}`, agent.token)).body as { status: string; level: string; responseOwed: boolean };
  type HistoryEntry = { action: string; actor: { kind: string; id?: string }; detail: Record<string, unknown>; visibility: string };
  const history = async (id: string, token = agent.token) => (await get(`/v1/tickets/${id}/history`, token)).body.items as HistoryEntry[];
  const intakeEvents = async (ticketId: string): Promise<({ type: string } & Record<string, unknown>)[]> =>
    (
      await platform.query<{ type: string; data: Record<string, unknown> }>(
        'ticket-intake',
        `SELECT event_type AS type, event->'data' AS data FROM ticket_intake.outbox WHERE event->>'subject' = $1 ORDER BY position`,
        [ticketId],
      )
    ).map((r) => ({ type: r.type, ...r.data }));
  /** sla-timer has applied every event intake published for the ticket (`ticket.referral_applied` included). */
  const settled = async (id: string) => {
    const [{ sequence }] = await platform.query<{ sequence: number }>('ticket-intake', 'SELECT sequence FROM ticket_intake.tickets WHERE id = $1', [id]);
    await waitFor(`sla-timer at event ${sequence} of ${id}`, async () => {
      const rows = await platform.query<{ last_sequence: number }>('sla-timer', 'SELECT last_sequence FROM sla_timer.tickets WHERE ticket_id = $1', [id]);
      return rows[0]?.last_sequence === sequence;
    });
  };
  const clocks = async (id: string): Promise<ClockView[]> => {
    await settled(id);
    const response = await get(`/v1/tickets/${id}/sla`, agent.token);
    expect(response.status).toBe(200);
    return response.body.clocks as ClockView[];
  };
  const reply = async (id: string) =>
    expect((await http().post(`/v1/tickets/${id}/messages`).auth(agent.token, { type: 'bearer' }).send({ body: 'Try the 4.2.2 build.', visibility: 'public' })).status).toBe(201);
  const publishAs = async <C extends EventContract>(service: string, contract: C, subject: string, data: unknown) => {
    const host = platform.running.platform.host(service);
    await host.unitOfWork.run((tx) => host.outbox.add(tx, contract, subject, data as never));
  };
  /** Publishes an event of a service's outbox again, with its id: what a redelivery looks like to the consumers. */
  const redeliver = async (service: string, schema: string, type: string, subject: string) => {
    const [row] = await platform.query<{ topic: string; message_key: string; event: never }>(
      service,
      `SELECT topic, message_key, event FROM ${schema}.outbox WHERE event_type = $1 AND message_key = $2 ORDER BY position LIMIT 1`,
      [type, subject],
    );
    await platform.running.transport.publish([{ topic: row.topic, key: row.message_key, event: row.event }]);
  };

  describe('development (P5)', () => {
    it('P5: answers 202 with the referral and a Location; intake applies it: referred at level development, the reason in the history, the running clock re-targeted to 7 d from its start', async () => {
      const ticket = await file();
      const [first] = await clocks(ticket.id);
      expect(first).toMatchObject({ level: 'standard', status: 'running' });
      await advance(2 * HOUR);
      const created = await refer(ticket.reference.toLowerCase(), { target: 'development', reason: 'Crash needs a code fix.' });
      expect(created.status).toBe(202);
      const referral = created.body as ReferralView;
      expect(referral).toEqual({
        id: expect.any(String),
        ticketId: ticket.id,
        target: 'development',
        reason: 'Crash needs a code fix.',
        status: 'requested',
        requestedBy: agent.staffId,
        requestedAt: clock.now().toISOString(),
      });
      expect(created.headers.location).toBe(`/v1/tickets/${ticket.id}/referrals/${referral.id}`);
      // The event was written in the same transaction as the referral.
      const [requested] = await platform.query<{ data: Record<string, unknown> }>('escalation', `SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = 'escalation.referral_requested' AND message_key = $1`, [
        ticket.id,
      ]);
      expect(requested.data).toMatchObject({ partnerId: acme.partnerId, referralId: referral.id, target: 'development', reason: 'Crash needs a code fix.', requestedBy: agent.staffId });

      expect(await answered(referral)).toMatchObject({ status: 'applied', answeredAt: expect.any(String) });
      expect(await ticketOf(ticket.id)).toMatchObject({ status: 'referred', level: 'development', responseOwed: true });
      const entries = await history(ticket.id);
      // The reason is the development department's: on the referral's staff-only entry, not on the changes the partner sees (docs/adr/0039, seventh session).
      expect(entries.filter((e) => ['level_changed', 'status_changed', 'referral_applied'].includes(e.action))).toEqual([
        expect.objectContaining({ action: 'level_changed', actor: { kind: 'staff', id: agent.staffId }, visibility: 'public', detail: expect.objectContaining({ to: 'development' }) }),
        expect.objectContaining({ action: 'status_changed', visibility: 'public', detail: expect.objectContaining({ to: 'referred' }) }),
        expect.objectContaining({ action: 'referral_applied', visibility: 'internal', detail: expect.objectContaining({ referralId: referral.id, target: 'development', note: 'Crash needs a code fix.' }) }),
      ]);
      const seen = await history(ticket.id, acme.token);
      expect(seen.filter((e) => ['level_changed', 'status_changed'].includes(e.action)).map((e) => e.detail.to)).toEqual(['development', 'referred']);
      expect(JSON.stringify(seen)).not.toMatch(/referral_applied|Crash needs a code fix/);
      expect((await intakeEvents(ticket.id)).find((e) => e.type === 'ticket.referral_applied')).toMatchObject({ referralId: referral.id, target: 'development' });
      expect(await clocks(ticket.id)).toEqual([
        expect.objectContaining({ id: first.id, level: 'development', owedBy: 'development', status: 'running', startedAt: first.startedAt, dueAt: new Date(Date.parse(first.startedAt) + 7 * DAY).toISOString() }),
      ]);
      // The list shows it too, and a developer is called in.
      const list = await get(`/v1/tickets/${ticket.id}/referrals`, quality.token);
      expect(list.body).toEqual({ ticketId: ticket.id, items: [expect.objectContaining({ id: referral.id, status: 'applied' })] });
      const raised = await waitFor('the developers called in', async () => {
        const rows = await platform.query<{ data: Record<string, unknown> }>('escalation', `SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = 'escalation.raised' AND message_key = $1`, [ticket.id]);
        return rows[0];
      });
      expect(raised.data).toMatchObject({ escalationId: referral.id, kind: 'development', targetRole: 'developer' });
    });

    // An outside tester (a support agent's day): `PATCH {"level":"development"}` answered 200 and the
    // ticket was referred, its 7-day clock owed by development, with no referral, no reason and no
    // developer told (docs/adr/0039, addendum of 2026-12-05, fifth session).
    it('P5, P7: a PATCH does not refer: level development or status referred is a 422 naming the referral route, and nothing changes', async () => {
      const ticket = await file();
      const read = await get(`/v1/tickets/${ticket.id}`, agent.token);
      for (const [body, field] of [
        [{ level: 'development' }, '/level'],
        [{ status: 'referred' }, '/status'],
        [{ status: 'referred', level: 'development', note: 'Needs a code fix.' }, '/level'],
      ] as const) {
        const refused = await http().patch(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' }).set('if-match', read.headers.etag).send(body);
        expect({ status: refused.status, type: refused.headers['content-type'] }).toEqual({ status: 422, type: expect.stringContaining(PROBLEM_CONTENT_TYPE) });
        expect(refused.body).toMatchObject({ type: expect.stringContaining('unprocessable'), errors: [expect.objectContaining({ pointer: field })] });
        expect(refused.body.detail).toContain(`POST /v1/tickets/${ticket.id}/referrals`);
      }
      const after = await get(`/v1/tickets/${ticket.id}`, agent.token);
      expect(after.headers.etag).toBe(read.headers.etag);
      expect(after.body).toMatchObject({ status: 'new', level: 'standard' });
      expect((await get(`/v1/tickets/${ticket.id}/referrals`, agent.token)).body).toEqual({ ticketId: ticket.id, items: [] });
      expect((await clocks(ticket.id)).map((c) => [c.level, c.owedBy])).toEqual([['standard', 'support']]);
    });

    it('P5: a referred ticket that waited on the requester goes back to development by PATCH (it is at development already)', async () => {
      const ticket = await file();
      expect(await referAndAnswer(ticket.id, 'development')).toMatchObject({ status: 'applied' });
      const patch = async (body: Record<string, unknown>) => {
        const etag = (await get(`/v1/tickets/${ticket.id}`, agent.token)).headers.etag as string;
        return http().patch(`/v1/tickets/${ticket.id}`).auth(agent.token, { type: 'bearer' }).set('if-match', etag).send(body);
      };
      expect((await patch({ status: 'awaiting_customer', waitReason: 'insufficient_information' })).status).toBe(200);
      const back = await patch({ status: 'referred' });
      expect(back.status).toBe(200);
      expect(await ticketOf(ticket.id)).toMatchObject({ status: 'referred', level: 'development', responseOwed: true });
    });

    it('P5: when no response is owed, the referral starts a 7-day clock owed by development', async () => {
      const ticket = await file();
      await reply(ticket.id);
      await advance(HOUR);
      expect(await referAndAnswer(ticket.id, 'development')).toMatchObject({ status: 'applied' });
      const now = await clocks(ticket.id);
      expect(now.map((c) => [c.status, c.level, c.owedBy, c.startedBy])).toEqual([
        ['met', 'standard', 'support', 'created'],
        ['running', 'development', 'development', 'referral'],
      ]);
      expect(now[1].remainingMs).toBe(7 * DAY);
    });

    it('a second development referral, and a development or design one of a closed ticket, are rejected with the reason; quality reviews a closed ticket, reopening nothing and starting no clock', async () => {
      const ticket = await file();
      expect(await referAndAnswer(ticket.id, 'development')).toMatchObject({ status: 'applied' });
      const again = await referAndAnswer(ticket.id, 'development');
      expect(again).toMatchObject({ status: 'rejected', rejectionReason: 'The ticket is already referred to development.', answeredAt: expect.any(String) });
      expect((await intakeEvents(ticket.id)).filter((e) => e.type === 'ticket.level_changed')).toHaveLength(1);
      // Staff's refused action is staff's.
      expect((await history(ticket.id)).find((e) => e.action === 'referral_rejected')).toMatchObject({ visibility: 'internal', detail: { referralId: again.id, reason: 'The ticket is already referred to development.' } });
      expect(JSON.stringify(await history(ticket.id, acme.token))).not.toMatch(/referral_rejected|already referred/);

      const closed = await file();
      const etag = (await get(`/v1/tickets/${closed.id}`, agent.token)).headers.etag as string;
      const closing = await http()
        .patch(`/v1/tickets/${closed.id}`)
        .auth(agent.token, { type: 'bearer' })
        .set('if-match', etag)
        .send({ status: 'closed', closure: { reason: 'server_or_proxy_connectivity', thirdParty: 'network_or_proxy_administrator' } });
      expect(closing.status).toBe(200);
      for (const target of ['development', 'design']) {
        expect(await referAndAnswer(closed.id, target)).toMatchObject({ status: 'rejected', rejectionReason: 'The ticket is closed.' });
      }
      expect(await ticketOf(closed.id)).toMatchObject({ status: 'closed' });
      // P7: quality reviews closed tickets (after a complaint): applied, the ticket stays closed, no response owed, no clock.
      const clocksBefore = await clocks(closed.id);
      const review = await referAndAnswer(closed.id, 'quality', 'Complaint about the closure.');
      expect(review).toMatchObject({ status: 'applied', target: 'quality' });
      expect(await ticketOf(closed.id)).toMatchObject({ status: 'closed', responseOwed: false });
      expect(await clocks(closed.id)).toEqual(clocksBefore);
      await waitFor('quality called in on the closed ticket', async () =>
        (await platform.query('escalation', `SELECT 1 FROM escalation.outbox WHERE event_type = 'escalation.raised' AND message_key = $1 AND event->'data'->>'escalationId' = $2`, [closed.id, review.id])).length === 1,
      );
    });

    it('redelivery of escalation.referral_requested changes nothing (inbox)', async () => {
      const ticket = await file();
      const first = await referAndAnswer(ticket.id, 'development');
      await redeliver('escalation', 'escalation', 'escalation.referral_requested', ticket.id);
      // A later referral of the same ticket (same key, so after the redelivered one) shows it was handled.
      expect(await referAndAnswer(ticket.id, 'quality')).toMatchObject({ status: 'applied' });
      const events = await intakeEvents(ticket.id);
      expect(events.filter((e) => e.type === 'ticket.level_changed')).toHaveLength(1);
      expect(events.filter((e) => e.referralId === first.id).map((e) => e.type)).toEqual(['ticket.referral_applied']);
      expect((await get(`/v1/tickets/${ticket.id}/referrals/${first.id}`, agent.token)).body).toMatchObject({ status: 'applied' });
    });
  });

  describe('design (P6)', () => {
    it('P6: makes the ticket a feature request and cancels its clock; a resolved ticket cannot become one', async () => {
      const ticket = await file();
      expect((await clocks(ticket.id)).map((c) => c.status)).toEqual(['running']);
      expect(await referAndAnswer(ticket.id, 'design', 'Offline reading is a new feature.')).toMatchObject({ status: 'applied' });
      expect(await ticketOf(ticket.id)).toMatchObject({ status: 'feature_request', level: 'standard', responseOwed: false });
      expect((await history(ticket.id)).find((e) => e.action === 'status_changed' && e.detail.to === 'feature_request')).toMatchObject({ visibility: 'public' });
      expect((await history(ticket.id)).find((e) => e.action === 'referral_applied')).toMatchObject({ visibility: 'internal', detail: expect.objectContaining({ note: 'Offline reading is a new feature.' }) });
      expect(JSON.stringify(await history(ticket.id, acme.token))).not.toContain('Offline reading');
      expect((await clocks(ticket.id)).map((c) => [c.status, c.open])).toEqual([['cancelled', false]]);
      expect(await referAndAnswer(ticket.id, 'design')).toMatchObject({ status: 'rejected', rejectionReason: 'The ticket is already a feature request.' });

      const resolved = await file();
      const etag = (await get(`/v1/tickets/${resolved.id}`, agent.token)).headers.etag as string;
      expect((await http().patch(`/v1/tickets/${resolved.id}`).auth(agent.token, { type: 'bearer' }).set('if-match', etag).send({ status: 'resolved' })).status).toBe(200);
      expect(await referAndAnswer(resolved.id, 'design')).toMatchObject({ status: 'rejected', rejectionReason: 'A resolved ticket cannot become feature_request.' });
    });
  });

  describe('quality (P7)', () => {
    it('P7: involves quality without changing level, status or clock; quality adds internal notes (not replies) and records the outcome once', async () => {
      const ticket = await file();
      const [before] = await clocks(ticket.id);
      const referral = await referAndAnswer(ticket.id, 'quality', 'Check the first answer.');
      expect(referral).toMatchObject({ status: 'applied', target: 'quality' });
      expect(await ticketOf(ticket.id)).toMatchObject({ status: 'new', level: 'standard', responseOwed: true });
      expect((await history(ticket.id)).filter((e) => e.action === 'referral_applied')).toEqual([
        expect.objectContaining({ actor: { kind: 'staff', id: agent.staffId }, visibility: 'internal', detail: expect.objectContaining({ target: 'quality', note: 'Check the first answer.' }) }),
      ]);
      // A quality review is staff's: the partner sees nothing of it.
      expect(JSON.stringify(await history(ticket.id, acme.token))).not.toMatch(/referral|Check the first answer/);
      expect(await clocks(ticket.id)).toEqual([before]);
      const raised = await waitFor('quality called in', async () => {
        const rows = await platform.query<{ data: Record<string, unknown> }>('escalation', `SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = 'escalation.raised' AND message_key = $1`, [ticket.id]);
        return rows[0];
      });
      expect(raised.data).toMatchObject({ escalationId: referral.id, kind: 'quality', targetRole: 'quality', summary: 'Referred to quality: Check the first answer.' });

      // notes:write: an internal note, never a public reply.
      const note = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(quality.token, { type: 'bearer' }).send({ body: 'First answer missed the workaround.', visibility: 'internal' });
      expect(note.status).toBe(201);
      expect(note.body.message).toMatchObject({ visibility: 'internal', author: { kind: 'agent', id: quality.staffId } });
      const publicReply = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(quality.token, { type: 'bearer' }).send({ body: 'Hello!', visibility: 'public' });
      expect(publicReply.status).toBe(403);
      expect(publicReply.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect((await http().post(`/v1/tickets/${ticket.id}/messages`).auth(quality.token, { type: 'bearer' }).send({ body: 'Hello!' })).status).toBe(403);
      expect(await ticketOf(ticket.id)).toMatchObject({ responseOwed: true });

      // The outcome: quality (or escalations:manage) only, once, on this quality referral.
      const outcomePath = `/v1/tickets/${ticket.id}/referrals/${referral.id}/outcome`;
      expect((await http().post(outcomePath).auth(agent.token, { type: 'bearer' }).send({ outcome: 'Fine.' })).status).toBe(403);
      expect((await http().post(outcomePath).auth(quality.token, { type: 'bearer' }).send({ outcome: '   ' })).status).toBe(400);
      const recorded = await http().post(outcomePath).auth(quality.token, { type: 'bearer' }).send({ outcome: 'Saved reply corrected.' });
      expect(recorded.status).toBe(200);
      expect(recorded.body).toMatchObject({ id: referral.id, outcome: { text: 'Saved reply corrected.', recordedBy: quality.staffId, recordedAt: clock.now().toISOString() } });
      expect((await get(`/v1/tickets/${ticket.id}/referrals/${referral.id}`, agent.token)).body.outcome).toMatchObject({ text: 'Saved reply corrected.' });
      const second = await http().post(outcomePath).auth(quality.token, { type: 'bearer' }).send({ outcome: 'Changed my mind.' });
      expect(second.status).toBe(409);
      const [resolved] = await platform.query<{ data: Record<string, unknown> }>('escalation', `SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = 'escalation.resolved' AND message_key = $1`, [ticket.id]);
      expect(resolved.data).toMatchObject({ escalationId: referral.id, resolvedBy: quality.staffId, outcome: 'Saved reply corrected.' });

      const development = await referAndAnswer(ticket.id, 'development');
      expect((await http().post(`/v1/tickets/${ticket.id}/referrals/${development.id}/outcome`).auth(quality.token, { type: 'bearer' }).send({ outcome: 'x' })).status).toBe(409);
    });

    it('redelivery of ticket.referral_applied calls quality in once', async () => {
      const ticket = await file();
      const referral = await referAndAnswer(ticket.id, 'quality');
      await redeliver('ticket-intake', 'ticket_intake', 'ticket.referral_applied', ticket.id);
      await referAndAnswer(ticket.id, 'design'); // same key, after the redelivered event
      await waitFor('the design referral handled', async () => (await platform.query('escalation', `SELECT 1 FROM escalation.referrals WHERE ticket_id = $1 AND status = 'applied'`, [ticket.id])).length === 2);
      const raised = await platform.query<{ data: { escalationId: string } }>('escalation', `SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = 'escalation.raised' AND message_key = $1`, [ticket.id]);
      expect(raised.map((r) => r.data.escalationId)).toEqual([referral.id]);
    });
  });

  describe('the departments called in (P5, P7)', () => {
    it('an applied development or quality referral targets and mails the department’s active staff (by staff role), not only a fallback address', async () => {
      const admin = await platform.adminToken();
      const member = async (roles: string[], displayName: string, email: string) => {
        const created = await http().post('/v1/clients').auth(admin, { type: 'bearer' }).send({ roles, displayName, email });
        expect(created.status).toBe(201);
        return created.body.clientId as string;
      };
      const developer = await member(['developer'], 'Dev Eloper', 'dev.eloper@support.example');
      const reviewer = await member(['quality'], 'Rita Review', 'rita.review@support.example');
      // Escalation picks them; notification mails them: both learn staff from `staff.*`, in no order with the ticket's events.
      await waitFor('the staff projected into escalation and notification', async () =>
        (await platform.query('escalation', `SELECT 1 FROM escalation.staff WHERE staff_id = ANY($1::text[])`, [[developer, reviewer]])).length === 2 &&
        (await platform.query('notification', `SELECT 1 FROM notification.staff_directory WHERE staff_id = ANY($1::text[])`, [[developer, reviewer]])).length === 2,
      );
      const calledIn = (ticketId: string, referralId: string) =>
        waitFor(`referral ${referralId} called in`, async () => {
          const rows = await platform.query<{ data: { targetRole: string; targetStaffIds: string[] } }>(
            'escalation',
            `SELECT event->'data' AS data FROM escalation.outbox WHERE event_type = 'escalation.raised' AND message_key = $1 AND event->'data'->>'escalationId' = $2`,
            [ticketId, referralId],
          );
          return rows[0]?.data;
        });
      const noticesOf = (ticketId: string, count: number) =>
        waitFor(`${count} escalation notices of ${ticketId}`, async () => {
          const rows = await platform.query<{ recipient: string }>('notification', `SELECT lower(recipient) AS recipient FROM notification.mail_messages WHERE ticket_id = $1 AND kind = 'escalation_notice' ORDER BY recipient`, [ticketId]);
          return rows.length >= count ? rows.map((r) => r.recipient) : undefined;
        });

      const developed = await file();
      const development = await referAndAnswer(developed.id, 'development', 'Crash needs a code fix.');
      expect(await calledIn(developed.id, development.id)).toMatchObject({ targetRole: 'developer', targetStaffIds: [developer] });
      expect(await noticesOf(developed.id, 1)).toEqual(['dev.eloper@support.example']);

      const reviewed = await file();
      const review = await referAndAnswer(reviewed.id, 'quality', 'Check the first answer.');
      // Quentin (no address) is targeted too: notification mails those it can reach.
      expect(await calledIn(reviewed.id, review.id)).toMatchObject({ targetRole: 'quality', targetStaffIds: [quality.staffId, reviewer].sort() });
      expect(await noticesOf(reviewed.id, 1)).toEqual(['rita.review@support.example']);
    });
  });

  describe('who may refer, and what', () => {
    it('partners, requesters and another partner get 403; quality (no tickets:write) may not refer', async () => {
      const ticket = await file();
      const body = { target: 'development', reason: 'Needs a fix.' };
      for (const token of [acme.token, ann, rival.token, quality.token]) {
        const refused = await refer(ticket.id, body, token);
        expect(refused.status).toBe(403);
        expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      }
      for (const token of [acme.token, ann, rival.token]) expect((await get(`/v1/tickets/${ticket.id}/referrals`, token)).status).toBe(403);
      expect((await get(`/v1/tickets/${ticket.id}/referrals`, agent.token)).body.items).toEqual([]);
      expect(await platform.query('escalation', 'SELECT 1 FROM escalation.referrals WHERE ticket_id = $1', [ticket.id])).toEqual([]);
    });

    it('400 for a bad target, an empty or blank reason, text PostgreSQL cannot store, an unknown field or a mistyped reference; 404 for an unknown ticket or referral', async () => {
      const ticket = await file();
      for (const body of [
        { target: 'marketing', reason: 'x' },
        { target: 'development', reason: '' },
        { target: 'development', reason: ' \n ' },
        { target: 'development', reason: 'nul\u0000byte' },
        { target: 'development', reason: 'lone \ud800 surrogate' },
        { target: 'development' },
        { target: 'development', reason: 'x', level: 'emergency' },
      ]) {
        const refused = await refer(ticket.id, body);
        expect([refused.status, refused.headers['content-type']]).toEqual([400, expect.stringContaining(PROBLEM_CONTENT_TYPE)]);
      }
      const mistyped = ticket.reference.slice(0, -1) + (ticket.reference.endsWith('0') ? '1' : '0');
      expect((await refer(mistyped, { target: 'development', reason: 'x' })).body).toMatchObject({ status: 400, type: expect.stringContaining('invalid-reference') });
      expect((await refer(randomUUID(), { target: 'development', reason: 'x' })).status).toBe(404);
      expect((await get(`/v1/tickets/${ticket.id}/referrals/${randomUUID()}`, agent.token)).status).toBe(404);
      expect(await platform.query('escalation', 'SELECT 1 FROM escalation.referrals WHERE ticket_id = $1', [ticket.id])).toEqual([]);
    });
  });

  describe('intake (P7, P8)', () => {
    it('P7: ticket.team_leader_requested quotes the subject and text that asked, cut to 2,000 characters', async () => {
      const filed = await file(sampleTicket({ subject: 'Attention Technical Support Team Leader', description: 'Nobody answers. ' + 'x'.repeat(3000) }));
      const [onFiling] = (await intakeEvents(filed.id)).filter((e) => e.type === 'ticket.team_leader_requested');
      expect(onFiling.quote).toBe(`Attention Technical Support Team Leader\n\nNobody answers. ${'x'.repeat(3000)}`.slice(0, 2000));
      // The cut never leaves half of a surrogate pair (text PostgreSQL refuses): the emoji ending at character 2,001 is left out whole.
      const emoji = await file(sampleTicket({ subject: 'Attention Technical Support Team Leader', description: `${'y'.repeat(1958)}\u{1F600} and more` }));
      const [cut] = (await intakeEvents(emoji.id)).filter((e) => e.type === 'ticket.team_leader_requested');
      expect(cut.quote).toBe(`Attention Technical Support Team Leader\n\n${'y'.repeat(1958)}`);
      const ticket = await file();
      const message = await http().post(`/v1/tickets/${ticket.id}/messages`).auth(acme.token, { type: 'bearer' }).send({ body: 'Attention Technical Support Team Leader: three days without an answer.' });
      expect(message.status).toBe(201);
      const [onMessage] = (await intakeEvents(ticket.id)).filter((e) => e.type === 'ticket.team_leader_requested');
      expect(onMessage).toMatchObject({ messageId: message.body.message.id, quote: 'Attention Technical Support Team Leader: three days without an answer.' });
    });

    it('P8: a ticket filed from mail gets the requester id mail:<address>, which a requester token can use; a reply keeps it', async () => {
      const messageId = `<${randomUUID()}@mail.example>`;
      await publishAs('notification', NotificationEmailReceivedV1, messageId, {
        partnerId: acme.partnerId,
        messageId,
        from: 'Bea.Mailer@Example.COM',
        subject: 'Player does not start',
        text: 'Player 3.1 on Windows 11 fails.',
        attachmentPointers: [],
        receivedAt: clock.now().toISOString(),
      });
      const [row] = await waitFor('the mail filed', async () =>
        platform.query<{ id: string; requester_id: string }>('ticket-intake', `SELECT id, requester_id FROM ticket_intake.tickets WHERE request->'requester'->>'email' = 'Bea.Mailer@Example.COM'`).then((rows) =>
          rows.length > 0 ? rows : undefined,
        ),
      );
      expect(row.requester_id).toBe('mail:bea.mailer@example.com');
      const [created] = (await intakeEvents(row.id)).filter((e) => e.type === 'ticket.created');
      expect(created.requester).toMatchObject({ id: 'mail:bea.mailer@example.com', email: 'Bea.Mailer@Example.COM' });
      const bea = await client.requester(acme.token, 'mail:bea.mailer@example.com');
      expect((await get(`/v1/tickets/${row.id}`, bea)).status).toBe(200);
      expect((await get(`/v1/tickets/${row.id}`, ann)).status).toBe(404);

      // A ticket filed through the API keeps its requester when a mail threads onto it.
      const ticket = await file(sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' } }));
      const reply = `<${randomUUID()}@mail.example>`;
      await publishAs('notification', NotificationEmailReceivedV1, ticket.id, {
        partnerId: acme.partnerId,
        ticketId: ticket.id,
        messageId: reply,
        from: 'other@example.com',
        subject: 'Re: crash',
        text: 'Still broken.',
        attachmentPointers: [],
        receivedAt: clock.now().toISOString(),
      });
      await waitFor('the reply threaded', async () => (await intakeEvents(ticket.id)).some((e) => e.type === 'ticket.message_received'));
      const [kept] = await platform.query<{ requester_id: string }>('ticket-intake', 'SELECT requester_id FROM ticket_intake.tickets WHERE id = $1', [ticket.id]);
      expect(kept.requester_id).toBe('cust-ann');
    });
  });

  describe('access particulars in what staff write (P9)', () => {
    /** Every value of every schema of the one database, the event log included: what a dump (or a backup) would show. */
    const everythingStored = async (): Promise<string> => {
      const tables = await platform.query<{ table_schema: string; table_name: string }>(
        'ticket-intake',
        `SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
      );
      const dumps = await Promise.all(
        tables.map((t) => platform.query<{ dump: string }>('ticket-intake', `SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') AS dump FROM "${t.table_schema}"."${t.table_name}" t`)),
      );
      return dumps.map(([row]) => row.dump).join('\n');
    };

    // An outside privacy test (docs/adr/0026, addendum of 2026-12-05, fourth session): a referral's
    // reason and a quality outcome were kept and published as written, into escalation's tables and
    // outbox, the event log, intake's history and the department's mail.
    it('P9: a reason and an outcome with a password: the answers, escalation’s rows and events, intake’s history and the mail hold them masked, and no table holds them', async () => {
      const REASON_SECRET = 'SECRETMARK-63-Referral#';
      const OUTCOME_SECRET = 'SECRETMARK-65-Outcome#';
      const ticket = await file();
      const created = await refer(ticket.id, { target: 'quality', reason: `Needs a review; admin password: ${REASON_SECRET}` });
      expect(created.status).toBe(202);
      expect(created.body.reason).toBe('Needs a review; admin [access particulars removed]');
      expect(created.body.notes).toEqual([expect.stringContaining(`POST /v1/tickets/${ticket.id}/credentials`)]);
      const referral = await answered(created.body as ReferralView);
      expect(referral).toMatchObject({ status: 'applied', reason: 'Needs a review; admin [access particulars removed]' });
      expect((await history(ticket.id)).find((e) => e.action === 'referral_applied')).toMatchObject({ detail: { note: 'Needs a review; admin [access particulars removed]' } });

      const recorded = await http()
        .post(`/v1/tickets/${ticket.id}/referrals/${referral.id}/outcome`)
        .auth(quality.token, { type: 'bearer' })
        .send({ outcome: `Reviewed as login: qa-check password: ${OUTCOME_SECRET}` });
      expect(recorded.status).toBe(200);
      expect(recorded.body.outcome).toMatchObject({ text: 'Reviewed as [access particulars removed]' });
      // Every event of the referral (requested, raised, resolved) handled by notification, which keeps and mails them.
      await waitFor('the referral’s events handled by notification', async () => {
        const events = await platform.query<{ id: string }>('escalation', `SELECT event->>'id' AS id FROM escalation.outbox WHERE message_key = $1`, [ticket.id]);
        const handled = await platform.query('notification', `SELECT 1 FROM notification.inbox WHERE event_id = ANY($1::text[])`, [events.map((e) => e.id)]);
        return events.length === 3 && handled.length === 3;
      });
      const stored = await everythingStored();
      for (const secret of [REASON_SECRET, OUTCOME_SECRET]) expect(stored).not.toContain(secret);
    });
  });

  describe('an unknown ticket', () => {
    it('a referral naming a ticket intake does not have is answered rejected (last: sla-timer waits on that unknown ticket’s event)', async () => {
      const ticket = await file();
      const unknown = randomUUID();
      const referralId = randomUUID();
      await publishAs('escalation', EscalationReferralRequestedV1, unknown, {
        partnerId: acme.partnerId,
        referralId,
        requestedBy: agent.staffId,
        reason: 'No such ticket here',
        requestedAt: clock.now().toISOString(),
        target: 'development',
      });
      const rejected = await waitFor('the rejection', async () => (await intakeEvents(unknown)).find((e) => e.referralId === referralId));
      expect(rejected).toMatchObject({ type: 'ticket.referral_rejected', partnerId: acme.partnerId, reason: 'No such ticket.' });
      // Another partner naming a real ticket is the same: the ticket is not theirs.
      const foreign = randomUUID();
      await publishAs('escalation', EscalationReferralRequestedV1, ticket.id, {
        partnerId: rival.partnerId,
        referralId: foreign,
        requestedBy: agent.staffId,
        reason: 'Wrong partner',
        requestedAt: clock.now().toISOString(),
      });
      expect(await waitFor('the foreign rejection', async () => (await intakeEvents(ticket.id)).find((e) => e.referralId === foreign))).toMatchObject({
        type: 'ticket.referral_rejected',
        partnerId: rival.partnerId,
      });
      expect(await ticketOf(ticket.id)).toMatchObject({ status: 'new', level: 'standard' });
    });
  });
});
