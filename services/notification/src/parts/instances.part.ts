import { Type } from '@sinclair/typebox';
import { NotificationInstances1765602700000 } from '../store/migrations/1765602700000-notification-instances';
import { InstanceLiveness } from '../use-cases/instance-liveness';
import { defineNotificationPart } from './notification-part';
import { instanceMetrics } from '../use-cases/instance-metrics';

export const InstanceConfig = {
  NOTIFICATION_HEARTBEAT_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 5_000,
    description: 'How often each notification instance beats its row (by the database clock) and sweeps for the work of instances that stopped',
  }),
  NOTIFICATION_TAKE_BACK_AFTER_MS: Type.Integer({
    minimum: 1_000,
    maximum: 600_000,
    default: 30_000,
    description:
      'A notification instance silent this long (no beat, by the database clock) is dead: its mail attempts and webhook claims are sent again by a live instance. At least 3 beats; shorter takes back sooner, and may take back the sends of an instance only briefly cut off from the database',
  }),
};

/**
 * This instance's row in `notification.instances`, its beat and the sweep that takes back the work
 * of instances that stopped (docs/adr/0035 and 0034, addenda of 2026-12-04, seventh session).
 * Composed after the mail and webhook parts: the service stops background work in part order, so
 * the row is removed only once their sends are drained and recorded.
 */
export const instancesPart = defineNotificationPart({
  name: 'instances',
  config: InstanceConfig,
  configProblems: (config) =>
    config.NOTIFICATION_TAKE_BACK_AFTER_MS < 3 * config.NOTIFICATION_HEARTBEAT_MS
      ? [
          `NOTIFICATION_TAKE_BACK_AFTER_MS (${config.NOTIFICATION_TAKE_BACK_AFTER_MS}) must be at least 3 × NOTIFICATION_HEARTBEAT_MS (${config.NOTIFICATION_HEARTBEAT_MS}): a live instance would be taken for dead between two beats`,
        ]
      : [],
  migrations: [NotificationInstances1765602700000],
  build: (deps) => {
    instanceMetrics(); // its counter's series exist from the start, before the first take-back
    const liveness = new InstanceLiveness({
      dataSource: deps.dataSource,
      instance: deps.instance,
      timers: deps.timers,
      clock: deps.clock,
      logger: deps.logger,
      heartbeatMs: deps.config.NOTIFICATION_HEARTBEAT_MS,
      takeBackAfterMs: deps.config.NOTIFICATION_TAKE_BACK_AFTER_MS,
    });
    return { background: [{ name: 'notification instance heartbeat', start: () => liveness.start(), stop: () => liveness.stop() }] };
  },
});
