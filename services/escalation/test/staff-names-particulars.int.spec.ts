import { StaffCreatedV1 } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src';
import { MaskKeptStaffNames1765606420000 } from '../src/store/migrations/1765606420000-mask-kept-staff-names';
import { publisherToEscalation } from './support/publish-to-escalation';

const SECRET = 'RT5-SN-pw8#';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): the gateway announced staff display
// names as written ("Bob login: bob password: …"), and escalation's staff copy kept them, shown by
// GET /v1/escalation/roster/on-duty. The gateway refuses such names now; what an older gateway
// announces, and what the copy kept, is masked.
describe('P9: escalation’s staff copy keeps no access particulars in display names', () => {
  const clock = new TestClock('2026-12-05T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const publish = publisherToEscalation(() => sut, clock);

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('a display name an older gateway announced with a password is kept, and shown on duty, without it', async () => {
    const staffId = 'sc_bob';
    await publish(StaffCreatedV1, staffId, { staffId, roles: ['team_lead'], displayName: `Bob login: bob password: ${SECRET}`, active: true, changedAt: clock.now().toISOString() });
    const [row] = await sut.query<{ display_name: string }>(`SELECT display_name FROM escalation.staff WHERE staff_id = $1`, [staffId]);
    expect(row.display_name).toBe(`Bob ${REMOVED}`);

    const lead = sut.token({ kind: 'staff', sub: 'lead-1', roles: ['team_lead'], scope: 'escalations:read escalations:manage' });
    const shift = { staffId, role: 'team_leader', timeZone: 'UTC', weekdays: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '00:00' };
    expect((await sut.http().put('/v1/escalation/roster').auth(lead, { type: 'bearer' }).send({ shifts: [shift] })).status).toBe(200);
    const onDuty = await sut.http().get('/v1/escalation/roster/on-duty').auth(lead, { type: 'bearer' });
    expect(onDuty.status).toBe(200);
    expect(JSON.stringify(onDuty.body)).not.toContain(SECRET);
    expect(onDuty.body.onDuty).toEqual([{ staffId, role: 'team_leader', displayName: `Bob ${REMOVED}` }]);
  });
});

describe('upgrade: staff display names escalation kept with access particulars (migration 1765606420000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, {
      clock,
      database: {
        before: 1765606420000,
        write: async (query) => {
          const staff = `INSERT INTO escalation.staff (staff_id, roles, display_name, email, active, changed_at) VALUES ($1, '{agent}', $2, NULL, true, '2026-12-01T09:00:00Z')`;
          await query(staff, ['sc_bob', `Bob login: bob password: ${SECRET}`]);
          await query(staff, ['sc_token', 'Token Books']);
          await query(staff, ['sc_none', null]);
        },
      },
    });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  const kept = () => sut.query<{ id: string; name: string | null }>(`SELECT staff_id AS id, display_name AS name FROM escalation.staff ORDER BY staff_id`);

  it('P9: the copy holds no password any more; other names stay as written', async () => {
    expect(await kept()).toEqual([
      { id: 'sc_bob', name: `Bob ${REMOVED}` },
      { id: 'sc_none', name: null },
      { id: 'sc_token', name: 'Token Books' },
    ]);
  });

  it('running the migration again changes nothing', async () => {
    const before = await kept();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptStaffNames1765606420000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await kept()).toEqual(before);
  });
});
