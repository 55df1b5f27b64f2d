import { runServiceProcess } from '@tss/runtime';
import { ticketIntakeService } from './index';

// Services mode: this service alone, with DATABASE_URL and KAFKA_BROKERS (see README).
runServiceProcess(ticketIntakeService).catch((error: unknown) => {
  process.stderr.write(`ticket-intake failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
