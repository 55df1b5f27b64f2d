import { randomUUID } from 'node:crypto';
import { EscalationReferralRequestedV1, type ReferralTarget } from '@tss/contracts';
import { Outbox } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { ReferralHistoryForStaff1765603050000 } from '../../src/store/migrations/1765603050000-referral-history-for-staff';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { insertTicketRow } from './support/ticket-rows';

type Entry = { action: string; actor: { kind: string; id?: string }; detail: Record<string, unknown>; visibility: string };

/**
 * P5, P6, P7 and the history's visibility (docs/adr/0026, sixth session; docs/adr/0039, seventh
 * session): a referral's reason is written for a department, and a refused referral is staff's
 * own business. The partner and the requester see what a development or design referral did to
 * their ticket (level, status, and so its clock), not why, and nothing of a quality review.
 */
describe('referrals in the ticket history: what the partner and the requester see', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock('2026-03-02T08:00:00.000Z');
  const partnerId = randomUUID();
  const agentId = 'agent-referrer';
  const staffToken = () => sut.token({ kind: 'staff', sub: agentId, client_id: agentId, roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
  const partnerToken = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const requesterToken = () => sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'client-1', scope: 'tickets:read tickets:write' });

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const ticket = (status: 'open' | 'closed' = 'open') => insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: clock.now(), status, requesterId: 'client-1' });
  /** escalation's `escalation.referral_requested`, as escalation publishes it; resolves once intake handled it. */
  const refer = async (ticketId: string, target: ReferralTarget, reason: string) => {
    const escalation = new Outbox({ service: EscalationReferralRequestedV1.owner, schema: INTAKE_SCHEMA, clock });
    const referralId = randomUUID();
    const event = await sut.host.unitOfWork.run((tx) =>
      escalation.add(tx, EscalationReferralRequestedV1, ticketId, { partnerId, referralId, requestedBy: agentId, reason, requestedAt: clock.now().toISOString(), target }),
    );
    await waitFor(`intake handled ${event.id}`, async () => (await sut.query(`SELECT 1 FROM ${INTAKE_SCHEMA}.inbox WHERE event_id = $1`, [event.id])).length > 0);
    return referralId;
  };
  const history = async (ticketId: string, token: string): Promise<Entry[]> => {
    const response = await sut.http().get(`/v1/tickets/${ticketId}/history`).auth(token, { type: 'bearer' });
    expect(response.status).toBe(200);
    return response.body.items as Entry[];
  };
  const outsiders = () => [partnerToken(), requesterToken()];

  it('P7: a quality review is staff-only: its entry, with the reason, is internal; the partner and the requester see nothing of it', async () => {
    const ticketId = await ticket();
    const referralId = await refer(ticketId, 'quality', 'closed ticket referral quality');
    expect((await history(ticketId, staffToken())).filter((e) => e.action.startsWith('referral'))).toEqual([
      expect.objectContaining({ action: 'referral_applied', visibility: 'internal', detail: { referralId, target: 'quality', note: 'closed ticket referral quality' } }),
    ]);
    for (const token of outsiders()) expect(JSON.stringify(await history(ticketId, token))).not.toMatch(/referral|closed ticket referral quality/);
  });

  it('P5: a development referral shows the partner the level and the status it made (its 7-day clock), not the reason; staff read the reason on the internal entry', async () => {
    const ticketId = await ticket();
    const referralId = await refer(ticketId, 'development', 'Crash needs a code fix; suspect the zebra decoder.');
    for (const token of outsiders()) {
      const seen = await history(ticketId, token);
      expect(seen.filter((e) => ['level_changed', 'status_changed'].includes(e.action)).map((e) => [e.action, e.detail.to, e.visibility])).toEqual([
        ['level_changed', 'development', 'public'],
        ['status_changed', 'referred', 'public'],
      ]);
      expect(JSON.stringify(seen)).not.toMatch(/zebra|referral_applied/);
    }
    const staff = await history(ticketId, staffToken());
    expect(staff.find((e) => e.action === 'referral_applied')).toMatchObject({
      visibility: 'internal',
      detail: { referralId, target: 'development', note: 'Crash needs a code fix; suspect the zebra decoder.' },
    });
    // Nor does the event the partner's webhooks receive carry it.
    const [changed] = await sut.query<{ data: Record<string, unknown> }>(`SELECT event->'data' AS data FROM ${INTAKE_SCHEMA}.outbox WHERE message_key = $1 AND event_type = 'ticket.status_changed'`, [ticketId]);
    expect(changed.data).toMatchObject({ from: 'open', to: 'referred' });
    expect(JSON.stringify(changed.data)).not.toContain('zebra');
  });

  it('a refused referral is staff-only: staff read why; the partner and the requester see nothing', async () => {
    const ticketId = await ticket('closed');
    const referralId = await refer(ticketId, 'development', 'Needs a code fix.');
    expect((await history(ticketId, staffToken())).filter((e) => e.action.startsWith('referral'))).toEqual([
      expect.objectContaining({ action: 'referral_rejected', visibility: 'internal', detail: { referralId, reason: 'The ticket is closed.' } }),
    ]);
    for (const token of outsiders()) expect(JSON.stringify(await history(ticketId, token))).not.toMatch(/referral|The ticket is closed/);
  });

  // P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): escalation now removes particulars
  // from a reason before publishing it; an older escalation's event, still to be handled during an
  // upgrade, carries them as written, and intake copies the reason into its history.
  it('P9: a reason an older escalation sent with access particulars is kept in the history with them removed', async () => {
    const SECRET = 'SECRETMARK-63-Referral#';
    const ticketId = await ticket();
    const referralId = await refer(ticketId, 'development', `Needs a fix; admin password: ${SECRET}`);
    const entries = await history(ticketId, staffToken());
    expect(entries.find((e) => e.action === 'referral_applied')).toMatchObject({ detail: { referralId, target: 'development', note: 'Needs a fix; admin [access particulars removed]' } });
    expect(JSON.stringify(entries)).not.toContain(SECRET);
    const stored = await sut.query(`SELECT detail FROM ${INTAKE_SCHEMA}.ticket_history WHERE ticket_id = $1`, [ticketId]);
    expect(JSON.stringify(stored)).not.toContain(SECRET);
  });
});

