import { runServiceProcess } from '@tss/runtime';
import { ratingService } from './index';

// Services mode: this service alone, with DATABASE_URL and KAFKA_BROKERS (see README).
runServiceProcess(ratingService).catch((error: unknown) => {
  process.stderr.write(`rating failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
