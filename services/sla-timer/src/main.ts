import { runMain, runServiceProcess } from '@tss/runtime';
import { slaTimerService } from './index';

// Services mode: this service alone, with DATABASE_URL and KAFKA_BROKERS (see README).
runMain('sla-timer', () => runServiceProcess(slaTimerService));
