import { Type, type TProperties } from '@sinclair/typebox';
import { messagingMigrations } from '@tss/messaging';
import { idempotencyMigration, type BackgroundTask, type ServiceModule } from '@tss/runtime';
import { TimerStore, TimerWorker, timersMigrations } from '@tss/timers';
import { attachmentsPart } from './parts/attachments.part';
import { credentialsPart } from './parts/credentials.part';
import type { IntakePart } from './parts/intake-part';
import { queuePart } from './parts/queue.part';
import { searchPart } from './parts/search.part';
import { ticketsPart } from './parts/tickets.part';
import { SHARED_SCHEMAS } from './http/ticket.schemas';
import { INTAKE_SCHEMA } from './store/ticket.store';

// The features of intake, each in its own files (parts/intake-part.ts).
const PARTS: readonly IntakePart[] = [ticketsPart, searchPart, attachmentsPart, credentialsPart, queuePart] as readonly IntakePart[];

const migrationTimestamp = (m: new () => unknown): number => Number(/(\d{13})$/.exec(m.name)?.[1] ?? 0);

/** ticket-intake: owns tickets, messages, reference numbers; the only producer of `ticket.*`. */
export const ticketIntakeService: ServiceModule = {
  name: 'ticket-intake',
  description: 'Tickets: filing with a reference number, the status machine, history, messages, attachments, credentials and the queue.',
  schema: INTAKE_SCHEMA,
  config: Type.Object(Object.assign({}, ...PARTS.map((p) => p.config ?? {})) as TProperties),
  configProblems: (config) => PARTS.flatMap((p) => p.configProblems?.(config as never) ?? []),
  entities: PARTS.flatMap((p) => p.entities ?? []),
  migrations: [
    ...messagingMigrations(INTAKE_SCHEMA),
    ...[...timersMigrations(INTAKE_SCHEMA), idempotencyMigration(INTAKE_SCHEMA), ...PARTS.flatMap((p) => p.migrations ?? [])].sort((a, b) => migrationTimestamp(a) - migrationTimestamp(b)),
  ],
  build: (serviceDeps) => {
    const timers = new TimerStore({ schema: INTAKE_SCHEMA, clock: serviceDeps.clock });
    const deps = { ...serviceDeps, timers, lifecycleHooks: [], messageHooks: [], filingHooks: [], messageUploads: [] };
    const built = PARTS.map((part) => part.build(deps as never));
    const timerHandlers = Object.assign({}, ...built.map((b) => b.timers ?? {}));
    const worker = new TimerWorker({ dataSource: deps.dataSource, schema: INTAKE_SCHEMA, clock: deps.clock, logger: deps.logger, handlers: timerHandlers });
    const timerTask: BackgroundTask = { name: 'ticket-intake timers', start: () => worker.start(), stop: () => worker.stop() };
    return {
      routes: async (app) => {
        for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
        for (const b of built) if (b.routes) await app.register(b.routes);
      },
      handlers: built.flatMap((b) => b.handlers ?? []),
      background: [...built.flatMap((b) => b.background ?? []), timerTask],
    };
  },
};
