import { TicketLifecycle1765000000000 } from '../store/migrations/1765000000000-ticket-lifecycle';
import { CreateTickets1764115300000 } from '../store/migrations/1764115300000-create-tickets';
import { TicketEntity } from '../store/ticket.entity';
import { ticketRoutes } from '../http/ticket.routes';
import { defineIntakePart } from './intake-part';

/** Tickets: filing, reading, the status machine, history, messages and the thread. */
export const ticketsPart = defineIntakePart({
  name: 'tickets',
  entities: [TicketEntity],
  migrations: [CreateTickets1764115300000, TicketLifecycle1765000000000],
  build: (deps) => ({ routes: ticketRoutes(deps) }),
});
