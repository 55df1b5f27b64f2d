import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { insertTicketRow } from './support/ticket-rows';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P10, P12 (docs/adr/0035, addendum of 2026-12-04, seventh session): releases before it kept what
// support asked only in the history (`note` of the entry that began the wait) and in the mail.
describe('upgrade: a ticket waiting on its requester keeps the question support asked (migration 1765602900000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { askedTwice: '', noNote: '', answered: '' };
  let sut: ServiceUnderTest;

  const waitFor = async (query: Query, ticketId: string, reason: string, status: string) =>
    query(`UPDATE ticket_intake.tickets SET status = $2, wait_reason = $3 WHERE id = $1`, [ticketId, status, reason]);
  const entry = (query: Query, ticketId: string, sequence: number, detail: Record<string, unknown>) =>
    query(
      `INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail, sequence)
       VALUES ($1, $2, '2026-12-02T09:00:00Z', 'staff', 'agent-1', 'status_changed', $3, $4)`,
      [ticketId, partnerId, JSON.stringify(detail), sequence],
    );

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765602900000,
        write: async (query) => {
          const at = new Date('2026-12-01T09:00:00.000Z');
          // Asked, asked again under another reason, then a support-side delay noted meanwhile.
          ids.askedTwice = await insertTicketRow(query, { partnerId, requesterId: 'cust-1', receivedAt: at });
          await entry(query, ids.askedTwice, 3, { from: 'open', to: 'awaiting_customer', reason: 'cannot_reproduce', note: 'Which steps lead to it?' });
          await entry(query, ids.askedTwice, 4, { from: 'awaiting_customer', to: 'awaiting_customer', reason: 'insufficient_information', note: 'Please send a screenshot of the error dialog.' });
          await entry(query, ids.askedTwice, 5, { from: 'awaiting_customer', to: 'awaiting_customer', reason: 'support_delay:needs_diagnostics', note: 'Checking our logs too.' });
          await waitFor(query, ids.askedTwice, 'insufficient_information', 'awaiting_customer');
          // Waiting without a note: nothing asked beyond the reason.
          ids.noNote = await insertTicketRow(query, { partnerId, requesterId: 'cust-1', receivedAt: at });
          await entry(query, ids.noNote, 3, { from: 'open', to: 'awaiting_customer', reason: 'malware' });
          await waitFor(query, ids.noNote, 'malware', 'awaiting_customer');
          // Asked, then answered: no longer waiting.
          ids.answered = await insertTicketRow(query, { partnerId, requesterId: 'cust-1', receivedAt: at });
          await entry(query, ids.answered, 3, { from: 'open', to: 'awaiting_customer', reason: 'cannot_reproduce', note: 'Which browser?' });
          await entry(query, ids.answered, 4, { from: 'awaiting_customer', to: 'open', reason: 'requester_replied' });
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('P10: after the upgrade a waiting ticket shows the question of its present wait; one asked nothing, or no longer waiting, shows none', async () => {
    const requester = sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'cust-1', scope: 'tickets:read tickets:write' });
    const read = async (ticketId: string) => {
      const response = await sut.http().get(`/v1/tickets/${ticketId}`).auth(requester, { type: 'bearer' });
      expect(response.status).toBe(200);
      return response.body as { status: string; awaiting?: unknown };
    };
    expect((await read(ids.askedTwice)).awaiting).toEqual({ reason: 'insufficient_information', question: 'Please send a screenshot of the error dialog.' });
    expect((await read(ids.noNote)).awaiting).toEqual({ reason: 'malware' });
    const answered = await read(ids.answered);
    expect(answered.status).toBe('open');
    expect(answered).not.toHaveProperty('awaiting');
  });
});
