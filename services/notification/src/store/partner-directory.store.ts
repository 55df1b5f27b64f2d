import { partnerDirectory } from '@tss/persistence';
import { NOTIFICATION_SCHEMA } from './acknowledgment.store';

/** The partners notification knows (from the gateway's `partner.*`): the ones admins may name, and whose mail is taken. */
export const partnerDirectoryStore = partnerDirectory(NOTIFICATION_SCHEMA);
