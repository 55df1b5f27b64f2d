import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { MaskCredentialLabels1765601900000 } from '../../src/store/migrations/1765601900000-mask-credential-labels';
import { insertTicketRow } from './support/ticket-rows';

const LABEL_SECRET = 'LabelSecret1';
const REMOVED = '[access particulars removed]';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-04, sixth session): labels were stored as written, in the
// credential's row and in its history entries, and outlived the secret's destruction.
describe('upgrade: credential labels kept in clear by older releases (migration 1765601900000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const partnerId = randomUUID();
  const ids = { ticket: '', leaky: randomUUID(), clean: randomUUID() };
  let sut: ServiceUnderTest;

  const credential = async (query: Query, id: string, label: string) =>
    query(
      `INSERT INTO ticket_intake.credentials (id, ticket_id, partner_id, label, kind, ciphertext, nonce, tag, created_by_kind, created_by_id, created_at, destroyed_at)
       VALUES ($1, $2, $3, $4, 'submitted', NULL, NULL, NULL, 'partner', $5, '2026-12-01T09:00:00Z', '2026-12-03T09:00:00Z')`,
      [id, ids.ticket, partnerId, label, partnerId],
    );
  const entry = (query: Query, actor: [string, string], action: string, detail: Record<string, unknown>) =>
    query(`INSERT INTO ticket_intake.ticket_history (ticket_id, partner_id, at, actor_kind, actor_id, action, detail) VALUES ($1, $2, '2026-12-02T09:00:00Z', $3, $4, $5, $6)`, [
      ids.ticket,
      partnerId,
      ...actor,
      action,
      detail,
    ]);

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765601900000,
        // As releases up to 90dbf35 kept a label holding a password: its row and every history entry naming it.
        write: async (query) => {
          ids.ticket = await insertTicketRow(query, { partnerId, requesterId: 'client-1', receivedAt: new Date('2026-12-01T09:00:00.000Z') });
          await credential(query, ids.leaky, `panel password: ${LABEL_SECRET}`);
          await credential(query, ids.clean, 'Admin panel password');
          for (const [id, label] of [[ids.leaky, `panel password: ${LABEL_SECRET}`], [ids.clean, 'Admin panel password']]) {
            await entry(query, ['partner', partnerId], 'credential_stored', { credentialId: id, label, kind: 'submitted' });
            await entry(query, ['staff', 'agent-1'], 'credential_revealed', { credentialId: id, label });
            await entry(query, ['system', 'tss'], 'credentials_destroyed', { credentialId: id, label });
          }
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const labels = async () => ({
    rows: await sut.query<{ id: string; label: string }>(`SELECT id::text AS id, label FROM ticket_intake.credentials WHERE ticket_id = $1 ORDER BY label`, [ids.ticket]),
    history: await sut.query<{ action: string; detail: Record<string, unknown> }>(`SELECT action, detail FROM ticket_intake.ticket_history WHERE ticket_id = $1 ORDER BY id`, [ids.ticket]),
  });

  it('P9: no label shows a password any more, in the list or the history, to partner, requester or staff', async () => {
    const tokens = [
      sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read' }),
      sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'client-1', scope: 'tickets:read' }),
      sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write' }),
    ];
    for (const token of tokens) {
      const listed = await sut.http().get(`/v1/tickets/${ids.ticket}/credentials`).auth(token, { type: 'bearer' });
      const history = await sut.http().get(`/v1/tickets/${ids.ticket}/history`).auth(token, { type: 'bearer' });
      expect(listed.status).toBe(200);
      expect(history.status).toBe(200);
      expect(JSON.stringify(listed.body)).not.toContain(LABEL_SECRET);
      expect(JSON.stringify(history.body)).not.toContain(LABEL_SECRET);
    }
    const { rows, history } = await labels();
    expect(rows).toEqual([
      { id: ids.clean, label: 'Admin panel password' },
      { id: ids.leaky, label: `panel ${REMOVED}` },
    ]);
    const ofLeaky = history.filter((h) => h.detail.credentialId === ids.leaky);
    expect(ofLeaky.map((h) => h.action)).toEqual(['credential_stored', 'credential_revealed', 'credentials_destroyed']);
    for (const h of ofLeaky) expect(h.detail.label).toBe(`panel ${REMOVED}`);
    expect(ofLeaky[0].detail).toEqual({ credentialId: ids.leaky, label: `panel ${REMOVED}`, kind: 'submitted' });
  });

  it('labels without particulars stay as written, and running the migration again changes nothing', async () => {
    const before = await labels();
    for (const h of before.history.filter((e) => e.detail.credentialId === ids.clean)) expect(h.detail.label).toBe('Admin panel password');
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskCredentialLabels1765601900000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await labels()).toEqual(before);
  });
});
