import { randomUUID } from 'node:crypto';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { ratingStore } from '../src/store/rating.store';
import { surveyStore } from '../src/store/survey.store';
import { startRating, type RatingUnderTest } from './support/rating-under-test';

// An outside check's failure (the sixteenth session's first CI run): `GET /v1/tickets/{id}/rating`
// answered a rating withdrawn beside its survey still `rated`. A withdrawal commits both at once,
// but the view read the survey, then the ratings, each on its own: the withdrawal committed
// between the two reads. The view now reads on one snapshot.
describe("a ticket's rating view is read as of one moment (P11)", () => {
  const clock = new TestClock('2026-12-06T22:50:00.000Z');
  const acme = randomUUID();
  let rating: RatingUnderTest;

  beforeAll(async () => {
    rating = await startRating(clock);
  });
  afterAll(async () => {
    await rating?.sut.stop();
  });

  it('a withdrawal committing between the view’s read of the survey and of the ratings: the view shows neither half of it', async () => {
    const ticket = await rating.ticketCreated({ partnerId: acme, requesterId: 'cust-ann' });
    const link = await rating.resolve({ ...ticket, partnerId: acme }, 2);
    const partner = rating.sut.token({ kind: 'partner', partner_id: acme, scope: 'tickets:read tickets:write' });
    expect((await rating.sut.http().post(`/v1/tickets/${ticket.ticketId}/rating`).auth(partner, { type: 'bearer' }).send({ score: 1, solved: false })).status).toBe(201);

    // The withdrawal, held open; its lock on the ratings stops the view between its two reads.
    const withdrawal = rating.deps.dataSource.createQueryRunner();
    await withdrawal.connect();
    await withdrawal.startTransaction();
    try {
      await withdrawal.query('LOCK TABLE rating.ratings IN ACCESS EXCLUSIVE MODE');
      expect(await ratingStore.withdraw(withdrawal.manager, link.surveyId, { at: clock.now(), reopenedAt: clock.now() })).toBe(true);
      await surveyStore.withdrawRated(withdrawal.manager, link.surveyId, clock.now());
      const reading = rating.sut.http().get(`/v1/tickets/${ticket.ticketId}/rating`).auth(partner, { type: 'bearer' }).then((response) => response);
      await waitFor('the view waiting to read the ratings', async () => {
        const [waiting] = await rating.sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return waiting.n > 0;
      });
      await withdrawal.commitTransaction();
      const read = await reading;
      expect(read.status).toBe(200);
      // As the moment it began left them: the survey rated, its rating standing.
      expect({ state: read.body.survey.state, withdrawn: read.body.rating.withdrawn }).toEqual({ state: 'rated', withdrawn: undefined });
    } finally {
      if (withdrawal.isTransactionActive) await withdrawal.rollbackTransaction();
      await withdrawal.release();
    }

    const after = await rating.sut.http().get(`/v1/tickets/${ticket.ticketId}/rating`).auth(partner, { type: 'bearer' });
    expect({ state: after.body.survey.state, withdrawn: after.body.rating.withdrawn !== undefined }).toEqual({ state: 'withdrawn', withdrawn: true });
  }, 60_000);
});
