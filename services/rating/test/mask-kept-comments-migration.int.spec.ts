import { randomUUID } from 'node:crypto';
import { TestClock } from '@tss/service-kit/testing';
import { MaskKeptRatingComments1765500470000 } from '../src/store/migrations/1765500470000-mask-kept-rating-comments';
import { startRating, type RatingUnderTest } from './support/rating-under-test';

const PASSWORD = 'OldRating#5521';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0040, addendum of 2026-12-04, third session): comments kept in clear before rating masked them.
describe('migration 1765500470000 (rating comments kept in clear)', () => {
  const clock = new TestClock('2026-12-01T10:00:00.000Z');
  const partnerId = randomUUID();
  let rating: RatingUnderTest;

  beforeAll(async () => {
    rating = await startRating(clock);
  });
  afterAll(async () => {
    await rating?.sut.stop();
  });

  it('masks kept comments and published rating.submitted events; an unpublished "not solved" one carries its text to intake in transit; ordinary text stays', async () => {
    const runner = rating.sut.host.dataSource.createQueryRunner();
    // One transaction: the relay sees none of these rows before the migration has run (and never after: rolled back).
    await runner.startTransaction();
    try {
      const kept = async (comment: string) => {
        const ticket = await rating.ticketCreated({ partnerId });
        const { surveyId } = await rating.resolve({ ...ticket, partnerId }, 2);
        await runner.query(
          `INSERT INTO rating.ratings (survey_id, ticket_id, partner_id, score, solved, comment, via, rated_by, submitted_at) VALUES ($1, $2, $3, 2, false, $4, 'link', 'link', $5)`,
          [surveyId, ticket.ticketId, partnerId, comment, clock.now()],
        );
        return surveyId;
      };
      const keptEvent = async (comment: string, solved: boolean, published: boolean) => {
        const id = randomUUID();
        const event = { id, type: 'rating.submitted', subject: randomUUID(), data: { partnerId, surveyId: randomUUID(), score: 2, solved, comment, submittedAt: clock.now().toISOString() } };
        const [{ position }] = (await runner.query(
          `INSERT INTO rating.outbox (event_id, event_type, topic, message_key, event, created_at, published_at) VALUES ($1, 'rating.submitted', 'tss.rating', $2, $3, $4, $5) RETURNING position`,
          [id, event.subject, event, clock.now(), published ? clock.now() : null],
        )) as { position: string }[];
        return position;
      };
      const withPassword = await kept(`Still broken. login: ann password: ${PASSWORD}`);
      const ordinary = await kept('The forgot password page still fails.');
      const published = await keptEvent(`password: ${PASSWORD}`, false, true);
      const pendingNotSolved = await keptEvent(`Не работает. password: ${PASSWORD}`, false, false);
      const pendingSolved = await keptEvent(`ok, pass: ${PASSWORD}`, true, false);

      await new MaskKeptRatingComments1765500470000().up(runner);

      const comment = async (surveyId: string) => ((await runner.query(`SELECT comment FROM rating.ratings WHERE survey_id = $1`, [surveyId])) as { comment: string }[])[0].comment;
      expect(await comment(withPassword)).toBe(`Still broken. ${REMOVED}`);
      expect(await comment(ordinary)).toBe('The forgot password page still fails.');
      const data = async (position: string) => ((await runner.query(`SELECT event->'data' AS data FROM rating.outbox WHERE position = $1`, [position])) as { data: Record<string, unknown> }[])[0].data;
      expect(await data(published)).toMatchObject({ comment: REMOVED });
      expect(await data(published)).not.toHaveProperty('inTransit');
      expect(await data(pendingNotSolved)).toMatchObject({ comment: `Не работает. ${REMOVED}`, inTransit: { comment: `Не работает. password: ${PASSWORD}` } });
      expect(await data(pendingSolved)).toMatchObject({ comment: `ok, ${REMOVED}` });
      expect(await data(pendingSolved)).not.toHaveProperty('inTransit');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
