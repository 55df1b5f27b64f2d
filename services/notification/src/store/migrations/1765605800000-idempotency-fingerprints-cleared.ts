import { idempotencyFingerprintsCleared } from '@tss/runtime';
import { NOTIFICATION_SCHEMA } from '../acknowledgment.store';

/** P9: the Idempotency-Key fingerprints older releases kept (SHA-256 of bodies as written, particulars included) are cleared (docs/adr/0028, addendum of 2026-12-05, fourth session). */
export const IdempotencyFingerprintsCleared1765605800000 = idempotencyFingerprintsCleared(NOTIFICATION_SCHEMA, 1765605800000);
