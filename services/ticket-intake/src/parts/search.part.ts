import { ticketListRoutes } from '../http/ticket-list.routes';
import { defineIntakePart } from './intake-part';

/** Listing and searching tickets (issue #9 "List and search"). */
export const searchPart = defineIntakePart({
  name: 'search',
  build: (deps) => ({ routes: ticketListRoutes(deps) }),
});
