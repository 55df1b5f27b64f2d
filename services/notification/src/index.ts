import { Type, type TProperties } from '@sinclair/typebox';
import { messagingMigrations } from '@tss/messaging';
import type { BackgroundTask, ServiceModule } from '@tss/runtime';
import { TimerStore, TimerWorker, timersMigrations } from '@tss/timers';
import { acknowledgmentsPart } from './parts/acknowledgments.part';
import { mailPart } from './parts/mail.part';
import { mergeHandlers, type NotificationPart } from './parts/notification-part';
import { webhooksPart } from './parts/webhooks.part';
import { NOTIFICATION_SCHEMA } from './store/acknowledgment.store';

// The features of notification, each in its own files (parts/notification-part.ts).
const PARTS: readonly NotificationPart[] = [acknowledgmentsPart, mailPart, webhooksPart] as readonly NotificationPart[];

const migrationTimestamp = (m: new () => unknown): number => Number(/(\d{13})$/.exec(m.name)?.[1] ?? 0);

/** notification: mail out and in, acknowledgments, webhooks; produces `notification.*`. */
export const notificationService: ServiceModule = {
  name: 'notification',
  description: 'Mail in and out, acknowledgments and webhooks.',
  schema: NOTIFICATION_SCHEMA,
  config: Type.Object(Object.assign({}, ...PARTS.map((p) => p.config ?? {})) as TProperties),
  configProblems: (config) => PARTS.flatMap((p) => p.configProblems?.(config as never) ?? []),
  entities: PARTS.flatMap((p) => p.entities ?? []),
  migrations: [
    ...messagingMigrations(NOTIFICATION_SCHEMA),
    ...[...timersMigrations(NOTIFICATION_SCHEMA), ...PARTS.flatMap((p) => p.migrations ?? [])].sort((a, b) => migrationTimestamp(a) - migrationTimestamp(b)),
  ],
  build: (serviceDeps) => {
    const timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock: serviceDeps.clock });
    const deps = { ...serviceDeps, timers };
    const built = PARTS.map((part) => part.build(deps as never));
    const worker = new TimerWorker({
      dataSource: deps.dataSource,
      schema: NOTIFICATION_SCHEMA,
      clock: deps.clock,
      logger: deps.logger,
      handlers: Object.assign({}, ...built.map((b) => b.timers ?? {})),
    });
    const timerTask: BackgroundTask = { name: 'notification timers', start: () => worker.start(), stop: () => worker.stop() };
    return {
      routes: async (app) => {
        for (const b of built) if (b.routes) await app.register(b.routes);
      },
      handlers: mergeHandlers(built.flatMap((b) => b.handlers ?? [])),
      background: [...built.flatMap((b) => b.background ?? []), timerTask],
    };
  },
};
