import { onTicketCreated } from '../events/on-ticket-created.handler';
import { AcknowledgmentEntity } from '../store/acknowledgment.entity';
import { CreateAcknowledgments1764115500000 } from '../store/migrations/1764115500000-create-acknowledgments';
import { defineNotificationPart } from './notification-part';

/** P3: the acknowledgment of every new ticket (recorded; sending is the mail part's). */
export const acknowledgmentsPart = defineNotificationPart({
  name: 'acknowledgments',
  entities: [AcknowledgmentEntity],
  migrations: [CreateAcknowledgments1764115500000],
  build: () => ({ handlers: [onTicketCreated] }),
});
