import { messagingMigrations } from '@tss/messaging';
import type { ServiceModule } from '@tss/runtime';
import { ticketRoutes } from './http/ticket.routes';
import { CreateTickets1764115300000 } from './store/migrations/1764115300000-create-tickets';
import { TicketEntity } from './store/ticket.entity';
import { INTAKE_SCHEMA } from './store/ticket.store';

/** ticket-intake: owns tickets, messages, reference numbers; the only producer of `ticket.*`. */
export const ticketIntakeService: ServiceModule = {
  name: 'ticket-intake',
  description: 'Tickets: filing with a reference number, reading, listing, messages and the queue.',
  schema: INTAKE_SCHEMA,
  entities: [TicketEntity],
  migrations: [...messagingMigrations(INTAKE_SCHEMA), CreateTickets1764115300000],
  build: (deps) => ({
    routes: ticketRoutes(deps),
    handlers: [],
  }),
};
