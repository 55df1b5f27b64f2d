import { partnerDirectory } from '@tss/persistence';
import { SLA_SCHEMA } from './response-clock.store';

/** The partners sla-timer knows (from the gateway's `partner.*`): the ones an agreement may name. */
export const partnerDirectoryStore = partnerDirectory(SLA_SCHEMA);
