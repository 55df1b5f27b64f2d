import { runServiceProcess } from '@tss/runtime';
import { slaTimerService } from './index';

// Services mode: this service alone, with DATABASE_URL and KAFKA_BROKERS (see README).
runServiceProcess(slaTimerService).catch((error: unknown) => {
  process.stderr.write(`sla-timer failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
