import { composeService } from '@tss/runtime';
import { acknowledgmentsPart } from './parts/acknowledgments.part';
import { mailPart } from './parts/mail.part';
import type { NotificationPart } from './parts/notification-part';
import { partnersPart } from './parts/partners.part';
import { webhooksPart } from './parts/webhooks.part';
import { NOTIFICATION_SCHEMA } from './store/acknowledgment.store';
import { IdempotencyKeys1765500710000 } from './store/migrations/1765500710000-idempotency-keys';

/** notification: mail out and in, acknowledgments, webhooks; produces `notification.*`. Each feature is a part (parts/). */
export const notificationService = composeService({
  name: 'notification',
  description: 'Mail in and out, acknowledgments and webhooks.',
  schema: NOTIFICATION_SCHEMA,
  parts: [acknowledgmentsPart, mailPart, webhooksPart, partnersPart] as readonly NotificationPart[],
  // Idempotency-Key on every POST behind a token (docs/adr/0028): the webhook routes; inbound mail is public.
  idempotency: IdempotencyKeys1765500710000,
});
