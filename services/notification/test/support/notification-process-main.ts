import pino from 'pino';
import { InProcessTransport } from '@tss/messaging';
import { runMain, ServiceProcessEnv, startServiceInstance } from '@tss/runtime';
import { exitOnSignals, loadConfig, shutdownInOrder } from '@tss/service-kit';
import { notificationService } from '../../src/index';

/**
 * notification alone in a process of its own (`notification-process.ts` spawns it), as services
 * mode runs it but on the in-process transport: no broker, its database from DATABASE_URL, its
 * settings from the environment. Prints "notification is running" once it serves and works; a
 * SIGTERM stops it gracefully, a SIGKILL is the test's fault.
 */
const main = async (): Promise<void> => {
  const config = loadConfig(ServiceProcessEnv, process.env);
  const logger = pino({ level: config.LOG_LEVEL });
  const instance = await startServiceInstance(notificationService, {
    config,
    logger,
    transport: new InProcessTransport(),
    // No tokens reach it: it sends, it serves no caller.
    keySource: () => ({ getKey: async () => undefined }),
  });
  process.stdout.write('notification is running\n');
  // As a service process stops (libs/runtime): its closers in order, exit 0 when they finished.
  exitOnSignals(() => shutdownInOrder(instance.closers(), logger, config.SHUTDOWN_TIMEOUT_MS), logger);
};

runMain('notification', main);
