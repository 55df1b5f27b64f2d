import { randomUUID } from 'node:crypto';
import { dataSchemaUri } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { MaskKeptStatusChangeReasons1765606120000 } from '../../src/store/migrations/1765606120000-mask-kept-status-change-reasons';

const PASSWORD = 'SECRETMARK-76-StatusReason#';
const REMOVED = '[access particulars removed]';
const AT = '2026-12-04T10:00:00.000Z';

type Query = (sql: string, params?: unknown[]) => Promise<unknown[]>;

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): releases before 1765603050000 copied
// a development referral's reason onto the status change it made, so into `ticket.status_changed`
// in the outbox; the history was cleaned by 1765603050000 and 1765604910000, the outbox was not.
describe('upgrade: referral reasons kept in clear on status changes in the outbox (migration 1765606120000)', () => {
  const clock = new TestClock('2026-12-05T12:00:00.000Z');
  const partnerId = randomUUID();
  const ticketId = randomUUID();
  const positions: Record<string, string> = {};
  let sut: ServiceUnderTest;

  const statusChanged = (sequence: number, reason: string) => ({ partnerId, sequence, from: 'open', to: 'referred', reason, changedAt: AT });
  const keptEvent = async (query: Query, name: string, type: string, data: Record<string, unknown>, published: boolean) => {
    const id = randomUUID();
    const event = { specversion: '1.0', id, source: 'tss/ticket-intake', type, time: AT, subject: ticketId, datacontenttype: 'application/json', dataschema: dataSchemaUri(type, 1), data };
    const [{ position }] = (await query(
      `INSERT INTO ticket_intake.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, $2, 'tss.ticket', $3, $4, $5, $6) RETURNING position::text AS position`,
      [id, type, ticketId, event, AT, published ? AT : null],
    )) as { position: string }[];
    positions[name] = position;
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, {
      clock,
      database: {
        before: 1765606120000,
        write: async (query) => {
          await keptEvent(query, 'published', 'ticket.status_changed', statusChanged(3, `Crash needs a code fix; VPN password: ${PASSWORD}`), true);
          await keptEvent(query, 'plain', 'ticket.status_changed', statusChanged(4, 'The password reset page fails: needs a code fix.'), true);
          await keptEvent(query, 'otherType', 'ticket.reopened', { partnerId, sequence: 5, reopenedAt: AT, reason: 'Rated not solved: the password reset page fails' }, true);
          // Still to publish when the older release stopped: the relay sends it after the upgrade.
          await keptEvent(query, 'unpublished', 'ticket.status_changed', statusChanged(6, `Needs a design change; admin password: ${PASSWORD}`), false);
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const kept = async () =>
    Object.fromEntries(
      (await sut.query<{ position: string; data: Record<string, unknown> }>(`SELECT position::text AS position, event->'data' AS data FROM ticket_intake.outbox ORDER BY position`)).map((r) => [
        Object.keys(positions).find((name) => positions[name] === r.position)!,
        r.data,
      ]),
    );

  it('P9: each status change’s reason is masked in the outbox; other events and reasons without particulars stay', async () => {
    expect(JSON.stringify(await kept())).not.toContain(PASSWORD);
    expect(await kept()).toEqual({
      published: statusChanged(3, `Crash needs a code fix; VPN ${REMOVED}`),
      plain: statusChanged(4, 'The password reset page fails: needs a code fix.'),
      otherType: { partnerId, sequence: 5, reopenedAt: AT, reason: 'Rated not solved: the password reset page fails' },
      unpublished: statusChanged(6, `Needs a design change; admin ${REMOVED}`),
    });
  });

  it('P9: one the older release left to publish goes out masked', async () => {
    await waitFor('the relay published the kept event', async () => (await sut.query(`SELECT 1 FROM ticket_intake.outbox WHERE position = $1 AND published_at IS NOT NULL`, [positions.unpublished])).length === 1);
    const logged = await sut.query<{ value: string }>(`SELECT convert_from(value, 'UTF8') AS value FROM tss_event_log.messages WHERE headers->>'ce_type' = 'ticket.status_changed'`);
    expect(logged.map((l) => JSON.parse(l.value) as unknown)).toEqual([statusChanged(6, `Needs a design change; admin ${REMOVED}`)]);
  });

  it('running the migration again changes nothing', async () => {
    const before = await kept();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new MaskKeptStatusChangeReasons1765606120000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await kept()).toEqual(before);
  });
});
