import { runMain, runServiceProcess } from '@tss/runtime';
import { ratingService } from './index';

// Services mode: this service alone, with DATABASE_URL and KAFKA_BROKERS (see README).
runMain('rating', () => runServiceProcess(ratingService));
