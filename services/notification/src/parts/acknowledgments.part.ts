import { onTicketClosed } from '../events/on-ticket-closed.handler';
import { onTicketCreated } from '../events/on-ticket-created.handler';
import { AcknowledgmentEntity } from '../store/acknowledgment.entity';
import { CreateAcknowledgments1764115500000 } from '../store/migrations/1764115500000-create-acknowledgments';
import { AcknowledgmentTicketClosed1765601400000 } from '../store/migrations/1765601400000-acknowledgment-ticket-closed';
import { SiteLinkEnv } from '@tss/service-kit';
import { siteLinksFrom } from '../use-cases/site-links';
import { MAIL_CONFIG, messageIdDomainOf } from './mail.part';
import { defineNotificationPart } from './notification-part';

/** P3: the acknowledgment of every new ticket: recorded, and queued as mail when the requester has an address. */
export const acknowledgmentsPart = defineNotificationPart({
  name: 'acknowledgments',
  config: { MAIL_FROM: MAIL_CONFIG.MAIL_FROM, ...SiteLinkEnv },
  entities: [AcknowledgmentEntity],
  migrations: [CreateAcknowledgments1764115500000, AcknowledgmentTicketClosed1765601400000],
  build: (deps) => ({
    handlers: [onTicketCreated({ timers: deps.timers, messageIdDomain: messageIdDomainOf(deps.config.MAIL_FROM), siteLinks: siteLinksFrom(deps.config) }), onTicketClosed()],
  }),
});
