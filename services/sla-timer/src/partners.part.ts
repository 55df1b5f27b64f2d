import { partnerDirectoryHandlers } from './events/partner-directory.handlers';
import { KnownPartners1765501100000 } from './store/migrations/1765501100000-known-partners';

/**
 * The partners the gateway registered (its `partner.*`), which the policy routes check an
 * agreement's partner against (docs/adr/0031, addendum of 2026-12-04, fourth session). Composed
 * into the sla-timer module by `index.ts`: its handlers beside the ticket events', so the one
 * consumer group `sla-timer` reads `tss.partner` too, in services mode and in one process alike.
 */
export const partnersPart = {
  migrations: [KnownPartners1765501100000],
  handlers: () => partnerDirectoryHandlers(),
};
