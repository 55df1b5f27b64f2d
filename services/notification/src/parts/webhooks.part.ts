import { defineNotificationPart } from './notification-part';

/** Placeholder: filled in by the webhooks work of issue #11. */
export const webhooksPart = defineNotificationPart({
  name: 'webhooks',
  build: () => ({}),
});
