import { ticketListRoutes } from '../http/ticket-list.routes';
import { defineIntakePart } from './intake-part';

/**
 * Listing and searching tickets (issue #9 "List and search"): filters, full text, keyset pages.
 * Its triggers and indexes are in the queue part's migration 1765000300000.
 */
export const searchPart = defineIntakePart({
  name: 'search',
  build: (deps) => ({ routes: ticketListRoutes(deps) }),
});
