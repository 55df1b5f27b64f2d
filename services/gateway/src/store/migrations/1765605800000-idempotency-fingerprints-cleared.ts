import { idempotencyFingerprintsCleared } from '@tss/runtime';
import { GATEWAY_SCHEMA } from '../gateway.entities';

/** P9: the Idempotency-Key fingerprints older releases kept (SHA-256 of bodies as written, particulars included) are cleared (docs/adr/0028, addendum of 2026-12-05, fourth session). */
export const IdempotencyFingerprintsCleared1765605800000 = idempotencyFingerprintsCleared(GATEWAY_SCHEMA, 1765605800000);
