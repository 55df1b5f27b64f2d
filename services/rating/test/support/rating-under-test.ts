import { randomBytes, randomUUID } from 'node:crypto';
import { generateReference, TicketCreatedV1, TicketResolvedV1, type EventContract, type EventData } from '@tss/contracts';
import { Outbox } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { waitFor, type TestClock } from '@tss/service-kit/testing';
import { ratingService } from '../../src/index';
import type { RatingDeps } from '../../src/use-cases/rate-by-token';

/** rating alone on its own database, fed events as their producers would publish them. */
export interface RatingUnderTest {
  sut: ServiceUnderTest;
  deps: RatingDeps;
  publish<E extends EventContract>(contract: E, subject: string, data: EventData<E>): Promise<void>;
  /** A ticket.created as intake publishes it. */
  ticketCreated(input: { partnerId: string; requesterId?: string; language?: 'en' | 'ru'; level?: 'standard' | 'emergency' | 'consulting'; product?: 'reader' | 'player' | 'platform' }): Promise<{ ticketId: string; reference: string }>;
  /** A ticket.resolved (sequence given by the caller), then the link rating published for it. */
  resolve(ticket: { ticketId: string; partnerId: string }, sequence: number, nth?: number): Promise<{ surveyId: string; token: string; rateUrl: string; expiresAt: string }>;
  /** rating's own events of a ticket, by type, oldest first. */
  events(ticketId: string, type: string): Promise<Record<string, unknown>[]>;
}

export const startRating = async (clock: TestClock, env: NodeJS.ProcessEnv = {}): Promise<RatingUnderTest> => {
  const sut = await startServiceUnderTest(ratingService, { clock, env });
  const publish: RatingUnderTest['publish'] = async (contract, subject, data) => {
    // Written as its owner would publish it, into rating's outbox: its relay hands it to the in-process transport.
    const producer = new Outbox({ service: contract.owner, schema: 'rating', clock });
    await sut.host.unitOfWork.run((tx) => producer.add(tx, contract, subject, data));
  };
  const events: RatingUnderTest['events'] = async (ticketId, type) =>
    (
      await sut.query<{ data: Record<string, unknown> }>(`SELECT event->'data' AS data FROM rating.outbox WHERE event_type = $1 AND event->>'subject' = $2 ORDER BY position`, [
        type,
        ticketId,
      ])
    ).map((r) => r.data);
  return {
    sut,
    deps: { unitOfWork: sut.host.unitOfWork, outbox: sut.host.outbox, clock, dataSource: sut.host.dataSource },
    publish,
    events,
    ticketCreated: async (input) => {
      const ticketId = randomUUID();
      const reference = generateReference(randomBytes);
      await publish(TicketCreatedV1, ticketId, {
        partnerId: input.partnerId,
        sequence: 1,
        reference,
        channel: 'api',
        product: input.product ?? 'reader',
        productVersion: '4.2',
        level: input.level ?? 'standard',
        subject: 'Reader crashes on opening EPUB',
        requester: { email: 'ann@client.example', ...(input.requesterId ? { id: input.requesterId } : {}) },
        missingDetails: [],
        receivedAt: clock.now().toISOString(),
        ...(input.language ? { language: input.language } : {}),
      });
      return { ticketId, reference };
    },
    resolve: async (ticket, sequence, nth = 1) => {
      await publish(TicketResolvedV1, ticket.ticketId, {
        partnerId: ticket.partnerId,
        sequence,
        resolvedAt: clock.now().toISOString(),
        reopenWindowEndsAt: new Date(clock.now().getTime() + 14 * 86_400_000).toISOString(),
      });
      const data = (await waitFor(`rating.requested #${nth} of ${ticket.ticketId}`, async () => (await events(ticket.ticketId, 'rating.requested'))[nth - 1])) as {
        surveyId: string;
        rateUrl: string;
        expiresAt: string;
      };
      return { ...data, token: data.rateUrl.slice(data.rateUrl.lastIndexOf('/') + 1) };
    },
  };
};
