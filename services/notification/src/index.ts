import { messagingMigrations } from '@tss/messaging';
import type { ServiceModule } from '@tss/runtime';
import { onTicketCreated } from './events/on-ticket-created.handler';
import { AcknowledgmentEntity } from './store/acknowledgment.entity';
import { NOTIFICATION_SCHEMA } from './store/acknowledgment.store';
import { CreateAcknowledgments1764115500000 } from './store/migrations/1764115500000-create-acknowledgments';

/** notification: mail out and in, acknowledgments, webhooks; produces `notification.*`. */
export const notificationService: ServiceModule = {
  name: 'notification',
  description: 'Mail in and out, acknowledgments and webhooks.',
  schema: NOTIFICATION_SCHEMA,
  entities: [AcknowledgmentEntity],
  migrations: [...messagingMigrations(NOTIFICATION_SCHEMA), CreateAcknowledgments1764115500000],
  build: () => ({ handlers: [onTicketCreated] }),
};
