import { runMain, runServiceProcess } from '@tss/runtime';
import { ticketIntakeService } from './index';

// Services mode: this service alone, with DATABASE_URL and KAFKA_BROKERS (see README).
runMain('ticket-intake', () => runServiceProcess(ticketIntakeService));
