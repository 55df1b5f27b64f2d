import { randomUUID } from 'node:crypto';
import { TicketReopenedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startRating, type RatingUnderTest } from './support/rating-under-test';

// An outside re-test (2026-12-05, third session): an agent reopened, the partner rated at once, and
// the withdrawn rating read `"submittedAt":"…51.047Z"` with `"withdrawnAt":"…51.040Z"`: withdrawn
// before it was given. The reopening's handler read its instant when it began, then waited for the
// ticket's and the survey's locks while the rating committed (docs/adr/0040, addendum of 2026-12-05,
// third session).
describe('a withdrawn rating is never withdrawn before it was given (P11, docs/adr/0040)', () => {
  const clock = new TestClock('2026-12-05T07:27:51.040Z');
  const acme = randomUUID();
  let rating: RatingUnderTest;

  beforeAll(async () => {
    rating = await startRating(clock);
  });
  afterAll(async () => {
    await rating?.sut.stop();
  });

  it('the reopening’s handler began before the rating and waited for it: withdrawnAt is not before submittedAt, in the view and in rating.withdrawn', async () => {
    const ticket = await rating.ticketCreated({ partnerId: acme, requesterId: 'cust-ann' });
    const link = await rating.resolve({ ...ticket, partnerId: acme }, 2);
    const partner = rating.sut.token({ kind: 'partner', partner_id: acme, scope: 'tickets:read tickets:write' });

    // Another transaction holds the ticket's row, as the rating request's held the survey's.
    const holder = rating.deps.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT 1 FROM rating.tickets WHERE ticket_id = $1 FOR UPDATE`, [ticket.ticketId]);
      await rating.publish(TicketReopenedV1, ticket.ticketId, { partnerId: acme, sequence: 3, reopenedAt: '2026-12-05T07:27:50.999Z' });
      // The handler has its instant (07:27:51.040) and waits for the row.
      await waitFor('the reopening’s handler waiting for the ticket’s row', async () => {
        const [waiting] = await rating.sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return waiting.n > 0;
      });
      clock.advanceMs(7);
      const rated = await rating.sut.http().post(`/v1/tickets/${ticket.ticketId}/rating`).auth(partner, { type: 'bearer' }).send({ score: 2, solved: true });
      expect(rated.status).toBe(201);
      expect(rated.body.submittedAt).toBe('2026-12-05T07:27:51.047Z');
    } finally {
      await holder.commitTransaction();
      await holder.release();
    }

    const [withdrawn] = await waitFor('rating.withdrawn', async () => rating.events(ticket.ticketId, 'rating.withdrawn').then((events) => (events.length > 0 ? events : undefined)));
    const read = await rating.sut.http().get(`/v1/tickets/${ticket.ticketId}/rating`).auth(partner, { type: 'bearer' });
    expect(read.status).toBe(200);
    const view = read.body as { rating: { surveyId: string; submittedAt: string; withdrawn?: { withdrawnAt: string; reopenedAt: string } } };
    expect(view.rating.surveyId).toBe(link.surveyId);
    // Withdrawn when rating learnt of the reopening, which was after it took the rating.
    expect({ submittedAt: view.rating.submittedAt, withdrawn: view.rating.withdrawn }).toEqual({
      submittedAt: '2026-12-05T07:27:51.047Z',
      withdrawn: { withdrawnAt: '2026-12-05T07:27:51.047Z', reopenedAt: '2026-12-05T07:27:50.999Z' },
    });
    expect(withdrawn).toMatchObject({ surveyId: link.surveyId, reopenedAt: '2026-12-05T07:27:50.999Z', withdrawnAt: '2026-12-05T07:27:51.047Z' });
  }, 60_000);
});
