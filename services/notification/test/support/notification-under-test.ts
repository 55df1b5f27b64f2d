import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { TicketCreatedV1, type EventContract, type EventData } from '@tss/contracts';
import { Outbox } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { waitFor, type TestClock } from '@tss/service-kit/testing';
import { notificationService } from '../../src/index';

/** notification alone on its own database, fed events as their producers would publish them. */
export interface NotificationUnderTest {
  sut: ServiceUnderTest;
  /** Publishes an event through the service's outbox (the in-process transport hands it to its consumers). */
  publish<E extends EventContract>(contract: E, subject: string, data: EventData<E>): Promise<string>;
  /** Resolves once notification handled the event (its inbox row): to assert that an event changed nothing. */
  handled(eventId: string): Promise<void>;
  /** A ticket.created as intake publishes it; returns the ticket id and reference. */
  ticketCreated(input: { partnerId: string; email?: string; name?: string; requesterId?: string; language?: 'en' | 'ru'; reference?: string }): Promise<{ ticketId: string; reference: string }>;
  /** Mail from `domain` is the partner's (as an admin's `PUT …/mail-domains` records it). */
  partnerMailDomain(partnerId: string, domain: string): Promise<void>;
  /** A raw mail posted to `POST /v1/inbound/email` as a mail provider would (MAIL_INBOUND_SECRET `secret`): taken (202), its receipt. */
  receiveMail(raw: Buffer, secret: string): Promise<InboundReceipt>;
}

/** What `POST /v1/inbound/email` answers for a mail it took. */
export interface InboundReceipt {
  inboundId: string;
  outcome: string;
  ticketId?: string;
  reason?: string;
}

let references = 0;

export const startNotification = async (clock: TestClock, env: NodeJS.ProcessEnv, logger?: Logger): Promise<NotificationUnderTest> => {
  const sut = await startServiceUnderTest(notificationService, { clock, env, ...(logger ? { logger } : {}) });
  const publish: NotificationUnderTest['publish'] = async (contract, subject, data) => {
    // Written as its owner would publish it, into notification's outbox: its relay hands it to the in-process transport.
    const producer = new Outbox({ service: contract.owner, schema: 'notification', clock });
    return (await sut.host.unitOfWork.run((tx) => producer.add(tx, contract, subject, data))).id;
  };
  return {
    sut,
    publish,
    handled: async (eventId) => {
      await waitFor(`event ${eventId} handled`, async () => (await sut.query(`SELECT 1 FROM notification.inbox WHERE event_id = $1`, [eventId])).length > 0);
    },
    receiveMail: async (raw, secret) => {
      const response = await sut.http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', secret).send(raw);
      expect(response.status).toBe(202);
      return response.body as InboundReceipt;
    },
    partnerMailDomain: async (partnerId, domain) => {
      await sut.query(`INSERT INTO notification.partner_mail_domains (domain, partner_id, added_by, added_at) VALUES ($1, $2, 'test', $3)`, [domain, partnerId, clock.now()]);
    },
    ticketCreated: async (input) => {
      const ticketId = randomUUID();
      references += 1;
      const reference = input.reference ?? `TSS-T${String(references).padStart(4, '0')}-ABCDE`;
      await publish(TicketCreatedV1, ticketId, {
        partnerId: input.partnerId,
        sequence: 1,
        reference,
        channel: 'api',
        product: 'reader',
        productVersion: '4.2',
        level: 'standard',
        subject: 'Reader crashes on opening EPUB',
        requester: { ...(input.email ? { email: input.email } : {}), ...(input.name !== undefined ? { name: input.name } : {}), ...(input.requesterId ? { id: input.requesterId } : {}) },
        missingDetails: [],
        receivedAt: clock.now().toISOString(),
        ...(input.language ? { language: input.language } : {}),
      });
      return { ticketId, reference };
    },
  };
};
