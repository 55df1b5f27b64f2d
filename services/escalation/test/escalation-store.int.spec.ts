import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { escalationService } from '../src';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import type { RuleCause } from '../src/domain/escalation-rules';
import { staffProjection } from '../src/store/projection.store';
import { settingsStore } from '../src/store/settings.store';
import { onDutyNow } from '../src/use-cases/on-duty';
import { raiseNow } from './support/raise-now';

// Issue #12: one escalation per cause, held by the database's unique key even when two
// transactions raise the same cause at once (two replicas, two event ids for one survey).
describe('escalation store on PostgreSQL (issue #12)', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const deps = () => ({ outbox: sut.host.outbox, timers: new TimerStore({ schema: 'escalation', clock }), logger: pino({ level: 'silent' }), renotifyAfterMs: 60_000 });
  const rating = (ticketId: string, surveyId: string): RuleCause => ({ type: 'rating.submitted', eventId: randomUUID(), ticketId, partnerId: randomUUID(), score: 1, surveyId });

  it('the same survey raised in two concurrent transactions is one escalation, one event and one re-notice timer', async () => {
    const ticketId = randomUUID();
    const surveyId = randomUUID();
    const results = await Promise.all([0, 1, 2].map(() => sut.host.unitOfWork.run((tx) => raiseNow(tx, deps(), rating(ticketId, surveyId), clock.now()))));
    expect(results.map((r) => r.length).sort()).toEqual([0, 0, 1]);
    const [raised] = results.flat();
    expect(await sut.query(`SELECT id FROM escalation.escalations WHERE ticket_id = $1`, [ticketId])).toEqual([{ id: raised.id }]);
    expect(await sut.query(`SELECT event_type FROM escalation.outbox WHERE message_key = $1`, [ticketId])).toEqual([{ event_type: 'escalation.raised' }]);
    expect(await sut.query(`SELECT kind, due_at FROM escalation.timers WHERE id = $1`, [`escalation:${raised.id}:renotify`])).toEqual([
      { kind: 'escalation.renotify', due_at: new Date(clock.now().getTime() + 60_000) },
    ]);
  });

  it('another survey of the same ticket is another cause', async () => {
    const ticketId = randomUUID();
    await sut.host.unitOfWork.run((tx) => raiseNow(tx, deps(), rating(ticketId, randomUUID()), clock.now()));
    await sut.host.unitOfWork.run((tx) => raiseNow(tx, deps(), rating(ticketId, randomUUID()), clock.now()));
    expect(await sut.query(`SELECT count(*)::int AS n FROM escalation.escalations WHERE ticket_id = $1`, [ticketId])).toEqual([{ n: 2 }]);
  });

  it('staff deactivated after the roster was written are not on duty; a newer staff event wins over an older one', async () => {
    const [ada, bob] = [`ada-${randomUUID()}`, `bob-${randomUUID()}`];
    const staff = (staffId: string, active: boolean) => ({ staffId, roles: ['team_lead'], displayName: staffId, email: null, active });
    await sut.host.unitOfWork.run(async (tx) => {
      await staffProjection.upsert(tx, staff(ada, true), new Date('2026-03-01T00:00:00Z'));
      await staffProjection.upsert(tx, staff(bob, true), new Date('2026-03-01T00:00:00Z'));
      const shift = { role: 'team_leader' as const, timeZone: 'UTC', weekdays: [1 as const], start: '08:00', end: '10:00' };
      const current = await settingsStore.roster(tx);
      await settingsStore.insertRoster(tx, current.version + 1, { shifts: [{ ...shift, staffId: ada }, { ...shift, staffId: bob }], overrides: [] }, 'test', clock.now());
    });
    const onDuty = () => sut.host.unitOfWork.run(async (tx) => (await onDutyNow(tx, clock.now(), 'team_leader')).map((d) => d.staffId));
    expect(await onDuty()).toEqual([ada, bob].sort());
    await sut.host.unitOfWork.run((tx) => staffProjection.upsert(tx, staff(bob, false), new Date('2026-03-02T08:00:00Z')));
    expect(await onDuty()).toEqual([ada]);
    // A redelivered older event (still active) does not bring Bob back.
    await sut.host.unitOfWork.run((tx) => staffProjection.upsert(tx, staff(bob, true), new Date('2026-03-01T00:00:00Z')));
    expect(await onDuty()).toEqual([ada]);
  });
});
