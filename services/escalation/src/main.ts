import { runServiceProcess } from '@tss/runtime';
import { escalationService } from './index';

// Services mode: this service alone, with DATABASE_URL and KAFKA_BROKERS (see README).
runServiceProcess(escalationService).catch((error: unknown) => {
  process.stderr.write(`escalation failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
