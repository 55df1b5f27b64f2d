import { staffDirectory } from '@tss/persistence';

/** The staff intake knows (from the gateway's `staff.*`): whom a ticket may be assigned to. */
export const staffStore = staffDirectory('ticket_intake');
