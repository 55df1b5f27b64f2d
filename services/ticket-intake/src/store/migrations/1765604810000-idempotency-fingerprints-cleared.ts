import { idempotencyFingerprintsCleared } from '@tss/runtime';
import { INTAKE_SCHEMA } from '../ticket.store';

/** P9: the Idempotency-Key fingerprints older releases kept (SHA-256 of bodies as written, particulars included) are cleared (docs/adr/0028, addendum of 2026-12-05, fourth session). */
export const IdempotencyFingerprintsCleared1765604810000 = idempotencyFingerprintsCleared(INTAKE_SCHEMA, 1765604810000);
