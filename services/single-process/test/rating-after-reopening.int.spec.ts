import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { ratingHelpers } from './rating-support';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

interface RatingBody {
  surveyId: string;
  score: number;
  solved: boolean;
  withdrawn?: { withdrawnAt: string; reopenedAt: string };
  escalations: { escalationId: string; kind: string }[];
}
interface TicketRatingBody {
  survey?: { surveyId: string; state: string };
  rating?: RatingBody;
  earlier: RatingBody[];
}
interface EscalationBody {
  id: string;
  kind: string;
  status: string;
  outcome?: string;
  resolvedBy?: string;
}

// docs/adr/0040, addendum of 2026-12-05 (second session): a rating rating took while it had not read
// a reopening yet rated a resolution that no longer stood. Here rating's consumer is held back while
// an agent reopens, so the requester's rating meets the survey still open (201, as before); when
// rating reads the reopening, the rating is withdrawn: counted nowhere, its low-rating escalation
// resolved, `rating.withdrawn` published. A rating given before a reopening, and the "not solved"
// rating that reopens the ticket itself, stand.
describe('a rating taken after its ticket was reopened, while rating lagged: withdrawn when rating reads the reopening (P11)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let h: ReturnType<typeof ratingHelpers>;
  let acme: { partnerId: string; token: string };
  let agent: { token: string };
  let admin: string;
  let quality: { token: string };
  let ann: string;
  const clock = new TestClock('2026-06-01T09:00:00.000Z');

  beforeAll(async () => {
    platform = await startTestPlatform('rating_after_reopening', { clock });
    client = platform.client;
    h = ratingHelpers(platform);
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Reopen Lag');
    agent = await client.staff(admin, ['agent'], 'Rae Agent');
    quality = await client.staff(admin, ['quality'], 'Quinn Quality');
    ann = await client.requester(acme.token, 'cust-ann');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const get = (path: string, token: string) => client.http().get(path).auth(token, { type: 'bearer' });
  const ticketRating = async (id: string) => (await get(`/v1/tickets/${id}/rating`, acme.token)).body as TicketRatingBody;
  const escalationsOf = async (id: string) => (await get(`/v1/escalations?ticketId=${id}`, admin)).body.items as EscalationBody[];
  const reopenedEntries = async (id: string) =>
    ((await get(`/v1/tickets/${id}/history`, acme.token)).body.items as { action: string; actor: { kind: string; id: string } }[]).filter((e) => e.action === 'reopened');
  const acmeQuality = async () => {
    const report = await get('/v1/reports/quality?groupBy=partner', quality.token);
    expect(report.status).toBe(200);
    return (report.body.groups as { key: string; ratings: number; notSolved: number }[]).find((g) => g.key === acme.partnerId);
  };
  const resolvedWithSurvey = async () => {
    const ticket = await h.file(acme.token, sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' } }));
    await h.resolve(agent.token, ticket.id);
    const link = await h.rateLink(ticket.id);
    await waitFor(`the survey of ${ticket.reference} open`, async () => (await ticketRating(ticket.id)).survey?.state === 'open');
    return { ...ticket, surveyId: link.surveyId };
  };
  const rate = (id: string, body: Record<string, unknown>) => client.http().post(`/v1/tickets/${id}/rating`).auth(ann, { type: 'bearer' }).send(body);

  let lagged: { id: string; reference: string; surveyId: string };

  it('rating lags: the agent reopens, and the requester’s "not solved" rating of 1 a second later is still taken (201) and escalated', async () => {
    lagged = await resolvedWithSurvey();
    await platform.running.platform.host('rating').consumer.stop();
    const reopened = await client.http().post(`/v1/tickets/${lagged.id}/reopen`).auth(agent.token, { type: 'bearer' }).send({ reason: 'The customer called: it crashes again' });
    expect(reopened.status).toBe(200);
    clock.advanceMs(1_000);
    const rated = await rate(lagged.id, { score: 1, solved: false, comment: 'Not fixed at all' });
    expect(rated.status).toBe(201);
    await waitFor('the low-rating escalation', async () => (await escalationsOf(lagged.id)).find((e) => e.kind === 'low_rating'));
  });

  it('once rating reads the reopening: the rating is withdrawn, its survey too; the ticket was reopened once, by the agent', async () => {
    await platform.running.platform.host('rating').consumer.start();
    const shown = await waitFor('the rating withdrawn', async () => {
      const read = await ticketRating(lagged.id);
      return read.rating?.withdrawn ? read : undefined;
    });
    expect(shown.survey).toMatchObject({ surveyId: lagged.surveyId, state: 'withdrawn' });
    expect(shown.rating).toMatchObject({ surveyId: lagged.surveyId, score: 1, solved: false, withdrawn: { reopenedAt: expect.any(String), withdrawnAt: expect.any(String) } });
    expect(Date.parse(shown.rating!.withdrawn!.reopenedAt)).toBeLessThan(Date.parse(shown.rating!.withdrawn!.withdrawnAt));
    expect(await reopenedEntries(lagged.id)).toEqual([expect.objectContaining({ actor: expect.objectContaining({ kind: 'staff' }) })]);
    const withdrawn = await h.ratingEvents(lagged.id, 'rating.withdrawn');
    const [reopening] = await platform.query<{ sequence: number }>(
      'ticket-intake',
      `SELECT (event->'data'->>'sequence')::int AS sequence FROM ticket_intake.outbox WHERE event_type = 'ticket.reopened' AND message_key = $1`,
      [lagged.id],
    );
    expect(withdrawn.map((e) => e.data)).toEqual([
      expect.objectContaining({ surveyId: lagged.surveyId, reason: 'reopened_before_rating', partnerId: acme.partnerId, ticketSequence: reopening.sequence }),
    ]);
  });

  it('its low-rating escalation is resolved automatically, saying why', async () => {
    const escalation = await waitFor('the low-rating escalation resolved', async () => (await escalationsOf(lagged.id)).find((e) => e.kind === 'low_rating' && e.status === 'resolved'));
    expect(escalation.outcome).toMatch(/^Withdrawn: the rating was taken after the ticket had been reopened/);
    expect(escalation.resolvedBy).toBeNull();
  });

  it('the survey’s link refuses another rating while the ticket is open (409), and the quality report counts no rating of it', async () => {
    const again = await rate(lagged.id, { score: 5, solved: true });
    expect(again.status).toBe(409);
    expect(await acmeQuality()).toMatchObject({ ratings: 0, notSolved: 0 });
  });

  it('resolved again: a new survey, and its rating counts', async () => {
    await h.resolve(agent.token, lagged.id);
    const second = await h.rateLink(lagged.id, 2);
    await waitFor('the second survey open', async () => (await ticketRating(lagged.id)).survey?.surveyId === second.surveyId);
    expect((await rate(lagged.id, { score: 5, solved: true })).status).toBe(201);
    const shown = await ticketRating(lagged.id);
    expect(shown.rating).toMatchObject({ surveyId: second.surveyId, score: 5 });
    expect(shown.rating?.withdrawn).toBeUndefined();
    expect(shown.earlier).toEqual([expect.objectContaining({ surveyId: lagged.surveyId, withdrawn: expect.any(Object) })]);
    expect(await acmeQuality()).toMatchObject({ ratings: 1, notSolved: 0 });
  });

  it('a rating given before a reopening stands, and so does the "not solved" rating that reopens the ticket itself (same instant)', async () => {
    const earlier = await resolvedWithSurvey();
    expect((await rate(earlier.id, { score: 4, solved: true })).status).toBe(201);
    clock.advanceMs(1_000);
    expect((await client.http().post(`/v1/tickets/${earlier.id}/reopen`).auth(agent.token, { type: 'bearer' }).send({ reason: 'Back again' })).status).toBe(200);

    const itself = await resolvedWithSurvey();
    expect((await rate(itself.id, { score: 2, solved: false })).status).toBe(201);
    await waitFor('reopened by the rating', async () => (await reopenedEntries(itself.id)).length === 1);
    const reopenings = await platform.query<{ data: Record<string, unknown> }>(
      'ticket-intake',
      `SELECT event->'data' AS data FROM ticket_intake.outbox WHERE event_type = 'ticket.reopened' AND message_key = $1 ORDER BY position`,
      [itself.id],
    );
    expect(reopenings.map((e) => e.data.ratingSurveyId)).toEqual([itself.surveyId]);
    const byAgent = await platform.query<{ data: Record<string, unknown> }>('ticket-intake', `SELECT event->'data' AS data FROM ticket_intake.outbox WHERE event_type = 'ticket.reopened' AND message_key = $1`, [earlier.id]);
    expect(byAgent.map((e) => e.data.ratingSurveyId)).toEqual([undefined]);
    const both = [earlier, itself];
    // A marker after each reopening: rating reads one ticket's events in order, so once it has the next
    // resolution's survey, it has read the reopening.
    for (const ticket of both) {
      await h.resolve(agent.token, ticket.id);
      await h.rateLink(ticket.id, 2);
      await waitFor(`the second survey of ${ticket.reference}`, async () => (await ticketRating(ticket.id)).survey?.state === 'open');
      const shown = await ticketRating(ticket.id);
      expect({ ticket: ticket.reference, earlier: shown.earlier.map((r) => ({ surveyId: r.surveyId, withdrawn: r.withdrawn })) }).toEqual({
        ticket: ticket.reference,
        earlier: [{ surveyId: ticket.surveyId, withdrawn: undefined }],
      });
    }
    expect(await h.ratingEvents(itself.id, 'rating.withdrawn')).toEqual([]);
    expect(await h.ratingEvents(earlier.id, 'rating.withdrawn')).toEqual([]);
    const stillOpen = await waitFor('the low rating’s escalation', async () => (await escalationsOf(itself.id)).find((e) => e.kind === 'low_rating'));
    expect(stillOpen.status).toBe('open');
  });
});