// Releases before 1765603050000 kept every referral entry public, with the reason on the changes a development referral made.
describe('upgrade: referral history kept public by older releases (migration 1765603050000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { ticket: '', referral: randomUUID(), review: randomUUID(), refused: randomUUID() };
  const REASON = 'Crash needs a code fix; suspect the zebra decoder.';
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765603050000,
        write: async (query) => {
          ids.ticket = await insertTicketRow(query, { partnerId, requesterId: 'client-1', receivedAt: new Date('2026-12-01T09:00:00.000Z') });
          const entry = (at: string, actorId: string, action: string, detail: Record<string, unknown>, sequence: number) =>
            query(`INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail, sequence) VALUES ($1, $2, $3, 'staff', $4, $5, $6, $7)`, [
              ids.ticket,
              partnerId,
              at,
              actorId,
              action,
              detail,
              sequence,
            ]);
          // An agent's own PATCH with a note: theirs to show, untouched.
          await entry('2026-12-01T10:00:00Z', 'agent-1', 'status_changed', { from: 'new', to: 'open', reason: 'Looking into it.', note: 'Looking into it.' }, 3);
          // A development referral as older releases recorded it.
          await entry('2026-12-02T09:00:00Z', 'agent-1', 'level_changed', { from: 'standard', to: 'development', confirmed: true, note: REASON }, 4);
          await entry('2026-12-02T09:00:00Z', 'agent-1', 'status_changed', { from: 'open', to: 'referred', reason: REASON, note: REASON }, 5);
          await entry('2026-12-02T09:00:00Z', 'agent-1', 'referral_applied', { referralId: ids.referral, target: 'development', note: REASON }, 6);
          await entry('2026-12-03T09:00:00Z', 'agent-2', 'referral_applied', { referralId: ids.review, target: 'quality', note: 'closed ticket referral quality' }, 7);
          await entry('2026-12-03T10:00:00Z', 'agent-2', 'referral_rejected', { referralId: ids.refused, reason: 'The ticket is already referred to development.' }, 8);
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const history = async (token: string) => {
    const response = await sut.http().get(`/v1/tickets/${ids.ticket}/history`).auth(token, { type: 'bearer' });
    expect(response.status).toBe(200);
    return (response.body.items as Entry[]).map((e) => ({ action: e.action, detail: e.detail, visibility: e.visibility }));
  };

  it('the referral entries are staff’s; the reason left the public level and status changes, kept on the referral’s entry; the rest is as it was', async () => {
    const partner = sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read' });
    const requester = sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'client-1', scope: 'tickets:read' });
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' });
    const shown = [
      { action: 'status_changed', detail: { from: 'new', to: 'open', reason: 'Looking into it.', note: 'Looking into it.' }, visibility: 'public' },
      { action: 'level_changed', detail: { from: 'standard', to: 'development', confirmed: true }, visibility: 'public' },
      { action: 'status_changed', detail: { from: 'open', to: 'referred' }, visibility: 'public' },
    ];
    for (const token of [partner, requester]) expect(await history(token)).toEqual(shown);
    expect(await history(staff)).toEqual([
      ...shown,
      { action: 'referral_applied', detail: { referralId: ids.referral, target: 'development', note: REASON }, visibility: 'internal' },
      { action: 'referral_applied', detail: { referralId: ids.review, target: 'quality', note: 'closed ticket referral quality' }, visibility: 'internal' },
      { action: 'referral_rejected', detail: { referralId: ids.refused, reason: 'The ticket is already referred to development.' }, visibility: 'internal' },
    ]);
  });

  it('running the migration again changes nothing', async () => {
    const snapshot = () => sut.query(`SELECT * FROM ticket_intake.ticket_history ORDER BY id`);
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new ReferralHistoryForStaff1765603050000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
