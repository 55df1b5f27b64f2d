import { randomUUID } from 'node:crypto';
import { SlaWarningV1, TicketCreatedV1 } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src';
import { publisherToEscalation, ticketCreatedData } from './support/publish-to-escalation';

// P7 "a breached (and an about-to-breach) response clock escalates to the team leader": a partner's
// agreement may warn at fractions the default rules do not name (docs/adr/0038, seventh session);
// escalation alone on real PostgreSQL.
describe('the clock’s last warning is about to breach', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const publish = publisherToEscalation(() => sut, clock);
  const escalationsOf = (ticketId: string) => sut.query<{ rule: string; kind: string; status: string }>(`SELECT rule, kind, status FROM escalation.escalations WHERE ticket_id = $1 ORDER BY raised_at, rule`, [ticketId]);

  it('an agreement warning at 50 and 80 %: the 80 % warning (last: true) calls the team leader; the 50 % one does not', async () => {
    const ticketId = randomUUID();
    await publish(TicketCreatedV1, ticketId, ticketCreatedData(partnerId, clock));
    const base = { partnerId, clockId: randomUUID(), level: 'standard' as const, dueAt: '2026-03-02T21:00:00.000Z', latenessMs: 0, late: false };
    await publish(SlaWarningV1, ticketId, { ...base, remainingMs: 6 * 3_600_000, threshold: 0.5 });
    expect(await escalationsOf(ticketId)).toEqual([]);
    await publish(SlaWarningV1, ticketId, { ...base, remainingMs: 2.4 * 3_600_000, threshold: 0.8, last: true });
    expect(await escalationsOf(ticketId)).toEqual([{ rule: 'sla-about-to-breach', kind: 'sla_warning', status: 'open' }]);
  });
});
