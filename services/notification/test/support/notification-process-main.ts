import pino from 'pino';
import { InProcessTransport } from '@tss/messaging';
import { ServiceProcessEnv, startServiceInstance } from '@tss/runtime';
import { loadConfig, shutdownInOrder } from '@tss/service-kit';
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
  process.once('SIGTERM', () => {
    void shutdownInOrder(instance.closers(), logger, config.SHUTDOWN_TIMEOUT_MS).then(() => process.exit(0));
  });
};

main().catch((error: unknown) => {
  process.stderr.write(`notification process failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
