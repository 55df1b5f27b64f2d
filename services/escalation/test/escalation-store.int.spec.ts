import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { escalationService } from '../src';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import type { RuleCause } from '../src/domain/escalation-rules';
import { raiseFor } from '../src/use-cases/raise-escalations';

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
    const results = await Promise.all([0, 1, 2].map(() => sut.host.unitOfWork.run((tx) => raiseFor(tx, deps(), rating(ticketId, surveyId), clock.now()))));
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
    await sut.host.unitOfWork.run((tx) => raiseFor(tx, deps(), rating(ticketId, randomUUID()), clock.now()));
    await sut.host.unitOfWork.run((tx) => raiseFor(tx, deps(), rating(ticketId, randomUUID()), clock.now()));
    expect(await sut.query(`SELECT count(*)::int AS n FROM escalation.escalations WHERE ticket_id = $1`, [ticketId])).toEqual([{ n: 2 }]);
  });
});
