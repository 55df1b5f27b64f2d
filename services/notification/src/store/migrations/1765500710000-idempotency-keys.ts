import { idempotencyMigration } from '@tss/runtime';
import { NOTIFICATION_SCHEMA } from '../acknowledgment.store';

/** Notification's Idempotency-Key records (docs/adr/0028, addendum of 2026-12-04): the webhook POSTs take keys. */
export const IdempotencyKeys1765500710000 = idempotencyMigration(NOTIFICATION_SCHEMA, 1765500710000);
