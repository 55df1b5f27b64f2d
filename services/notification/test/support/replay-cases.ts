import { STAFF_ONLY_EVENT_TYPES } from '@tss/contracts';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../src/domain/webhook-filter';

/** Every type a delivery may carry, staff-only ones, one a later release may add, and near misses. */
export const TYPES_TO_TRY = [
  ...SUBSCRIBABLE_EVENT_TYPES,
  ...STAFF_ONLY_EVENT_TYPES,
  'escalation.added_later',
  'ticket.added_later',
  'ticketing.created',
  'ratings.requested',
  'sla',
  'slab.met',
];

/** Filters of endpoints as stored: each type, each domain, `*`, and an older endpoint's staff-only filters. */
export const FILTER_SETS: string[][] = [
  ['*'],
  ['ticket.*'],
  ['sla.*', 'rating.*'],
  ['escalation.*'],
  ['ticket.reopened', 'ticket.responded', 'rating.*'],
  ['ticket.*', 'escalation.*', 'ticket.referral_applied'],
  ['*', 'ticket.created'],
  ...SUBSCRIBABLE_EVENT_TYPES.map((t) => [t]),
];
