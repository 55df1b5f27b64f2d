import { randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src/index';
import { MaskKeptOutcomesAndRosterNotes1765604960000 } from '../src/store/migrations/1765604960000-mask-kept-outcomes-and-roster-notes';

const PASSWORD = 'SECRETMARK-64-EscOutcome#';
const REMOVED = '[access particulars removed]';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, fourth session): releases before it kept an
// escalation's outcome and a roster override's note as staff wrote them.
describe('upgrade: outcomes and roster notes escalation kept in clear (migration 1765604960000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const seeded = { leaky: '', plain: '' };
  let sut: ServiceUnderTest;

  const keptEscalation = async (query: Query, outcome: string) => {
    const id = randomUUID();
    await query(
      `INSERT INTO escalation.escalations (id, ticket_id, partner_id, kind, level, rule, cause_key, cause_event_id, cause_type, target_role, target_staff_ids, quote, summary, status, raised_at, resolved_at, resolved_by, outcome, last_notified_at)
       VALUES ($1::uuid, $2, $3, 'emergency', NULL, 'emergency-page', $1::text, $4, 'ticket.created', 'agent', '{}', NULL, 'Emergency', 'resolved', now(), now(), 'lead-1', $5, now())`,
      [id, randomUUID(), randomUUID(), randomUUID(), outcome],
    );
    return id;
  };
  const override = (note: string) => ({ staffId: 'lead-1', role: 'team_leader', from: '2026-12-31T06:00:00.000Z', to: '2027-01-02T06:00:00.000Z', duty: 'off', note });

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, {
      clock,
      database: {
        before: 1765604960000,
        write: async (query) => {
          seeded.leaky = await keptEscalation(query, `Handled, password: ${PASSWORD}`);
          seeded.plain = await keptEscalation(query, 'Handled: the password reset page works again.');
          for (const [version, note] of [[1, `VPN password: ${PASSWORD}`], [2, 'holiday']] as const) {
            await query(`INSERT INTO escalation.rosters (version, roster, changed_by, changed_at) VALUES ($1, $2, 'lead-1', now())`, [version, { shifts: [], overrides: [override(note), override('cover')] }]);
          }
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const snapshot = async () => ({
    escalations: await sut.query<{ id: string; outcome: string }>(`SELECT id::text AS id, outcome FROM escalation.escalations ORDER BY id`),
    rosters: await sut.query<{ version: number; roster: { overrides: { note: string }[] } }>(`SELECT version, roster FROM escalation.rosters ORDER BY version`),
  });

  it('P9: the outcome and every roster version’s notes hold no password; other texts stay as written', async () => {
    const lead = sut.token({ kind: 'staff', sub: 'lead-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage' });
    const read = await sut.http().get(`/v1/escalations/${seeded.leaky}`).auth(lead, { type: 'bearer' });
    expect(read.status).toBe(200);
    expect(read.body.outcome).toBe(`Handled, ${REMOVED}`);
    const kept = await snapshot();
    expect(Object.fromEntries(kept.escalations.map((e) => [e.id, e.outcome]))).toEqual({
      [seeded.leaky]: `Handled, ${REMOVED}`,
      [seeded.plain]: 'Handled: the password reset page works again.',
    });
    expect(kept.rosters.map((r) => r.roster.overrides.map((o) => o.note))).toEqual([
      [`VPN ${REMOVED}`, 'cover'],
      ['holiday', 'cover'],
    ]);
  });

  it('running the migration again changes nothing', async () => {
    const before = await snapshot();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptOutcomesAndRosterNotes1765604960000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
