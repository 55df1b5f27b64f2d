import { definePart } from '@tss/runtime';
import { partnerDirectoryHandlers } from '../events/partner-directory.handlers';
import { KnownPartners1765602010000 } from '../store/migrations/1765602010000-known-partners';

/**
 * The partners the gateway registered and whether each is active (its `partner.*`), which the
 * rating links check (docs/adr/0040, addendum of 2026-12-04, sixth session). Its handlers join the
 * one consumer group `rating`, so it reads `tss.partner` too, in services mode and in one process alike.
 */
export const partnersPart = definePart()({
  name: 'partners',
  migrations: [KnownPartners1765602010000],
  build: () => ({ handlers: partnerDirectoryHandlers() }),
});
