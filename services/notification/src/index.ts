import { composeService } from '@tss/runtime';
import { acknowledgmentsPart } from './parts/acknowledgments.part';
import { instancesPart } from './parts/instances.part';
import { mailPart } from './parts/mail.part';
import type { NotificationPart, NotificationShared } from './parts/notification-part';
import { partnersPart } from './parts/partners.part';
import { webhooksPart } from './parts/webhooks.part';
import { NOTIFICATION_SCHEMA } from './store/acknowledgment.store';
import { IdempotencyKeys1765500710000 } from './store/migrations/1765500710000-idempotency-keys';
import { NotificationInstance } from './use-cases/notification-instance';

/** notification: mail out and in, acknowledgments, webhooks; produces `notification.*`. Each feature is a part (parts/). */
export const notificationService = composeService<NotificationShared>({
  name: 'notification',
  description: 'Mail in and out, acknowledgments and webhooks.',
  schema: NOTIFICATION_SCHEMA,
  // instances last: background work stops in this order, and its row goes once the senders have drained.
  parts: [acknowledgmentsPart, mailPart, webhooksPart, partnersPart, instancesPart] as readonly NotificationPart[],
  extraDeps: () => ({ instance: new NotificationInstance() }),
  // Idempotency-Key on every POST behind a token (docs/adr/0028): the webhook routes; inbound mail is public.
  idempotency: IdempotencyKeys1765500710000,
});
