import { runServiceProcess } from '@tss/runtime';
import { notificationService } from './index';

// Services mode: this service alone, with DATABASE_URL and KAFKA_BROKERS (see README).
runServiceProcess(notificationService).catch((error: unknown) => {
  process.stderr.write(`notification failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
