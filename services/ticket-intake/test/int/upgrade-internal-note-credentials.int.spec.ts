import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { insertMessageRow, insertTicketRow } from './support/ticket-rows';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

const placeholder = (id: string) => `[credentials stored securely: TSS vault #${id.slice(0, 8)}]`;

// P9 (docs/adr/0026, addendum of 2026-12-04, sixth session): releases up to 90dbf35 showed the
// credentials vaulted from an agent's internal note, and their history, to the partner and the requester.
describe('upgrade: credentials vaulted from internal notes by older releases (migrations 1765601910000, 1765601920000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { ticket: '', fromNote: randomUUID(), fromAnswer: randomUUID(), fromRequester: randomUUID() };
  let sut: ServiceUnderTest;

  const credential = (query: Query, id: string, byKind: string) =>
    query(
      `INSERT INTO ticket_intake.credentials (id, ticket_id, partner_id, label, kind, ciphertext, nonce, tag, created_by_kind, created_by_id, created_at)
       VALUES ($1, $2, $3, 'Access particulars from a message', 'detected', '\\x00', '\\x00', '\\x00', $4, 'someone', '2026-12-02T09:00:00Z')`,
      [id, ids.ticket, partnerId, byKind],
    );
  const stored = (query: Query, id: string, byKind: string) =>
    query(`INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail) VALUES ($1, $2, '2026-12-02T09:00:00Z', $3, 'someone', $4, $5)`, [
      ids.ticket,
      partnerId,
      byKind,
      'credential_stored',
      { credentialId: id, label: 'Access particulars from a message', kind: 'detected' },
    ]);

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765601910000,
        write: async (query) => {
          ids.ticket = await insertTicketRow(query, { partnerId, requesterId: 'client-1', receivedAt: new Date('2026-12-01T09:00:00.000Z') });
          const at = new Date('2026-12-02T09:00:00.000Z');
          await insertMessageRow(query, { ticketId: ids.ticket, partnerId, body: `Noted: ${placeholder(ids.fromNote)}`, visibility: 'internal', createdAt: at });
          await insertMessageRow(query, { ticketId: ids.ticket, partnerId, body: `Try ${placeholder(ids.fromAnswer)}`, visibility: 'public', createdAt: at, authorKind: 'agent' });
          await insertMessageRow(query, { ticketId: ids.ticket, partnerId, body: `Mine: ${placeholder(ids.fromRequester)}`, visibility: 'public', createdAt: at });
          for (const [id, byKind] of [[ids.fromNote, 'staff'], [ids.fromAnswer, 'staff'], [ids.fromRequester, 'requester']]) {
            await credential(query, id, byKind);
            await stored(query, id, byKind);
          }
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('P9: an internal note’s credential and its history are staff’s after the upgrade; the others stay shown to all', async () => {
    const staff = sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' });
    const partner = sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read' });
    const requester = sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'client-1', scope: 'tickets:read' });
    const seen = async (token: string) => {
      const listed = await sut.http().get(`/v1/tickets/${ids.ticket}/credentials`).auth(token, { type: 'bearer' });
      const history = await sut.http().get(`/v1/tickets/${ids.ticket}/history`).auth(token, { type: 'bearer' });
      return {
        listed: (listed.body.items as { id: string }[]).map((c) => c.id).sort(),
        history: (history.body.items as { detail: { credentialId?: string } }[]).map((h) => h.detail.credentialId).filter(Boolean).sort(),
      };
    };
    const all = [ids.fromNote, ids.fromAnswer, ids.fromRequester].sort();
    const shared = [ids.fromAnswer, ids.fromRequester].sort();
    expect(await seen(staff)).toEqual({ listed: all, history: all });
    expect(await seen(partner)).toEqual({ listed: shared, history: shared });
    expect(await seen(requester)).toEqual({ listed: shared, history: shared });
  });
});
