import { idempotencyFingerprintsCleared } from '@tss/runtime';
import { RATING_SCHEMA } from '../../schema';

/** P9: the Idempotency-Key fingerprints older releases kept (SHA-256 of bodies as written, particulars included) are cleared (docs/adr/0028, addendum of 2026-12-05, fourth session). */
export const IdempotencyFingerprintsCleared1765605800000 = idempotencyFingerprintsCleared(RATING_SCHEMA, 1765605800000);
