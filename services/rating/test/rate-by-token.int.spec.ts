import { randomUUID } from 'node:crypto';
import { TicketReopenedV1 } from '@tss/contracts';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { openSurvey, rateByToken } from '../src/use-cases/rate-by-token';
import { startRating, type RatingUnderTest } from './support/rating-under-test';

const DAY_MS = 86_400_000;

// Issue #13: a survey on every resolution, and the use cases the rate page calls.
describe('rating surveys and rating by link (issue #13, P11)', () => {
  const clock = new TestClock('2026-04-01T09:00:00.000Z');
  const partnerId = randomUUID();
  let rating: RatingUnderTest;

  beforeAll(async () => {
    rating = await startRating(clock, { TSS_PUBLIC_URL: 'https://support.example' });
  });
  afterAll(async () => {
    await rating?.sut.stop();
  });

  it('P11: a resolution makes a survey and publishes rating.requested with the rate URL; only the token’s hash is stored', async () => {
    const ticket = await rating.ticketCreated({ partnerId, language: 'ru' });
    const link = await rating.resolve({ ...ticket, partnerId }, 2);
    expect(link.rateUrl).toMatch(/^https:\/\/support\.example\/rate\/[A-Za-z0-9_-]{43}$/);
    expect(new Date(link.expiresAt).getTime()).toBe(clock.now().getTime() + 14 * DAY_MS);
    const rows = await rating.sut.query<{ id: string; status: string }>(`SELECT id, status FROM rating.surveys WHERE ticket_id = $1`, [ticket.ticketId]);
    expect(rows).toEqual([{ id: link.surveyId, status: 'open' }]);
    const stored = await rating.sut.query(`SELECT encode(token_sha256, 'base64') AS b64, encode(token_sha256, 'hex') AS hex FROM rating.surveys`);
    expect(JSON.stringify(stored)).not.toContain(link.token);

    expect(await openSurvey(rating.deps, link.token)).toEqual({
      ok: true,
      value: { surveyId: link.surveyId, ticketId: ticket.ticketId, reference: ticket.reference, subject: 'Reader crashes on opening EPUB', language: 'ru', expiresAt: new Date(link.expiresAt), rated: false, newerSurveySent: false, reopened: false },
    });
  });

  it('RATING_LINK_TTL_MS sets the expiry', async () => {
    const other = await startRating(clock, { RATING_LINK_TTL_MS: String(3 * DAY_MS) });
    try {
      const ticket = await other.ticketCreated({ partnerId });
      const link = await other.resolve({ ...ticket, partnerId }, 2);
      expect(new Date(link.expiresAt).getTime()).toBe(clock.now().getTime() + 3 * DAY_MS);
      expect(link.rateUrl).toMatch(/^http:\/\/127\.0\.0\.1:3000\/rate\//);
    } finally {
      await other.sut.stop();
    }
  });

  it('rateByToken records one rating and publishes rating.submitted; a second is a conflict and records nothing', async () => {
    const ticket = await rating.ticketCreated({ partnerId });
    const link = await rating.resolve({ ...ticket, partnerId }, 2);
    const rated = await rateByToken(rating.deps, link.token, { score: 5, solved: true, comment: '  Quick and kind.  ' });
    expect(rated).toMatchObject({ ok: true, value: { surveyId: link.surveyId, ticketId: ticket.ticketId, reference: ticket.reference, score: 5, solved: true, comment: 'Quick and kind.', via: 'link' } });
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toEqual([
      { partnerId, surveyId: link.surveyId, score: 5, solved: true, comment: 'Quick and kind.', submittedAt: clock.now().toISOString() },
    ]);
    const again = await rateByToken(rating.deps, link.token, { score: 1, solved: false });
    expect(again).toMatchObject({ ok: false, error: { kind: 'conflict' } });
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toHaveLength(1);
    expect(await rating.sut.query(`SELECT score FROM rating.ratings WHERE survey_id = $1`, [link.surveyId])).toEqual([{ score: 5 }]);
    expect(await openSurvey(rating.deps, link.token)).toMatchObject({ ok: true, value: { rated: true } });
  });

  it('two ratings racing on one link: exactly one is recorded', async () => {
    const ticket = await rating.ticketCreated({ partnerId });
    const link = await rating.resolve({ ...ticket, partnerId }, 2);
    const results = await Promise.all([1, 2, 3, 4].map((score) => rateByToken(rating.deps, link.token, { score, solved: true })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.kind)).toEqual(['conflict', 'conflict', 'conflict']);
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toHaveLength(1);
  });

  it('unknown and forged tokens are not_found; a score outside 1–5 or an oversize comment is bad_request; nothing is recorded', async () => {
    const ticket = await rating.ticketCreated({ partnerId });
    const link = await rating.resolve({ ...ticket, partnerId }, 2);
    const forged = `${link.token.slice(0, -1)}${link.token.endsWith('A') ? 'B' : 'A'}`;
    expect(await openSurvey(rating.deps, forged)).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    expect(await rateByToken(rating.deps, forged, { score: 4, solved: true })).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    expect(await rateByToken(rating.deps, 'not-a-token', { score: 4, solved: true })).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    for (const score of [0, 6, 2.5]) expect(await rateByToken(rating.deps, link.token, { score, solved: true })).toMatchObject({ ok: false, error: { kind: 'bad_request' } });
    expect(await rateByToken(rating.deps, link.token, { score: 3, solved: true, comment: 'x'.repeat(4_001) })).toMatchObject({ ok: false, error: { kind: 'bad_request' } });
    expect(await rating.sut.query(`SELECT 1 FROM rating.ratings WHERE ticket_id = $1`, [ticket.ticketId])).toEqual([]);
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toEqual([]);
    expect(await rateByToken(rating.deps, link.token, { score: 3, solved: true, comment: 'x'.repeat(4_000) })).toMatchObject({ ok: true });
  });

  it('a second resolution after a reopen supersedes the unrated survey (gone); a link past its expiry is gone', async () => {
    const ticket = await rating.ticketCreated({ partnerId });
    const first = await rating.resolve({ ...ticket, partnerId }, 2);
    await rating.publish(TicketReopenedV1, ticket.ticketId, { partnerId, sequence: 3, reopenedAt: clock.now().toISOString() });
    const second = await rating.resolve({ ...ticket, partnerId }, 4, 2);
    expect(second.surveyId).not.toBe(first.surveyId);
    expect(await openSurvey(rating.deps, first.token)).toMatchObject({ ok: false, error: { kind: 'gone' } });
    expect(await rateByToken(rating.deps, first.token, { score: 5, solved: true })).toMatchObject({ ok: false, error: { kind: 'gone' } });
    await waitFor('the reopen counted', async () => (await rating.sut.query<{ reopen_count: number }>(`SELECT reopen_count FROM rating.tickets WHERE ticket_id = $1`, [ticket.ticketId]))[0]?.reopen_count === 1);

    clock.advanceMs(14 * DAY_MS - 1);
    expect(await openSurvey(rating.deps, second.token)).toMatchObject({ ok: true, value: { rated: false } });
    clock.advanceMs(1);
    expect(await openSurvey(rating.deps, second.token)).toMatchObject({ ok: false, error: { kind: 'gone' } });
    expect(await rateByToken(rating.deps, second.token, { score: 5, solved: true })).toMatchObject({ ok: false, error: { kind: 'gone' } });
    expect(await rating.sut.query(`SELECT 1 FROM rating.ratings WHERE ticket_id = $1`, [ticket.ticketId])).toEqual([]);
    expect(await rating.events(ticket.ticketId, 'rating.submitted')).toEqual([]);
  });

  it('P11: a rated link whose ticket was resolved again since tells of the newer survey (newerSurveySent); the newer one does not', async () => {
    const ticket = await rating.ticketCreated({ partnerId });
    const first = await rating.resolve({ ...ticket, partnerId }, 2);
    expect(await rateByToken(rating.deps, first.token, { score: 4, solved: true })).toMatchObject({ ok: true });
    expect(await openSurvey(rating.deps, first.token)).toMatchObject({ ok: true, value: { rated: true, newerSurveySent: false } });
    await rating.publish(TicketReopenedV1, ticket.ticketId, { partnerId, sequence: 3, reopenedAt: clock.now().toISOString() });
    const second = await rating.resolve({ ...ticket, partnerId }, 4, 2);
    expect(await openSurvey(rating.deps, first.token)).toMatchObject({ ok: true, value: { rated: true, newerSurveySent: true } });
    expect(await openSurvey(rating.deps, second.token)).toMatchObject({ ok: true, value: { rated: false, newerSurveySent: false } });
  });
});
