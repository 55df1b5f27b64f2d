import { messagingMigrations } from '@tss/messaging';
import type { ServiceModule } from '@tss/runtime';
import { onTicketCreated } from './events/on-ticket-created.handler';
import { slaRoutes } from './http/sla.routes';
import { CreateResponseClocks1764115400000 } from './store/migrations/1764115400000-create-response-clocks';
import { ClockRequester1764633600000 } from './store/migrations/1764633600000-clock-requester';
import { ResponseClockEntity } from './store/response-clock.entity';
import { SLA_SCHEMA } from './store/response-clock.store';

/** sla-timer: owns response clocks and SLA policies; produces `sla.*`. */
export const slaTimerService: ServiceModule = {
  name: 'sla-timer',
  description: 'SLA policies and the response clocks of tickets.',
  schema: SLA_SCHEMA,
  entities: [ResponseClockEntity],
  migrations: [...messagingMigrations(SLA_SCHEMA), CreateResponseClocks1764115400000, ClockRequester1764633600000],
  build: (deps) => ({ routes: slaRoutes(deps), handlers: [onTicketCreated] }),
};
