import { partnerDirectory } from '@tss/persistence';
import { RATING_SCHEMA } from '../schema';

/** The partners rating knows (from the gateway's `partner.*`): a deactivated one's links take no rating. */
export const partnerDirectoryStore = partnerDirectory(RATING_SCHEMA);
