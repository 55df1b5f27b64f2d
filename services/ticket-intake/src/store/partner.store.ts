import { partnerDirectory } from '@tss/persistence';

/** The partners intake knows (from the gateway's `partner.*`): whom staff may file for. */
export const partnerStore = partnerDirectory('ticket_intake');
