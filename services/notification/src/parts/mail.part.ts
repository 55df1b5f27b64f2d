import { defineNotificationPart } from './notification-part';

/** Placeholder: filled in by the mail work of issue #11. */
export const mailPart = defineNotificationPart({
  name: 'mail',
  build: () => ({}),
});
