import { partnerDirectoryHandlers } from '../events/partner-directory.handlers';
import { KnownPartners1765500340000 } from '../store/migrations/1765500340000-known-partners';
import { defineNotificationPart } from './notification-part';

/**
 * The partners the gateway registered (its `partner.*`), which the webhooks and mail parts check
 * an admin's `partnerId` against (docs/adr/0034, 0035: addenda of 2026-12-04, third session).
 */
export const partnersPart = defineNotificationPart({
  name: 'partners',
  migrations: [KnownPartners1765500340000],
  build: () => ({ handlers: partnerDirectoryHandlers() }),
});
