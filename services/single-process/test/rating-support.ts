import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { waitFor } from '@tss/service-kit/testing';
import type { TestPlatform } from './support/test-platform';

/** What the rating suites share: filing and resolving tickets through the API, and reading rating's events. */
export const ratingHelpers = (platform: TestPlatform) => {
  const client: PlatformClient = platform.client;
  const http = () => client.http();

  const file = async (token: string, body: Record<string, unknown> = sampleTicket()) => {
    const response = await http().post('/v1/tickets').auth(token, { type: 'bearer' }).send(body);
    if (response.status !== 201) throw new Error(`filing failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as { id: string; reference: string };
  };

  /** An agent resolves the ticket (PATCH with the ETag it read). */
  const resolve = async (agentToken: string, ticketId: string) => {
    const read = await http().get(`/v1/tickets/${ticketId}`).auth(agentToken, { type: 'bearer' });
    const response = await http().patch(`/v1/tickets/${ticketId}`).auth(agentToken, { type: 'bearer' }).set('if-match', read.headers.etag as string).send({ status: 'resolved' });
    if (response.status !== 200) throw new Error(`resolving failed: ${response.status} ${JSON.stringify(response.body)}`);
  };

  /** rating's published events of a ticket, oldest first. */
  const ratingEvents = (ticketId: string, type: string) =>
    platform.query<{ id: string; data: Record<string, unknown> }>(
      'rating',
      `SELECT event->>'id' AS id, event->'data' AS data FROM rating.outbox WHERE event_type = $1 AND event->>'subject' = $2 ORDER BY position`,
      [type, ticketId],
    );

  /** The n-th rating link of the ticket (one per resolution), once rating has published it. */
  const rateLink = async (ticketId: string, n = 1) => {
    const event = await waitFor(`rating.requested #${n} of ${ticketId}`, async () => (await ratingEvents(ticketId, 'rating.requested'))[n - 1]);
    const data = event.data as { surveyId: string; rateUrl: string; expiresAt: string; partnerId: string };
    return { ...data, token: data.rateUrl.slice(data.rateUrl.lastIndexOf('/') + 1) };
  };

  return { http, file, resolve, ratingEvents, rateLink };
};
